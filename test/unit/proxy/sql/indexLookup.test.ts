/**
 * Secondary indexes used for reads: EXPLAIN shows the index lookup (and the ranges it
 * touches), the rows equal those of the same query with the index defeated, a primary-key
 * plan still wins when it applies, and a transaction reads its own writes through the index.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';

async function explain(c: Client, sql: string, params: unknown[] = []): Promise<string> {
  const r = await c.query(`EXPLAIN ${sql}`, params);
  return (r.rows as Array<{ 'QUERY PLAN': string }>).map((x) => x['QUERY PLAN']).join('\n');
}

async function ids(
  c: Client,
  sql: string | { name: string; text: string },
  params: unknown[] = [],
): Promise<number[]> {
  const r =
    typeof sql === 'string'
      ? await c.query(sql, params)
      : await c.query({ ...sql, values: params });
  return (r.rows as Array<{ id: number }>).map((x) => x.id).sort((a, b) => a - b);
}

describe('proxy/sql index lookups', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let c: Client;
  let other: Client;

  before(async () => {
    cluster = await startInProcessCluster({ shards: 3 });
    c = new Client({ connectionString: cluster.url });
    other = new Client({ connectionString: cluster.url });
    await Promise.all([c.connect(), other.connect()]);
    await c.query('CREATE TABLE p (id int PRIMARY KEY, email text, grp int, tag text)');
    await c.query('SPLIT RANGE ON p AT (100), (200), (300)');
    const values = Array.from(
      { length: 400 },
      (_, i) =>
        `(${i + 1}, 'user${i + 1}@x.org', ${(i * 7) % 13}, ${i % 5 === 0 ? 'NULL' : `'t${i % 4}'`})`,
    ).join(', ');
    await c.query(`INSERT INTO p VALUES ${values}`);
    // Built online over existing rows (backfill), then readable.
    await c.query('CREATE UNIQUE INDEX p_email_idx ON p (email)');
    await c.query('CREATE INDEX p_grp_tag_idx ON p (grp, tag)');
  });

  after(async () => {
    await c?.end();
    await other?.end();
    await cluster?.close();
  });

  it('EXPLAIN shows an index lookup for = on an indexed column, with its ranges and shards', async () => {
    const p = await explain(c, "SELECT * FROM p WHERE email = 'user42@x.org'");
    expect(p).to.match(/^plan: index lookup/);
    expect(p).to.contain('Index Lookup on p using p_email_idx');
    expect(p).to.contain("index span: email = 'user42@x.org'");
    expect(p).to.match(/index ranges: 1 \[\d+\] shards: 1/);
    const r = await c.query("SELECT id, grp FROM p WHERE email = 'user42@x.org'");
    expect(r.rows).to.deep.equal([{ id: 42, grp: (41 * 7) % 13 }]);
  });

  it('EXPLAIN ANALYZE counts the index range and the ranges the rows came from', async () => {
    const r = await c.query('EXPLAIN ANALYZE SELECT id FROM p WHERE grp = 3');
    const text = (r.rows as Array<{ 'QUERY PLAN': string }>).map((x) => x['QUERY PLAN']).join('\n');
    expect(text).to.match(/Index Lookup on p using p_grp_tag_idx \(actual rows=31 /);
    // Rows of grp 3 live in all 4 row ranges; the index entries in the table's last range.
    expect(text).to.match(/ranges: 4 \[[^\]]*\] shards: 3/);
  });

  it('returns the same rows as the query with the index defeated (=, IN, ranges, NULLs)', async () => {
    const cases: Array<[string, string]> = [
      ['grp = 5', 'grp + 0 = 5'],
      ["grp = 5 AND tag = 't1'", "grp + 0 = 5 AND tag || '' = 't1'"],
      ['grp IN (1, 2, 12) AND tag IS NULL', 'grp + 0 IN (1, 2, 12) AND tag IS NULL'],
      ["grp = 4 AND tag > 't1'", "grp + 0 = 4 AND tag || '' > 't1'"],
      ["grp = 4 AND tag <= 't2'", "grp + 0 = 4 AND tag || '' <= 't2'"],
      ['grp >= 11', 'grp + 0 >= 11'],
      ['grp < 2', 'grp + 0 < 2'],
      [
        "email IN ('user1@x.org', 'user400@x.org', 'none', NULL)",
        "email || '' IN ('user1@x.org', 'user400@x.org', 'none')",
      ],
      ['grp = NULL', 'grp + 0 = NULL'],
    ];
    for (const [withIndex, without] of cases) {
      const plan = await explain(c, `SELECT id FROM p WHERE ${withIndex}`);
      expect(plan, withIndex).to.contain('Index Lookup');
      expect(await explain(c, `SELECT id FROM p WHERE ${without}`), without).to.match(
        /^plan: scatter/,
      );
      const a = await ids(c, `SELECT id FROM p WHERE ${withIndex}`);
      const b = await ids(c, `SELECT id FROM p WHERE ${without}`);
      expect(a, withIndex).to.deep.equal(b);
    }
    expect(await ids(c, 'SELECT id FROM p WHERE grp = $1', [7])).to.deep.equal(
      await ids(c, 'SELECT id FROM p WHERE grp + 0 = $1', [7]),
    );
  });

  it('prefers a primary-key plan, and does not use an index its leading column does not fix', async () => {
    expect(await explain(c, 'SELECT * FROM p WHERE id = 7 AND grp = 7')).to.match(/^plan: point/);
    expect(await explain(c, 'SELECT * FROM p WHERE id < 50 AND grp = 7')).to.match(/^plan: range/);
    expect(await explain(c, "SELECT * FROM p WHERE tag = 't1'")).to.match(/^plan: scatter/);
  });

  it('reads its own writes through the index inside a transaction; others do not see them', async () => {
    await c.query('BEGIN');
    try {
      await c.query("INSERT INTO p VALUES (1000, 'new@x.org', 99, 'z')");
      await c.query('UPDATE p SET grp = 98 WHERE id = 13'); // was grp (12*7)%13 = 6
      await c.query("DELETE FROM p WHERE email = 'user20@x.org'");
      expect(await ids(c, 'SELECT id FROM p WHERE grp = 99')).to.deep.equal([1000]);
      expect(await ids(c, "SELECT id FROM p WHERE email = 'new@x.org'")).to.deep.equal([1000]);
      expect(await ids(c, 'SELECT id FROM p WHERE grp = 98')).to.deep.equal([13]);
      expect(await ids(c, 'SELECT id FROM p WHERE grp = 6')).to.not.include(13);
      expect(await ids(c, "SELECT id FROM p WHERE email = 'user20@x.org'")).to.deep.equal([]);
      expect(await ids(other, 'SELECT id FROM p WHERE grp = 99')).to.deep.equal([]);
      expect(await ids(other, 'SELECT id FROM p WHERE grp = 6')).to.include(13);
    } finally {
      await c.query('ROLLBACK');
    }
    expect(await ids(c, 'SELECT id FROM p WHERE grp = 98')).to.deep.equal([]);
    expect(await ids(c, "SELECT id FROM p WHERE email = 'user20@x.org'")).to.deep.equal([20]);
  });

  it('SELECT … FOR UPDATE through the index locks the rows it returns', async () => {
    await c.query('BEGIN');
    try {
      const r = await c.query("SELECT id FROM p WHERE email = 'user77@x.org' FOR UPDATE");
      expect(r.rows).to.deep.equal([{ id: 77 }]);
      const err = await other.query('SELECT id FROM p WHERE id = 77 FOR UPDATE NOWAIT').then(
        () => null,
        (e: { code?: string }) => e.code,
      );
      expect(err).to.equal('55P03');
    } finally {
      await c.query('ROLLBACK');
    }
  });

  it('a statement prepared while an index existed still answers after DROP INDEX', async () => {
    await c.query('CREATE INDEX p_tmp_idx ON p (tag, grp)');
    const text = 'SELECT id FROM p WHERE tag = $1';
    expect(await explain(c, text, ['t3'])).to.contain('using p_tmp_idx');
    const stmt = { name: 'by_tag', text };
    const before = await ids(c, stmt, ['t3']);
    expect(before.length).to.equal(80);
    await c.query('DROP INDEX p_tmp_idx');
    expect(await ids(c, stmt, ['t3'])).to.deep.equal(before);
  });

  it('an index created on a loaded table serves reads with every old row', async () => {
    await c.query('CREATE INDEX p_tag_idx ON p (tag)');
    expect(await explain(c, "SELECT id FROM p WHERE tag = 't2'")).to.contain(
      'Index Lookup on p using p_tag_idx',
    );
    expect(await ids(c, "SELECT id FROM p WHERE tag = 't2'")).to.deep.equal(
      await ids(c, "SELECT id FROM p WHERE tag || '' = 't2'"),
    );
  });
});
