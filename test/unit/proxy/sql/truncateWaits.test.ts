/**
 * TRUNCATE waits for the transactions that hold locks on the table's rows, as PostgreSQL's
 * does (proxy/sql/spanLockWait.ts). It used to delete their locks with the rows: the
 * writer's COMMIT then failed with 40001, after TRUNCATE had already answered.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';
import { sqlStateOf } from '../../../support/sqlState';

describe('proxy/sql TRUNCATE waits for the writers before it', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let writer: Client;
  let truncator: Client;

  const count = async (c: Client, table: string): Promise<number> =>
    Number((await c.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

  /** Settles within ms: 'done', or 'pending' if the promise is still running. */
  const within = (p: Promise<unknown>, ms: number): Promise<'done' | 'pending'> =>
    Promise.race([
      p.then(() => 'done' as const),
      new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms)),
    ]);

  before(async () => {
    cluster = await startInProcessCluster({ shards: 2 });
    writer = new Client({ connectionString: cluster.url });
    truncator = new Client({ connectionString: cluster.url });
    await writer.connect();
    await truncator.connect();
  });

  after(async () => {
    await writer?.end();
    await truncator?.end();
    await cluster?.close();
  });

  afterEach(async () => {
    await writer.query('ROLLBACK').catch(() => undefined);
    await truncator.query('RESET lock_timeout');
    await truncator.query('RESET statement_timeout');
  });

  it('waits until the writer commits, then truncates its rows too; the COMMIT succeeds', async () => {
    await writer.query('CREATE TABLE tw_a (id int PRIMARY KEY, v int)');
    await writer.query('INSERT INTO tw_a VALUES (1, 1), (2, 2)');
    await writer.query('BEGIN');
    await writer.query('INSERT INTO tw_a VALUES (3, 3)');
    await writer.query('UPDATE tw_a SET v = 20 WHERE id = 2');
    const truncate = truncator.query('TRUNCATE tw_a');
    expect(await within(truncate, 400)).to.equal('pending');
    await writer.query('COMMIT');
    await truncate;
    expect(await count(writer, 'tw_a')).to.equal(0);
    await writer.query('DROP TABLE tw_a');
  });

  it('goes on once the writer rolls back, and keeps nothing of it', async () => {
    await writer.query('CREATE TABLE tw_b (id int PRIMARY KEY, v int)');
    await writer.query('INSERT INTO tw_b VALUES (1, 1)');
    await writer.query('BEGIN');
    await writer.query('DELETE FROM tw_b WHERE id = 1');
    const truncate = truncator.query('TRUNCATE tw_b');
    expect(await within(truncate, 300)).to.equal('pending');
    await writer.query('ROLLBACK');
    await truncate;
    expect(await count(writer, 'tw_b')).to.equal(0);
    await writer.query('DROP TABLE tw_b');
  });

  it('gives up after lock_timeout with 55P03 and leaves the table and the writer alone', async () => {
    await writer.query('CREATE TABLE tw_c (id int PRIMARY KEY, v int)');
    await writer.query('INSERT INTO tw_c VALUES (1, 1), (2, 2)');
    await writer.query('BEGIN');
    await writer.query('UPDATE tw_c SET v = 10 WHERE id = 1');
    await truncator.query("SET lock_timeout = '200ms'");
    expect(await sqlStateOf(truncator, 'TRUNCATE tw_c')).to.equal('55P03');
    await writer.query('COMMIT');
    const rows = (await writer.query('SELECT id, v FROM tw_c ORDER BY id')).rows;
    expect(rows).to.deep.equal([
      { id: 1, v: 10 },
      { id: 2, v: 2 },
    ]);
    await writer.query('DROP TABLE tw_c');
  });

  it('ends at statement_timeout with 57014', async () => {
    await writer.query('CREATE TABLE tw_d (id int PRIMARY KEY)');
    await writer.query('BEGIN');
    await writer.query('INSERT INTO tw_d VALUES (1)');
    await truncator.query("SET statement_timeout = '200ms'");
    expect(await sqlStateOf(truncator, 'TRUNCATE tw_d')).to.equal('57014');
    await writer.query('COMMIT');
    expect(await count(writer, 'tw_d')).to.equal(1);
    await writer.query('DROP TABLE tw_d');
  });

  it('does not wait for its own block: BEGIN; INSERT; TRUNCATE; COMMIT', async () => {
    await writer.query('CREATE TABLE tw_e (id int PRIMARY KEY)');
    await writer.query('INSERT INTO tw_e VALUES (1)');
    await writer.query('BEGIN');
    await writer.query('INSERT INTO tw_e VALUES (2)');
    await writer.query('UPDATE tw_e SET id = 3 WHERE id = 1');
    expect(await within(writer.query('TRUNCATE tw_e'), 5000)).to.equal('done');
    await writer.query('COMMIT');
    expect(await count(writer, 'tw_e')).to.equal(0);
    await writer.query('DROP TABLE tw_e');
  });
});
