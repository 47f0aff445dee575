/**
 * A named prepared statement outlives DDL on the tables it reads: it is planned again against
 * the new catalog before its next execution (PostgreSQL's plancache.c), and fails with
 * 0A000 when the new plan would change its result columns.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';

describe('proxy/sql prepared statements across DDL', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let c: Client;

  before(async () => {
    cluster = await startInProcessCluster({ shards: 1 });
    c = new Client({ connectionString: cluster.url });
    await c.connect();
  });

  after(async () => {
    await c?.end();
    await cluster?.close();
  });

  it('reads the new table after DROP TABLE and CREATE TABLE of the same name', async () => {
    await c.query('CREATE TABLE pd1 (id int PRIMARY KEY, v int)');
    await c.query('INSERT INTO pd1 VALUES (1, 10)');
    const q = { name: 'pd1_get', text: 'SELECT v FROM pd1 WHERE id = $1', values: [1] };
    expect((await c.query(q)).rows).to.deep.equal([{ v: 10 }]);
    await c.query('DROP TABLE pd1');
    await c.query('CREATE TABLE pd1 (id int PRIMARY KEY, v int)');
    await c.query('INSERT INTO pd1 VALUES (1, 42)');
    expect((await c.query(q)).rows).to.deep.equal([{ v: 42 }]);
  });

  it('writes into the new table after DROP TABLE and CREATE TABLE', async () => {
    await c.query('CREATE TABLE pd2 (id int PRIMARY KEY, v int)');
    const ins = { name: 'pd2_ins', text: 'INSERT INTO pd2 VALUES ($1, $2)' };
    await c.query({ ...ins, values: [1, 1] });
    await c.query('DROP TABLE pd2');
    await c.query('CREATE TABLE pd2 (id int PRIMARY KEY, v int)');
    await c.query({ ...ins, values: [2, 2] });
    expect((await c.query('SELECT id, v FROM pd2 ORDER BY id')).rows).to.deep.equal([
      { id: 2, v: 2 },
    ]);
  });

  it('fails with 0A000 when ALTER TABLE changes the result columns of SELECT *', async () => {
    await c.query('CREATE TABLE pd3 (id int PRIMARY KEY, v int)');
    await c.query('INSERT INTO pd3 VALUES (1, 10)');
    const q = { name: 'pd3_all', text: 'SELECT * FROM pd3 WHERE id = $1', values: [1] };
    expect((await c.query(q)).rows).to.deep.equal([{ id: 1, v: 10 }]);
    await c.query('ALTER TABLE pd3 ADD COLUMN w int DEFAULT 7');
    let code: string | undefined;
    try {
      await c.query(q);
    } catch (err) {
      code = (err as { code?: string }).code;
    }
    expect(code).to.equal('0A000');
    // A statement whose columns did not change keeps working, and sees the new column.
    const w = { name: 'pd3_w', text: 'SELECT v FROM pd3 WHERE id = $1', values: [1] };
    expect((await c.query(w)).rows).to.deep.equal([{ v: 10 }]);
    await c.query('ALTER TABLE pd3 ADD COLUMN x int DEFAULT 8');
    const ins = { name: 'pd3_ins', text: 'INSERT INTO pd3 (id, v) VALUES ($1, $2)' };
    await c.query({ ...ins, values: [2, 20] });
    await c.query('ALTER TABLE pd3 DROP COLUMN x');
    await c.query('ALTER TABLE pd3 ADD COLUMN x int DEFAULT 9');
    await c.query({ ...ins, values: [3, 30] });
    expect((await c.query('SELECT id, x FROM pd3 ORDER BY id')).rows).to.deep.equal([
      { id: 1, x: 9 },
      { id: 2, x: 9 },
      { id: 3, x: 9 },
    ]);
    expect((await c.query(w)).rows).to.deep.equal([{ v: 10 }]);
  });

  it('keeps returning the right rows when an index it used is dropped, and after one is created', async () => {
    await c.query('CREATE TABLE pd4 (id int PRIMARY KEY, v int)');
    await c.query('INSERT INTO pd4 VALUES (1, 5), (2, 6), (3, 5)');
    await c.query('CREATE INDEX pd4_v ON pd4 (v)');
    const q = {
      name: 'pd4_by_v',
      text: 'SELECT id FROM pd4 WHERE v = $1 ORDER BY id',
      values: [5],
    };
    expect((await c.query(q)).rows).to.deep.equal([{ id: 1 }, { id: 3 }]);
    await c.query('DROP INDEX pd4_v');
    await c.query('UPDATE pd4 SET v = 5 WHERE id = 2');
    expect((await c.query(q)).rows).to.deep.equal([{ id: 1 }, { id: 2 }, { id: 3 }]);
    await c.query('CREATE INDEX pd4_v2 ON pd4 (v)');
    await c.query('UPDATE pd4 SET v = 6 WHERE id = 1');
    expect((await c.query(q)).rows).to.deep.equal([{ id: 2 }, { id: 3 }]);
  });
});
