/**
 * A meta Raft group of real processes (dist/meta/main.js), on loopback ports fixed at start,
 * for tests and benchmarks about crashes: kill -9 a member, restart it on the same data dir.
 * Children are forked with an IPC channel, so they exit if this process dies (roleProcess.ts).
 */
import { fork, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { RpcClient } from '../../common/rpc';
import { silentLogger } from '../../common/logger';
import type { MetaMemberStatus } from '../../meta/server';
import { waitFor } from './waitFor';

const metaMain = path.resolve(__dirname, '../../meta/main.js');

export interface MetaMember {
  readonly id: number;
  readonly address: string;
  proc: ChildProcess | null;
  /** A member started later with --join: its --peers (the group it joins, and itself). */
  readonly joinPeers?: string;
}

export interface MetaProcessGroup {
  readonly members: readonly MetaMember[];
  readonly addresses: readonly string[];
  readonly secret: string;
  /** kill -9 (or another signal) to one member; resolves once it has exited. */
  kill(id: number, signal?: NodeJS.Signals): Promise<void>;
  /** Sends a signal that does not end the process (SIGSTOP, SIGCONT: freeze and thaw it). */
  signal(id: number, signal: NodeJS.Signals): void;
  /** Starts a stopped member again on its data dir; resolves once it serves RPC. */
  restart(id: number): Promise<void>;
  /** Cuts `id` off from every other member (both directions), or heals with isolated = false. */
  isolate(id: number, isolated: boolean): Promise<void>;
  /** Shifts the wall clock member `id`'s TSO reads by skewMs (fault injection). */
  skewClock(id: number, skewMs: number): Promise<void>;
  /** Each running member's own view (meta.raftStatus); unreachable ones left out. */
  statuses(): Promise<MetaMemberStatus[]>;
  /** The member that leads and serves timestamps, once there is one (within timeoutMs). */
  waitForLeader(timeoutMs?: number): Promise<MetaMemberStatus>;
  /**
   * Starts a new node with --join (no configuration until the leader adds it: ALTER CLUSTER ADD
   * META, meta.addMember); resolves once it serves RPC. It is not a member until added.
   */
  startJoining(id: number): Promise<MetaMember>;
  /** Stops every member (SIGKILL after a grace period). */
  stop(): Promise<void>;
}

/**
 * A port free now, below the kernel's ephemeral range. Members are restarted on their port:
 * a port from the ephemeral range (what listen(0) gives) can meanwhile become the source
 * port of some outgoing connection, and the restart then fails with EADDRINUSE (seen in CI:
 * "meta2 exited (1)" in the partition test).
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const ephemeralStart = ephemeralRangeStart();
  const low = 10_000;
  if (ephemeralStart > low + 1000) {
    for (let attempt = 0; attempt < 100; attempt++) {
      const port = low + Math.floor(Math.random() * (ephemeralStart - low));
      if (await canListen(port, host)) return port;
    }
  }
  return listenOnce(0, host);
}

function ephemeralRangeStart(): number {
  try {
    const [first] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/);
    const n = Number(first);
    return Number.isInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0; // not Linux: listen(0) below
  }
}

async function canListen(port: number, host: string): Promise<boolean> {
  return listenOnce(port, host).then(
    () => true,
    () => false,
  );
}

function listenOnce(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(port, host, () => {
      const bound = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(bound));
    });
  });
}

export async function startMetaProcesses(
  dataDir: string,
  options: { count?: number; secret?: string; tickMs?: number; snapshotEvery?: number } = {},
): Promise<MetaProcessGroup> {
  const count = options.count ?? 3;
  const secret = options.secret ?? 'test-secret-' + process.pid;
  const members: MetaMember[] = [];
  for (let id = 1; id <= count; id++)
    members.push({ id, address: `127.0.0.1:${await freePort()}`, proc: null });
  const peers = members.map((m) => `${m.id}=${m.address}`).join(',');
  const logDir = path.join(dataDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const clients = new Map(
    members.map((m) => [
      m.id,
      new RpcClient({
        address: m.address,
        secret,
        name: 'test',
        logger: silentLogger(),
        defaultTimeoutMs: 1000,
        backoffMaxMs: 100,
      }),
    ]),
  );

  function memberOf(id: number): MetaMember {
    const m = members.find((x) => x.id === id);
    if (!m) throw new Error(`no meta member ${id}`);
    return m;
  }

  function start(m: MetaMember): Promise<void> {
    const log = fs.openSync(path.join(logDir, `meta${m.id}.log`), 'a');
    const args = [
      '--fault-injection',
      'true',
      '--node-name',
      `meta${m.id}`,
      '--node-id',
      String(m.id),
      '--listen',
      m.address,
      '--peers',
      m.joinPeers ?? peers,
      '--data-dir',
      path.join(dataDir, `meta${m.id}`),
    ];
    if (options.tickMs !== undefined) args.push('--raft-tick-ms', String(options.tickMs));
    if (m.joinPeers !== undefined) args.push('--join', 'true');
    if (options.snapshotEvery !== undefined)
      args.push('--raft-snapshot-every', String(options.snapshotEvery));
    const proc = fork(metaMain, args, {
      stdio: ['ignore', log, log, 'ipc'],
      env: { ...process.env, SHARDDB_CLUSTER_SECRET: secret },
    });
    fs.closeSync(log);
    m.proc = proc;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`meta${m.id} did not start within 30 s`)),
        30_000,
      );
      proc.on('message', (msg: { ready?: boolean }) => {
        if (msg.ready) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (m.proc === proc) m.proc = null;
        reject(new Error(`meta${m.id} exited (${signal ?? code})`));
      });
    });
  }

  async function kill(id: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const m = memberOf(id);
    const proc = m.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    await exited;
    m.proc = null;
  }

  async function statuses(): Promise<MetaMemberStatus[]> {
    const all = await Promise.all(
      members.map((m) =>
        m.proc
          ? (clients.get(m.id) as RpcClient)
              .call<MetaMemberStatus>('meta.raftStatus', {}, { timeoutMs: 500 })
              .catch(() => null)
          : null,
      ),
    );
    return all.filter((s): s is MetaMemberStatus => s !== null);
  }

  const group: MetaProcessGroup = {
    members,
    addresses: members.map((m) => m.address),
    secret,
    kill,
    async isolate(id, isolated) {
      const others = members.filter((m) => m.id !== id).map((m) => m.id);
      await Promise.all(
        members.map((m) =>
          (clients.get(m.id) as RpcClient).call('meta.faultInjection', {
            cutOff: !isolated ? [] : m.id === id ? others : [id],
          }),
        ),
      );
    },
    async skewClock(id, skewMs) {
      await (clients.get(id) as RpcClient).call('meta.faultInjection', { clockSkewMs: skewMs });
    },
    signal: (id, signal) => {
      memberOf(id).proc?.kill(signal);
    },
    restart: (id) => start(memberOf(id)),
    async startJoining(id) {
      if (members.some((m) => m.id === id)) throw new Error(`meta${id} exists already`);
      const address = `127.0.0.1:${await freePort()}`;
      const joinPeers = [...members, { id, address }].map((m) => `${m.id}=${m.address}`).join(',');
      const m: MetaMember = { id, address, proc: null, joinPeers };
      members.push(m);
      (group.addresses as string[]).push(address);
      clients.set(
        id,
        new RpcClient({
          address,
          secret,
          name: 'test',
          logger: silentLogger(),
          defaultTimeoutMs: 1000,
          backoffMaxMs: 100,
        }),
      );
      await start(m);
      return m;
    },
    statuses,
    waitForLeader: (timeoutMs = 15_000) =>
      waitFor(
        'a meta leader serving timestamps',
        async () => (await statuses()).find((s) => s.role === 'leader' && s.tsoServing),
        timeoutMs,
      ),
    async stop() {
      for (const c of clients.values()) c.close();
      await Promise.all(
        members.map(async (m) => {
          const proc = m.proc;
          if (!proc) return;
          const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
          proc.kill('SIGCONT'); // a frozen member must run to exit
          proc.kill('SIGTERM');
          const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(t);
          m.proc = null;
        }),
      );
    },
  };
  try {
    await Promise.all(members.map((m) => start(m)));
  } catch (err) {
    await group.stop();
    throw err;
  }
  return group;
}
