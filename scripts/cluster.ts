/**
 * `npm start`: a local cluster on loopback — a meta Raft group (--metas, default 3), shards and a proxy as child
 * processes, data under --data-dir (default ./data), logs under <data-dir>/logs/.
 *
 * Children keep an IPC channel to this launcher and shut down cleanly when it closes, so
 * nothing outlives the launcher even when npm does not forward SIGTERM (DESIGN.md). The
 * launcher itself stops every child on SIGINT/SIGTERM and waits for each to exit.
 * Starting again on the same data dir recovers every node's data.
 */
import { fork, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, parsers } from '../common/config';
import { ensureSecretFile } from '../common/secret';
import { acquireDataDirLock, DataDirInUseError, DataDirLock } from '../common/dataDirLock';

interface LauncherOptions {
  dataDir: string;
  port: number;
  host: string;
  shards: number;
  metas: number;
  engine: string;
  proxyWorkers: number;
}

const options: LauncherOptions = (() => {
  try {
    return loadConfig<LauncherOptions>({
      dataDir: {
        flag: 'data-dir',
        description: 'where every node keeps its data',
        parse: parsers.nonEmpty,
        default: './data',
      },
      port: {
        flag: 'port',
        description: 'proxy port for PostgreSQL clients (0: any free port)',
        parse: parsers.int(0, 65535),
        default: 5433,
      },
      host: {
        flag: 'host',
        description: 'loopback address to listen on',
        parse: parsers.nonEmpty,
        default: '127.0.0.1',
      },
      shards: {
        flag: 'shards',
        description: 'number of shard nodes',
        parse: parsers.int(1, 64),
        default: 3,
      },
      metas: {
        flag: 'metas',
        description: 'number of meta nodes',
        parse: parsers.int(1, 7),
        default: 3,
      },
      engine: {
        flag: 'engine',
        description: 'shard storage engine (lsm | sqlite)',
        parse: parsers.nonEmpty,
        default: 'lsm',
      },
      proxyWorkers: {
        flag: 'proxy-workers',
        env: 'SHARDDB_WORKERS',
        description: "the proxy's worker processes (default: a third of the cores, at least 1)",
        parse: parsers.int(1, 511),
        // Every role shares this machine's cores here: the proxy took about a third of the
        // CPU in TPC-B. A worker per core (the proxy's own default, right on a machine of its
        // own) oversubscribes them: on 2 cores, 2 workers against 1 cost 19-23% more CPU per
        // transaction and 9-12% of TPC-B's throughput (scale 10, 16 clients, interleaved).
        default: Math.max(1, Math.floor(os.availableParallelism() / 3)),
      },
    });
  } catch (err) {
    console.error((err as ConfigError).message);
    console.error(
      'usage: npm start -- [--data-dir DIR] [--port N] [--shards N] [--metas N] [--engine sqlite|lsm] [--proxy-workers N]',
    );
    process.exit(2);
  }
})();

const dataDir = path.resolve(options.dataDir);
// One launcher per data dir, before it writes anything there (cluster.json, the secret):
// a second `npm start` on a running cluster's dir once started nodes on live nodes' dirs.
// Each node also locks its own dir (common/dataDirLock.ts); this one says it up front.
let dirLock: DataDirLock;
try {
  dirLock = acquireDataDirLock(dataDir, { role: 'cluster', node: 'launcher' });
} catch (err) {
  if (!(err instanceof DataDirInUseError)) throw err;
  console.error(`cluster refused to start: ${err.message}`);
  process.exit(2);
}
const logDir = path.join(dataDir, 'logs');
fs.mkdirSync(logDir, { recursive: true });
const secretFile = path.join(dataDir, 'cluster.secret');
ensureSecretFile(secretFile);
const dist = path.resolve(__dirname, '..');

interface Child {
  readonly name: string;
  readonly role: string;
  readonly proc: ChildProcess;
  address: string;
  exited: boolean;
}
const children: Child[] = [];
let stopping = false;

function writeState(): void {
  const state = {
    launcherPid: process.pid,
    nodes: children.map((c) => ({
      name: c.name,
      role: c.role,
      pid: c.proc.pid,
      address: c.address,
      running: !c.exited,
    })),
  };
  fs.writeFileSync(path.join(dataDir, 'cluster.json'), JSON.stringify(state, null, 2) + '\n');
}

function startChild(
  role: 'meta' | 'shard' | 'proxy',
  name: string,
  args: string[],
): Promise<Child> {
  const logFile = path.join(logDir, `${name}.log`);
  const log = fs.openSync(logFile, 'a');
  const proc = fork(
    path.join(dist, role, 'main.js'),
    [...args, '--node-name', name, '--secret-file', secretFile],
    {
      stdio: ['ignore', log, log, 'ipc'],
      env: { ...process.env },
    },
  );
  fs.closeSync(log);
  const child: Child = { name, role, proc, address: '', exited: false };
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not become ready within 60 s (see ${logFile})`)),
      60_000,
    );
    proc.on('message', (m: { ready?: boolean; address?: string }) => {
      if (m.ready) {
        clearTimeout(timer);
        child.address = m.address ?? '';
        writeState();
        resolve(child);
      }
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      child.exited = true;
      writeState();
      if (!stopping) {
        console.error(`${name} exited unexpectedly (${signal ?? `code ${code}`}); see ${logFile}`);
        reject(new Error(`${name} exited during start`));
      }
    });
  });
}

async function stopAll(): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('stopping the cluster…');
  // Proxy first (no new client work), then shards, then meta.
  for (const role of ['proxy', 'shard', 'meta']) {
    await Promise.all(
      children
        .filter((c) => c.role === role && !c.exited)
        .map(
          (c) =>
            new Promise<void>((resolve) => {
              const kill = setTimeout(() => {
                console.error(`${c.name} did not stop within 15 s; killing it`);
                c.proc.kill('SIGKILL');
              }, 15_000);
              c.proc.once('exit', () => {
                clearTimeout(kill);
                resolve();
              });
              c.proc.kill('SIGTERM');
            }),
        ),
    );
  }
  writeState();
  dirLock.release();
  console.log('cluster stopped');
}

/** A port free right now (the OS picks it); meta ports must be known before any meta starts. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void stopAll().then(() => process.exit(0)));
  process.on('SIGTERM', () => void stopAll().then(() => process.exit(0)));
  // The meta Raft group: node ids 1..N are stable (they name each data dir's Raft state);
  // ports are picked afresh at every start and passed to every member in --peers.
  const metaAddresses: string[] = [];
  for (let i = 0; i < options.metas; i++)
    metaAddresses.push(`${options.host}:${await freePort(options.host)}`);
  const peers = metaAddresses.map((a, i) => `${i + 1}=${a}`).join(',');
  await Promise.all(
    metaAddresses.map((address, i) =>
      startChild('meta', `meta${i + 1}`, [
        '--node-id',
        String(i + 1),
        '--listen',
        address,
        '--peers',
        peers,
        '--data-dir',
        path.join(dataDir, `meta${i + 1}`),
      ]),
    ),
  );
  const meta = metaAddresses.join(',');
  await Promise.all(
    Array.from({ length: options.shards }, (_, i) =>
      startChild('shard', `shard${i + 1}`, [
        '--listen',
        `${options.host}:0`,
        '--data-dir',
        path.join(dataDir, `shard${i + 1}`),
        '--meta',
        meta,
        '--engine',
        options.engine,
      ]),
    ),
  );
  const proxy = await startChild('proxy', 'proxy1', [
    '--listen',
    `${options.host}:${options.port}`,
    '--meta',
    meta,
    '--workers',
    String(options.proxyWorkers),
  ]);
  const port = proxy.address.slice(proxy.address.lastIndexOf(':') + 1);
  console.log(
    `ShardDB is running: ${options.metas} meta, ${options.shards} shards, 1 proxy (data in ${dataDir}, logs in ${logDir})`,
  );
  console.log(`connect with: psql -h ${options.host} -p ${port} -U postgres`);
  console.log('press Ctrl-C to stop');
  // A machine-readable line for tests and scripts.
  console.log(`SHARDDB READY proxy=${proxy.address}`);
}

main().catch(async (err: unknown) => {
  console.error(`cluster failed to start: ${(err as Error).message}`);
  await stopAll();
  process.exit(1);
});
