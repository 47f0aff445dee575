/**
 * Integer literals typed as PostgreSQL 15's make_const types them (int4 if it fits, else
 * int8, else numeric; the grammar folds a leading minus into the literal, so
 * -9223372036854775808 is int8 and -2147483648 int4), and oid's full unsigned range
 * (4294967295::oid) in casts, text input and storage: differential against a private
 * PostgreSQL 15, comparing rows, result column types and errors, in text and binary format.
 */
import { expect } from 'chai';
import { Client, type QueryArrayConfig } from 'pg';
import {
  findPostgresBinDir,
  startPostgres,
  type PostgresServer,
} from '../../../../scripts/lib/postgresServer';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';

const QUERIES = [
  `SELECT -9223372036854775808`,
  `SELECT 9223372036854775808`,
  `SELECT 9223372036854775807, 2147483648, -2147483648, 2147483647, -2147483649`,
  `SELECT 4294967295::oid`,
  `SELECT 4294967296::oid`,
  `SELECT -1::oid`,
  `SELECT (-1)::oid, (-1)::int2::oid, 4294967295::oid::int4, 4294967295::oid::int8`,
  `SELECT '4294967295'::oid, 4294967295::bigint::oid, '-1'::oid`,
  `SELECT '4294967296'::oid`,
  `SELECT 1.5::oid`,
  `SELECT - 9223372036854775808, -(9223372036854775808)`,
  `SELECT 99999999999999999999, -99999999999999999999`,
  `SELECT -9223372036854775808 + 0, -9223372036854775808 - 1`,
  `SELECT -(-2147483648), -(-9223372036854775808)`,
  `SELECT -'-2147483648'::int4`,
  `SELECT -'-9223372036854775808'::int8`,
  `SELECT -2147483648 / -1`,
  `SELECT x FROM (VALUES (-9223372036854775808), (1)) v(x)`,
  `SELECT x FROM (VALUES (-2147483648), (1)) v(x)`,
  `SELECT -'5'::int, -'1.5'::numeric, -'2'::float8`,
  `SELECT 2147483648 - 1, -2147483648 + 2147483647`,
  `SELECT * FROM o ORDER BY o`,
  `SELECT * FROM o WHERE o = 4294967295`,
  `SELECT * FROM o WHERE n = -9223372036854775808`,
  `SELECT * FROM o WHERE o > 2147483647 ORDER BY o`,
  `SELECT * FROM o WHERE o = '4294967295' ORDER BY id`,
];

describe('proxy/sql integer literals and oid at the type edges vs PostgreSQL 15', function () {
  this.timeout(120_000);
  let pgServer: PostgresServer | undefined;
  let cluster: InProcessCluster | undefined;
  const clients: Client[] = [];

  before(async function () {
    if (findPostgresBinDir() === null) {
      console.warn('SKIPPED: PostgreSQL 15 is not installed');
      this.skip();
    }
    [pgServer, cluster] = await Promise.all([
      startPostgres(),
      startInProcessCluster({ shards: 1 }),
    ]);
    const types = { getTypeParser: () => (v: unknown) => v };
    for (const url of [pgServer.connectionString, cluster.url]) {
      const c = new Client({ connectionString: url, types });
      await c.connect();
      clients.push(c);
      await c.query('CREATE TABLE o (id int PRIMARY KEY, o oid, n int8)');
      await c.query(
        'INSERT INTO o VALUES (1, 4294967295, -9223372036854775808), (2, 0, 9223372036854775807), (3, 2147483648, -2147483648)',
      );
      await c.query('UPDATE o SET n = n + 0 WHERE id = 1');
    }
  });

  after(async () => {
    for (const c of clients) await c.end().catch(() => undefined);
    await cluster?.close();
    await pgServer?.stop();
  });

  async function answer(c: Client, text: string, binary: boolean): Promise<unknown> {
    try {
      const config: QueryArrayConfig & { binary: boolean } = { text, rowMode: 'array', binary };
      const r = await c.query(config);
      return { rows: r.rows, types: r.fields.map((f) => f.dataTypeID) };
    } catch (err) {
      const e = err as { code?: string; message?: string };
      return { code: e.code, message: e.message };
    }
  }

  it('the edge literals come back with their values and PostgreSQL types', async () => {
    const r = await answer(
      clients[1],
      'SELECT -9223372036854775808, 9223372036854775808, -2147483648, 2147483648, 4294967295::oid',
      false,
    );
    expect(r).to.deep.equal({
      rows: [
        ['-9223372036854775808', '9223372036854775808', '-2147483648', '2147483648', '4294967295'],
      ],
      types: [20, 1700, 23, 20, 26],
    });
  });

  for (const binary of [false, true]) {
    for (const q of QUERIES) {
      it(`${binary ? 'binary' : 'text'}: ${q}`, async () => {
        const theirs = await answer(clients[0], q, binary);
        const ours = await answer(clients[1], q, binary);
        expect(ours).to.deep.equal(theirs);
      });
    }
  }
});
