/**
 * LISTEN/NOTIFY, pg_terminate_backend and advisory locks with a real proxy process running
 * two node:cluster workers (proxy/workers/), beside the in-process cluster's own proxy:
 * notifications reach listeners on every worker, a terminate reaches a session of another
 * worker, and a proxy killed with SIGKILL loses its advisory locks within its lease.
 */
import path from 'node:path';
import { fork, type ChildProcess } from 'node:child_process';
import { expect } from 'chai';
import { Client, type Notification } from 'pg';
import { startInProcessCluster, InProcessCluster } from '../support/inProcessCluster';
import { childPids, isAlive } from '../support/memoryProxyProcess';
import { waitFor } from '../support/waitFor';

const proxyMain = path.resolve(__dirname, '../../proxy/main.js');
/** proxy/catalog/advisoryLocks.ts's default lease. */
const LEASE_MS = 3000;

/** Backend pids carry the worker slot in bits 22..30 (pgwire/backendPid.ts). */
const workerOf = (pid: number): number => pid >>> 22;

describe('sessions on a proxy with two worker processes', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let proxy: ChildProcess;
  let url: string;
  let output = '';
  const clients: Client[] = [];

  async function connect(to: string): Promise<{ c: Client; pid: number }> {
    const c = new Client(to);
    c.on('error', () => undefined);
    await c.connect();
    clients.push(c);
    const pid = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    return { c, pid };
  }

  /** One session on each worker (round-robin hands them out alternately). */
  async function onBothWorkers(): Promise<Map<number, { c: Client; pid: number }>> {
    const by = new Map<number, { c: Client; pid: number }>();
    for (let i = 0; i < 8 && by.size < 2; i++) {
      const s = await connect(url);
      if (!by.has(workerOf(s.pid))) by.set(workerOf(s.pid), s);
    }
    expect([...by.keys()].sort()).to.deep.equal([1, 2]);
    return by;
  }

  before(async () => {
    cluster = await startInProcessCluster({ shards: 1 });
    proxy = fork(
      proxyMain,
      [
        '--node-name',
        'wproxy',
        '--listen',
        '127.0.0.1:0',
        '--meta',
        cluster.meta.address,
        '--secret',
        cluster.secret,
        '--workers',
        '2',
      ],
      { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
    );
    proxy.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proxy.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    let address: string | undefined;
    proxy.on('message', (m: { ready?: boolean; address?: string }) => {
      if (m.ready === true) address = m.address;
    });
    await waitFor(
      'the proxy with two workers',
      () => {
        if (proxy.exitCode !== null) throw new Error(`proxy exited:\n${output}`);
        return address;
      },
      30_000,
    );
    url = `postgres://postgres@${address as string}/postgres`;
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    const pids = [...childPids(proxy.pid ?? 0), proxy.pid ?? 0];
    for (const pid of pids) if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
    await cluster.close();
  });

  it('delivers a notification to listeners on both workers and from one worker to the other', async () => {
    const by = await onBothWorkers();
    const got = new Map<number, Notification[]>();
    for (const [w, s] of by) {
      const list: Notification[] = [];
      got.set(w, list);
      s.c.on('notification', (n) => list.push(n));
      await s.c.query('LISTEN w');
    }
    const other = await connect(cluster.url);
    await other.c.query("NOTIFY w, 'from the other proxy'");
    const w1 = by.get(1) as { c: Client; pid: number };
    await w1.c.query("NOTIFY w, 'from worker 1'");
    await waitFor(
      'both workers to get both',
      () => [...got.values()].every((l) => l.length === 2),
      5000,
      5,
    );
    for (const list of got.values())
      expect(list.map((n) => [n.processId, n.payload])).to.deep.equal([
        [other.pid, 'from the other proxy'],
        [w1.pid, 'from worker 1'],
      ]);
  });

  it('terminates a session of another worker', async () => {
    const by = await onBothWorkers();
    const victim = by.get(2) as { c: Client; pid: number };
    const errors: Array<Error & { code?: string }> = [];
    victim.c.on('error', (e: Error & { code?: string }) => errors.push(e));
    const killer = by.get(1) as { c: Client; pid: number };
    const r = await killer.c.query('SELECT pg_terminate_backend($1) AS ok', [victim.pid]);
    expect(r.rows[0].ok).to.equal(true);
    await waitFor('the victim to be terminated', () => errors.length > 0, 5000);
    expect(errors[0].code).to.equal('57P01');
    // A pid no worker has: false, as PostgreSQL answers for a pid that is not a backend.
    const gone = await killer.c.query('SELECT pg_terminate_backend($1) AS ok', [victim.pid]);
    expect(gone.rows[0].ok).to.equal(false);
  });

  it('a killed proxy loses its advisory locks within the lease', async () => {
    const holder = await connect(url);
    await holder.c.query('SELECT pg_advisory_lock(4242)');
    const other = await connect(cluster.url);
    expect((await other.c.query('SELECT pg_try_advisory_lock(4242) AS ok')).rows[0].ok).to.equal(
      false,
    );
    // kill -9 the workers, then the primary before it can fork replacements.
    const workers = childPids(proxy.pid ?? 0);
    for (const pid of workers) process.kill(pid, 'SIGKILL');
    proxy.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor(
      'the lock to be free',
      async () => (await other.c.query('SELECT pg_try_advisory_lock(4242) AS ok')).rows[0].ok,
      LEASE_MS + 5000,
      50,
    );
    const freedAfter = Date.now() - killedAt;
    expect(freedAfter, 'ms until the lock was free').to.be.below(LEASE_MS + 1500);
  });
});
