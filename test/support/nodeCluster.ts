/**
 * A whole cluster of real child processes (meta, shards, proxies), each on a port fixed at
 * start so that any one node can be killed (kill -9) and started again on the same port
 * and data dir while the others keep running: the fault tests' nemesis (issue 8).
 * Children are forked with an IPC channel, so they exit if this process dies
 * (common/roleProcess.ts); stop() ends every one of them by PID.
 */
import { fork, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from './metaProcesses';

export type NodeRole = 'meta' | 'shard' | 'proxy';

export interface ClusterNode {
  readonly name: string;
  readonly role: NodeRole;
  readonly address: string;
  proc: ChildProcess | null;
  /** Times this node was started (1 after the first start). */
  starts: number;
}

export interface NodeCluster {
  readonly nodes: readonly ClusterNode[];
  readonly secret: string;
  /** One postgres:// URL per proxy. */
  readonly proxyUrls: readonly string[];
  readonly metaAddresses: readonly string[];
  /** Sends signal (default SIGKILL) to the node; resolves once it has exited. */
  kill(name: string, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped node again on its port and data dir; resolves once it is ready. */
  restart(name: string): Promise<void>;
  /** Stops every node (proxies, then shards, then meta; SIGKILL after a grace period). */
  stop(): Promise<void>;
}

export interface NodeClusterOptions {
  readonly metas?: number;
  readonly shards?: number;
  readonly proxies?: number;
  /** Extra flags for every meta node (e.g. --gc-life-time-ms). */
  readonly metaArgs?: readonly string[];
  readonly proxyArgs?: readonly string[];
  readonly shardArgs?: readonly string[];
}

const dist = path.resolve(__dirname, '../..');
const READY_TIMEOUT_MS = 60_000;

export async function startNodeCluster(
  dataDir: string,
  options: NodeClusterOptions = {},
): Promise<NodeCluster> {
  const secret = `test-secret-${process.pid}-${Date.now()}`;
  const logDir = path.join(dataDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const nodes: ClusterNode[] = [];
  const add = async (role: NodeRole, name: string): Promise<ClusterNode> => {
    const node: ClusterNode = {
      name,
      role,
      address: `127.0.0.1:${await freePort()}`,
      proc: null,
      starts: 0,
    };
    nodes.push(node);
    return node;
  };
  const metas: ClusterNode[] = [];
  for (let i = 1; i <= (options.metas ?? 3); i++) metas.push(await add('meta', `meta${i}`));
  for (let i = 1; i <= (options.shards ?? 3); i++) await add('shard', `shard${i}`);
  for (let i = 1; i <= (options.proxies ?? 2); i++) await add('proxy', `proxy${i}`);
  const metaList = metas.map((m) => m.address).join(',');
  const peers = metas.map((m, i) => `${i + 1}=${m.address}`).join(',');

  function argsOf(node: ClusterNode): string[] {
    const common = ['--node-name', node.name, '--listen', node.address];
    switch (node.role) {
      case 'meta':
        return [
          ...common,
          '--node-id',
          node.name.slice('meta'.length),
          '--peers',
          peers,
          '--data-dir',
          path.join(dataDir, node.name),
          ...(options.metaArgs ?? []),
        ];
      case 'shard':
        return [
          ...common,
          '--meta',
          metaList,
          '--data-dir',
          path.join(dataDir, node.name),
          ...(options.shardArgs ?? []),
        ];
      case 'proxy':
        // One process per proxy: a kill -9 then ends every session it served at once.
        return [...common, '--meta', metaList, '--workers', '1', ...(options.proxyArgs ?? [])];
    }
  }

  function start(node: ClusterNode): Promise<void> {
    const log = fs.openSync(path.join(logDir, `${node.name}.log`), 'a');
    const proc = fork(path.join(dist, node.role, 'main.js'), argsOf(node), {
      stdio: ['ignore', log, log, 'ipc'],
      env: { ...process.env, SHARDDB_CLUSTER_SECRET: secret },
    });
    fs.closeSync(log);
    node.proc = proc;
    node.starts++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${node.name} not ready within ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
      proc.on('message', (m: { ready?: boolean }) => {
        if (m.ready) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (node.proc === proc) node.proc = null;
        reject(new Error(`${node.name} exited (${signal ?? code}) before it was ready`));
      });
    });
  }

  const byName = (name: string): ClusterNode => {
    const n = nodes.find((x) => x.name === name);
    if (n === undefined) throw new Error(`no node ${name}`);
    return n;
  };

  async function kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const node = byName(name);
    const proc = node.proc;
    if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    await exited;
    node.proc = null;
  }

  async function stop(): Promise<void> {
    for (const role of ['proxy', 'shard', 'meta'] as const) {
      await Promise.all(
        nodes
          .filter((n) => n.role === role && n.proc !== null)
          .map(async (n) => {
            const proc = n.proc as ChildProcess;
            const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
            if (proc.exitCode === null && proc.signalCode === null) {
              proc.kill('SIGTERM');
              const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
              await exited;
              clearTimeout(t);
            }
            n.proc = null;
          }),
      );
    }
  }

  try {
    await Promise.all(metas.map((m) => start(m)));
    await Promise.all(nodes.filter((n) => n.role === 'shard').map((n) => start(n)));
    await Promise.all(nodes.filter((n) => n.role === 'proxy').map((n) => start(n)));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    nodes,
    secret,
    proxyUrls: nodes
      .filter((n) => n.role === 'proxy')
      .map((n) => `postgres://postgres@${n.address}/postgres`),
    metaAddresses: metas.map((m) => m.address),
    kill,
    restart: (name) => start(byName(name)),
    stop,
  };
}
