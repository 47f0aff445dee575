/**
 * bench wire_only: the protocol layer alone. pgbench (-M prepared, 16 clients, 2 threads)
 * runs a one-statement custom script against pgwire over the in-memory engine (the answer
 * comes from memory, no shard hop) and against a private PostgreSQL 15 answering the same
 * statement; prints tps for both, their ratio, and latency percentiles. Our side runs twice:
 * one pgwire server in this process (one core), and a proxy process with --workers
 * BENCH_WORKERS (default 2) over the same engine (test/support/memoryProxyMain.ts).
 *
 *   node dist/scripts/bench/wireOnly.js            (BENCH_SECONDS=10, BENCH_CLIENTS=16, BENCH_ROUNDS=3)
 *   BENCH_WORKERS=0 …                                skips the workers run
 *   node --cpu-prof dist/scripts/bench/wireOnly.js  to profile the single-process server
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startPgServer } from '../../proxy/pgwire';
import { MemoryEngine } from '../../test/support/memoryEngine';
import { startMemoryProxy, type MemoryProxyProcess } from '../../test/support/memoryProxyProcess';
import { startPostgres, BENCH_POSTGRES, type PostgresServer } from '../lib/postgresServer';
import {
  benchLine,
  combineResults as combine,
  formatResult as fmt,
  runPgbench,
  type PgbenchResult as Result,
} from '../lib/pgbench';

/** Seconds per pgbench run (-T); each server runs BENCH_ROUNDS times. */
const seconds = Number(process.env.BENCH_SECONDS ?? '10');
const clients = Number(process.env.BENCH_CLIENTS ?? '16');
const workers = Number(process.env.BENCH_WORKERS ?? '2');
const script = '\\set x random(1, 100000)\nSELECT :x::int;\n';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-wire-'));
  const server = await startPgServer({
    engine: new MemoryEngine(),
    limits: { maxConnections: 200 },
  });
  let pgServer: PostgresServer | undefined;
  let multi: MemoryProxyProcess | undefined;
  try {
    if (workers > 1)
      multi = await startMemoryProxy(['--workers', String(workers), '--max-connections', '200'], {
        SHARDDB_LOG_LEVEL: 'warn',
      });
    const skipPostgres = process.env.BENCH_SKIP_POSTGRES === '1';
    if (!skipPostgres) pgServer = await startPostgres(BENCH_POSTGRES);
    // The machine is shared: alternate the two servers in rounds so that load drifts hit
    // both alike; the ratio of one run is what counts.
    const rounds = Number(process.env.BENCH_ROUNDS ?? '3');
    // Warm-up, not counted: fresh worker processes are still compiling their hot path
    // (a first round of theirs came out at a third of the next ones).
    const warm = Math.min(2, seconds);
    await runPgbench({
      port: server.port,
      user: 'bench',
      database: 'bench',
      dir,
      label: 'warm1_',
      script,
      mode: 'prepared',
      clients,
      seconds: warm,
    });
    if (multi !== undefined)
      await runPgbench({
        port: multi.port,
        user: 'bench',
        database: 'bench',
        dir,
        label: 'warm2_',
        script,
        mode: 'prepared',
        clients,
        seconds: warm,
      });
    const ours: Result[] = [];
    const oursMulti: Result[] = [];
    const theirs: Result[] = [];
    for (let i = 0; i < rounds; i++) {
      ours.push(
        await runPgbench({
          port: server.port,
          user: 'bench',
          database: 'bench',
          dir,
          label: `sharddb${i}_`,
          script,
          mode: 'prepared',
          clients,
          seconds,
        }),
      );
      if (multi !== undefined)
        oursMulti.push(
          await runPgbench({
            port: multi.port,
            user: 'bench',
            database: 'bench',
            dir,
            label: `workers${i}_`,
            script,
            mode: 'prepared',
            clients,
            seconds,
          }),
        );
      if (pgServer !== undefined)
        theirs.push(
          await runPgbench({
            port: pgServer.port,
            user: 'postgres',
            database: 'postgres',
            dir,
            label: `postgres${i}_`,
            script,
            mode: 'prepared',
            clients,
            seconds,
          }),
        );
    }
    const o = combine(ours);
    const rounds_ = (rs: Result[]): string => rs.map((r) => r.tps.toFixed(0)).join(' ');
    console.log(`sharddb 1 process   ${fmt(o)}  rounds: ${rounds_(ours)}`);
    const m = multi === undefined ? undefined : combine(oursMulti);
    if (m !== undefined)
      console.log(`sharddb ${workers} workers   ${fmt(m)}  rounds: ${rounds_(oursMulti)}`);
    if (pgServer === undefined) return;
    const t = combine(theirs);
    console.log(`postgres            ${fmt(t)}  rounds: ${rounds_(theirs)}`);
    console.log(benchLine('wire_only', o, t));
    if (m !== undefined) console.log(benchLine(`wire_only_workers${workers}`, m, t));
  } finally {
    await server.close().catch(() => undefined);
    await multi?.stop();
    await pgServer?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.on('unhandledRejection', (err) => {
  console.error('unhandled rejection', err);
  process.exit(1);
});

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
