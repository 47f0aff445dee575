/**
 * sysbench (Debian's, pgsql driver) as its users run it: `oltp_read_only` prepare (two
 * tables of 10 000 rows: CREATE TABLE with a serial key, multi-row INSERTs, CREATE INDEX),
 * then run with 4 threads for 10 s: named statements prepared with int8 parameter types
 * (Parse + Sync alone), Bind/Describe/Execute/Sync with binary char(120) results, point
 * selects, BETWEEN ranges, SUM, ORDER BY c, DISTINCT, each in BEGIN … COMMIT.
 *
 * With SYSBENCH_COMPARE_PG=1 the same run against a PostgreSQL 15 the test starts is
 * printed beside ours (a benchmark figure, not an assertion).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { Client } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../support/inProcessCluster';
import { ensureDebianPackages } from './aptInstall';
import { findPostgresBinDir, startPostgres } from '../../scripts/lib/postgresServer';

const SYSBENCH = '/usr/bin/sysbench';
const SIZE = 10_000;

interface RunFigures {
  readonly transactions: number;
  readonly tps: number;
  readonly errors: number;
}

function figures(stdout: string): RunFigures {
  const t = /transactions:\s+(\d+)\s+\(([\d.]+) per sec\.\)/.exec(stdout);
  const e = /ignored errors:\s+(\d+)/.exec(stdout);
  if (!t || !e) throw new Error(`unexpected sysbench output:\n${stdout}`);
  return { transactions: Number(t[1]), tps: Number(t[2]), errors: Number(e[1]) };
}

async function sysbench(url: string, command: string, extra: string[] = []): Promise<string> {
  const u = new URL(url);
  const args = [
    'oltp_read_only',
    '--db-driver=pgsql',
    `--pgsql-host=${u.hostname}`,
    `--pgsql-port=${u.port}`,
    `--pgsql-user=${decodeURIComponent(u.username)}`,
    '--pgsql-db=postgres',
    '--tables=2',
    `--table-size=${SIZE}`,
    ...extra,
    command,
  ];
  const { stdout } = await promisify(execFile)(SYSBENCH, args, { timeout: 60_000 });
  return stdout;
}

const RUN = ['--threads=4', '--time=10'];

describe('compat: sysbench oltp_read_only', function () {
  this.timeout(120_000);
  let cluster: InProcessCluster;

  before(async function () {
    const why = await ensureDebianPackages(() => existsSync(SYSBENCH), ['sysbench']);
    if (why !== null) {
      console.log(`    sysbench skipped: ${why}`);
      this.skip();
    }
    cluster = await startInProcessCluster({ shards: 2 });
  });
  after(async () => {
    await cluster?.close();
  });

  it('prepares its tables and runs with no errors', async () => {
    await sysbench(cluster.url, 'prepare');
    const c = new Client(cluster.url);
    await c.connect();
    try {
      for (const t of ['sbtest1', 'sbtest2']) {
        const r = await c.query(`SELECT count(*)::int AS n, sum(id)::int8 AS s FROM ${t}`);
        expect(r.rows[0]).to.deep.equal({ n: SIZE, s: String((SIZE * (SIZE + 1)) / 2) });
      }
      // sysbench's secondary index on k is there and consistent with the rows.
      const k = await c.query(
        'SELECT count(*)::int AS n FROM sbtest1 WHERE k = (SELECT k FROM sbtest1 WHERE id = 1)',
      );
      expect(k.rows[0].n).to.be.at.least(1);
      const plan = await c.query('EXPLAIN SELECT c FROM sbtest1 WHERE id = $1::int8', [7]);
      expect(plan.rows[0]['QUERY PLAN']).to.equal('plan: point');
    } finally {
      await c.end();
    }
    const run = figures(await sysbench(cluster.url, 'run', RUN));
    console.log(`    ShardDB: ${run.tps} tps (${run.transactions} transactions, 4 threads, 10 s)`);
    expect(run.errors).to.equal(0);
    expect(run.transactions).to.be.greaterThan(0);
    expect(run.tps).to.be.greaterThan(0);

    if (process.env.SYSBENCH_COMPARE_PG === '1' && findPostgresBinDir() !== null) {
      const pg = await startPostgres();
      try {
        await sysbench(pg.connectionString, 'prepare');
        const base = figures(await sysbench(pg.connectionString, 'run', RUN));
        console.log(`    PostgreSQL 15: ${base.tps} tps (same command)`);
      } finally {
        await pg.stop();
      }
    }
  });
});
