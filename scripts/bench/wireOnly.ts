/**
 * bench wire_only: the protocol layer alone. pgbench (-M prepared, 16 clients, 2 threads)
 * runs a one-statement custom script against pgwire over the in-memory engine (the answer
 * comes from memory, no shard hop) and against a private PostgreSQL 15 answering the same
 * statement; prints tps for both, their ratio, and latency percentiles.
 *
 *   node dist/scripts/bench/wireOnly.js            (BENCH_SECONDS=10, BENCH_CLIENTS=16)
 *   node --cpu-prof dist/scripts/bench/wireOnly.js  to profile the server side
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startPgServer } from '../../proxy/pgwire';
import { MemoryEngine } from '../../test/support/memoryEngine';
import { startPostgres, type PostgresServer } from '../lib/postgresServer';
import { benchLine, combineResults as combine, formatResult as fmt, runPgbench, type PgbenchResult as Result } from '../lib/pgbench';

/** Seconds per pgbench run (-T); each server runs BENCH_ROUNDS times. */
const seconds = Number(process.env.BENCH_SECONDS ?? '10');
const clients = Number(process.env.BENCH_CLIENTS ?? '16');
const script = '\\set x random(1, 100000)\nSELECT :x::int;\n';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-wire-'));
  const server = await startPgServer({
    engine: new MemoryEngine(),
    limits: { maxConnections: 200 },
  });
  let pgServer: PostgresServer | undefined;
  try {
    const skipPostgres = process.env.BENCH_SKIP_POSTGRES === '1';
    if (!skipPostgres) pgServer = await startPostgres();
    // The machine is shared: alternate the two servers in rounds so that load drifts hit
    // both alike; the ratio of one run is what counts.
    const rounds = Number(process.env.BENCH_ROUNDS ?? '3');
    const ours: Result[] = [];
    const theirs: Result[] = [];
    for (let i = 0; i < rounds; i++) {
      ours.push(await runPgbench({ port: server.port, user: 'bench', database: 'bench', dir, label: `sharddb${i}_`, script, mode: 'prepared', clients, seconds }));
      if (pgServer !== undefined)
        theirs.push(await runPgbench({ port: pgServer.port, user: 'postgres', database: 'postgres', dir, label: `postgres${i}_`, script, mode: 'prepared', clients, seconds }));
    }
    const o = combine(ours);
    console.log(`sharddb  ${fmt(o)}  rounds: ${ours.map((r) => r.tps.toFixed(0)).join(' ')}`);
    if (pgServer === undefined) return;
    const t = combine(theirs);
    console.log(`postgres ${fmt(t)}  rounds: ${theirs.map((r) => r.tps.toFixed(0)).join(' ')}`);
    console.log(benchLine('wire_only', o, t));
  } finally {
    await server.close().catch(() => undefined);
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
