/**
 * SELECT … JOIN … FOR UPDATE [OF …] [NOWAIT] (proxy/sql/joinLocks.ts): which rows end up
 * locked is observed from a second session, whose NOWAIT update of a locked row fails with
 * 55P03 and of an unlocked one succeeds. It answered 0A000 before.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';

describe('proxy/sql SELECT … JOIN … FOR UPDATE', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let a: Client;
  let b: Client;

  before(async () => {
    cluster = await startInProcessCluster({ shards: 2 });
    a = new Client(cluster.url);
    b = new Client(cluster.url);
    await a.connect();
    await b.connect();
    await a.query('CREATE TABLE acct (id int PRIMARY KEY, owner int, bal int)');
    await a.query('CREATE TABLE person (id int PRIMARY KEY, name text)');
    await a.query("INSERT INTO person VALUES (1, 'ann'), (2, 'bob'), (3, 'cy')");
    await a.query('INSERT INTO acct VALUES (10, 1, 100), (11, 1, 50), (20, 2, 70), (30, 3, 5)');
  });

  after(async () => {
    await a?.end();
    await b?.end();
    await cluster?.close();
  });

  /** Whether session b finds the row locked (a NOWAIT lock of it fails with 55P03). */
  async function lockedForB(table: string, id: number): Promise<boolean> {
    await b.query('BEGIN');
    try {
      await b.query(`SELECT id FROM ${table} WHERE id = ${id} FOR UPDATE NOWAIT`);
      return false;
    } catch (err) {
      expect((err as { code?: string }).code).to.equal('55P03');
      return true;
    } finally {
      await b.query('ROLLBACK');
    }
  }

  it('locks the joined rows of every table, and only those', async () => {
    await a.query('BEGIN');
    const r = await a.query(
      'SELECT acct.id, person.name FROM acct JOIN person ON person.id = acct.owner WHERE person.id = 1 ORDER BY acct.id FOR UPDATE',
    );
    expect(r.rows).to.deep.equal([
      { id: 10, name: 'ann' },
      { id: 11, name: 'ann' },
    ]);
    expect(await lockedForB('acct', 10)).to.equal(true);
    expect(await lockedForB('acct', 11)).to.equal(true);
    expect(await lockedForB('person', 1)).to.equal(true);
    expect(await lockedForB('acct', 20)).to.equal(false);
    expect(await lockedForB('person', 2)).to.equal(false);
    await a.query('COMMIT');
    expect(await lockedForB('acct', 10)).to.equal(false);
  });

  it('FOR UPDATE OF locks only the named table (by its alias)', async () => {
    await a.query('BEGIN');
    await a.query(
      'SELECT a.id FROM acct a, person p WHERE p.id = a.owner AND p.name = $1 FOR UPDATE OF a',
      ['bob'],
    );
    expect(await lockedForB('acct', 20)).to.equal(true);
    expect(await lockedForB('person', 2)).to.equal(false);
    await a.query('ROLLBACK');
  });

  it('READ COMMITTED returns the newest version of a row it waited for', async () => {
    await b.query('BEGIN');
    await b.query('UPDATE acct SET bal = bal + 1 WHERE id = 30');
    await a.query('BEGIN');
    const pending = a.query(
      'SELECT acct.bal FROM acct JOIN person ON person.id = acct.owner WHERE acct.id = 30 FOR UPDATE',
    );
    // Give a time to meet the lock; had it not yet, it reads 6 all the same.
    await new Promise((r) => setTimeout(r, 200));
    await b.query('COMMIT');
    expect((await pending).rows).to.deep.equal([{ bal: 6 }]);
    await a.query('COMMIT');
  });

  it('NOWAIT fails at once on a locked joined row', async () => {
    await b.query('BEGIN');
    await b.query('UPDATE person SET name = name WHERE id = 3');
    await a.query('BEGIN');
    const err = await a
      .query(
        'SELECT acct.id FROM acct JOIN person ON person.id = acct.owner WHERE acct.id = 30 FOR UPDATE NOWAIT',
      )
      .catch((e: unknown) => e);
    expect(err).to.have.property('code', '55P03');
    await a.query('ROLLBACK');
    await b.query('ROLLBACK');
  });

  it('refuses the nullable side of an outer join and unknown names, as PostgreSQL does', async () => {
    await a.query('BEGIN');
    const outer = await a
      .query('SELECT 1 FROM person p LEFT JOIN acct a ON a.owner = p.id FOR UPDATE')
      .catch((e: unknown) => e);
    expect(outer).to.have.property('code', '0A000');
    await a.query('ROLLBACK');
    await a.query('BEGIN');
    const named = await a
      .query('SELECT 1 FROM person p JOIN acct a ON a.owner = p.id FOR UPDATE OF nope')
      .catch((e: unknown) => e);
    expect(named).to.have.property('code', '42P01');
    await a.query('ROLLBACK');
    // FOR UPDATE OF the outer side only is fine.
    await a.query('BEGIN');
    const ok = await a.query(
      'SELECT p.id FROM person p LEFT JOIN acct a ON a.owner = p.id WHERE p.id = 3 FOR UPDATE OF p',
    );
    expect(ok.rows).to.deep.equal([{ id: 3 }]);
    expect(await lockedForB('person', 3)).to.equal(true);
    await a.query('ROLLBACK');
  });
});
