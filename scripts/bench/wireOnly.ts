/**
 * bench wire_only: the protocol layer alone. pgbench (-M prepared, 16 clients, 2 threads)
 * runs a one-statement custom script against pgwire over the in-memory engine (the answer
 * comes from memory, no shard hop) and against a private PostgreSQL 15 answering the same
 * statement; prints tps for both, their ratio, and latency percentiles.
 *
 *   node dist/scripts/bench/wireOnly.js            (BENCH_SECONDS=10, BENCH_CLIENTS=16)
 *   node --cpu-prof dist/scripts/bench/wireOnly.js  to profile the server side
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPgServer } from '../../proxy/pgwire';
import { MemoryEngine } from '../../test/support/memoryEngine';
import { startPostgres, type PostgresServer } from '../lib/postgresServer';

/** Seconds per pgbench run (-T); each server runs BENCH_ROUNDS times. */
const seconds = Number(process.env.BENCH_SECONDS ?? '10');
const clients = Number(process.env.BENCH_CLIENTS ?? '16');
const script = '\\set x random(1, 100000)\nSELECT :x::int;\n';

interface Result {
  readonly tps: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
}

function pgbench(
  port: number,
  user: string,
  db: string,
  dir: string,
  label: string,
): Promise<Result> {
  const file = join(dir, 'script.sql');
  writeFileSync(file, script);
  const prefix = join(dir, `log_${label}`);
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
    user,
    '-l',
    '--sampling-rate',
    '0.05',
    '--log-prefix',
    prefix,
    db,
  ];
  return new Promise((resolve, reject) => {
    execFile(
      'pgbench',
      args,
      { timeout: (seconds + 60) * 1000, cwd: dir, env: { ...process.env, PGSSLMODE: 'disable' } },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`pgbench failed: ${err.message}\n${stderr}\n${stdout}`));
          return;
        }
        const m =
          /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout) ??
          /tps = ([\d.]+)/.exec(stdout);
        if (m === null) {
          reject(new Error(`no tps in pgbench output:\n${stdout}`));
          return;
        }
        // Per-transaction log lines: client_id transaction_no time_us script_no time_epoch time_us
        const lat: number[] = [];
        for (const f of readdirSync(dir)) {
          if (!f.startsWith(`log_${label}`)) continue;
          for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
            const parts = line.split(' ');
            if (parts.length >= 3) lat.push(Number(parts[2]));
          }
        }
        lat.sort((a, b) => a - b);
        const pct = (p: number): number =>
          lat.length === 0 ? NaN : lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
        resolve({ tps: Number(m[1]), p50: pct(0.5), p99: pct(0.99), p999: pct(0.999) });
      },
    );
  });
}

function fmt(r: Result): string {
  return `tps=${r.tps.toFixed(0)} p50=${r.p50}us p99=${r.p99}us p99.9=${r.p999}us`;
}

/** Sums rounds: tps weighted by duration, latency percentiles averaged. */
function combine(rs: readonly Result[]): Result {
  const avg = (f: (r: Result) => number): number =>
    Math.round(rs.reduce((a, r) => a + f(r), 0) / rs.length);
  return {
    tps: rs.reduce((a, r) => a + r.tps, 0) / rs.length,
    p50: avg((r) => r.p50),
    p99: avg((r) => r.p99),
    p999: avg((r) => r.p999),
  };
}

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
      ours.push(await pgbench(server.port, 'bench', 'bench', dir, `sharddb${i}_`));
      if (pgServer !== undefined)
        theirs.push(await pgbench(pgServer.port, 'postgres', 'postgres', dir, `postgres${i}_`));
    }
    const o = combine(ours);
    console.log(`sharddb  ${fmt(o)}  rounds: ${ours.map((r) => r.tps.toFixed(0)).join(' ')}`);
    if (pgServer === undefined) return;
    const t = combine(theirs);
    console.log(`postgres ${fmt(t)}  rounds: ${theirs.map((r) => r.tps.toFixed(0)).join(' ')}`);
    console.log(
      `bench wire_only sharddb=${o.tps.toFixed(0)} postgres=${t.tps.toFixed(0)} ratio=${(o.tps / t.tps).toFixed(2)}`,
    );
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
