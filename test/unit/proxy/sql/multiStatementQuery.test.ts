/**
 * A simple Query string of several statements is parsed whole, then each statement is
 * planned just before it runs (postgres.c exec_simple_query): a statement may use a
 * table created earlier in the same string. Planning them all first failed such strings
 * before any statement ran (migration files sent in one Query, `psql -c "…; …"`).
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';

describe('proxy/sql multi-statement simple Query', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let c: Client;
  before(async () => {
    cluster = await startInProcessCluster({ shards: 1 });
    c = new Client(cluster.url);
    await c.connect();
  });
  after(async () => {
    await c?.end();
    await cluster?.close();
  });

  it('runs statements that use a table created earlier in the same string', async () => {
    const results = (await c.query(
      'CREATE TABLE mig (id int PRIMARY KEY, v text); INSERT INTO mig VALUES (1, $$a$$), (2, $$b$$); ' +
        'ALTER TABLE mig ADD COLUMN n int DEFAULT 7; SELECT id, v, n FROM mig ORDER BY id',
    )) as unknown as Array<{ command: string; rows: unknown[] }>;
    expect(results.map((r) => r.command)).to.deep.equal(['CREATE', 'INSERT', 'ALTER', 'SELECT']);
    expect(results[3].rows).to.deep.equal([
      { id: 1, v: 'a', n: 7 },
      { id: 2, v: 'b', n: 7 },
    ]);
  });

  it('a later statement naming an unknown table fails at its turn, its position in the whole string', async () => {
    const sql = 'SELECT 1 AS x; SELECT * FROM nosuch; SELECT 2';
    const err = (await c.query(sql).catch((e: unknown) => e)) as {
      code?: string;
      position?: string;
    };
    expect(err.code).to.equal('42P01');
    expect(Number(err.position)).to.equal(sql.indexOf('nosuch') + 1);
  });

  it('a syntax error anywhere runs nothing', async () => {
    const err = (await c.query('CREATE TABLE never (a int); SELEC 1').catch((e: unknown) => e)) as {
      code?: string;
    };
    expect(err.code).to.equal('42601');
    const found = await c.query(
      `SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'never'`,
    );
    expect(found.rows).to.deep.equal([{ n: 0 }]);
  });

  it('ROLLBACK later in the string ends an aborted block', async () => {
    await c.query('BEGIN');
    await c.query('SELECT 1/0').catch(() => undefined);
    const results = (await c.query('ROLLBACK; SELECT 3 AS y')) as unknown as Array<{
      rows: unknown[];
    }>;
    expect(results[1].rows).to.deep.equal([{ y: 3 }]);
  });
});
