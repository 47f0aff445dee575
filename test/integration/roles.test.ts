import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { Client } from 'pg';
import { startInProcessCluster, InProcessCluster } from '../support/inProcessCluster';
import { startProxyNode, ProxyNode } from '../../proxy';
import { silentLogger } from '../../common/logger';
import { parseHba } from '../../proxy/hbaConfig';

/** Connects as user with password through the password-checking proxy; the SQLSTATE on failure. */
async function login(port: number, user: string, password: string): Promise<string> {
  const c = new Client({ host: '127.0.0.1', port, user, password, database: 'postgres' });
  try {
    await c.connect();
    const r = await c.query('SELECT current_user AS u');
    return `ok:${(r.rows[0] as { u: string }).u}`;
  } catch (err) {
    return String((err as { code?: string }).code);
  } finally {
    await c.end().catch(() => undefined);
  }
}

describe('roles and password authentication from the catalog', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let scram: ProxyNode;
  let admin: Client;

  before(async () => {
    cluster = await startInProcessCluster({ shards: 1 });
    scram = await startProxyNode(
      {
        nodeName: 'proxy-scram',
        listen: '127.0.0.1:0',
        meta: [cluster.meta.address],
        secret: cluster.secret,
        tlsCert: '',
        tlsKey: '',
        maxConnections: 50,
        catalogPollMs: 100,
        auth: 'scram-sha-256',
      },
      silentLogger(),
    );
    admin = new Client(cluster.url); // the trust proxy, as the bootstrap superuser
    await admin.connect();
  });
  after(async () => {
    await admin.end();
    await scram.close();
    await cluster.close();
  });

  it('CREATE ROLE … PASSWORD lets the role log in with SCRAM; a wrong password gets 28P01', async () => {
    await admin.query("CREATE ROLE alice LOGIN PASSWORD 'wonderland'");
    expect(await login(scram.port, 'alice', 'wonderland')).to.match(/^ok/);
    expect(await login(scram.port, 'alice', 'looking-glass')).to.equal('28P01');
    expect(await login(scram.port, 'nobody', 'x')).to.equal('28P01');
  });

  it('ALTER ROLE changes the password; NOLOGIN and DROP ROLE shut the door', async () => {
    await admin.query("CREATE USER bob PASSWORD 'first'");
    expect(await login(scram.port, 'bob', 'first')).to.match(/^ok/);
    await admin.query("ALTER ROLE bob WITH PASSWORD 'second'");
    expect(await login(scram.port, 'bob', 'first')).to.equal('28P01');
    expect(await login(scram.port, 'bob', 'second')).to.match(/^ok/);
    await admin.query('ALTER ROLE bob NOLOGIN');
    expect(await login(scram.port, 'bob', 'second')).to.equal('28P01');
    await admin.query('DROP ROLE bob');
    expect(await login(scram.port, 'bob', 'second')).to.equal('28P01');
  });

  it('CHECKPOINT is for superusers (42501 for others, as in PostgreSQL 15)', async () => {
    await admin.query("CREATE ROLE chk_user LOGIN PASSWORD 'pw'");
    const c = new Client({
      host: '127.0.0.1',
      port: scram.port,
      user: 'chk_user',
      password: 'pw',
      database: 'postgres',
    });
    await c.connect();
    try {
      const code = await c.query('CHECKPOINT').then(
        () => 'ok',
        (err: { code?: string }) => err.code,
      );
      expect(code).to.equal('42501');
    } finally {
      await c.end();
    }
    expect((await admin.query('CHECKPOINT')).command).to.equal('CHECKPOINT');
  });

  it('CREATE ROLE without LOGIN cannot log in; duplicate and protected roles are refused', async () => {
    await admin.query("CREATE ROLE reporting PASSWORD 'r'");
    expect(await login(scram.port, 'reporting', 'r')).to.equal('28P01');
    const dup = await admin.query('CREATE ROLE alice').catch((e: { code: string }) => e);
    expect((dup as { code: string }).code).to.equal('42710');
    const boot = await admin.query('DROP ROLE postgres').catch((e: { code: string }) => e);
    expect((boot as { code: string }).code).to.equal('55006');
    await admin.query('DROP ROLE IF EXISTS not_there');
  });

  it("pg_roles shows the catalog's roles and their attributes, never a verifier", async () => {
    await admin.query('CREATE ROLE auditor CREATEDB');
    const r = await admin.query(
      "SELECT rolname, rolsuper, rolcanlogin, rolcreatedb, rolpassword FROM pg_roles WHERE rolname IN ('postgres', 'alice', 'auditor') ORDER BY rolname",
    );
    expect(r.rows).to.deep.equal([
      {
        rolname: 'alice',
        rolsuper: false,
        rolcanlogin: true,
        rolcreatedb: false,
        rolpassword: '********',
      },
      {
        rolname: 'auditor',
        rolsuper: false,
        rolcanlogin: false,
        rolcreatedb: true,
        rolpassword: '********',
      },
      {
        rolname: 'postgres',
        rolsuper: true,
        rolcanlogin: true,
        rolcreatedb: true,
        rolpassword: '********',
      },
    ]);
  });

  it('--hba rules decide per user: reject, SCRAM, trust, first match wins', async () => {
    const ruled = await startProxyNode(
      {
        nodeName: 'proxy-hba',
        listen: '127.0.0.1:0',
        meta: [cluster.meta.address],
        secret: cluster.secret,
        tlsCert: '',
        tlsKey: '',
        maxConnections: 50,
        catalogPollMs: 100,
        auth: 'default',
        hba: parseHba(
          'host all mallory loopback reject; host all alice loopback scram-sha-256; host all all loopback trust',
        ),
      },
      silentLogger(),
    );
    try {
      expect(await login(ruled.port, 'mallory', 'x')).to.equal('28000');
      expect(await login(ruled.port, 'alice', 'wonderland')).to.match(/^ok/);
      expect(await login(ruled.port, 'alice', 'wrong')).to.equal('28P01');
      expect(await login(ruled.port, 'postgres', 'anything')).to.match(/^ok/);
    } finally {
      await ruled.close();
    }
  });

  it('psql logs in with SCRAM using the stored verifier', async () => {
    await admin.query("CREATE ROLE carol LOGIN PASSWORD 'psql-pass'");
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        'psql',
        [
          '-X',
          '-h',
          '127.0.0.1',
          '-p',
          String(scram.port),
          '-U',
          'carol',
          '-d',
          'postgres',
          '-tA',
          '-c',
          'SELECT 40 + 2',
        ],
        { env: { ...process.env, PGPASSWORD: 'psql-pass', PGSSLMODE: 'disable' }, timeout: 20_000 },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    expect(out.trim()).to.equal('42');
  });
});
