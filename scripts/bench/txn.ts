/**
 * bench section "txn": transactions through a real local cluster (launcher, meta, 3
 * shards, proxy as processes) beside a private PostgreSQL 15, in the same run:
 *   tpcb          pgbench's TPC-B transaction (BEGIN; 3 UPDATEs, SELECT, INSERT; END) after
 *                 `pgbench -i -s BENCH_SCALE`, READ COMMITTED
 *   insert_1pc    INSERT INTO ins VALUES (:k, …) autocommit: one shard, one 1PC request
 *   transfer_2pc  BEGIN; UPDATE acc (shard A); UPDATE acc (shard B); COMMIT: Percolator 2PC
 * Each line: tps, and latency p50/p99 per transaction (pgbench's sampled log).
 *
 * After the loads, both servers get a CHECKPOINT: PostgreSQL writes its dirty pages out,
 * our shards flush their memtables and run the compactions the load made due. Without it
 * our first workload paid for compacting pgbench's million accounts (twice: `pgbench -i`
 * adds the primary key after the rows, which rewrites them) while PostgreSQL's
 * `pgbench -i` had already vacuumed. Then each workload first runs BENCH_WARMUP_SECONDS
 * unmeasured on both servers: our processes are JIT-compiled, and a cold run measures V8
 * tiering up, not the database.
 *
 *   node dist/scripts/bench/txn.js
 *     (BENCH_SECONDS=10, BENCH_WARMUP_SECONDS=5, BENCH_CLIENTS=16, BENCH_SCALE=10)
 *
 * Scale 10 is the issue's own pgbench run. At scale 2 the 16 clients queue on 2 branch
 * rows, which measures how long a commit holds a row lock more than the database's
 * throughput (pgbench's docs: the scale should be at least the number of clients).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startPostgres, BENCH_POSTGRES, installPostgresIfMissing } from '../lib/postgresServer';
import { benchLine, runPgbench } from '../lib/pgbench';
import { startProcessCluster } from '../../test/support/processCluster';

const seconds = Number(process.env.BENCH_SECONDS ?? '10');
const clients = Number(process.env.BENCH_CLIENTS ?? '16');
const scale = Number(process.env.BENCH_SCALE ?? '10');
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? '5');
const ACCOUNTS = 1000;

function pgbenchInit(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'pgbench',
      [
        '-i',
        '-q',
        '-s',
        String(scale),
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'postgres',
        'postgres',
      ],
      { timeout: 600_000, env: { ...process.env, PGSSLMODE: 'disable' } },
      (err, _stdout, stderr) =>
        err ? reject(new Error(`pgbench -i failed: ${err.message}\n${stderr}`)) : resolve(),
    );
  });
}

async function load(url: string, sharded: boolean): Promise<void> {
  const c = new Client(url);
  await c.connect();
  try {
    await c.query('CREATE TABLE ins (k bigint PRIMARY KEY, v text)');
    await c.query('CREATE TABLE acc (id int PRIMARY KEY, balance bigint NOT NULL)');
    // Two halves on two shards: every transfer below crosses them (2PC).
    if (sharded) await c.query(`SPLIT RANGE ON acc AT (${ACCOUNTS / 2})`);
    const values = Array.from({ length: ACCOUNTS }, (_, i) => `(${i}, 1000)`).join(',');
    await c.query(`INSERT INTO acc VALUES ${values}`);
  } finally {
    await c.end();
  }
}

async function checkpoint(url: string): Promise<void> {
  const c = new Client(url);
  await c.connect();
  try {
    await c.query('CHECKPOINT');
  } finally {
    await c.end();
  }
}

const tpcb = `\\set aid random(1, ${100000 * scale})
\\set bid random(1, ${scale})
\\set tid random(1, ${10 * scale})
\\set delta random(-5000, 5000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
END;
`;

const workloads = [
  { name: 'tpcb', script: tpcb },
  {
    name: 'insert_1pc',
    script: `\\set k random(1, 9000000000000)\nINSERT INTO ins VALUES (:k, 'inserted');\n`,
  },
  {
    name: 'transfer_2pc',
    script: `\\set a random(0, ${ACCOUNTS / 2 - 1})
\\set b random(${ACCOUNTS / 2}, ${ACCOUNTS - 1})
BEGIN;
UPDATE acc SET balance = balance - 1 WHERE id = :a;
UPDATE acc SET balance = balance + 1 WHERE id = :b;
COMMIT;
`,
  },
];

async function main(): Promise<void> {
  await installPostgresIfMissing();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-txn-'));
  const cluster = await startProcessCluster(path.join(dir, 'data'));
  const pg = await startPostgres(BENCH_POSTGRES);
  try {
    await pgbenchInit(cluster.proxyPort);
    await pgbenchInit(pg.port);
    await load(cluster.url, true);
    await load(pg.connectionString, false);
    await checkpoint(cluster.url);
    await checkpoint(pg.connectionString);
    for (const w of workloads) {
      const base = {
        dir,
        script: w.script,
        mode: 'prepared' as const,
        clients,
        seconds,
        user: 'postgres',
        database: 'postgres',
      };
      if (warmupSeconds > 0) {
        const warm = { ...base, seconds: warmupSeconds };
        await runPgbench({ ...warm, port: cluster.proxyPort, label: `warmup_sharddb_${w.name}` });
        await runPgbench({ ...warm, port: pg.port, label: `warmup_postgres_${w.name}` });
      }
      const ours = await runPgbench({
        ...base,
        port: cluster.proxyPort,
        label: `sharddb_${w.name}`,
      });
      const theirs = await runPgbench({ ...base, port: pg.port, label: `postgres_${w.name}` });
      console.log(benchLine(w.name, ours, theirs));
    }
  } finally {
    await cluster.stop();
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
