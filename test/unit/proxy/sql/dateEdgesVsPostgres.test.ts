/**
 * Dates and timestamps at the edges of PostgreSQL's range, differential against a private
 * PostgreSQL 15: stored in a table (as key, indexed and plain column) and read back in text
 * and binary result format, and through make_date / date_trunc / extract, whose results
 * were computed with JavaScript's Date (make_date(1, 1, 1) came out as 1901-01-01).
 */
import { expect } from 'chai';
import { Client, type QueryArrayConfig } from 'pg';
import {
  findPostgresBinDir,
  startPostgres,
  type PostgresServer,
} from '../../../../scripts/lib/postgresServer';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';

const EDGES: Array<[string, string]> = [
  ['0001-01-01', '0001-01-01 00:00:00'],
  ['0044-03-15 BC', '0044-03-15 12:00:00 BC'],
  ['4714-11-24 BC', '4714-11-24 00:00:00 BC'],
  ['1901-01-01', '1901-01-01 00:00:00'],
  ['1999-12-31', '1999-12-31 23:59:59.999999'],
  ['2000-02-29', '2000-02-29 00:00:00'],
  ['9999-12-31', '9999-12-31 23:59:59.999999'],
  ['5874897-12-31', '294276-12-31 23:59:59.999999'],
];

const withTz = (ts: string): string => ts.replace(/( BC)?$/, '+00$1');

const QUERIES = [
  'SELECT d, t, tz FROM edge ORDER BY d',
  "SELECT d FROM edge WHERE d = '0001-01-01'",
  "SELECT d FROM edge WHERE d < '1000-01-01' ORDER BY d DESC",
  "SELECT t FROM edge WHERE t <= '0001-01-01 00:00:00' ORDER BY t",
  "SELECT d, tz FROM edge WHERE tz >= '1901-01-01 00:00:00+00' ORDER BY tz",
  "SELECT d::timestamp, t::date, d + 1, d - 1 FROM edge WHERE d < DATE '9999-12-31' ORDER BY d",
  'SELECT make_date(1, 1, 1), make_date(-44, 3, 15), make_date(99, 12, 31), make_date(5874897, 12, 31)',
  'SELECT make_date(0, 1, 1)',
  'SELECT make_date(2001, 2, 29)',
  'SELECT make_date(5874898, 1, 1)',
  "SELECT date_trunc('year', t), date_trunc('month', t), date_trunc('week', t), date_trunc('century', t) FROM edge WHERE t < '294276-01-01' ORDER BY t",
  "SELECT date_trunc('year', d), date_trunc('decade', d) FROM edge WHERE d < '294276-01-01' ORDER BY d",
  `SELECT extract(year from d), extract(month from d), extract(day from d), extract(doy from d),
     extract(dow from d), extract(week from d), extract(isoyear from d), extract(century from d),
     extract(millennium from d), extract(decade from d), extract(epoch from d) FROM edge ORDER BY d`,
  "SELECT extract(year from t), extract(hour from t), extract(second from t), date_part('year', t) FROM edge ORDER BY t",
];

describe('proxy/sql dates and timestamps at the range edges vs PostgreSQL 15', function () {
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
    // Values as the server sends them: no client-side Date parsing in the comparison.
    const types = { getTypeParser: () => (v: unknown) => v };
    for (const url of [pgServer.connectionString, cluster.url]) {
      const c = new Client({ connectionString: url, types });
      await c.connect();
      clients.push(c);
      await c.query('CREATE TABLE edge (d date PRIMARY KEY, t timestamp, tz timestamptz)');
      await c.query('CREATE INDEX edge_t ON edge (t)');
      await c.query(
        `INSERT INTO edge VALUES ${EDGES.map(([d, t]) => `('${d}', '${t}', '${withTz(t)}')`).join(', ')}`,
      );
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

  it('the stored values read back as written (text format)', async () => {
    const r = await clients[1].query({
      text: 'SELECT d, t, tz FROM edge ORDER BY d',
      rowMode: 'array',
    });
    expect(r.rows.length).to.equal(EDGES.length);
    expect(r.rows.map((row: string[]) => row[0])).to.have.members(EDGES.map(([d]) => d));
    for (const row of r.rows as string[][]) {
      const edge = EDGES.find(([d]) => d === row[0]);
      expect(row).to.deep.equal([edge?.[0], edge?.[1], withTz(edge?.[1] ?? '')]);
    }
  });

  for (const binary of [false, true]) {
    for (const q of QUERIES) {
      it(`${binary ? 'binary' : 'text'}: ${q.replace(/\s+/g, ' ').slice(0, 90)}`, async () => {
        const [theirs, ours] = [
          await answer(clients[0], q, binary),
          await answer(clients[1], q, binary),
        ];
        expect(ours).to.deep.equal(theirs);
      });
    }
  }
});
