/**
 * INSERT … ON CONFLICT DO UPDATE from concurrent sessions, READ COMMITTED (PostgreSQL's
 * guarantee: each statement inserts or updates the newest row, never loses a concurrent
 * update and never fails with 23505 on its arbiter). The proxy once read the existing row
 * at the statement's snapshot and locked it afterwards: two sessions both read n = 5 and
 * both wrote 6.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';

describe('proxy/sql INSERT … ON CONFLICT under concurrency', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  before(async () => {
    cluster = await startInProcessCluster({ shards: 2 });
  });
  after(async () => {
    await cluster?.close();
  });

  /** Sessions a test opened: closed after it, whatever it asserted. */
  const opened: Client[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((c) => c.end().catch(() => undefined)));
  });
  async function connect(): Promise<Client> {
    const c = new Client(cluster.url);
    opened.push(c);
    await c.connect();
    return c;
  }

  async function hammer(sql: string, sessions: number, each: number): Promise<string[]> {
    const errors: string[] = [];
    await Promise.all(
      Array.from({ length: sessions }, async () => {
        const c = await connect();
        for (let i = 0; i < each; i++) {
          await c.query(sql).catch((e: { code?: string }) => errors.push(String(e.code)));
        }
      }),
    );
    return errors;
  }

  it('counts every upsert of one key exactly, without errors', async () => {
    const c = await connect();
    await c.query('CREATE TABLE hits (k int PRIMARY KEY, n int NOT NULL)');
    const errors = await hammer(
      'INSERT INTO hits VALUES (1, 1) ON CONFLICT (k) DO UPDATE SET n = hits.n + 1',
      4,
      40,
    );
    expect(errors).to.deep.equal([]);
    expect((await c.query('SELECT n FROM hits WHERE k = 1')).rows).to.deep.equal([{ n: 160 }]);
  });

  // Prisma's upsert on a @unique field: the arbiter is a UNIQUE constraint, the primary
  // key a serial. The entry is locked first, then the row it points to.
  it('counts every upsert on a unique column exactly, keeping one row', async () => {
    const c = await connect();
    await c.query(
      'CREATE TABLE users (id serial PRIMARY KEY, email text UNIQUE NOT NULL, n int NOT NULL)',
    );
    const errors = await hammer(
      `INSERT INTO users (email, n) VALUES ('a@x', 1) ON CONFLICT (email) DO UPDATE SET n = users.n + 1`,
      4,
      30,
    );
    expect(errors).to.deep.equal([]);
    expect((await c.query('SELECT email, n FROM users')).rows).to.deep.equal([
      { email: 'a@x', n: 120 },
    ]);
  });

  // PostgreSQL never locks the rows DO NOTHING skips: another session may lock them at once.
  it('DO NOTHING in a transaction keeps no lock on the rows it skipped, only on those it inserted', async () => {
    const a = await connect();
    const b = await connect();
    await a.query('CREATE TABLE skip_pk (k int PRIMARY KEY, v text)');
    await a.query('CREATE TABLE skip_uq (id serial PRIMARY KEY, email text UNIQUE)');
    await a.query("INSERT INTO skip_pk VALUES (1, 'a'), (9, 'first')");
    await a.query("INSERT INTO skip_uq (email) VALUES ('a@x')");
    await a.query('BEGIN');
    // The first key this transaction locks is its primary and stays locked: take it here.
    await a.query('SELECT k FROM skip_pk WHERE k = 9 FOR UPDATE');
    await a.query("INSERT INTO skip_pk VALUES (1, 'x'), (2, 'new') ON CONFLICT DO NOTHING");
    await a.query("INSERT INTO skip_uq (email) VALUES ('a@x') ON CONFLICT (email) DO NOTHING");
    await b.query('BEGIN');
    const skipped = await b.query('SELECT k FROM skip_pk WHERE k = 1 FOR UPDATE NOWAIT');
    expect(skipped.rows).to.deep.equal([{ k: 1 }]);
    const entry = await b.query("SELECT id FROM skip_uq WHERE email = 'a@x' FOR UPDATE NOWAIT");
    expect(entry.rows.length).to.equal(1);
    await b.query("SET lock_timeout = '100ms'");
    const inserted = await b.query("INSERT INTO skip_pk VALUES (2, 'b')").catch((e: unknown) => e);
    expect(inserted, 'the row a inserted stays locked').to.have.property('code', '55P03');
    await b.query('ROLLBACK');
    await a.query('COMMIT');
  });

  it('DO NOTHING inserts each key once and never answers 23505', async () => {
    const c = await connect();
    await c.query('CREATE TABLE once (k int PRIMARY KEY, by text)');
    const errors = await hammer(
      `INSERT INTO once SELECT g, 'x' FROM generate_series(1, 5) g ON CONFLICT DO NOTHING`,
      4,
      10,
    );
    expect(errors).to.deep.equal([]);
    expect((await c.query('SELECT count(*)::int AS n FROM once')).rows).to.deep.equal([{ n: 5 }]);
    // Without a target every unique constraint is an arbiter, a UNIQUE column's too.
    await c.query('CREATE TABLE tags (id serial PRIMARY KEY, name text UNIQUE)');
    const tagErrors = await hammer(
      `INSERT INTO tags (name) SELECT 't' || g FROM generate_series(1, 5) g ON CONFLICT DO NOTHING`,
      4,
      10,
    );
    expect(tagErrors).to.deep.equal([]);
    expect((await c.query('SELECT count(*)::int AS n FROM tags')).rows).to.deep.equal([{ n: 5 }]);
  });
});
