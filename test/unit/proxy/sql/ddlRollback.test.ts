/**
 * A rollback takes back the catalog objects its transaction created (proxy/sql/sessionTxn.ts),
 * as PostgreSQL's transactional DDL does: ROLLBACK, ROLLBACK TO SAVEPOINT, COMMIT of a
 * failed block, and the implicit transaction of a multi-statement query string that fails.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';

describe('proxy/sql DDL undone by rollback', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let c: Client;

  async function relations(prefix: string): Promise<string[]> {
    const r = await c.query(
      `SELECT relname FROM pg_class WHERE relname LIKE '${prefix}%' ORDER BY relname`,
    );
    return r.rows.map((row: { relname: string }) => row.relname);
  }

  async function errorCode(sql: string): Promise<string | undefined> {
    try {
      await c.query(sql);
      return undefined;
    } catch (err) {
      return (err as { code?: string }).code;
    }
  }

  before(async () => {
    cluster = await startInProcessCluster({ shards: 1 });
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

  it('ROLLBACK drops the tables, indexes and sequences the block created', async () => {
    await c.query('BEGIN');
    await c.query('CREATE TABLE ru_a (id serial PRIMARY KEY, v text)');
    await c.query('CREATE INDEX ru_a_v ON ru_a (v)');
    await c.query("INSERT INTO ru_a (v) VALUES ('x')");
    await c.query('CREATE SEQUENCE ru_seq');
    expect(await relations('ru_')).to.include.members(['ru_a', 'ru_a_v', 'ru_seq']);
    await c.query('ROLLBACK');
    expect(await relations('ru_')).to.deep.equal([]);
    expect(await errorCode('SELECT * FROM ru_a')).to.equal('42P01');
    expect(await errorCode("SELECT nextval('ru_seq')")).to.equal('42P01');
    // The names are free again, and the serial column's sequence starts over.
    await c.query('CREATE TABLE ru_a (id serial PRIMARY KEY, v text)');
    const r = await c.query("INSERT INTO ru_a (v) VALUES ('y') RETURNING id");
    expect(r.rows[0]).to.deep.equal({ id: 1 });
    await c.query('DROP TABLE ru_a');
  });

  it('ROLLBACK TO SAVEPOINT drops only what was created after the savepoint', async () => {
    await c.query('BEGIN');
    await c.query('CREATE TABLE rs_keep (id int PRIMARY KEY)');
    await c.query('SAVEPOINT s1');
    await c.query('CREATE TABLE rs_gone (id int PRIMARY KEY)');
    await c.query('CREATE INDEX rs_keep_idx ON rs_keep (id)');
    await c.query('ROLLBACK TO SAVEPOINT s1');
    await c.query('COMMIT');
    expect(await relations('rs_')).to.deep.equal(['rs_keep', 'rs_keep_pkey']);
    await c.query('DROP TABLE rs_keep');
  });

  it('COMMIT of a block an error aborted drops what it created', async () => {
    await c.query('BEGIN');
    await c.query('CREATE TABLE rf_a (id int PRIMARY KEY)');
    expect(await errorCode('SELECT 1/0')).to.equal('22012');
    const r = await c.query('COMMIT');
    expect(r.command).to.equal('ROLLBACK');
    expect(await relations('rf_')).to.deep.equal([]);
  });

  it('a failing multi-statement query string takes its CREATE TABLE back; a lone one stays', async () => {
    expect(await errorCode('CREATE TABLE rm_a (id int PRIMARY KEY); SELECT 1/0')).to.equal('22012');
    expect(await relations('rm_')).to.deep.equal([]);
    await c.query('CREATE TABLE rm_b (id int PRIMARY KEY)');
    // A later failing statement is another transaction: the lone CREATE has committed.
    expect(await errorCode('SELECT 1/0')).to.equal('22012');
    await c.query('BEGIN');
    await c.query('CREATE TABLE rm_c (id int PRIMARY KEY)');
    await c.query('COMMIT');
    expect(await relations('rm_')).to.deep.equal(['rm_b', 'rm_b_pkey', 'rm_c', 'rm_c_pkey']);
    await c.query('DROP TABLE rm_b');
    await c.query('DROP TABLE rm_c');
  });

  it('CREATE SEQUENCE IF NOT EXISTS never drops a sequence that was there before', async () => {
    await c.query('CREATE SEQUENCE rq_seq');
    await c.query('BEGIN');
    await c.query('CREATE SEQUENCE IF NOT EXISTS rq_seq');
    await c.query('ROLLBACK');
    const r = await c.query("SELECT nextval('rq_seq') AS n");
    expect(Number(r.rows[0].n)).to.equal(1);
    await c.query('DROP SEQUENCE rq_seq');
  });
});
