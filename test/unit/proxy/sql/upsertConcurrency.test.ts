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

  async function hammer(sql: string, sessions: number, each: number): Promise<string[]> {
    const errors: string[] = [];
    await Promise.all(
      Array.from({ length: sessions }, async () => {
        const c = new Client(cluster.url);
        await c.connect();
        try {
          for (let i = 0; i < each; i++) {
            await c.query(sql).catch((e: { code?: string }) => errors.push(String(e.code)));
          }
        } finally {
          await c.end();
        }
      }),
    );
    return errors;
  }

  it('counts every upsert of one key exactly, without errors', async () => {
    const c = new Client(cluster.url);
    await c.connect();
    try {
      await c.query('CREATE TABLE hits (k int PRIMARY KEY, n int NOT NULL)');
      const errors = await hammer(
        'INSERT INTO hits VALUES (1, 1) ON CONFLICT (k) DO UPDATE SET n = hits.n + 1',
        4,
        40,
      );
      expect(errors).to.deep.equal([]);
      expect((await c.query('SELECT n FROM hits WHERE k = 1')).rows).to.deep.equal([{ n: 160 }]);
    } finally {
      await c.end();
    }
  });

  // Prisma's upsert on a @unique field: the arbiter is a UNIQUE constraint, the primary
  // key a serial. The entry is locked first, then the row it points to.
  it('counts every upsert on a unique column exactly, keeping one row', async () => {
    const c = new Client(cluster.url);
    await c.connect();
    try {
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
    } finally {
      await c.end();
    }
  });

  it('DO NOTHING inserts each key once and never answers 23505', async () => {
    const c = new Client(cluster.url);
    await c.connect();
    try {
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
    } finally {
      await c.end();
    }
  });
});
