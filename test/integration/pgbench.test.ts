/**
 * pgbench against ShardDB (issue 8): `pgbench -i -s 2` (DROP/CREATE, TRUNCATE, COPY FROM
 * STDIN in a transaction block, VACUUM, ALTER TABLE ADD PRIMARY KEY), then TPC-B with
 * prepared statements and retries on serialization failures and deadlocks. Afterwards the
 * books balance: sum(abalance) = sum(tbalance) = sum(bbalance) = sum(delta).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { Client } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../support/inProcessCluster';

const PGBENCH = ['/usr/bin/pgbench', '/usr/lib/postgresql/15/bin/pgbench'].find((p) =>
  fs.existsSync(p),
);

function pgbench(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(PGBENCH as string, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`pgbench ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout + stderr);
    });
  });
}

describe('pgbench TPC-B over SQL transactions', function () {
  this.timeout(240_000);
  let cluster: InProcessCluster | undefined;

  before(async function () {
    if (PGBENCH === undefined) this.skip(); // pgbench not installed
    cluster = await startInProcessCluster({ shards: 3 });
  });

  after(async () => {
    await cluster?.close();
  });

  it('initializes, runs TPC-B with 8 clients, and keeps the books balanced', async () => {
    const url = (cluster as InProcessCluster).url;
    await pgbench(['-i', '-s', '2', url], 180_000);
    const out = await pgbench(
      ['-c', '8', '-T', '15', '-M', 'prepared', '--max-tries', '10', url],
      60_000,
    );
    const processed = Number(/actually processed: (\d+)/.exec(out)?.[1] ?? 0);
    const failed = Number(/number of failed transactions: (\d+)/.exec(out)?.[1] ?? -1);
    expect(processed, out).to.be.greaterThan(0);
    expect(failed, out).to.equal(0);
    const c = new Client(url);
    await c.connect();
    try {
      const sum = async (sql: string): Promise<number> => Number((await c.query(sql)).rows[0].s);
      const a = await sum('SELECT sum(abalance) AS s FROM pgbench_accounts');
      const t = await sum('SELECT sum(tbalance) AS s FROM pgbench_tellers');
      const b = await sum('SELECT sum(bbalance) AS s FROM pgbench_branches');
      const h = await sum('SELECT sum(delta) AS s FROM pgbench_history');
      expect({ t, b, h }).to.deep.equal({ t: a, b: a, h: a });
      expect(
        Number((await c.query('SELECT count(*) AS n FROM pgbench_accounts')).rows[0].n),
      ).to.equal(200_000);
      expect(
        Number((await c.query('SELECT count(*) AS n FROM pgbench_history')).rows[0].n),
      ).to.equal(processed);
    } finally {
      await c.end();
    }
    console.log(`      pgbench: ${processed} TPC-B transactions, ${/tps = [\d.]+/.exec(out)?.[0]}`);
  });
});
