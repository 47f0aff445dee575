/**
 * Plan shapes through EXPLAIN (a point query touches one shard, a range query only the
 * ranges that overlap its bounds, a scatter query all of them), EXPLAIN ANALYZE figures,
 * and online splits: scans running while ranges split and move return the same rows.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';
import { setScanPageRows } from '../../../../proxy/sql/scanExec';

async function explain(c: Client, sql: string, params: unknown[] = []): Promise<string> {
  const r = await c.query(`EXPLAIN ${sql}`, params);
  return (r.rows as Array<{ 'QUERY PLAN': string }>).map((x) => x['QUERY PLAN']).join('\n');
}

function touched(plan: string): { ranges: number; shards: number } {
  const m = /ranges: (\d+) \[[^\]]*\] shards: (\d+)/.exec(plan);
  if (!m) throw new Error(`no ranges line in:\n${plan}`);
  return { ranges: Number(m[1]), shards: Number(m[2]) };
}

describe('proxy/sql plans (point / range / scatter) and online splits', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let c: Client;

  before(async () => {
    cluster = await startInProcessCluster({ shards: 3 });
    c = new Client({ connectionString: cluster.url });
    await c.connect();
    await c.query('CREATE TABLE t (id int PRIMARY KEY, v int, s text)');
    await c.query('SPLIT RANGE ON t AT (100), (200), (300), (400)');
    const values = Array.from(
      { length: 500 },
      (_, i) => `(${i + 1}, ${(i * 7) % 13}, 's${i % 10}')`,
    ).join(', ');
    await c.query(`INSERT INTO t VALUES ${values}`);
    await c.query('CREATE TABLE u (tid int PRIMARY KEY, w text)');
    await c.query("INSERT INTO u VALUES (5, 'five'), (150, 'one-fifty'), (450, 'four-fifty')");
  });

  after(async () => {
    setScanPageRows(20_000);
    await c?.end();
    await cluster?.close();
  });

  it('splits the table into 5 ranges spread over the 3 shards', async () => {
    const r = await c.query('SHOW RANGES ON t');
    expect(r.rows).to.have.length(5);
    expect(new Set(r.rows.map((x: { shard_id: number }) => x.shard_id)).size).to.equal(3);
    expect(r.rows.map((x: { start_key: string }) => x.start_key)).to.deep.equal([
      '/Table/t',
      '/Table/t/100',
      '/Table/t/200',
      '/Table/t/300',
      '/Table/t/400',
    ]);
  });

  it('a point query touches one range on one shard, also with $1 and IN', async () => {
    const p = await explain(c, 'SELECT * FROM t WHERE id = 42');
    expect(p).to.match(/^plan: point/);
    expect(touched(p)).to.deep.equal({ ranges: 1, shards: 1 });
    const q = await explain(c, 'SELECT * FROM t WHERE id = $1', [250]);
    expect(q).to.match(/^plan: point/);
    expect(touched(q)).to.deep.equal({ ranges: 1, shards: 1 });
    const rows = await c.query('SELECT id, v FROM t WHERE id = $1', [250]);
    expect(rows.rows).to.deep.equal([{ id: 250, v: (249 * 7) % 13 }]);
    const inList = await explain(c, 'SELECT * FROM t WHERE id IN (1, 2, 3)');
    expect(touched(inList).ranges).to.equal(1);
  });

  it('a range query touches only the ranges overlapping its bounds', async () => {
    const p = await explain(c, 'SELECT * FROM t WHERE id BETWEEN 150 AND 250');
    expect(p).to.match(/^plan: range/);
    expect(touched(p).ranges).to.equal(2);
    const q = await explain(c, 'SELECT * FROM t WHERE id >= 400');
    expect(touched(q).ranges).to.equal(1);
    const rows = await c.query('SELECT count(*)::int AS n FROM t WHERE id BETWEEN 150 AND 250');
    expect(rows.rows[0].n).to.equal(101);
  });

  it('a scatter query touches every range of the table on all shards', async () => {
    const p = await explain(c, 'SELECT count(*) FROM t WHERE v > 3');
    expect(p).to.match(/^plan: scatter/);
    expect(p).to.contain('partial aggregate: count(*)');
    expect(touched(p)).to.deep.equal({ ranges: 5, shards: 3 });
  });

  it('EXPLAIN ANALYZE reports rows, fragments and time per scan', async () => {
    const r = await c.query('EXPLAIN ANALYZE SELECT id FROM t WHERE v = 3 ORDER BY id LIMIT 5');
    const text = (r.rows as Array<{ 'QUERY PLAN': string }>).map((x) => x['QUERY PLAN']).join('\n');
    expect(text).to.match(/scatter scan on t \(actual rows=\d+ time=[\d.]+ ms\)/);
    expect(text).to.contain('fragments sent: 5');
    expect(text).to.contain('top-n: order by id');
    expect(text).to.match(/rows: 5/);
  });

  it("a join on the other table's primary key is a lookup join", async () => {
    const p = await explain(c, 'SELECT t.id, u.w FROM u JOIN t ON t.id = u.tid');
    expect(p).to.contain('lookup join');
    const r = await c.query('SELECT t.id, u.w FROM u JOIN t ON t.id = u.tid ORDER BY t.id');
    expect(r.rows).to.deep.equal([
      { id: 5, w: 'five' },
      { id: 150, w: 'one-fifty' },
      { id: 450, w: 'four-fifty' },
    ]);
  });

  it('scans running while ranges split and move return the same rows', async () => {
    setScanPageRows(7); // every scan takes dozens of round trips, so splits land mid-scan
    const expectedIds = Array.from({ length: 500 }, (_, i) => i + 1);
    const splitter = new Client({ connectionString: cluster.url });
    await splitter.connect();
    let done = false;
    const splits = (async () => {
      for (const k of [50, 150, 250, 350, 450, 25, 75, 125, 175, 225, 275, 325, 375, 425, 475]) {
        await splitter.query(`SPLIT RANGE ON t AT (${k})`);
      }
      done = true;
    })();
    let scans = 0;
    try {
      while (!done || scans < 3) {
        const all = await c.query('SELECT id FROM t');
        const cnt = await c.query('SELECT count(*)::int AS n FROM t');
        const sum = await c.query('SELECT sum(v)::int AS s FROM t WHERE id > 90');
        expect(
          all.rows.map((r: { id: number }) => r.id).sort((a: number, b: number) => a - b),
        ).to.deep.equal(expectedIds);
        expect(cnt.rows[0].n).to.equal(500);
        expect(sum.rows[0].s).to.equal(
          expectedIds.filter((i) => i > 90).reduce((a, i) => a + (((i - 1) * 7) % 13), 0),
        );
        scans++;
      }
      await splits;
    } finally {
      await splitter.end();
      setScanPageRows(20_000);
    }
    const ranges = await c.query('SHOW RANGES ON t');
    expect(ranges.rows).to.have.length(20);
  });

  it('MERGE RANGE joins a range with its right neighbour and keeps every row', async () => {
    const before = await c.query('SHOW RANGES ON t');
    const first = before.rows[1] as { range_id: string };
    await c.query(`MERGE RANGE ${first.range_id}`);
    const after = await c.query('SHOW RANGES ON t');
    expect(after.rows).to.have.length(before.rows.length - 1);
    const n = await c.query('SELECT count(*)::int AS n FROM t');
    expect(n.rows[0].n).to.equal(500);
  });
});
