/**
 * Point reads of rows the transaction wrote itself are answered from its write buffer
 * (proxy/sql/ownRowsRead.ts): the answers equal what the shard would give, and EXPLAIN
 * ANALYZE shows no range was asked.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';

async function analyze(c: Client, sql: string, params: unknown[] = []): Promise<string> {
  const r = await c.query(`EXPLAIN ANALYZE ${sql}`, params);
  return (r.rows as Array<{ 'QUERY PLAN': string }>).map((x) => x['QUERY PLAN']).join('\n');
}

describe('proxy/sql point reads of own writes', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let c: Client;

  before(async () => {
    cluster = await startInProcessCluster({ shards: 2 });
    c = new Client({ connectionString: cluster.url });
    await c.connect();
    await c.query('CREATE TABLE acc (id int PRIMARY KEY, bal int NOT NULL, note text)');
    await c.query("INSERT INTO acc VALUES (1, 100, 'a'), (2, 200, 'b'), (3, 300, NULL)");
  });

  after(async () => {
    await c?.end();
    await cluster?.close();
  });

  afterEach(async () => {
    await c.query('ROLLBACK').catch(() => undefined);
  });

  it('reads an updated row from the buffer, with projection, filter and aggregate as the shard would', async () => {
    await c.query('BEGIN');
    await c.query('UPDATE acc SET bal = bal + 5 WHERE id = $1', [1]);
    expect((await c.query('SELECT bal FROM acc WHERE id = $1', [1])).rows).to.deep.equal([
      { bal: 105 },
    ]);
    expect((await c.query('SELECT bal * 2 AS x, note FROM acc WHERE id = 1')).rows).to.deep.equal([
      { x: 210, note: 'a' },
    ]);
    expect((await c.query('SELECT id FROM acc WHERE id = 1 AND bal > 1000')).rows).to.deep.equal(
      [],
    );
    expect((await c.query('SELECT count(*)::int AS n FROM acc WHERE id = 1')).rows).to.deep.equal([
      { n: 1 },
    ]);
    // A text parameter in the filter and the projection, bound as a driver binds it.
    expect(
      (
        await c.query('SELECT note || $2::text AS n FROM acc WHERE id = $1 AND note = $3', [
          1,
          '!',
          'a',
        ])
      ).rows,
    ).to.deep.equal([{ n: 'a!' }]);
    const plan = await analyze(c, 'SELECT bal FROM acc WHERE id = 1');
    expect(plan, plan).to.match(/ranges: 0 \[\] shards: 0/);
    await c.query('COMMIT');
    expect((await c.query('SELECT bal FROM acc WHERE id = 1')).rows).to.deep.equal([{ bal: 105 }]);
  });

  it('a deleted row reads as absent and an inserted one as present, before commit', async () => {
    await c.query('BEGIN');
    await c.query('DELETE FROM acc WHERE id = 2');
    expect((await c.query('SELECT * FROM acc WHERE id = 2')).rows).to.deep.equal([]);
    await c.query("INSERT INTO acc VALUES (9, 900, 'new')");
    expect((await c.query('SELECT id, bal, note FROM acc WHERE id = 9')).rows).to.deep.equal([
      { id: 9, bal: 900, note: 'new' },
    ]);
    await c.query('ROLLBACK');
    expect((await c.query('SELECT id FROM acc WHERE id IN (2, 9) ORDER BY id')).rows).to.deep.equal(
      [{ id: 2 }],
    );
  });

  it('asks the shard when only some of the keys were written by the transaction', async () => {
    await c.query('BEGIN');
    await c.query('UPDATE acc SET bal = 0 WHERE id = 3');
    const r = await c.query('SELECT id, bal FROM acc WHERE id IN (1, 3) ORDER BY id');
    expect(r.rows).to.deep.equal([
      { id: 1, bal: 105 },
      { id: 3, bal: 0 },
    ]);
    const plan = await analyze(c, 'SELECT id FROM acc WHERE id IN (1, 3)');
    expect(plan, plan).to.not.match(/ranges: 0 \[\] shards: 0/);
    await c.query('ROLLBACK');
  });
});
