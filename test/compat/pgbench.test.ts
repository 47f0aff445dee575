/**
 * pgbench (PostgreSQL's client tools): `pgbench -i -s 1`, then the select-only script
 * (-S) for two seconds in each query mode: simple, extended, prepared.
 *
 * pgbench -i's data generation runs inside BEGIN … COMMIT (and COPY), which waits for the
 * transaction layer (branch txnsql). While BEGIN is refused, the same database is built
 * step by step: `-I dt` (drop, create tables), the rows pgbench would generate loaded with
 * INSERT … SELECT generate_series, then `-I p` (ALTER TABLE … ADD PRIMARY KEY).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { Client } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../support/inProcessCluster';
import { ensureDebianPackages } from './aptInstall';

const PGBENCH = '/usr/bin/pgbench';

describe('compat: pgbench -S', function () {
  this.timeout(180_000);
  let cluster: InProcessCluster;
  let conn: string[] = [];

  const pgbench = async (args: string[]): Promise<{ stdout: string; stderr: string }> =>
    promisify(execFile)(PGBENCH, [...conn, ...args, 'postgres'], { timeout: 90_000 });

  before(async function () {
    const why = await ensureDebianPackages(() => existsSync(PGBENCH), ['postgresql-client']);
    if (why !== null) {
      console.log(`    pgbench skipped: ${why}`);
      this.skip();
    }
    cluster = await startInProcessCluster({ shards: 2 });
    const url = new URL(cluster.url);
    conn = ['-h', url.hostname, '-p', url.port, '-U', 'postgres'];
    try {
      await pgbench(['-i', '-s', '1']);
      return;
    } catch (err) {
      const stderr = String((err as { stderr?: string }).stderr ?? '');
      if (!/transaction blocks are not supported/.test(stderr)) throw err;
    }
    await pgbench(['-i', '-I', 'dt', '-s', '1']);
    const sql = new Client({ connectionString: cluster.url });
    await sql.connect();
    try {
      // What pgbench's 'g' step generates for scale 1 (initGenerateDataClientSide).
      await sql.query(`INSERT INTO pgbench_branches (bid, bbalance) VALUES (1, 0)`);
      await sql.query(
        `INSERT INTO pgbench_tellers (tid, bid, tbalance) SELECT t, 1, 0 FROM generate_series(1, 10) t`,
      );
      await sql.query(
        `INSERT INTO pgbench_accounts (aid, bid, abalance, filler) SELECT a, 1, 0, '' FROM generate_series(1, 100000) a`,
      );
    } finally {
      await sql.end();
    }
    await pgbench(['-i', '-I', 'p', '-s', '1']);
  });

  after(async () => {
    await cluster?.close();
  });

  for (const mode of ['simple', 'extended', 'prepared']) {
    it(`runs the select-only script in ${mode} mode without failures`, async () => {
      const { stdout } = await pgbench(['-S', '-M', mode, '-T', '2', '-c', '2', '-n']);
      const processed = /actually processed: (\d+)/.exec(stdout);
      const failed = /number of failed transactions: (\d+)/.exec(stdout);
      expect(Number(processed?.[1] ?? 0)).to.be.greaterThan(100);
      expect(failed?.[1]).to.equal('0');
      expect(stdout).to.match(new RegExp(`query mode: ${mode}`));
    });
  }
});
