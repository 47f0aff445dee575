import { expect } from 'chai';
import { execFile } from 'node:child_process';
import * as crypto from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import postgres from 'postgres';
import { makeMd5Verifier } from '../../../../proxy/pgwire/auth/md5';
import { makeScramVerifier, ScramExchange, scramKeys } from '../../../../proxy/pgwire/auth/scram';
import { addressMatches, chooseAuthMethod } from '../../../../proxy/pgwire/auth/hba';
import type { HbaRule } from '../../../../proxy/pgwire';
import { MemoryEngine } from '../../../support/memoryEngine';
import { RawClient, serialize } from './rawClient';
import { startFixture, type Fixture } from './fixture';

const run = promisify(execFile);

const verifiers = new Map<string, string>([
  ['scram_user', makeScramVerifier('s3cret')],
  ['md5_user', makeMd5Verifier('m5pass', 'md5_user')],
  ['plain_user', 'plainpw'],
]);

function rules(method: HbaRule['method']): HbaRule[] {
  return [{ address: 'all', user: 'all', database: 'all', method }];
}

async function connectPg(port: number, user: string, password: string): Promise<unknown> {
  const c = new pg.Client({ host: '127.0.0.1', port, user, password, database: 'db' });
  try {
    await c.connect();
    const r = await c.query('SELECT 1 AS one');
    return r.rows[0].one;
  } finally {
    await c.end().catch(() => undefined);
  }
}

describe('pgwire authentication', () => {
  describe('host-based rules', () => {
    it('matches CIDRs, loopback and v4-mapped addresses', () => {
      expect(addressMatches('loopback', '127.0.0.1')).to.equal(true);
      expect(addressMatches('loopback', '::1')).to.equal(true);
      expect(addressMatches('loopback', '::ffff:127.0.0.5')).to.equal(true);
      expect(addressMatches('loopback', '10.0.0.1')).to.equal(false);
      expect(addressMatches('10.1.0.0/16', '10.1.200.3')).to.equal(true);
      expect(addressMatches('10.1.0.0/16', '10.2.0.3')).to.equal(false);
      expect(addressMatches('fd00::/8', 'fd12::1')).to.equal(true);
      expect(addressMatches('fd00::/8', '10.0.0.1')).to.equal(false);
    });

    it('takes the first matching rule; no match means undefined', () => {
      const r: HbaRule[] = [
        { address: 'all', user: 'admin', database: 'all', method: 'reject' },
        { address: '10.0.0.0/8', user: 'all', database: 'app', method: 'md5', ssl: true },
        { address: '10.0.0.0/8', user: 'all', database: 'all', method: 'scram-sha-256' },
      ];
      expect(chooseAuthMethod(r, '10.0.0.1', 'admin', 'app', true)).to.equal('reject');
      expect(chooseAuthMethod(r, '10.0.0.1', 'bob', 'app', true)).to.equal('md5');
      expect(chooseAuthMethod(r, '10.0.0.1', 'bob', 'app', false)).to.equal('scram-sha-256');
      expect(chooseAuthMethod(r, '192.168.0.1', 'bob', 'app', false)).to.equal(undefined);
    });
  });

  describe('SCRAM-SHA-256 core', () => {
    it('verifies a proof computed per RFC 5802 and rejects a wrong one', () => {
      const salt = Buffer.alloc(16, 7);
      const v = scramKeys('pencil', salt, 4096);
      const ex = new ScramExchange(v, 'SERVERNONCE');
      const first = ex.clientFirst('n,,n=*,r=CLIENTNONCE');
      expect(first).to.equal(`r=CLIENTNONCESERVERNONCE,s=${salt.toString('base64')},i=4096`);
      const withoutProof = 'c=biws,r=CLIENTNONCESERVERNONCE';
      const authMessage = `n=*,r=CLIENTNONCE,${first},${withoutProof}`;
      const salted = crypto.pbkdf2Sync('pencil', salt, 4096, 32, 'sha256');
      const clientKey = crypto.createHmac('sha256', salted).update('Client Key').digest();
      const sig = crypto.createHmac('sha256', v.storedKey).update(authMessage).digest();
      const proof = Buffer.alloc(32);
      for (let i = 0; i < 32; i++) proof[i] = clientKey[i] ^ sig[i];
      const serverSig = crypto
        .createHmac('sha256', v.serverKey)
        .update(authMessage)
        .digest('base64');
      expect(ex.clientFinal(`${withoutProof},p=${proof.toString('base64')}`)).to.equal(
        `v=${serverSig}`,
      );
      const ex2 = new ScramExchange(v, 'SERVERNONCE');
      ex2.clientFirst('n,,n=*,r=CLIENTNONCE');
      proof[0] ^= 1;
      expect(() => ex2.clientFinal(`${withoutProof},p=${proof.toString('base64')}`)).to.throw(
        'wrong proof',
      );
    });
  });

  describe('over the wire', () => {
    let fx: Fixture;
    afterEach(async () => {
      await fx?.server.close();
    });

    it('SCRAM: pg and postgres.js log in; a wrong password gets 28P01 and nothing else', async () => {
      fx = await startFixture({ hba: rules('scram-sha-256') }, new MemoryEngine({ verifiers }));
      expect(await connectPg(fx.server.port, 'scram_user', 's3cret')).to.equal(1);
      const sql = postgres({
        host: '127.0.0.1',
        port: fx.server.port,
        user: 'scram_user',
        password: 's3cret',
        database: 'db',
        fetch_types: false,
        max: 1,
      });
      expect([...(await sql`SELECT 2 AS two`)]).to.deep.equal([{ two: 2 }]);
      await sql.end({ timeout: 1 });
      const err = (await connectPg(fx.server.port, 'scram_user', 'wrong').catch(
        (e: unknown) => e,
      )) as pg.DatabaseError;
      expect([err.code, err.message, err.severity, err.detail, err.hint]).to.deep.equal([
        '28P01',
        'password authentication failed for user "scram_user"',
        'FATAL',
        undefined,
        undefined,
      ]);
      const unknown = (await connectPg(fx.server.port, 'nobody', 'x').catch(
        (e: unknown) => e,
      )) as pg.DatabaseError;
      expect([unknown.code, unknown.message]).to.deep.equal([
        '28P01',
        'password authentication failed for user "nobody"',
      ]);
    });

    it('SCRAM: psql logs in with PGPASSWORD', async function () {
      this.timeout(10000);
      fx = await startFixture({ hba: rules('scram-sha-256') }, new MemoryEngine({ verifiers }));
      const { stdout } = await run(
        'psql',
        [
          '-X',
          '-At',
          '-h',
          '127.0.0.1',
          '-p',
          String(fx.server.port),
          '-U',
          'scram_user',
          '-d',
          'db',
          '-c',
          'SELECT 41',
        ],
        {
          env: {
            ...process.env,
            PGPASSWORD: 's3cret',
            PGSSLMODE: 'disable',
            PGCONNECT_TIMEOUT: '5',
          },
          timeout: 8000,
        },
      );
      expect(stdout.trim()).to.equal('41');
    });

    it('the wrong-password reply is exactly one ErrorResponse, then close', async () => {
      fx = await startFixture({ hba: rules('password') }, new MemoryEngine({ verifiers }));
      const c = await RawClient.open(fx.server.port);
      c.startFraming();
      c.send(serialize.startup({ user: 'plain_user', database: 'db' }));
      await c.until('authenticationCleartextPassword');
      c.send(serialize.password('nope'));
      const ms = await c.untilClosed();
      expect(c.names(ms)).to.deep.equal(['error:28P01']);
    });

    it('md5: works with an md5 verifier and with a plaintext one; falls back to SCRAM for a SCRAM verifier', async () => {
      fx = await startFixture({ hba: rules('md5') }, new MemoryEngine({ verifiers }));
      expect(await connectPg(fx.server.port, 'md5_user', 'm5pass')).to.equal(1);
      expect(await connectPg(fx.server.port, 'plain_user', 'plainpw')).to.equal(1);
      expect(await connectPg(fx.server.port, 'scram_user', 's3cret')).to.equal(1);
      const err = (await connectPg(fx.server.port, 'md5_user', 'bad').catch(
        (e: unknown) => e,
      )) as pg.DatabaseError;
      expect(err.code).to.equal('28P01');
    });

    it('cleartext password against every verifier kind', async () => {
      fx = await startFixture({ hba: rules('password') }, new MemoryEngine({ verifiers }));
      expect(await connectPg(fx.server.port, 'scram_user', 's3cret')).to.equal(1);
      expect(await connectPg(fx.server.port, 'md5_user', 'm5pass')).to.equal(1);
      expect(await connectPg(fx.server.port, 'plain_user', 'plainpw')).to.equal(1);
    });

    it('reject and no-match rules give 28000', async () => {
      fx = await startFixture({
        hba: [{ address: 'all', user: 'bad', database: 'all', method: 'reject' }],
      });
      const e1 = (await connectPg(fx.server.port, 'bad', 'x').catch(
        (e: unknown) => e,
      )) as pg.DatabaseError;
      expect(e1.code).to.equal('28000');
      const e2 = (await connectPg(fx.server.port, 'other', 'x').catch(
        (e: unknown) => e,
      )) as pg.DatabaseError;
      expect([e2.code, e2.message]).to.deep.equal([
        '28000',
        'no pg_hba.conf entry for host "127.0.0.1", user "other", database "db", no encryption',
      ]);
    });

    it('trusts loopback by default', async () => {
      fx = await startFixture();
      expect(await connectPg(fx.server.port, 'anyone', '')).to.equal(1);
    });
  });
});
