/**
 * A rollback takes back the catalog objects its transaction created (proxy/sql/sessionTxn.ts),
 * as PostgreSQL's transactional DDL does: ROLLBACK, ROLLBACK TO SAVEPOINT, COMMIT of a
 * failed block, and the implicit transaction of a multi-statement query string that fails.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';
import { sqlStateOf } from '../../../support/sqlState';
import type { ExecContext } from '../../../../proxy/sql/context';
import { compileCreateTable } from '../../../../proxy/sql/ddl';
import { loadParser, parseSql, type AstNode } from '../../../../proxy/sql/parser';

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

  const errorCode = (sql: string): Promise<string | undefined> => sqlStateOf(c, sql);

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

  it('CREATE SEQUENCE IF NOT EXISTS that made the sequence drops it again', async () => {
    await c.query('BEGIN');
    await c.query('CREATE SEQUENCE IF NOT EXISTS rn_seq');
    await c.query('ROLLBACK');
    expect(await relations('rn_')).to.deep.equal([]);
  });

  async function columns(table: string): Promise<string[]> {
    const r = await c.query(`SELECT * FROM ${table} LIMIT 0`);
    return r.fields.map((f) => f.name);
  }

  it('ROLLBACK puts an altered table definition back: columns, defaults, NOT NULL, constraints, names', async () => {
    await c.query('CREATE TABLE ra_t (id int PRIMARY KEY, v int, w text)');
    await c.query('INSERT INTO ra_t VALUES (1, 1, NULL), (2, 1, NULL)');
    await c.query('BEGIN');
    await c.query("ALTER TABLE ra_t ADD COLUMN x int DEFAULT 7, ALTER COLUMN w SET DEFAULT 'd'");
    await c.query('ALTER TABLE ra_t ALTER COLUMN v SET NOT NULL');
    await c.query('ALTER TABLE ra_t ADD CONSTRAINT ra_t_w_key UNIQUE (w)');
    await c.query('ALTER TABLE ra_t ADD CONSTRAINT ra_t_v_pos CHECK (v > 0)');
    await c.query('ALTER TABLE ra_t RENAME COLUMN v TO vv');
    await c.query('ALTER TABLE ra_t RENAME TO ra_u');
    expect(await columns('ra_u')).to.deep.equal(['id', 'vv', 'w', 'x']);
    await c.query('ROLLBACK');
    expect(await relations('ra_')).to.deep.equal(['ra_t', 'ra_t_pkey']);
    expect(await columns('ra_t')).to.deep.equal(['id', 'v', 'w']);
    // No default, NOT NULL, CHECK or UNIQUE left: all of these were refused inside the block.
    await c.query('INSERT INTO ra_t (id, v) VALUES (3, NULL), (4, -5), (5, -5)');
    await c.query("UPDATE ra_t SET w = 'same' WHERE id IN (4, 5)");
    const r = await c.query('SELECT id, v, w FROM ra_t ORDER BY id');
    expect(r.rows).to.deep.equal([
      { id: 1, v: 1, w: null },
      { id: 2, v: 1, w: null },
      { id: 3, v: null, w: null },
      { id: 4, v: -5, w: 'same' },
      { id: 5, v: -5, w: 'same' },
    ]);
    await c.query('DROP TABLE ra_t');
  });

  it('a column added and taken back never lends its stored values to a later column', async () => {
    await c.query('CREATE TABLE rc_t (id int PRIMARY KEY)');
    const other = new Client({ connectionString: cluster.url });
    await other.connect();
    try {
      await c.query('BEGIN');
      await c.query('ALTER TABLE rc_t ADD COLUMN x int');
      // The catalog is shared at once (README): another session stores a value in x.
      await other.query('INSERT INTO rc_t (id, x) VALUES (1, 42)');
      await c.query('ROLLBACK');
      await c.query('ALTER TABLE rc_t ADD COLUMN y int');
      const r = await c.query('SELECT id, y FROM rc_t');
      expect(r.rows).to.deep.equal([{ id: 1, y: null }]);
    } finally {
      await other.end();
    }
    await c.query('DROP TABLE rc_t');
  });

  it('ROLLBACK TO SAVEPOINT takes back only the ALTERs after it', async () => {
    await c.query('CREATE TABLE rp_t (id int PRIMARY KEY)');
    await c.query('BEGIN');
    await c.query('ALTER TABLE rp_t ADD COLUMN a int');
    await c.query('SAVEPOINT s1');
    await c.query('ALTER TABLE rp_t ADD COLUMN b int');
    await c.query('ROLLBACK TO SAVEPOINT s1');
    await c.query('COMMIT');
    expect(await columns('rp_t')).to.deep.equal(['id', 'a']);
    await c.query('DROP TABLE rp_t');
  });

  it('an ALTER TABLE whose later command fails leaves none of its commands behind', async () => {
    await c.query('CREATE TABLE rx_t (id int PRIMARY KEY, v int)');
    await c.query('INSERT INTO rx_t VALUES (1, -1)');
    expect(
      await errorCode('ALTER TABLE rx_t ADD COLUMN a int, ADD CONSTRAINT rx_pos CHECK (v > 0)'),
    ).to.equal('23514');
    expect(await columns('rx_t')).to.deep.equal(['id', 'v']);
    await c.query('DROP TABLE rx_t');
  });

  it('foreign keys follow a renamed table or column, and back again on ROLLBACK', async () => {
    await c.query('CREATE TABLE rk_parent (id int PRIMARY KEY)');
    await c.query(
      'CREATE TABLE rk_child (id int PRIMARY KEY, pid int REFERENCES rk_parent (id), up int REFERENCES rk_child (id))',
    );
    await c.query('INSERT INTO rk_parent VALUES (1)');
    await c.query('INSERT INTO rk_child VALUES (1, 1, NULL)');
    const refused = async (): Promise<void> => {
      expect(await errorCode('INSERT INTO rk_child VALUES (2, 99, NULL)')).to.equal('23503');
      expect(await errorCode('INSERT INTO rk_child VALUES (3, 1, 99)')).to.equal('23503');
    };
    await c.query('ALTER TABLE rk_parent RENAME TO rk_parent2');
    await c.query('ALTER TABLE rk_parent2 RENAME COLUMN id TO pk');
    await c.query('ALTER TABLE rk_child RENAME TO rk_child2');
    expect(await errorCode('INSERT INTO rk_child2 VALUES (2, 99, NULL)')).to.equal('23503');
    expect(await errorCode('INSERT INTO rk_child2 VALUES (3, 1, 99)')).to.equal('23503');
    expect(await errorCode('DELETE FROM rk_parent2')).to.equal('23503');
    await c.query('ALTER TABLE rk_child2 RENAME TO rk_child');
    await c.query('BEGIN');
    await c.query('ALTER TABLE rk_parent2 RENAME COLUMN pk TO id');
    await c.query('ALTER TABLE rk_parent2 RENAME TO rk_parent');
    await c.query('ROLLBACK');
    await refused();
    expect(await errorCode('DELETE FROM rk_parent2')).to.equal('23503');
    await c.query('DROP TABLE rk_child');
    await c.query('DROP TABLE rk_parent2');
  });

  it('ROLLBACK warns about the DDL it cannot take back: DROP, TRUNCATE, a retyped column', async () => {
    await c.query('CREATE TABLE rw_a (id int PRIMARY KEY, v int)');
    await c.query('CREATE TABLE rw_b (id int PRIMARY KEY)');
    await c.query('INSERT INTO rw_a VALUES (1, 1)');
    const notices: string[] = [];
    const onNotice = (n: { message?: string }): void => {
      notices.push(n.message ?? '');
    };
    c.on('notice', onNotice);
    try {
      await c.query('BEGIN');
      await c.query('DROP TABLE IF EXISTS rw_none');
      await c.query('ALTER TABLE rw_a ALTER COLUMN v TYPE bigint');
      await c.query('TRUNCATE rw_a');
      await c.query('DROP TABLE rw_b');
      await c.query('ROLLBACK');
      // The notices of a query arrive before its ReadyForQuery.
      expect(notices).to.have.length(3);
      expect(notices[0]).to.match(/^the rollback could not undo DROP TABLE "public.rw_b": /);
      expect(notices[1]).to.match(/^the rollback could not undo TRUNCATE "rw_a": /);
      expect(notices[2]).to.match(/^the rollback could not undo ALTER TABLE "public.rw_a": /);
    } finally {
      c.off('notice', onNotice);
    }
    expect(await relations('rw_')).to.deep.equal(['rw_a', 'rw_a_pkey']);
    await c.query('DROP TABLE rw_a');
  });
});

describe('proxy/sql DDL undo: IF NOT EXISTS that met an object', () => {
  before(() => loadParser());

  it('CREATE TABLE IF NOT EXISTS gives no undo when meta already had the table', async () => {
    // This proxy's catalog has not seen the table yet (another proxy just made it): the
    // local check passes, and only meta's answer (table: null) says it was not created.
    const [parsed] = parseSql('CREATE TABLE IF NOT EXISTS raced (id int PRIMARY KEY)');
    const stmt = compileCreateTable(parsed.node.CreateStmt as AstNode);
    const created: string[] = [];
    const ctx = {
      catalog: { find: () => Promise.resolve(undefined), refresh: () => Promise.resolve() },
      ranges: { refresh: () => Promise.resolve() },
      meta: {
        createTable: (spec: { name: string }) => {
          created.push(spec.name);
          return Promise.resolve({ table: null, catalogVersion: 1, rangeVersion: 1 });
        },
      },
    } as unknown as ExecContext;
    const out = await stmt.execute(ctx);
    expect(created).to.deep.equal(['raced']);
    expect(out).to.deep.equal({ tag: 'CREATE TABLE' });
  });
});
