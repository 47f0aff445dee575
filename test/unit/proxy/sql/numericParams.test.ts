/**
 * Numeric parameters bound over the extended protocol take part in arithmetic, as
 * PostgreSQL 15 answers (the bound value used to be io's numeric class, which the
 * evaluator's arithmetic refused with a TypeError).
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';

describe('proxy/sql numeric parameters', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let c: Client;

  before(async () => {
    cluster = await startInProcessCluster({ shards: 1 });
    c = new Client({ connectionString: cluster.url });
    await c.connect();
    await c.query('CREATE TABLE n (id int PRIMARY KEY, x numeric)');
    await c.query('INSERT INTO n VALUES ($1, $2)', [1, '10.5']);
  });

  after(async () => {
    await c?.end();
    await cluster?.close();
  });

  it('computes with a bound numeric, alone and against stored values', async () => {
    expect((await c.query('SELECT $1::numeric + 1 AS r', ['2.5'])).rows).to.deep.equal([
      { r: '3.5' },
    ]);
    expect((await c.query('SELECT 105::numeric / $1::numeric AS r', ['2.5'])).rows).to.deep.equal([
      { r: '42.0000000000000000' },
    ]);
    expect(
      (await c.query('SELECT x * $1::numeric AS r FROM n WHERE id = 1', ['2'])).rows,
    ).to.deep.equal([{ r: '21.0' }]);
    expect((await c.query('SELECT id FROM n WHERE x > $1::numeric', ['10.25'])).rows).to.deep.equal(
      [{ id: 1 }],
    );
  });
});
