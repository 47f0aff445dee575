/**
 * Databases through the proxy: CREATE / DROP / ALTER DATABASE … RENAME TO with PostgreSQL's
 * errors, pg_database from the catalog, and startup refused for a database that does not
 * exist (FATAL 3D000), as PostgreSQL does.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../support/inProcessCluster';

async function connect(cluster: InProcessCluster, database: string): Promise<Client> {
  const url = new URL(cluster.url);
  const c = new Client({
    host: url.hostname,
    port: Number(url.port),
    user: 'postgres',
    database,
  });
  await c.connect();
  return c;
}

async function sqlState(
  p: Promise<unknown>,
): Promise<{ code: string; message: string; severity?: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: string; message: string; severity?: string };
    return { code: e.code, message: e.message, severity: e.severity };
  }
  throw new Error('expected an error');
}

describe('databases through the proxy', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  const clients: Client[] = [];

  before(async () => {
    cluster = await startInProcessCluster({ shards: 1 });
  });
  after(async () => {
    for (const c of clients) await c.end().catch(() => undefined);
    await cluster?.close();
  });

  async function open(database: string): Promise<Client> {
    const c = await connect(cluster, database);
    clients.push(c);
    return c;
  }

  it('a fresh cluster has postgres, template1 and template0, as PostgreSQL 15 lists them', async () => {
    const c = await open('postgres');
    const r = await c.query(
      'SELECT oid::int AS oid, datname, datistemplate, datallowconn, pg_encoding_to_char(encoding) AS enc FROM pg_database ORDER BY oid',
    );
    expect(r.rows).to.deep.equal([
      { oid: 1, datname: 'template1', datistemplate: true, datallowconn: true, enc: 'UTF8' },
      { oid: 4, datname: 'template0', datistemplate: true, datallowconn: false, enc: 'UTF8' },
      { oid: 5, datname: 'postgres', datistemplate: false, datallowconn: true, enc: 'UTF8' },
    ]);
  });

  it('startup for a database that does not exist is refused with FATAL 3D000; template0 with 55000', async () => {
    const missing = await sqlState(connect(cluster, 'nosuchdb'));
    expect(missing).to.include({ code: '3D000', message: 'database "nosuchdb" does not exist' });
    expect(missing.severity).to.equal('FATAL');
    const t0 = await sqlState(connect(cluster, 'template0'));
    expect(t0).to.include({
      code: '55000',
      message: 'database "template0" is not currently accepting connections',
    });
  });

  it('CREATE DATABASE makes a database one can connect to; errors as PostgreSQL gives them', async () => {
    const c = await open('postgres');
    await c.query('CREATE DATABASE shop');
    expect((await sqlState(c.query('CREATE DATABASE shop'))).code).to.equal('42P04');
    expect((await sqlState(c.query('CREATE DATABASE x TEMPLATE nope'))).code).to.equal('3D000');
    expect((await sqlState(c.query('CREATE DATABASE x OWNER nobody'))).code).to.equal('42704');
    expect((await sqlState(c.query("CREATE DATABASE x ENCODING 'LATIN1'"))).code).to.equal('0A000');
    await c.query('BEGIN');
    expect((await sqlState(c.query('CREATE DATABASE y'))).code).to.equal('25001');
    await c.query('ROLLBACK');
    const s = await open('shop');
    expect((await s.query('SELECT current_database() AS db')).rows).to.deep.equal([{ db: 'shop' }]);
    const owner = await c.query(
      "SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = 'shop'",
    );
    expect(owner.rows).to.deep.equal([{ owner: 'postgres' }]);
  });

  it('DROP DATABASE: 3D000 when missing, 55006 for the current one and one in use; then it is gone', async () => {
    const c = await open('postgres');
    expect((await sqlState(c.query('DROP DATABASE nosuch'))).code).to.equal('3D000');
    await c.query('DROP DATABASE IF EXISTS nosuch');
    expect((await sqlState(c.query('DROP DATABASE postgres'))).message).to.equal(
      'cannot drop the currently open database',
    );
    expect((await sqlState(c.query('DROP DATABASE template1'))).code).to.equal('42809');
    await c.query('CREATE DATABASE busy');
    const user = await connect(cluster, 'busy');
    const inUse = await sqlState(c.query('DROP DATABASE busy'));
    expect(inUse).to.include({
      code: '55006',
      message: 'database "busy" is being accessed by other users',
    });
    await user.end();
    // The proxy forgets a session once its connection is gone.
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        await c.query('DROP DATABASE busy');
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== '55006' || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    expect((await sqlState(connect(cluster, 'busy'))).code).to.equal('3D000');
  });

  it('ALTER DATABASE … RENAME TO', async () => {
    const c = await open('postgres');
    await c.query('CREATE DATABASE before_name');
    await c.query('CREATE DATABASE taken');
    expect((await sqlState(c.query('ALTER DATABASE before_name RENAME TO taken'))).code).to.equal(
      '42P04',
    );
    expect((await sqlState(c.query('ALTER DATABASE nosuch RENAME TO z'))).code).to.equal('3D000');
    expect((await sqlState(c.query('ALTER DATABASE postgres RENAME TO z'))).message).to.equal(
      'current database cannot be renamed',
    );
    await c.query('ALTER DATABASE before_name RENAME TO after_name');
    const names = (await c.query('SELECT datname FROM pg_database ORDER BY datname')).rows.map(
      (r: { datname: string }) => r.datname,
    );
    expect(names).to.include('after_name').and.not.include('before_name');
    const s = await open('after_name');
    expect((await s.query('SELECT 1 AS one')).rows).to.deep.equal([{ one: 1 }]);
  });
});
