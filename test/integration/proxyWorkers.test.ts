/**
 * The proxy with --workers 2 (proxy/workers/), as real processes: a primary forking two
 * pgwire workers over the in-memory engine (test/support/memoryProxyMain.ts, which has
 * pg_sleep). Sessions spread over both workers, a CancelRequest works whichever worker
 * receives it, max_connections holds across workers, a killed worker is replaced, and
 * SIGTERM or the launcher going away stops every process.
 */
import { expect } from 'chai';
import net from 'node:net';
import { Client } from 'pg';
import { workerOfPid } from '../../proxy/pgwire';
import { isAlive, startMemoryProxy, type MemoryProxyProcess } from '../support/memoryProxyProcess';
import { waitFor } from '../support/waitFor';

const maxConnections = 10;

/** A raw CancelRequest (protocol.html: length 16, code 80877102, pid, secret) on its own connection. */
function sendCancel(port: number, pid: number, secret: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const b = Buffer.alloc(16);
    b.writeInt32BE(16, 0);
    b.writeInt32BE(80877102, 4);
    b.writeInt32BE(pid, 8);
    b.writeInt32BE(secret, 12);
    s.on('error', reject);
    s.on('connect', () => s.write(b));
    // The server answers nothing and closes the connection (postmaster.c processCancelRequest).
    s.on('close', () => resolve());
    s.setTimeout(5000, () => s.destroy(new Error('cancel connection not closed by the server')));
  });
}

interface Keyed {
  processID: number;
  secretKey: number;
}

describe('proxy with --workers 2 (real processes)', function () {
  this.timeout(60_000);
  let proxy: MemoryProxyProcess;
  const clients: Client[] = [];

  const connect = async (): Promise<Client> => {
    const c = new Client({ host: '127.0.0.1', port: proxy.port, user: 'test', database: 'test' });
    c.on('error', () => undefined); // a killed worker drops its sessions; that is expected here
    clients.push(c);
    await c.connect();
    return c;
  };
  const closeClients = async (): Promise<void> => {
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
  };
  const workerOf = (c: Client): number => workerOfPid((c as unknown as Keyed).processID);

  before(async () => {
    proxy = await startMemoryProxy(
      ['--workers', '2', '--max-connections', String(maxConnections)],
      { SHARDDB_LOG_LEVEL: 'debug' },
    );
  });
  afterEach(closeClients);
  after(async () => {
    await proxy?.stop();
  });

  it('spreads sessions over both workers, with pids unique and carrying the worker id', async () => {
    const cs: Client[] = [];
    for (let i = 0; i < 8; i++) cs.push(await connect());
    const pids = cs.map((c) => (c as unknown as Keyed).processID);
    expect(new Set(pids).size).to.equal(8);
    expect(new Set(cs.map(workerOf))).to.deep.equal(new Set([1, 2]));
    for (const c of cs) expect((await c.query('SELECT 42 AS n')).rows).to.deep.equal([{ n: 42 }]);
  });

  it('cancels pg_sleep(10) within 100 ms of the CancelRequest whichever worker the CancelRequest reaches', async () => {
    // A sleeper on each worker, cancelled twice each. The primary accepts round-robin, so
    // successive connections alternate workers: the first pass's cancels reach the
    // owners; one extra connection shifts the turn so that the second pass's reach the
    // other worker (and go through the primary).
    const sleepers = [await connect(), await connect()];
    expect(new Set(sleepers.map(workerOf))).to.deep.equal(new Set([1, 2]));
    for (const [i, c] of [...sleepers, ...sleepers].entries()) {
      if (i === 2) await connect();
      // Issue 3 measures from the CancelRequest that took effect to the ErrorResponse.
      let cancelSentAt = Date.now();
      const q = c.query('SELECT pg_sleep(10)').then(
        () => ({ code: 'none', ms: Date.now() - cancelSentAt }),
        (err: { code?: string }) => ({ code: err.code, ms: Date.now() - cancelSentAt }),
      );
      // Wait until the statement runs: the engine's sleep has begun once the query is sent
      // and a short probe on the same session would queue behind it, so poll for the cancel
      // taking effect instead (a cancel before the statement starts is a no-op, as in PostgreSQL).
      const key = c as unknown as Keyed;
      const result = await waitFor(
        'pg_sleep cancelled',
        async () => {
          cancelSentAt = Date.now();
          await sendCancel(proxy.port, key.processID, key.secretKey);
          const settled = await Promise.race([
            q,
            new Promise<undefined>((r) => setTimeout(() => r(undefined), 100)),
          ]);
          return settled;
        },
        5000,
        0,
      );
      expect(result.code).to.equal('57014');
      expect(result.ms).to.be.below(100);
      expect((await c.query('SELECT 1 AS one')).rows).to.deep.equal([{ one: 1 }]);
    }
    // At least one cancel crossed workers through the primary (its debug log says so;
    // pino writes asynchronously, hence the wait).
    await waitFor(
      'a cancel routed through the primary',
      () => /cancel request routed/.test(proxy.output()),
      5000,
    );
  });

  it('ignores a CancelRequest with the wrong secret', async () => {
    const c = await connect();
    const key = c as unknown as Keyed;
    let done = false;
    const q = c.query('SELECT pg_sleep(0.3)').finally(() => (done = true));
    // Wrong-key cancels all through the statement, landing on both workers in turn.
    while (!done) await sendCancel(proxy.port, key.processID, key.secretKey ^ 1);
    const r = await q;
    expect(r.rows).to.have.length(1);
  });

  it('enforces max_connections across workers (53300 past it) and frees the ticket on close', async () => {
    const cs: Client[] = [];
    for (let i = 0; i < maxConnections; i++) cs.push(await connect());
    expect(new Set(cs.map(workerOf)).size).to.equal(2);
    let code: string | undefined;
    await connect().catch((err: { code?: string }) => (code = err.code));
    expect(code).to.equal('53300');
    await cs[0].end();
    const again = await connect();
    expect((await again.query('SELECT 2 AS two')).rows).to.deep.equal([{ two: 2 }]);
  });

  it('replaces a killed worker; its sessions and tickets are released, new sessions work', async () => {
    const held: Client[] = [];
    for (let i = 0; i < 4; i++) held.push(await connect());
    const before = proxy.workerPids();
    expect(before).to.have.length(2);
    const victim = before[0];
    process.kill(victim, 'SIGKILL');
    await waitFor(
      'a replacement worker',
      () => {
        const now = proxy.workerPids();
        return now.length === 2 && !now.includes(victim);
      },
      20_000,
    );
    const seen = new Set<number>();
    await waitFor(
      'sessions on both workers again',
      async () => {
        const c = new Client({
          host: '127.0.0.1',
          port: proxy.port,
          user: 'test',
          database: 'test',
        });
        await c.connect();
        try {
          expect((await c.query('SELECT 3 AS three')).rows).to.deep.equal([{ three: 3 }]);
          seen.add(workerOf(c));
        } finally {
          await c.end();
        }
        return seen.size === 2;
      },
      20_000,
    );
    // Two of the four held sessions died with the victim; if their tickets had leaked the
    // remaining budget would be short.
    await closeClients();
    const cs: Client[] = [];
    for (let i = 0; i < maxConnections; i++) cs.push(await connect());
    expect(new Set(cs.map(workerOf)).size).to.equal(2);
  });

  it('stops the primary and every worker on SIGTERM', async () => {
    const workers = proxy.workerPids();
    expect(workers).to.have.length(2);
    proxy.child.kill('SIGTERM');
    expect(await proxy.exited).to.equal(0);
    await waitFor('workers gone', () => workers.every((p) => !isAlive(p)), 10_000);
  });
});

describe('proxy with --workers 2: the launcher going away', function () {
  this.timeout(60_000);
  it('stops the primary and its workers when the IPC channel closes', async () => {
    const proxy = await startMemoryProxy(['--workers', '2']);
    try {
      const workers = proxy.workerPids();
      expect(workers).to.have.length(2);
      proxy.child.disconnect();
      expect(await proxy.exited).to.equal(0);
      await waitFor('workers gone', () => workers.every((p) => !isAlive(p)), 10_000);
    } finally {
      await proxy.stop();
    }
  });
});
