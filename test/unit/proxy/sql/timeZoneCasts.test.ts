/**
 * The session's TimeZone in timestamptz literals, casts and interval arithmetic, compared
 * with PostgreSQL 15 statement by statement in three zones (one with DST, one with a
 * half-hour offset, UTC). They all used UTC: a JDBC client (it sends the JVM's zone as
 * TimeZone) inserting '2024-07-01 12:00' into a timestamptz column in New York stored
 * 12:00 UTC where PostgreSQL stores 16:00 UTC.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import {
  findPostgresBinDir,
  startPostgres,
  type PostgresServer,
} from '../../../../scripts/lib/postgresServer';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';

const ZONES = ['America/New_York', 'Asia/Kolkata', 'UTC'];

/** Run in each zone, on a table `tz` that the zone's first statements fill. */
const STATEMENTS = [
  'DELETE FROM tz',
  "INSERT INTO tz VALUES (1, '2024-07-01 12:00', '2024-07-01 12:00', '2024-07-01')",
  "INSERT INTO tz VALUES (2, '2024-03-10 02:30', '2024-03-10 02:30', '2024-03-10')",
  "INSERT INTO tz VALUES (3, '2024-11-03 01:30+00', '2024-11-03 01:30', '2024-11-03')",
  "INSERT INTO tz SELECT 4, t::text::timestamptz, t, d FROM (VALUES (timestamp '2024-12-31 23:59:59', date '2024-12-31')) v(t, d)",
  'SELECT id, at, at::text, at::date, at::timestamp, at::time FROM tz ORDER BY id',
  'SELECT id, ts::timestamptz, d::timestamptz FROM tz ORDER BY id',
  "SELECT id FROM tz WHERE at = '2024-07-01 12:00' ORDER BY id",
  "SELECT id FROM tz WHERE at >= timestamptz '2024-07-01 00:00' ORDER BY id",
  "SELECT at + interval '1 day', at - interval '1 month', at + interval '36 hours' FROM tz ORDER BY id",
  "SELECT '2024-07-01 12:00'::timestamptz, timestamptz '2024-01-15 08:00', '2024-07-01 12:00+02'::timestamptz",
  "SELECT timestamptz '2024-03-09 12:00' + interval '1 day', timestamptz '2024-01-31 12:00' + interval '1 month'",
  "SELECT (timestamptz '2024-07-01 02:00+00')::date, (timestamptz '2024-07-01 02:00+00')::time",
  "SELECT date '2024-03-10'::timestamptz, timestamp '2024-11-03 01:30'::timestamptz",
  'SELECT $$2024-07-01 12:00$$::timestamptz::text',
  "SELECT 'yesterday'::timestamptz < 'tomorrow'::timestamptz",
  'SELECT count(*) FROM tz WHERE at::date = d',
];

describe('proxy/sql TimeZone in timestamptz literals, casts and arithmetic vs PostgreSQL 15', function () {
  this.timeout(120_000);
  let pgServer: PostgresServer | undefined;
  let cluster: InProcessCluster | undefined;
  let pg: Client;
  let ours: Client;
  // Values as the server sent them: no client-side Date parsing.
  const types = { getTypeParser: () => (v: unknown) => v };

  before(async function () {
    if (findPostgresBinDir() === null) this.skip(); // PostgreSQL 15 not installed
    [pgServer, cluster] = await Promise.all([
      startPostgres(),
      startInProcessCluster({ shards: 1 }),
    ]);
    pg = new Client({ connectionString: pgServer.connectionString, types });
    ours = new Client({ connectionString: cluster.url, types });
    await Promise.all([pg.connect(), ours.connect()]);
    const ddl = 'CREATE TABLE tz (id int PRIMARY KEY, at timestamptz, ts timestamp, d date)';
    await pg.query(ddl);
    await ours.query(ddl);
  });

  after(async () => {
    await pg?.end().catch(() => undefined);
    await ours?.end().catch(() => undefined);
    await cluster?.close();
    await pgServer?.stop();
  });

  async function outcome(c: Client, sql: string): Promise<unknown> {
    try {
      const r = await c.query({ text: sql, rowMode: 'array' });
      return { command: r.command, rows: r.rows };
    } catch (err) {
      return { error: (err as { code?: string }).code };
    }
  }

  for (const zone of ZONES) {
    describe(`TimeZone ${zone}`, () => {
      before(async () => {
        await pg.query(`SET TimeZone = '${zone}'`);
        await ours.query(`SET TimeZone = '${zone}'`);
      });
      for (const sql of STATEMENTS) {
        it(sql, async () => {
          expect(await outcome(ours, sql)).to.deep.equal(await outcome(pg, sql));
        });
      }
    });
  }

  it('a value stored from one zone reads back as the same instant in another', async () => {
    await ours.query("SET TimeZone = 'America/New_York'");
    await ours.query("INSERT INTO tz VALUES (9, '2024-07-01 12:00', NULL, NULL)");
    await ours.query("SET TimeZone = 'UTC'");
    const r = await ours.query({ text: 'SELECT at FROM tz WHERE id = 9', rowMode: 'array' });
    expect(r.rows).to.deep.equal([['2024-07-01 16:00:00+00']]);
  });
});
