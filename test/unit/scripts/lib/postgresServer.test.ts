import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { Client } from 'pg';
import {
  findPostgresBinDir,
  startPostgres,
  type PostgresServer,
} from '../../../../scripts/lib/postgresServer';

describe('scripts/lib/postgresServer', function () {
  this.timeout(60_000);
  let server: PostgresServer | undefined;

  before(function () {
    if (findPostgresBinDir() === null) this.skip(); // PostgreSQL 15 not installed (apt-get install -y postgresql-15)
  });

  after(async () => {
    await server?.stop();
  });

  it('starts a private server, answers queries, and removes its data directory on stop', async () => {
    server = await startPostgres();
    expect(server.host).to.equal('127.0.0.1');
    expect(existsSync(server.dataDir)).to.equal(true);

    const client = new Client({ connectionString: server.connectionString });
    await client.connect();
    try {
      const r = await client.query(
        "SELECT current_setting('server_version_num')::int / 10000 AS major, current_setting('fsync') AS fsync, current_setting('listen_addresses') AS listen, 1 + 1 AS two",
      );
      expect(r.rows[0]).to.deep.equal({ major: 15, fsync: 'on', listen: '127.0.0.1', two: 2 });
    } finally {
      await client.end();
    }

    const dir = server.dataDir;
    await server.stop();
    expect(existsSync(dir)).to.equal(false);
    // A second stop is harmless.
    await server.stop();
    server = undefined;
  });

  it('runs two servers side by side on different ports', async () => {
    const [a, b] = await Promise.all([startPostgres(), startPostgres()]);
    try {
      expect(a.port).to.not.equal(b.port);
      for (const s of [a, b]) {
        const c = new Client({ connectionString: s.connectionString });
        await c.connect();
        const r = await c.query('SELECT inet_server_port() AS p');
        expect(r.rows[0].p).to.equal(s.port);
        await c.end();
      }
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
