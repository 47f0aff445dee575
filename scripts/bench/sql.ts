/**
 * bench sql: the SQL path end to end, ShardDB (real processes: meta, 3 shards, proxy)
 * beside a private PostgreSQL 15 holding the same table.
 *
 *   sql_point_select_tps   pgbench -M prepared, 16 clients: SELECT by primary key
 *   sql_scatter_count_ms   SELECT count(*) over BENCH_ROWS rows (median of 5)
 *   sql_group_by_ms        SELECT k, count(*), sum(v) … GROUP BY k over BENCH_ROWS rows
 *
 *   node dist/scripts/bench/sql.js      (BENCH_ROWS=1000000, BENCH_SECONDS=10, BENCH_CLIENTS=16)
 *
 * One line per figure: `bench sql_<name> sharddb=<x> postgres=<y> ratio=<x/y>`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startPostgres, BENCH_POSTGRES, type PostgresServer } from '../lib/postgresServer';
import { startProcessCluster, type ProcessCluster } from '../../test/support/processCluster';

const rows = Number(process.env.BENCH_ROWS ?? '1000000');
const seconds = Number(process.env.BENCH_SECONDS ?? '10');
const clients = Number(process.env.BENCH_CLIENTS ?? '16');
const BATCH = 2000;

function pgbenchTps(port: number, dir: string): Promise<number> {
  const file = join(dir, 'point.sql');
  writeFileSync(file, `\\set id random(1, ${rows})\nSELECT v FROM bench_t WHERE id = :id;\n`);
  const args = [
    '-n',
    '-M',
    'prepared',
    '-c',
    String(clients),
    '-j',
    '2',
    '-T',
    String(seconds),
    '-f',
    file,
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-U',
    'postgres',
    'postgres',
  ];
  return new Promise((resolve, reject) => {
    execFile('pgbench', args, { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`pgbench failed: ${err.message}\n${stderr}`));
      const m = /tps = ([\d.]+)/.exec(stdout);
      if (!m) return reject(new Error(`no tps in pgbench output:\n${stdout}`));
      resolve(Number(m[1]));
    });
  });
}

async function load(url: string, sharddb: boolean): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('DROP TABLE IF EXISTS bench_t');
    await c.query('CREATE TABLE bench_t (id int PRIMARY KEY, k int NOT NULL, v int NOT NULL)');
    if (!sharddb) {
      await c.query(
        `INSERT INTO bench_t SELECT i, i % 100, i % 997 FROM generate_series(1, ${rows}) i`,
      );
      await c.query('VACUUM ANALYZE bench_t');
      return;
    }
    // Six ranges over the three shards before loading, so the load and the scans spread.
    await c.query(`SPLIT RANGE ON bench_t BETWEEN (1) AND (${rows}) INTO 6`);
  } finally {
    await c.end();
  }
  // Parallel multi-row INSERTs (4 connections).
  const conns = await Promise.all(
    Array.from({ length: 4 }, async () => {
      const x = new Client({ connectionString: url });
      await x.connect();
      return x;
    }),
  );
  let next = 1;
  await Promise.all(
    conns.map(async (x) => {
      while (next <= rows) {
        const start = next;
        next += BATCH;
        const end = Math.min(rows, start + BATCH - 1);
        const values: string[] = [];
        for (let i = start; i <= end; i++) values.push(`(${i},${i % 100},${i % 997})`);
        await x.query(`INSERT INTO bench_t VALUES ${values.join(',')}`);
      }
      await x.end();
    }),
  );
}

async function medianMs(
  url: string,
  sql: string,
  runs = 5,
): Promise<{ ms: number; result: string }> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    let result = '';
    const times: number[] = [];
    await c.query(sql); // warm
    for (let i = 0; i < runs; i++) {
      const t = process.hrtime.bigint();
      const r = await c.query(sql);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      result = JSON.stringify(r.rows.slice(0, 2));
    }
    times.sort((a, b) => a - b);
    return { ms: times[Math.floor(times.length / 2)], result };
  } finally {
    await c.end();
  }
}

function line(name: string, ours: number, pg: number): void {
  console.log(
    `bench sql_${name} sharddb=${ours.toFixed(2)} postgres=${pg.toFixed(2)} ratio=${(ours / pg).toFixed(3)}`,
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sql-'));
  let pg: PostgresServer | undefined;
  let cluster: ProcessCluster | undefined;
  try {
    [pg, cluster] = await Promise.all([
      startPostgres(BENCH_POSTGRES),
      startProcessCluster(join(dir, 'data')),
    ]);
    const t0 = Date.now();
    await Promise.all([load(pg.connectionString, false), load(cluster.url, true)]);
    console.log(`# loaded ${rows} rows into both in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const oursTps = await pgbenchTps(cluster.proxyPort, dir);
    const pgTps = await pgbenchTps(pg.port, dir);
    line('point_select_tps', oursTps, pgTps);

    const count = 'SELECT count(*) FROM bench_t';
    const oc = await medianMs(cluster.url, count);
    const pc = await medianMs(pg.connectionString, count);
    if (oc.result !== pc.result)
      console.log(`# count differs: sharddb ${oc.result} postgres ${pc.result}`);
    line('scatter_count_ms', oc.ms, pc.ms);

    const group = 'SELECT k, count(*), sum(v) FROM bench_t GROUP BY k ORDER BY k';
    const og = await medianMs(cluster.url, group, 3);
    const pgg = await medianMs(pg.connectionString, group, 3);
    if (og.result !== pgg.result)
      console.log(`# group by differs: sharddb ${og.result} postgres ${pgg.result}`);
    line('group_by_ms', og.ms, pgg.ms);
  } finally {
    await cluster?.stop();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
