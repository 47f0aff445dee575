/**
 * pgbench at scale 10 against a cluster of real processes (issues 7 and 8):
 *   - `pgbench -i -s 10` with its default init steps (dtgvp: drop, create, a transaction
 *     with TRUNCATE and COPY … FROM STDIN WITH (FREEZE ON) of 1 000 000 accounts, VACUUM,
 *     ALTER TABLE … ADD PRIMARY KEY on every table);
 *   - the select-only script (-S) for 30 s in each query mode: simple, extended, prepared;
 *   - TPC-B with 16 clients for 60 s, prepared, --max-tries 10: no transaction fails
 *     beyond the retries pgbench reports, and the books balance afterwards:
 *     sum(abalance) = sum(tbalance) = sum(bbalance) = sum(delta) over pgbench_history.
 * Each run's tps is printed. PGBENCH10_S_SECONDS and PGBENCH10_TPCB_SECONDS shorten the
 * runs for local work.
 *
 * Not in `npm test` yet: `pgbench -i -s 10` alone takes many minutes today (the COPY's
 * 2PC of a million rows, then ADD PRIMARY KEY re-keying every row in one transaction; see
 * the txn-tests branch report). Run it with `npm run test:long` or
 * `npx mocha dist/test/long/pgbenchScale10.test.js`; test/integration/pgbench.test.ts
 * (-s 2, TPC-B) and test/compat/pgbench.test.ts (-S in three modes) cover the same
 * paths at a smaller scale meanwhile.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { Client } from 'pg';
import { startProcessCluster, type ProcessCluster } from '../support/processCluster';
import { ensureDebianPackages } from '../compat/aptInstall';

const PGBENCH = '/usr/bin/pgbench';
const SCALE = 10;
const S_SECONDS = Number(process.env.PGBENCH10_S_SECONDS ?? 30);
const TPCB_SECONDS = Number(process.env.PGBENCH10_TPCB_SECONDS ?? 60);
const INIT_TIMEOUT_MS = Number(process.env.PGBENCH10_INIT_TIMEOUT_MS ?? 1_800_000);

interface RunSummary {
  readonly out: string;
  readonly processed: number;
  readonly failed: number;
  readonly retried: number;
  readonly tps: number;
}

function summarize(out: string): RunSummary {
  const num = (re: RegExp): number => Number(re.exec(out)?.[1] ?? NaN);
  return {
    out,
    processed: num(/actually processed: (\d+)/),
    // pgbench 15 prints the failed line only when some failed or --max-tries is given.
    failed: /number of failed transactions/.test(out)
      ? num(/number of failed transactions: (\d+)/)
      : 0,
    retried: /number of transactions retried/.test(out)
      ? num(/number of transactions retried: (\d+)/)
      : 0,
    tps: num(/tps = ([\d.]+) \(without initial connection time\)/),
  };
}

describe('pgbench at scale 10 (real processes)', function () {
  this.timeout(INIT_TIMEOUT_MS + 60_000);
  let dataDir = '';
  let cluster: ProcessCluster | null = null;
  let conn: string[] = [];
  const tps: string[] = [];

  const pgbench = (args: string[], timeoutMs: number): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile(
        PGBENCH,
        [...conn, ...args, 'postgres'],
        { timeout: timeoutMs, maxBuffer: 16 << 20, env: { ...process.env, PGSSLMODE: 'disable' } },
        (err, stdout, stderr) => {
          if (err) reject(new Error(`pgbench ${args.join(' ')} failed: ${err.message}\n${stderr}`));
          else resolve(stdout + stderr);
        },
      );
    });

  before(async function () {
    const why = await ensureDebianPackages(() => fs.existsSync(PGBENCH), ['postgresql-client']);
    if (why !== null) {
      console.log(`    pgbench skipped: ${why}`);
      this.skip();
    }
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharddb-pgbench10-'));
    cluster = await startProcessCluster(dataDir);
    conn = ['-h', '127.0.0.1', '-p', String(cluster.proxyPort), '-U', 'postgres'];
  });

  after(async () => {
    await cluster?.stop();
    if (dataDir !== '') fs.rmSync(dataDir, { recursive: true, force: true });
    if (tps.length > 0) console.log(`      pgbench -s ${SCALE}: ${tps.join('; ')}`);
  });

  const sql = async <T>(f: (c: Client) => Promise<T>): Promise<T> => {
    const c = new Client((cluster as ProcessCluster).url);
    await c.connect();
    try {
      return await f(c);
    } finally {
      await c.end();
    }
  };
  const count = (c: Client, table: string): Promise<number> =>
    c.query(`SELECT count(*) AS n FROM ${table}`).then((r) => Number(r.rows[0].n));

  it(`pgbench -i -s ${SCALE} loads the tables with the default init steps`, async () => {
    const started = Date.now();
    const out = await pgbench(['-i', '-s', String(SCALE)], INIT_TIMEOUT_MS);
    const seconds = (Date.now() - started) / 1000;
    tps.push(`init ${seconds.toFixed(0)} s (${/done in .*/.exec(out)?.[0] ?? ''})`);
    expect(out).to.match(/creating primary keys/);
    await sql(async (c) => {
      expect(await count(c, 'pgbench_branches')).to.equal(SCALE);
      expect(await count(c, 'pgbench_tellers')).to.equal(10 * SCALE);
      expect(await count(c, 'pgbench_accounts')).to.equal(100_000 * SCALE);
      expect(await count(c, 'pgbench_history')).to.equal(0);
      // The primary key serves point reads: the row pgbench -S asks for, by its key.
      const r = await c.query(
        'SELECT aid, bid, abalance FROM pgbench_accounts WHERE aid = $1',
        [777_777],
      );
      expect(r.rows).to.deep.equal([{ aid: 777_777, bid: 8, abalance: 0 }]);
    });
  });

  for (const mode of ['simple', 'extended', 'prepared'] as const) {
    it(`-S for ${S_SECONDS} s in ${mode} mode: no failures`, async () => {
      const s = summarize(
        await pgbench(
          ['-S', '-M', mode, '-c', '16', '-j', '2', '-T', String(S_SECONDS), '-n'],
          (S_SECONDS + 60) * 1000,
        ),
      );
      tps.push(`-S ${mode} ${s.tps.toFixed(0)} tps`);
      expect(s.out).to.match(new RegExp(`query mode: ${mode}`));
      expect(s.failed, s.out).to.equal(0);
      expect(s.processed, s.out).to.be.greaterThan(100 * S_SECONDS);
    });
  }

  it(`TPC-B -c 16 -T ${TPCB_SECONDS} -M prepared --max-tries 10 keeps the books balanced`, async () => {
    const s = summarize(
      await pgbench(
        [
          '-c',
          '16',
          '-j',
          '2',
          '-T',
          String(TPCB_SECONDS),
          '-M',
          'prepared',
          '--max-tries',
          '10',
          '-n',
        ],
        (TPCB_SECONDS + 90) * 1000,
      ),
    );
    tps.push(`TPC-B ${s.tps.toFixed(0)} tps (${s.retried} transactions retried)`);
    // Conflicts are retried (40001/40P01, up to 10 tries); none may end in failure.
    expect(s.failed, s.out).to.equal(0);
    expect(s.processed, s.out).to.be.greaterThan(TPCB_SECONDS);
    await sql(async (c) => {
      const sum = async (q: string): Promise<number> => Number((await c.query(q)).rows[0].s);
      const a = await sum('SELECT coalesce(sum(abalance), 0) AS s FROM pgbench_accounts');
      const t = await sum('SELECT coalesce(sum(tbalance), 0) AS s FROM pgbench_tellers');
      const b = await sum('SELECT coalesce(sum(bbalance), 0) AS s FROM pgbench_branches');
      const h = await sum('SELECT coalesce(sum(delta), 0) AS s FROM pgbench_history');
      expect({ t, b, h }, 'sums of balances and of history deltas').to.deep.equal({
        t: a,
        b: a,
        h: a,
      });
      // One history row per committed transaction, none for a failed or retried try.
      expect(await count(c, 'pgbench_history')).to.equal(s.processed);
    });
  });
});
