/**
 * bench section "cluster": whole-path workloads through a real local cluster (launcher,
 * meta, 3 shards, proxy as processes), beside a private PostgreSQL 15 with the same
 * table and data, in the same run:
 *   point_select  SELECT v FROM kv WHERE k = :k   (pgbench -M prepared, 16 clients)
 *   insert        INSERT INTO kv_ins VALUES (:k, …) (autocommit, 16 clients)
 *
 *   node dist/scripts/bench/cluster.js   (BENCH_SECONDS=10, BENCH_CLIENTS=16, BENCH_ROWS=10000)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startPostgres, BENCH_POSTGRES, installPostgresIfMissing } from '../lib/postgresServer';
import { benchLine, runPgbench } from '../lib/pgbench';
import { startProcessCluster } from '../../test/support/processCluster';

const seconds = Number(process.env.BENCH_SECONDS ?? '10');
const clients = Number(process.env.BENCH_CLIENTS ?? '16');
const rows = Number(process.env.BENCH_ROWS ?? '10000');

async function load(url: string): Promise<void> {
  const c = new Client(url);
  await c.connect();
  try {
    await c.query('CREATE TABLE kv (k int PRIMARY KEY, v text)');
    await c.query('CREATE TABLE kv_ins (k bigint PRIMARY KEY, v text)');
    for (let i = 0; i < rows; i += 500) {
      const values = Array.from(
        { length: Math.min(500, rows - i) },
        (_, j) => `(${i + j}, 'value ${i + j}')`,
      ).join(',');
      await c.query(`INSERT INTO kv VALUES ${values}`);
    }
  } finally {
    await c.end();
  }
}

const workloads = [
  {
    name: 'point_select',
    script: `\\set k random(0, ${rows - 1})\nSELECT v FROM kv WHERE k = :k;\n`,
  },
  {
    name: 'insert',
    script: `\\set k random(1, 9000000000000)\nINSERT INTO kv_ins VALUES (:k, 'inserted');\n`,
  },
];

async function main(): Promise<void> {
  await installPostgresIfMissing();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cluster-'));
  const cluster = await startProcessCluster(path.join(dir, 'data'));
  const pg = await startPostgres(BENCH_POSTGRES);
  try {
    await load(cluster.url);
    await load(pg.connectionString);
    for (const w of workloads) {
      const base = { dir, script: w.script, mode: 'prepared' as const, clients, seconds };
      const ours = await runPgbench({
        ...base,
        port: cluster.proxyPort,
        user: 'postgres',
        database: 'postgres',
        label: `sharddb_${w.name}`,
      });
      const theirs = await runPgbench({
        ...base,
        port: pg.port,
        user: 'postgres',
        database: 'postgres',
        label: `postgres_${w.name}`,
      });
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
