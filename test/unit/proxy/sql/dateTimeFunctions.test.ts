/**
 * Date/time functions through SQL (expected values from PostgreSQL 15): the session
 * TimeZone reaches extract / date_trunc / to_char wherever they run (a filter pushed to the
 * shard too), a plan shared by sessions in different zones keeps each session's zone,
 * to_char keeps its template, pg_typeof prints type names, make_timestamp[tz] exist.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';

describe('proxy/sql date/time functions', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let ny: Client;
  let utc: Client;

  async function rows(c: Client, sql: string): Promise<unknown[][]> {
    return (await c.query({ text: sql, rowMode: 'array' })).rows as unknown[][];
  }

  before(async () => {
    cluster = await startInProcessCluster({ shards: 1 });
    // Values as the server sends them: no client-side Date parsing.
    const types = { getTypeParser: () => (v: unknown) => v };
    ny = new Client({ connectionString: cluster.url, types });
    utc = new Client({ connectionString: cluster.url, types });
    await ny.connect();
    await utc.connect();
    await ny.query("SET TimeZone = 'America/New_York'");
    await ny.query('CREATE TABLE ev (id int PRIMARY KEY, at timestamptz, d date)');
    await ny.query(
      `INSERT INTO ev VALUES (1, '2024-01-01 12:00+00', '2024-03-05'),
         (2, '2024-07-01 12:00+00', '2024-07-05'), (3, '2024-01-02 03:00+00', '2024-12-31')`,
    );
  });

  after(async () => {
    await ny?.end();
    await utc?.end();
    await cluster?.close();
  });

  it('extract on a timestamptz answers in the session TimeZone', async () => {
    expect(
      await rows(ny, "SELECT extract(hour from timestamptz '2024-01-01 12:00+00')"),
    ).to.deep.equal([['7']]);
    expect(
      await rows(utc, "SELECT extract(hour from timestamptz '2024-01-01 12:00+00')"),
    ).to.deep.equal([['12']]);
  });

  it('a filter evaluated on the shard uses the session zone', async () => {
    const q = 'SELECT id FROM ev WHERE extract(hour from at) = 7 ORDER BY id';
    expect(await rows(ny, q)).to.deep.equal([['1']]);
    expect(await rows(utc, q)).to.deep.equal([]);
    expect(
      await rows(
        ny,
        "SELECT id, date_part('day', at) FROM ev WHERE date_part('day', at) = 1 ORDER BY id",
      ),
    ).to.deep.equal([
      ['1', '1'],
      ['2', '1'],
      ['3', '1'], // 2024-01-02 03:00 UTC is still January 1st in New York
    ]);
  });

  it('date_trunc and grouping by it follow the session zone', async () => {
    expect(
      await rows(ny, "SELECT date_trunc('day', at) AS day, count(*) FROM ev GROUP BY 1 ORDER BY 1"),
    ).to.deep.equal([
      ['2024-01-01 00:00:00-05', '2'],
      ['2024-07-01 00:00:00-04', '1'],
    ]);
  });

  it('a prepared statement shared by sessions in two zones answers each in its own', async () => {
    const q = {
      name: 'hour_of',
      text: 'SELECT extract(hour from $1::timestamptz)',
      rowMode: 'array' as const,
    };
    for (let i = 0; i < 2; i++) {
      expect((await ny.query({ ...q, values: ['2024-07-01 12:00+00'] })).rows).to.deep.equal([
        ['8'],
      ]);
      expect((await utc.query({ ...q, values: ['2024-07-01 12:00+00'] })).rows).to.deep.equal([
        ['12'],
      ]);
    }
  });

  it('to_char formats dates and timestamps with the template', async () => {
    expect(
      await rows(
        ny,
        "SELECT to_char(date '2024-03-05', 'YYYY-MM-DD'), to_char(date '2024-03-05', 'YYYY'), to_char(d, 'FMMonth FMDDth, YYYY TZ') FROM ev WHERE id = 2",
      ),
    ).to.deep.equal([['2024-03-05', '2024', 'July 5th, 2024 EDT']]);
    expect(
      await rows(ny, "SELECT to_char(at, 'YYYY-MM-DD HH24:MI OF') FROM ev WHERE id = 1"),
    ).to.deep.equal([['2024-01-01 07:00 -05']]);
    const err = await ny.query("SELECT to_char('2024-03-05', 'YYYY')").catch((e: unknown) => e);
    expect((err as { code?: string }).code).to.equal('42725');
  });

  it('pg_typeof prints the type of its argument', async () => {
    expect(
      await rows(
        ny,
        "SELECT pg_typeof(1), pg_typeof('a'), pg_typeof(1.5), pg_typeof(now()), pg_typeof(NULL), pg_typeof(NULL::int), pg_typeof(at), pg_typeof(pg_typeof(1)) FROM ev WHERE id = 1",
      ),
    ).to.deep.equal([
      [
        'integer',
        'unknown',
        'numeric',
        'timestamp with time zone',
        'unknown',
        'integer',
        'timestamp with time zone',
        'regtype',
      ],
    ]);
    expect(
      await rows(ny, "SELECT pg_typeof(1)::text, pg_typeof(1) = 'integer'::regtype"),
    ).to.deep.equal([['integer', 't']]);
  });

  it('make_timestamp and make_timestamptz (in the session zone)', async () => {
    expect(
      await rows(
        ny,
        'SELECT make_timestamp(2024, 3, 5, 14, 7, 8.5), make_timestamptz(2024, 7, 1, 12, 0, 0), make_date(2024, 2, 29)',
      ),
    ).to.deep.equal([['2024-03-05 14:07:08.5', '2024-07-01 12:00:00-04', '2024-02-29']]);
    const err = (await ny
      .query('SELECT make_timestamp(2024, 2, 30, 0, 0, 0)')
      .catch((e: unknown) => e)) as {
      code?: string;
      message?: string;
    };
    expect([err.code, err.message]).to.deep.equal([
      '22008',
      'date field value out of range: 2024-02-30',
    ]);
  });
});
