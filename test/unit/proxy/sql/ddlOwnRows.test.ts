/**
 * DDL inside a transaction that has written rows of the table (proxy/sql/ddlRows.ts): the
 * block's buffered rows are indexed and validated with the committed ones. A migration
 * that seeds a table and then indexes it, in one transaction, is the everyday case.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';
import { sqlStateOf } from '../../../support/sqlState';

describe('proxy/sql DDL over the rows its own transaction wrote', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let c: Client;

  const errorCode = (sql: string): Promise<string | undefined> => sqlStateOf(c, sql);

  async function ids(sql: string): Promise<number[]> {
    const r = await c.query(sql);
    return r.rows.map((row: { id: number }) => row.id);
  }

  async function plan(sql: string): Promise<string> {
    const r = await c.query(`EXPLAIN ${sql}`);
    return r.rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
  }

  before(async () => {
    cluster = await startInProcessCluster({ shards: 2 });
    c = new Client({ connectionString: cluster.url });
    await c.connect();
  });

  after(async () => {
    await c?.end();
    await cluster?.close();
  });

  afterEach(async () => {
    await c.query('ROLLBACK').catch(() => undefined);
  });

  it('CREATE INDEX indexes the rows the block inserted, updated and not the ones it deleted', async () => {
    await c.query('CREATE TABLE ox_t (id int PRIMARY KEY, v int)');
    await c.query('INSERT INTO ox_t VALUES (1, 10), (2, 20), (3, 30)');
    await c.query('BEGIN');
    await c.query('INSERT INTO ox_t VALUES (4, 40)');
    await c.query('UPDATE ox_t SET v = 21 WHERE id = 2');
    await c.query('DELETE FROM ox_t WHERE id = 3');
    await c.query('CREATE INDEX ox_t_v ON ox_t (v)');
    expect(await plan('SELECT id FROM ox_t WHERE v = 40')).to.contain('Index Lookup');
    expect(await ids('SELECT id FROM ox_t WHERE v = 40')).to.deep.equal([4]);
    await c.query('COMMIT');
    expect(await ids('SELECT id FROM ox_t WHERE v = 40')).to.deep.equal([4]);
    expect(await ids('SELECT id FROM ox_t WHERE v = 21')).to.deep.equal([2]);
    expect(await ids('SELECT id FROM ox_t WHERE v = 20')).to.deep.equal([]);
    expect(await ids('SELECT id FROM ox_t WHERE v = 30')).to.deep.equal([]);
    expect(await ids('SELECT id FROM ox_t WHERE v = 10')).to.deep.equal([1]);
    await c.query('DROP TABLE ox_t');
  });

  it('a query string that inserts and then indexes commits both', async () => {
    await c.query(
      'CREATE TABLE oq_t (id int PRIMARY KEY, v int); INSERT INTO oq_t VALUES (1, 5); CREATE INDEX oq_t_v ON oq_t (v)',
    );
    expect(await plan('SELECT id FROM oq_t WHERE v = 5')).to.contain('Index Lookup');
    expect(await ids('SELECT id FROM oq_t WHERE v = 5')).to.deep.equal([1]);
    await c.query('DROP TABLE oq_t');
  });

  it('UNIQUE counts the block rows: its own duplicates are refused, a deleted one frees its value', async () => {
    await c.query('CREATE TABLE ou_t (id int PRIMARY KEY, v int)');
    await c.query('INSERT INTO ou_t VALUES (1, 5)');
    await c.query('BEGIN');
    await c.query('INSERT INTO ou_t VALUES (2, 6), (3, 6)');
    expect(await errorCode('CREATE UNIQUE INDEX ou_t_v ON ou_t (v)')).to.equal('23505');
    await c.query('ROLLBACK');
    await c.query('BEGIN');
    await c.query('INSERT INTO ou_t VALUES (2, 5)');
    expect(await errorCode('ALTER TABLE ou_t ADD CONSTRAINT ou_t_v UNIQUE (v)')).to.equal('23505');
    await c.query('ROLLBACK');
    await c.query('BEGIN');
    await c.query('DELETE FROM ou_t WHERE id = 1');
    await c.query('INSERT INTO ou_t VALUES (2, 5)');
    await c.query('CREATE UNIQUE INDEX ou_t_v ON ou_t (v)');
    await c.query('COMMIT');
    expect(await ids('SELECT id FROM ou_t WHERE v = 5')).to.deep.equal([2]);
    expect(await errorCode('INSERT INTO ou_t VALUES (9, 5)')).to.equal('23505');
    await c.query('DROP TABLE ou_t');
  });

  it('SET NOT NULL, ADD COLUMN … NOT NULL and CHECK see the block rows', async () => {
    await c.query('CREATE TABLE on_t (id int PRIMARY KEY, v int)');
    await c.query('BEGIN');
    await c.query('INSERT INTO on_t VALUES (1, NULL)');
    expect(await errorCode('ALTER TABLE on_t ALTER COLUMN v SET NOT NULL')).to.equal('23502');
    await c.query('ROLLBACK');
    await c.query('BEGIN');
    await c.query('INSERT INTO on_t VALUES (1, 1)');
    expect(await errorCode('ALTER TABLE on_t ADD COLUMN w int NOT NULL')).to.equal('23502');
    await c.query('ROLLBACK');
    await c.query('BEGIN');
    await c.query('INSERT INTO on_t VALUES (1, -1)');
    expect(await errorCode('ALTER TABLE on_t ADD CONSTRAINT on_pos CHECK (v > 0)')).to.equal(
      '23514',
    );
    await c.query('ROLLBACK');
    await c.query('DROP TABLE on_t');
  });

  it('FOREIGN KEY validation counts the block rows on both sides', async () => {
    await c.query('CREATE TABLE of_p (id int PRIMARY KEY)');
    await c.query('CREATE TABLE of_c (id int PRIMARY KEY, pid int)');
    await c.query('BEGIN');
    await c.query('INSERT INTO of_p VALUES (1)');
    await c.query('INSERT INTO of_c VALUES (1, 1)');
    await c.query(
      'ALTER TABLE of_c ADD CONSTRAINT of_c_pid FOREIGN KEY (pid) REFERENCES of_p (id)',
    );
    await c.query('COMMIT');
    expect(await errorCode('INSERT INTO of_c VALUES (2, 9)')).to.equal('23503');
    await c.query('ALTER TABLE of_c DROP CONSTRAINT of_c_pid');
    await c.query('BEGIN');
    await c.query('INSERT INTO of_c VALUES (3, 9)');
    expect(
      await errorCode(
        'ALTER TABLE of_c ADD CONSTRAINT of_c_pid FOREIGN KEY (pid) REFERENCES of_p (id)',
      ),
    ).to.equal('23503');
    await c.query('ROLLBACK');
    // A parent the block deleted is gone for the block's children.
    await c.query('BEGIN');
    await c.query('DELETE FROM of_c');
    await c.query('DELETE FROM of_p WHERE id = 1');
    await c.query('INSERT INTO of_c VALUES (4, 1)');
    expect(
      await errorCode(
        'ALTER TABLE of_c ADD CONSTRAINT of_c_pid FOREIGN KEY (pid) REFERENCES of_p (id)',
      ),
    ).to.equal('23503');
    await c.query('ROLLBACK');
    await c.query('DROP TABLE of_c');
    await c.query('DROP TABLE of_p');
  });

  it('TRUNCATE takes the rows the block wrote too', async () => {
    await c.query('CREATE TABLE or_t (id int PRIMARY KEY, v int)');
    await c.query('CREATE INDEX or_t_v ON or_t (v)');
    await c.query('INSERT INTO or_t VALUES (1, 1)');
    await c.query('BEGIN');
    await c.query('INSERT INTO or_t VALUES (2, 2)');
    await c.query('UPDATE or_t SET v = 11 WHERE id = 1');
    await c.query('TRUNCATE or_t');
    expect(await ids('SELECT id FROM or_t')).to.deep.equal([]);
    await c.query('INSERT INTO or_t VALUES (3, 3)');
    await c.query('COMMIT');
    expect(await ids('SELECT id FROM or_t ORDER BY id')).to.deep.equal([3]);
    expect(await ids('SELECT id FROM or_t WHERE v = 2')).to.deep.equal([]);
    await c.query('INSERT INTO or_t VALUES (4, 4); TRUNCATE or_t');
    expect(await ids('SELECT id FROM or_t')).to.deep.equal([]);
    await c.query('DROP TABLE or_t');
  });

  it('a block may fill a staging table and drop it again', async () => {
    await c.query('CREATE TABLE os_keep (id int PRIMARY KEY)');
    await c.query('BEGIN');
    await c.query('CREATE TABLE os_stage (id int PRIMARY KEY)');
    await c.query('INSERT INTO os_stage VALUES (1), (2)');
    await c.query('INSERT INTO os_keep SELECT id FROM os_stage');
    await c.query('DROP TABLE os_stage');
    await c.query('COMMIT');
    expect(await ids('SELECT id FROM os_keep ORDER BY id')).to.deep.equal([1, 2]);
    await c.query('DROP TABLE os_keep');
  });

  it('a column retyped after the block wrote the table is refused, not left half-converted', async () => {
    await c.query('CREATE TABLE ot_t (id int PRIMARY KEY, v int)');
    await c.query('BEGIN');
    await c.query('INSERT INTO ot_t VALUES (1, 1)');
    expect(await errorCode('ALTER TABLE ot_t ALTER COLUMN v TYPE bigint')).to.equal('0A000');
    await c.query('ROLLBACK');
    await c.query('DROP TABLE ot_t');
  });
});
