/**
 * ALTER TABLE's row rewrite (ADD PRIMARY KEY after load, ALTER COLUMN TYPE) on tables many
 * pages long, with the spill threshold lowered so the rewrite's writes go to the shards
 * several times before commit (proxy/sql/rewriteRows.ts): every row survives under the new
 * definition, and every failure — a duplicate new key pages after the first, a NULL in the
 * new key, a failed cast — answers PostgreSQL's error and leaves the table as it was: its
 * rows, its definition, and no locks.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';
import { setSpillThreshold, spillHooks } from '../../../../proxy/txn/spill';
import { setTablePageRows } from '../../../../proxy/sql/pagedScan';
import { MetaClient } from '../../../../common/clients/metaClient';
import type { TableDef } from '../../../../common/catalog/schema';
import { silentLogger } from '../../../../common/logger';

const ROWS = 3_000;
const PAGE = 200;
const THRESHOLD = 32 * 1024;

interface PgError extends Error {
  code?: string;
  detail?: string;
}

async function failure(p: Promise<unknown>): Promise<PgError> {
  try {
    await p;
  } catch (err) {
    return err as PgError;
  }
  throw new Error('expected an error');
}

describe('ALTER TABLE row rewrite, paged and spilled', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let c: Client;
  let prevThreshold = 0;
  let prevPage = 0;
  let spills = 0;

  const one = async (sql: string): Promise<Record<string, string>> =>
    (await c.query(sql)).rows[0] as Record<string, string>;

  /** A table without a primary key (hidden rowid), ids chosen by `id`, split over ranges. */
  async function load(t: string, id: string, extra = ''): Promise<void> {
    await c.query(`CREATE TABLE ${t} (id int, v text, n int)`);
    await c.query(
      `INSERT INTO ${t} SELECT ${id}, 'row ' || g, g % 7 FROM generate_series(1, ${ROWS}) g`,
    );
    if (extra) await c.query(extra);
    // Rowids on several ranges (shards): pages stop at range ends, the commit is cross-shard.
    await c.query(`ALTER TABLE ${t} SPLIT AT VALUES (1000), (2000)`);
  }

  before(async () => {
    cluster = await startInProcessCluster({ shards: 3 });
    prevThreshold = setSpillThreshold(THRESHOLD);
    prevPage = setTablePageRows(PAGE);
    spillHooks.onCheck = (_bytes, n) => {
      spills = Math.max(spills, n);
    };
    c = new Client(cluster.url);
    await c.connect();
  });
  beforeEach(() => {
    spills = 0;
  });
  after(async () => {
    spillHooks.onCheck = undefined;
    setSpillThreshold(prevThreshold);
    setTablePageRows(prevPage);
    await c?.end();
    await cluster?.close();
  });

  /** Every row once, with its values; the new key serves point reads; no row left twice. */
  async function expectAllRows(t: string, ids: (g: number) => number): Promise<void> {
    let sum = 0;
    for (let g = 1; g <= ROWS; g++) sum += ids(g);
    expect(
      await one(`SELECT count(*) AS n, sum(id) AS s, count(DISTINCT id) AS d FROM ${t}`),
    ).to.deep.equal({
      n: String(ROWS),
      s: String(sum),
      d: String(ROWS),
    });
    for (const g of [1, 999, 1000, 2500, ROWS]) {
      // n::int: the same answer after n became bigint (which pg would return as a string).
      const r = await c.query(`SELECT v, n::int AS n FROM ${t} WHERE id = $1`, [ids(g)]);
      expect(r.rows, `id ${ids(g)}`).to.deep.equal([{ v: `row ${g}`, n: g % 7 }]);
    }
  }

  it('ADD PRIMARY KEY whose keys equal the rowids: every row kept, spilled on the way', async () => {
    await load('same', 'g');
    await c.query('ALTER TABLE same ADD PRIMARY KEY (id)');
    expect(spills, 'spills').to.be.at.least(2);
    await expectAllRows('same', (g) => g);
    const err = await failure(c.query(`INSERT INTO same VALUES (7, 'again', 0)`));
    expect([err.code, err.message]).to.deep.equal([
      '23505',
      'duplicate key value violates unique constraint "same_pkey"',
    ]);
  });

  it('ADD PRIMARY KEY drops the hidden rowid and its sequence; later columns get new ids', async () => {
    await c.query('CREATE TABLE hid (id int, v text)');
    await c.query(`INSERT INTO hid SELECT g, 'v' || g FROM generate_series(1, 50) g`);
    await c.query('ALTER TABLE hid ADD PRIMARY KEY (id)');
    const meta = new MetaClient({
      addresses: [cluster.meta.address],
      secret: cluster.secret,
      name: 'test',
      logger: silentLogger(),
    });
    try {
      const { tables } = await meta.catalog();
      const t = tables.find((x) => x.name === 'hid') as TableDef;
      expect(t.columns.map((col) => col.name)).to.deep.equal(['id', 'v']);
      const seqs = await one(`SELECT count(*) AS n FROM pg_class WHERE relname = 'hid_rowid_seq'`);
      expect(seqs).to.deep.equal({ n: '0' });
    } finally {
      meta.close();
    }
    await c.query(`INSERT INTO hid VALUES (51, 'v51')`);
    await c.query('ALTER TABLE hid ADD COLUMN w int DEFAULT 5');
    expect(
      (await c.query('SELECT id, v, w FROM hid WHERE id IN (1, 51) ORDER BY id')).rows,
    ).to.deep.equal([
      { id: 1, v: 'v1', w: 5 },
      { id: 51, v: 'v51', w: 5 },
    ]);
    expect(await one('SELECT count(*) AS n FROM hid')).to.deep.equal({ n: '51' });
  });

  it('ADD PRIMARY KEY where new keys meet other rows\u2019 old ones, and old keys are left over', async () => {
    // Reversed ids: each row's new key is another row's old one; shifted ids: half the old
    // keys are no row's new key and must be deleted, half are overwritten.
    await load('rev', `${ROWS + 1} - g`);
    await load('shift', `g + ${ROWS / 2}`);
    await c.query('ALTER TABLE rev ADD PRIMARY KEY (id)');
    await c.query('ALTER TABLE shift ADD PRIMARY KEY (id)');
    expect(spills, 'spills').to.be.at.least(2);
    await expectAllRows('rev', (g) => ROWS + 1 - g);
    await expectAllRows('shift', (g) => g + ROWS / 2);
  });

  it('ADD PRIMARY KEY keeps the secondary indexes right', async () => {
    await load('ixd', `g * 3`, 'CREATE INDEX ixd_n ON ixd (n)');
    await c.query('ALTER TABLE ixd ADD PRIMARY KEY (id)');
    await expectAllRows('ixd', (g) => g * 3);
    const byIndex = await one('SELECT count(*) AS n, min(id) AS lo FROM ixd WHERE n = 3');
    expect(byIndex).to.deep.equal({ n: String(Math.floor((ROWS - 3) / 7) + 1), lo: 9 });
  });

  it('a duplicate new key pages after the first: 23505 as PostgreSQL words it, table unchanged', async () => {
    await load('dup', 'g');
    await c.query(`INSERT INTO dup VALUES (5, 'late twin', 5)`);
    const err = await failure(c.query('ALTER TABLE dup ADD PRIMARY KEY (id)'));
    expect([err.code, err.message, err.detail]).to.deep.equal([
      '23505',
      'duplicate key value violates unique constraint "dup_pkey"',
      'Key (id)=(5) already exists.',
    ]);
    expect(spills, 'the first id 5 was spilled before its twin was met').to.be.at.least(1);
    await expectUnchanged('dup', ROWS + 1);
  });

  it('a NULL in the new key column: 23502, table unchanged', async () => {
    await load('nul', 'g');
    await c.query(`INSERT INTO nul VALUES (NULL, 'no id', 1)`);
    const err = await failure(c.query('ALTER TABLE nul ADD PRIMARY KEY (id)'));
    expect([err.code, err.message]).to.deep.equal([
      '23502',
      'column "id" of relation "nul" contains null values',
    ]);
    await expectUnchanged('nul', ROWS + 1);
  });

  /** The old rows, readable and writable (no lock left), and still no primary key. */
  async function expectUnchanged(t: string, rows: number): Promise<void> {
    expect(await one(`SELECT count(*) AS n FROM ${t}`)).to.deep.equal({ n: String(rows) });
    expect((await c.query(`SELECT v FROM ${t} WHERE id = 2500`)).rows).to.deep.equal([
      { v: 'row 2500' },
    ]);
    // Every row writable at once: a lock left behind would stop this UPDATE.
    await c.query(`UPDATE ${t} SET n = n + 1`);
    // Still keyed by rowid: another duplicate id is welcome.
    await c.query(`INSERT INTO ${t} VALUES (1, 'one more', 0)`);
    expect(await one(`SELECT count(*) AS n FROM ${t} WHERE id = 1`)).to.deep.equal({ n: '2' });
  }

  it('ALTER COLUMN TYPE on a keyed, indexed table: rows re-encoded, index still answers', async () => {
    await c.query('CREATE TABLE ty (id int PRIMARY KEY, v text, n int)');
    await c.query('CREATE INDEX ty_n ON ty (n)');
    await c.query(`INSERT INTO ty SELECT g, 'row ' || g, g % 7 FROM generate_series(1, ${ROWS}) g`);
    await c.query('ALTER TABLE ty ALTER COLUMN n TYPE bigint');
    expect(spills, 'spills').to.be.at.least(2);
    await expectAllRows('ty', (g) => g);
    expect(await one('SELECT count(*) AS n FROM ty WHERE n = 3')).to.deep.equal({
      n: String(Math.floor((ROWS - 3) / 7) + 1),
    });
    // A failed cast on the last page: 22P02, nothing rewritten.
    await c.query(`UPDATE ty SET v = 'not a number' WHERE id = ${ROWS}`);
    await c.query(`UPDATE ty SET v = id::text WHERE id < ${ROWS}`);
    const err = await failure(c.query('ALTER TABLE ty ALTER COLUMN v TYPE int USING v::int'));
    expect(err.code, err.message).to.equal('22P02');
    expect((await c.query('SELECT v FROM ty WHERE id = 7')).rows).to.deep.equal([{ v: '7' }]);
    await c.query(`UPDATE ty SET n = n + 1`);
  });
});
