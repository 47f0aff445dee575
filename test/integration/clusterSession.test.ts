/**
 * What sessions share across proxies: LISTEN/NOTIFY delivered to listeners on every proxy,
 * cluster-wide advisory locks, pg_terminate_backend. Two in-process proxies over one
 * in-process cluster.
 */
import { expect } from 'chai';
import { Client, type Notification } from 'pg';
import {
  startInProcessCluster,
  startSecondProxy,
  type InProcessCluster,
} from '../support/inProcessCluster';
import type { ProxyNode } from '../../proxy';
import { waitFor } from '../support/waitFor';

interface Listener {
  readonly client: Client;
  readonly got: Notification[];
}

async function connect(url: string): Promise<Client> {
  const c = new Client(url);
  c.on('error', () => undefined); // terminated sessions end with an error event
  await c.connect();
  return c;
}

async function listener(url: string, ...channels: string[]): Promise<Listener> {
  const client = await connect(url);
  const got: Notification[] = [];
  client.on('notification', (n) => got.push(n));
  for (const ch of channels) await client.query(`LISTEN ${ch}`);
  return { client, got };
}

function errorOf(p: Promise<unknown>): Promise<{ code?: string; message: string } | null> {
  return p.then(
    () => null,
    (e: { code?: string; message: string }) => e,
  );
}

describe('sessions across proxies: LISTEN/NOTIFY, advisory locks, pg_terminate_backend', function () {
  this.timeout(30_000);
  let cluster: InProcessCluster;
  let second: ProxyNode;
  let urlA: string;
  let urlB: string;
  const clients: Client[] = [];

  async function client(url: string): Promise<Client> {
    const c = await connect(url);
    clients.push(c);
    return c;
  }

  before(async () => {
    cluster = await startInProcessCluster({ shards: 1 });
    second = await startSecondProxy(cluster);
    urlA = cluster.url;
    urlB = `postgres://postgres@127.0.0.1:${second.port}/postgres`;
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await second.close();
    await cluster.close();
  });

  describe('LISTEN / NOTIFY', () => {
    it('a listener on another proxy gets the notifier pid, channel and payload', async () => {
      const l = await listener(urlB, 'jobs');
      clients.push(l.client);
      const a = await client(urlA);
      const pid = (await a.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      const t0 = Date.now();
      await a.query("NOTIFY jobs, 'hello'");
      await waitFor('the notification on proxy 2', () => l.got.length > 0, 5000, 5);
      const latency = Date.now() - t0;
      expect(
        l.got.map((n) => ({ pid: n.processId, channel: n.channel, payload: n.payload })),
      ).to.deep.equal([{ pid, channel: 'jobs', payload: 'hello' }]);
      expect(latency, 'delivery latency (ms)').to.be.below(1000);
    });

    it('sends at commit, in order, duplicates collapsed; a rollback sends nothing', async () => {
      const l = await listener(urlB, 'orders', 'other');
      clients.push(l.client);
      const a = await client(urlA);
      await a.query('BEGIN');
      await a.query("NOTIFY orders, 'rolled back'");
      await a.query('ROLLBACK');
      await a.query('BEGIN');
      await a.query("NOTIFY orders, '1'");
      await a.query("SELECT pg_notify('orders', '2')");
      await a.query("NOTIFY orders, '1'"); // the same (channel, payload): sent once
      await a.query("NOTIFY other, 'x'");
      await a.query("NOTIFY orders, '3'");
      // Nothing leaves before COMMIT: a marker sent by another session arrives first.
      const b = await client(urlA);
      await b.query("NOTIFY orders, 'marker'");
      await waitFor('the marker', () => l.got.length === 1, 5000, 5);
      await a.query('COMMIT');
      // An implicit transaction that fails sends nothing either.
      await errorOf(a.query("SELECT pg_notify('orders', 'failed'), 1/0"));
      await waitFor('the committed notifications', () => l.got.length >= 5, 5000, 5);
      await b.query("NOTIFY orders, 'end'");
      await waitFor('the end marker', () => l.got.some((n) => n.payload === 'end'), 5000, 5);
      expect(l.got.map((n) => `${n.channel}:${n.payload}`)).to.deep.equal([
        'orders:marker',
        'orders:1',
        'orders:2',
        'other:x',
        'orders:3',
        'orders:end',
      ]);
    });

    it('LISTEN in a transaction takes effect at commit; UNLISTEN stops delivery', async () => {
      const a = await client(urlA);
      const l = await listener(urlB);
      clients.push(l.client);
      await l.client.query('BEGIN');
      await l.client.query('LISTEN later');
      await a.query("NOTIFY later, 'before commit'");
      await l.client.query('COMMIT');
      await a.query("NOTIFY later, 'after commit'");
      await waitFor('the notification', () => l.got.length > 0, 5000, 5);
      await l.client.query('UNLISTEN *');
      await a.query("NOTIFY later, 'after unlisten'");
      // A notification on a channel still listened to proves the earlier one was not coming.
      await l.client.query('LISTEN probe');
      await a.query("NOTIFY probe, 'p'");
      await waitFor('the probe', () => l.got.some((n) => n.channel === 'probe'), 5000, 5);
      expect(l.got.map((n) => n.payload)).to.deep.equal(['after commit', 'p']);
    });

    it('a session notified of its own NOTIFY gets it before its COMMIT completes', async () => {
      const l = await listener(urlA, 'self');
      clients.push(l.client);
      await l.client.query("NOTIFY self, 'me'");
      expect(l.got.map((n) => n.payload)).to.deep.equal(['me']);
    });

    it('checks channel and payload like PostgreSQL (22023)', async () => {
      const a = await client(urlA);
      expect((await errorOf(a.query("SELECT pg_notify('', 'x')")))?.code).to.equal('22023');
      const big = 'x'.repeat(8000);
      const err = await errorOf(a.query(`SELECT pg_notify('c', '${big}')`));
      expect(err?.message).to.equal('payload string too long');
      expect(await errorOf(a.query(`SELECT pg_notify('c', '${'x'.repeat(7999)}')`))).to.equal(null);
    });
  });

  describe('advisory locks', () => {
    it('hold across proxies; a blocked pg_advisory_lock gets the key when it is released', async () => {
      const a = await client(urlA);
      const b = await client(urlB);
      await a.query('SELECT pg_advisory_lock(42)');
      expect((await b.query('SELECT pg_try_advisory_lock(42) AS ok')).rows[0].ok).to.equal(false);
      expect((await a.query('SELECT pg_try_advisory_lock(42) AS ok')).rows[0].ok).to.equal(true);
      let granted = false;
      const waiting = b.query('SELECT pg_advisory_lock(42)').then(() => (granted = true));
      await a.query('SELECT pg_advisory_unlock(42)'); // re-entrant: still held once
      await a.query("SELECT pg_notify('sync', '')"); // a round trip later, b still waits
      expect(granted).to.equal(false);
      expect((await a.query('SELECT pg_advisory_unlock(42) AS ok')).rows[0].ok).to.equal(true);
      await waiting;
      expect((await a.query('SELECT pg_try_advisory_lock(42) AS ok')).rows[0].ok).to.equal(false);
      expect((await b.query('SELECT pg_advisory_unlock(42) AS ok')).rows[0].ok).to.equal(true);
      expect((await a.query('SELECT pg_advisory_unlock(42) AS ok')).rows[0].ok).to.equal(false);
    });

    it('two-int4 keys and shared locks; lock_timeout gives 55P03, a cancel 57014', async () => {
      const a = await client(urlA);
      const b = await client(urlB);
      await a.query('SELECT pg_advisory_lock_shared(1, 2)');
      expect((await b.query('SELECT pg_try_advisory_lock_shared(1, 2) AS ok')).rows[0].ok).to.equal(
        true,
      );
      expect((await b.query('SELECT pg_try_advisory_lock(1, 2) AS ok')).rows[0].ok).to.equal(false);
      // The int8 key 1 is another lock than (1, 2).
      expect((await b.query('SELECT pg_try_advisory_lock(1) AS ok')).rows[0].ok).to.equal(true);
      await b.query("SET lock_timeout = '150ms'");
      const t0 = Date.now();
      expect((await errorOf(b.query('SELECT pg_advisory_lock(1, 2)')))?.code).to.equal('55P03');
      expect(Date.now() - t0).to.be.within(100, 3000);
      await b.query('RESET lock_timeout');
      await b.query("SET statement_timeout = '200ms'");
      const err = await errorOf(b.query('SELECT pg_advisory_lock(1, 2)'));
      expect(err?.code).to.equal('57014');
      expect(err?.message).to.equal('canceling statement due to statement timeout');
      await b.query('RESET statement_timeout');
      await b.query('SELECT pg_advisory_unlock_all()');
      await a.query('SELECT pg_advisory_unlock_all()');
      expect((await b.query('SELECT pg_try_advisory_lock(1, 2) AS ok')).rows[0].ok).to.equal(true);
      await b.query('SELECT pg_advisory_unlock_all()');
    });

    it('transaction locks end with the transaction, session locks with the session', async () => {
      const a = await client(urlA);
      const b = await client(urlB);
      await a.query('BEGIN');
      await a.query('SELECT pg_advisory_xact_lock(7)');
      expect((await b.query('SELECT pg_try_advisory_lock(7) AS ok')).rows[0].ok).to.equal(false);
      await a.query('COMMIT');
      expect((await b.query('SELECT pg_try_advisory_xact_lock(7) AS ok')).rows[0].ok).to.equal(
        true,
      ); // and released at once: its implicit transaction ended
      const c = await connect(urlA);
      await c.query('SELECT pg_advisory_lock(8)');
      expect((await b.query('SELECT pg_try_advisory_lock(8) AS ok')).rows[0].ok).to.equal(false);
      await c.end();
      await waitFor(
        'the lock of the closed session to be released',
        async () => (await b.query('SELECT pg_try_advisory_lock(8) AS ok')).rows[0].ok === true,
        5000,
      );
      await b.query('SELECT pg_advisory_unlock_all()');
    });
  });

  it("serialises Prisma migrate's lock (pg_advisory_lock(72707369)) across proxies", async () => {
    // What `prisma migrate deploy` does: take the lock, run the migration in a transaction,
    // record it, unlock. Two deployers on two proxies: the second runs after the first.
    const order: string[] = [];
    const migrate = async (url: string, who: string): Promise<void> => {
      const c = await client(url);
      await c.query('SELECT pg_advisory_lock(72707369)');
      order.push(`${who} locked`);
      await c.query('BEGIN');
      await c.query('CREATE TABLE IF NOT EXISTS _migrations (name text PRIMARY KEY)');
      await c.query('COMMIT');
      const done = await c.query("SELECT 1 FROM _migrations WHERE name = 'init'");
      if (done.rowCount === 0) await c.query("INSERT INTO _migrations VALUES ('init')");
      order.push(`${who} unlocks`);
      await c.query('SELECT pg_advisory_unlock(72707369)');
    };
    await Promise.all([migrate(urlA, 'a'), migrate(urlB, 'b')]);
    expect([order[0][0], order[1][0]]).to.satisfy(([x, y]: string[]) => x === y);
    expect(order[1]).to.match(/unlocks$/);
    const a = await client(urlA);
    expect((await a.query('SELECT name FROM _migrations')).rows).to.deep.equal([{ name: 'init' }]);
  });

  describe('pg_terminate_backend', () => {
    it('ends the session with FATAL 57P01; an unknown pid gives false', async () => {
      const victim = await connect(urlA);
      const errors: Array<{ code?: string; message: string }> = [];
      victim.on('error', (e: Error & { code?: string }) => errors.push(e));
      const pid = (await victim.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      const a = await client(urlA);
      expect((await a.query('SELECT pg_terminate_backend($1) AS ok', [pid])).rows[0].ok).to.equal(
        true,
      );
      await waitFor('the victim to see FATAL', () => errors.length > 0, 5000);
      expect(errors[0].code).to.equal('57P01');
      expect(errors[0].message).to.equal('terminating connection due to administrator command');
      expect((await a.query('SELECT pg_terminate_backend(12345) AS ok')).rows[0].ok).to.equal(
        false,
      );
    });

    it('a non-superuser may not terminate a superuser session (42501)', async () => {
      const a = await client(urlA);
      await a.query("CREATE ROLE plain LOGIN PASSWORD 'pw'");
      const victimPid = (await a.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      const p = await client(`postgres://plain:pw@127.0.0.1:${cluster.proxy.port}/postgres`);
      const err = await errorOf(p.query('SELECT pg_terminate_backend($1)', [victimPid]));
      expect(err?.code).to.equal('42501');
    });
  });
});
