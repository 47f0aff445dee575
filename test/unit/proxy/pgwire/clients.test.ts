import { expect } from 'chai';
import pg from 'pg';
import postgres from 'postgres';
import { startFixture, type Fixture } from './fixture';

describe('pgwire with real clients (pg, postgres.js)', () => {
  let fx: Fixture;
  before(async () => {
    fx = await startFixture();
  });
  after(async () => {
    await fx.server.close();
  });

  it('pg: simple and parameterized queries, errors, named statements', async () => {
    const c = new pg.Client({ host: '127.0.0.1', port: fx.server.port, user: 'u', database: 'd' });
    await c.connect();
    try {
      expect((await c.query("SELECT 1 AS a, 'b' AS b")).rows).to.deep.equal([{ a: 1, b: 'b' }]);
      expect((await c.query('SELECT $1::int AS x, $2::text AS y', [42, 'hi'])).rows).to.deep.equal([
        { x: 42, y: 'hi' },
      ]);
      for (let i = 0; i < 3; i++) {
        const r = await c.query({ name: 'named', text: 'SELECT $1::int AS v', values: [i] });
        expect(r.rows).to.deep.equal([{ v: i }]);
      }
      const err = (await c.query('SELECT 1/0').catch((e: unknown) => e)) as { code: string };
      expect(err.code).to.equal('22012');
      expect((await c.query('SELECT generate_series(1, 3)')).rowCount).to.equal(3);
      // pg's `binary: true` asks for binary results; int4 comes back as its 4 bytes' value.
      const binConfig = { text: 'SELECT $1::int AS n', values: [7], binary: true };
      const bin = await c.query(binConfig as pg.QueryConfig);
      expect(bin.rows).to.deep.equal([{ n: 7 }]);
    } finally {
      await c.end();
    }
  });

  it('postgres.js: prepared statements, transactions and errors', async () => {
    const sql = postgres({
      host: '127.0.0.1',
      port: fx.server.port,
      user: 'u',
      database: 'd',
      max: 2,
      idle_timeout: 1,
      connect_timeout: 5,
      fetch_types: false,
    });
    try {
      const r = await sql`SELECT ${5}::int AS n, ${'x'}::text AS t`;
      expect([...r]).to.deep.equal([{ n: 5, t: 'x' }]);
      const again = await sql`SELECT ${6}::int AS n, ${'y'}::text AS t`;
      expect([...again]).to.deep.equal([{ n: 6, t: 'y' }]);
      const tx = await sql.begin(async (s) => {
        const a = await s`SELECT ${1}::int AS a`;
        return a[0].a as number;
      });
      expect(tx).to.equal(1);
      const err = (await sql`SELECT 1/0`.catch((e: unknown) => e)) as { code: string };
      expect(err.code).to.equal('22012');
      const many = await sql`SELECT generate_series(1, 10)`;
      expect(many.length).to.equal(10);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
