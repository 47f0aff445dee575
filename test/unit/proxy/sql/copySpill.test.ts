/**
 * COPY FROM STDIN larger than the proxy keeps in memory (issue 3: "rows streamed into
 * batched writes, never the whole input in memory"): with the spill threshold lowered,
 * an 8 000-row COPY through a real proxy and shards spills its buffered writes to the
 * shards after every 1 000-row batch. The rows all arrive, the proxy's buffered writes stay
 * bounded, and every way the COPY can fail leaves nothing behind — no rows, no locks.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';
import { setSpillThreshold, spillHooks } from '../../../../proxy/txn/spill';

const ROWS = 8_000;
const THRESHOLD = 48 * 1024;
/** One COPY batch (1000 rows) of these rows is well under this many buffered bytes. */
const BATCH_BOUND = 1000 * 300;

/** Lines `id\tv` for ids 1..n, with `replace` overriding given lines (1-based). */
function lines(n: number, replace: Map<number, string> = new Map()): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    for (let i = 1; i <= n; i += 1000) {
      let s = '';
      for (let j = i; j < Math.min(n + 1, i + 1000); j++)
        s += `${replace.get(j) ?? `${j}\trow number ${j}`}\n`;
      yield Buffer.from(s);
    }
  }
  return Readable.from(gen());
}

interface PgError extends Error {
  code?: string;
  detail?: string;
  where?: string;
}

async function copyIn(c: Client, sql: string, data: Readable): Promise<number> {
  const stream = c.query(copyFrom(sql));
  await pipeline(data, stream);
  return stream.rowCount ?? -1;
}

async function failure(p: Promise<unknown>): Promise<PgError> {
  try {
    await p;
  } catch (err) {
    return err as PgError;
  }
  throw new Error('expected an error');
}

describe('COPY FROM spilling to the shards (bounded proxy memory)', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let c: Client;
  let prevThreshold = 0;
  let checks: Array<{ bytes: number; spills: number }> = [];

  const count = async (t: string): Promise<number> =>
    Number((await c.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);

  before(async () => {
    cluster = await startInProcessCluster({ shards: 3 });
    prevThreshold = setSpillThreshold(THRESHOLD);
    spillHooks.onCheck = (bytes, spills) => checks.push({ bytes, spills });
    c = new Client(cluster.url);
    await c.connect();
    for (const t of ['big', 'blk', 'rd', 'dup', 'bad', 'sp'])
      await c.query(`CREATE TABLE ${t} (id int PRIMARY KEY, v text)`);
    // Rows on several ranges, so the spills and the commit are cross-range 2PC.
    await c.query('ALTER TABLE big SPLIT AT VALUES (3000), (6000)');
  });
  beforeEach(() => {
    checks = [];
  });
  after(async () => {
    spillHooks.onCheck = undefined;
    setSpillThreshold(prevThreshold);
    await c?.end();
    await cluster?.close();
  });

  /** The proxy spilled, and never held much more than the threshold in buffered writes. */
  function expectBounded(): void {
    const spills = Math.max(...checks.map((x) => x.spills));
    const peak = Math.max(...checks.map((x) => x.bytes));
    expect(spills, 'spills').to.be.at.least(ROWS / 1000 / 2 - 1);
    expect(peak, 'peak buffered bytes').to.be.below(THRESHOLD + BATCH_BOUND);
  }

  it('autocommit COPY of 8 000 rows: all rows arrive, buffered writes stay bounded', async () => {
    expect(await copyIn(c, 'COPY big FROM STDIN', lines(ROWS))).to.equal(ROWS);
    expectBounded();
    const r = await c.query('SELECT count(*) AS n, sum(id) AS s FROM big');
    expect(r.rows[0]).to.deep.equal({ n: String(ROWS), s: String((ROWS * (ROWS + 1)) / 2) });
    const some = await c.query('SELECT v FROM big WHERE id IN (1, 3000, 5999, 8000) ORDER BY id');
    expect(some.rows.map((x: { v: string }) => x.v)).to.deep.equal([
      'row number 1',
      'row number 3000',
      'row number 5999',
      'row number 8000',
    ]);
  });

  it('COPY in a block: earlier writes spill with it, other tables stay readable, COMMIT keeps all', async () => {
    await c.query('BEGIN');
    await c.query(`INSERT INTO blk VALUES (0, 'before the copy')`);
    expect(await copyIn(c, 'COPY blk FROM STDIN', lines(ROWS))).to.equal(ROWS);
    expectBounded();
    expect(await count('big')).to.equal(ROWS);
    await c.query('COMMIT');
    expect(await count('blk')).to.equal(ROWS + 1);
    expect((await c.query('SELECT v FROM blk WHERE id = 0')).rows[0].v).to.equal('before the copy');
  });

  it('reading spilled rows in the same transaction is refused (0A000), never answered stale', async () => {
    await c.query('BEGIN');
    await copyIn(c, 'COPY rd FROM STDIN', lines(ROWS));
    const err = await failure(c.query('SELECT v FROM rd WHERE id = 5'));
    expect(err.code, err.message).to.equal('0A000');
    await c.query('ROLLBACK');
    expect(await count('rd')).to.equal(0);
  });

  it('a duplicate key 6 000 lines after the first (spilled batches apart): 23505 as PostgreSQL reports it, nothing kept', async () => {
    const err = await failure(
      copyIn(c, 'COPY dup FROM STDIN', lines(ROWS, new Map([[6_001, '3\tagain']]))),
    );
    expect(
      checks.some((x) => x.spills > 0),
      'the first row was spilled before its duplicate',
    ).to.equal(true);
    expect({
      code: err.code,
      message: err.message,
      detail: err.detail,
      where: err.where,
    }).to.deep.equal({
      code: '23505',
      message: 'duplicate key value violates unique constraint "dup_pkey"',
      detail: 'Key (id)=(3) already exists.',
      where: 'COPY dup, line 6001',
    });
    expect(await count('dup')).to.equal(0);
    // Every spilled lock is gone: a lock_timeout of 1 s would report a leftover one (55P03).
    await c.query(`SET lock_timeout = '1s'`);
    await c.query(`BEGIN`);
    await c.query(`INSERT INTO dup VALUES (3, 'x'), (1, 'y'), (5999, 'z')`);
    await c.query(`COMMIT`);
    await c.query(`RESET lock_timeout`);
    expect(await count('dup')).to.equal(3);
  });

  it('a bad row after spills: 22P02, no row visible, the keys free at once', async () => {
    const err = await failure(
      copyIn(c, 'COPY bad FROM STDIN', lines(ROWS, new Map([[6_000, 'x\tnot a number']]))),
    );
    expect(err.code, err.message).to.equal('22P02');
    expect(err.where).to.equal('COPY bad, line 6000, column id: "x"');
    expect(await count('bad')).to.equal(0);
    await c.query(`SET lock_timeout = '1s'`);
    const t0 = Date.now();
    await c.query(`BEGIN`);
    await c.query(`INSERT INTO bad VALUES (1, 'a'), (3000, 'b'), (5999, 'c')`);
    await c.query(`COMMIT`);
    expect(Date.now() - t0, 'no lock wait').to.be.below(1000);
    await c.query(`RESET lock_timeout`);
    expect(await count('bad')).to.equal(3);
  });

  it('ROLLBACK TO a savepoint set before a spill is refused, and the rows never commit', async () => {
    await c.query('BEGIN');
    await c.query('SAVEPOINT a');
    await copyIn(c, 'COPY sp FROM STDIN', lines(ROWS));
    const err = await failure(c.query('ROLLBACK TO SAVEPOINT a'));
    expect(err.code, err.message).to.equal('0A000');
    // The error aborted the block, as any error does in PostgreSQL: COMMIT rolls back.
    expect((await c.query('COMMIT')).command).to.equal('ROLLBACK');
    expect(await count('sp')).to.equal(0);
  });
});
