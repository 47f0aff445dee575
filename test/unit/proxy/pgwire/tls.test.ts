import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { RawClient, serialize, waitFor } from './rawClient';
import { startFixture, type Fixture } from './fixture';

const run = promisify(execFile);

describe('pgwire TLS', function () {
  this.timeout(20000);
  let dir: string;
  let fx: Fixture;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pgwire-tls-'));
    await run(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
      ],
      { timeout: 10000 },
    );
    fx = await startFixture({
      tls: { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) },
      // hostssl only: a plain connection has no matching rule.
      hba: [{ address: 'all', user: 'all', database: 'all', method: 'trust', ssl: true }],
    });
  });
  after(async () => {
    await fx?.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pg connects over TLS with a self-signed certificate', async () => {
    const c = new pg.Client({
      host: '127.0.0.1',
      port: fx.server.port,
      user: 'u',
      database: 'd',
      ssl: { rejectUnauthorized: false },
    });
    await c.connect();
    try {
      expect((await c.query('SELECT $1::int AS n', [3])).rows).to.deep.equal([{ n: 3 }]);
    } finally {
      await c.end();
    }
  });

  it('psql with sslmode=require gets TLS', async () => {
    const { stdout } = await run(
      'psql',
      [
        '-X',
        '-At',
        '-c',
        'SELECT 5',
        `host=127.0.0.1 port=${fx.server.port} user=u dbname=d sslmode=require connect_timeout=5`,
      ],
      { timeout: 8000 },
    );
    expect(stdout.trim()).to.equal('5');
  });

  it('a plain connection matches no hostssl rule', async () => {
    const c = new pg.Client({ host: '127.0.0.1', port: fx.server.port, user: 'u', database: 'd' });
    const err = (await c.connect().catch((e: unknown) => e)) as pg.DatabaseError;
    expect(err.code).to.equal('28000');
  });

  it('raw: S, handshake, startup over TLS; plaintext smuggled after SSLRequest is refused', async () => {
    const c = await RawClient.open(fx.server.port);
    c.send(serialize.requestSsl());
    await waitFor(() => c.rawBytes.length === 1);
    expect(String.fromCharCode(c.rawBytes[0])).to.equal('S');
    await c.startTls();
    c.send(serialize.startup({ user: 'u', database: 'd' }));
    const ms = await c.until('readyForQuery');
    expect(ms[0].name).to.equal('authenticationOk');
    c.end();

    const d = await RawClient.open(fx.server.port);
    d.send(
      Buffer.concat([serialize.requestSsl(), serialize.startup({ user: 'u', database: 'd' })]),
    );
    await waitFor(() => d.closed);
    // An ErrorResponse ('E', 08P01), never the 'S' that would start a handshake.
    expect(String.fromCharCode(d.rawBytes[0])).to.equal('E');
    expect(Buffer.from(d.rawBytes).includes('C08P01')).to.equal(true);
  });
});
