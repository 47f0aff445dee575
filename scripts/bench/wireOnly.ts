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

const seconds = Number(process.env.BENCH_SECONDS ?? '10');
const clients = Number(process.env.BENCH_CLIENTS ?? '16');
const script = '\\set x random(1, 100000)\nSELECT :x::int;\n';

interface Result {
  readonly tps: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
}

function pgbench(port: number, user: string, db: string, dir: string, label: string): Promise<Result> {
  const file = join(dir, 'script.sql');
  writeFileSync(file, script);
  const prefix = join(dir, `log_${label}`);
  const args = [
    '-n', '-M', 'prepared', '-c', String(clients), '-j', '2', '-T', String(seconds),
    '-f', file, '-h', '127.0.0.1', '-p', String(port), '-U', user,
    '-l', '--sampling-rate', '0.05', '--log-prefix', prefix, db,
  ];
  return new Promise((resolve, reject) => {
    execFile('pgbench', args, { timeout: (seconds + 60) * 1000, cwd: dir, env: { ...process.env, PGSSLMODE: 'disable' } }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`pgbench failed: ${err.message}\n${stderr}\n${stdout}`));
        return;
      }
      const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout) ?? /tps = ([\d.]+)/.exec(stdout);
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
      const pct = (p: number): number => (lat.length === 0 ? NaN : lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]);
      resolve({ tps: Number(m[1]), p50: pct(0.5), p99: pct(0.99), p999: pct(0.999) });
    });
  });
}

function fmt(r: Result): string {
  return `tps=${r.tps.toFixed(0)} p50=${r.p50}us p99=${r.p99}us p99.9=${r.p999}us`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-wire-'));
  const server = await startPgServer({ engine: new MemoryEngine(), limits: { maxConnections: 200 } });
  let pgServer: PostgresServer | undefined;
  try {
    const ours = await pgbench(server.port, 'bench', 'bench', dir, 'sharddb');
    await server.close();
    if (process.env.BENCH_SKIP_POSTGRES === '1') {
      console.log(`sharddb  ${fmt(ours)}`);
      return;
    }
    pgServer = await startPostgres();
    const theirs = await pgbench(pgServer.port, 'postgres', 'postgres', dir, 'postgres');
    console.log(`sharddb  ${fmt(ours)}`);
    console.log(`postgres ${fmt(theirs)}`);
    console.log(`bench wire_only sharddb=${ours.tps.toFixed(0)} postgres=${theirs.tps.toFixed(0)} ratio=${(ours.tps / theirs.tps).toFixed(2)}`);
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
