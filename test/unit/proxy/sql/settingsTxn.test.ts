/**
 * Settings follow the transaction as in PostgreSQL 15 (proxy/sql/sessionSettings.ts):
 * ROLLBACK and ROLLBACK TO SAVEPOINT undo SET / RESET / set_config, SET LOCAL ends with the
 * transaction, a plain SET in a committed transaction stays.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';

describe('proxy/sql settings in transactions', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let c: Client;

  async function show(name: string): Promise<string> {
    const r = await c.query(`SHOW ${name}`);
    return (r.rows[0] as Record<string, string>)[name.toLowerCase()];
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
    await c.query('RESET ALL');
  });

  it('ROLLBACK undoes SET, RESET and set_config made in the block', async () => {
    await c.query("SET search_path = 'a'");
    await c.query('SET statement_timeout = 5000');
    await c.query('BEGIN');
    await c.query("SET search_path = 'x'");
    await c.query('RESET statement_timeout');
    await c.query("SELECT set_config('application_name', 'app1', false)");
    expect(await show('search_path')).to.equal('x');
    expect(await show('statement_timeout')).to.equal('0');
    await c.query('ROLLBACK');
    expect(await show('search_path')).to.equal('a');
    expect(await show('statement_timeout')).to.equal('5000');
    expect(await show('application_name')).to.equal('');
  });

  it('a plain SET in a committed block stays', async () => {
    await c.query('BEGIN');
    await c.query("SET search_path = 'x'");
    await c.query('COMMIT');
    expect(await show('search_path')).to.equal('x');
  });

  it('ROLLBACK TO SAVEPOINT undoes what was set after the savepoint only', async () => {
    await c.query('BEGIN');
    await c.query("SET search_path = 'before'");
    await c.query('SAVEPOINT s');
    await c.query("SET search_path = 'after'");
    await c.query("SET application_name = 'after'");
    await c.query('ROLLBACK TO SAVEPOINT s');
    expect(await show('search_path')).to.equal('before');
    expect(await show('application_name')).to.equal('');
    // The savepoint stays: set again, roll back to it again.
    await c.query("SET search_path = 'again'");
    await c.query('ROLLBACK TO s');
    expect(await show('search_path')).to.equal('before');
    // A released savepoint's changes belong to the transaction.
    await c.query('SAVEPOINT t');
    await c.query("SET application_name = 'kept'");
    await c.query('RELEASE t');
    await c.query('COMMIT');
    expect(await show('search_path')).to.equal('before');
    expect(await show('application_name')).to.equal('kept');
  });

  it('SET LOCAL and set_config(…, true) last until COMMIT or ROLLBACK', async () => {
    await c.query("SET search_path = 'session'");
    await c.query('BEGIN');
    await c.query("SET LOCAL search_path = 'local'");
    await c.query("SELECT set_config('application_name', 'localapp', true)");
    expect(await show('search_path')).to.equal('local');
    expect(await show('application_name')).to.equal('localapp');
    await c.query('COMMIT');
    expect(await show('search_path')).to.equal('session');
    expect(await show('application_name')).to.equal('');

    await c.query('BEGIN');
    await c.query("SET LOCAL search_path = 'local'");
    await c.query('ROLLBACK');
    expect(await show('search_path')).to.equal('session');
  });

  it('SET after SET LOCAL stays at COMMIT; SET LOCAL after SET masks it until COMMIT', async () => {
    await c.query('BEGIN');
    await c.query("SET LOCAL search_path = 'local'");
    await c.query("SET search_path = 'plain'");
    await c.query('COMMIT');
    expect(await show('search_path')).to.equal('plain');

    await c.query('BEGIN');
    await c.query("SET search_path = 'plain2'");
    await c.query("SET LOCAL search_path = 'local2'");
    expect(await show('search_path')).to.equal('local2');
    await c.query('COMMIT');
    expect(await show('search_path')).to.equal('plain2');
  });

  it('a failed block (25P02) rolled back, or rolled back to a savepoint, reverts', async () => {
    await c.query('BEGIN');
    await c.query("SET search_path = 'x'");
    await c.query('SAVEPOINT s');
    await c.query("SET application_name = 'y'");
    await c.query('SELECT 1/0').catch(() => undefined);
    const aborted = await c.query('SHOW search_path').then(
      () => 'ran',
      (e: { code?: string }) => e.code,
    );
    expect(aborted).to.equal('25P02');
    await c.query('ROLLBACK TO s');
    expect(await show('application_name')).to.equal('');
    expect(await show('search_path')).to.equal('x');
    await c.query('SELECT 1/0').catch(() => undefined);
    await c.query('ROLLBACK');
    expect(await show('search_path')).to.equal('"$user", public');

    // COMMIT of a failed block rolls back too.
    await c.query('BEGIN');
    await c.query("SET search_path = 'z'");
    await c.query('SELECT 1/0').catch(() => undefined);
    expect((await c.query('COMMIT')).command).to.equal('ROLLBACK');
    expect(await show('search_path')).to.equal('"$user", public');
  });

  it('a SET in a Query string undone when a later statement of the string fails', async () => {
    await c.query("SET search_path = 'x'; SELECT 1/0").catch(() => undefined);
    expect(await show('search_path')).to.equal('"$user", public');
    await c.query("SET search_path = 'y'; SELECT 1");
    expect(await show('search_path')).to.equal('y');
  });

  it('reports GUC_REPORT settings as they change back (ParameterStatus)', async () => {
    const seen: Array<[string, string]> = [];
    const conn = (c as unknown as { connection: import('node:events').EventEmitter }).connection;
    const onStatus = (m: { parameterName: string; parameterValue: string }): void => {
      seen.push([m.parameterName, m.parameterValue]);
    };
    conn.on('parameterStatus', onStatus);
    try {
      await c.query('BEGIN');
      await c.query("SET application_name = 'inblock'");
      await c.query('ROLLBACK');
    } finally {
      conn.off('parameterStatus', onStatus);
    }
    expect(seen).to.deep.equal([
      ['application_name', 'inblock'],
      ['application_name', ''],
    ]);
  });
});
