/**
 * Runs pgbench with a custom script and reads back tps and latency percentiles (from
 * pgbench's per-transaction log, sampled). Shared by every bench section.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PgbenchResult {
  readonly tps: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
}

export interface PgbenchRun {
  readonly port: number;
  readonly user: string;
  readonly database: string;
  /** Scratch directory for the script file and logs. */
  readonly dir: string;
  /** Distinguishes this run's log files. */
  readonly label: string;
  readonly script: string;
  readonly mode: 'simple' | 'extended' | 'prepared';
  readonly clients: number;
  readonly seconds: number;
}

export function runPgbench(run: PgbenchRun): Promise<PgbenchResult> {
  const file = join(run.dir, `${run.label}.sql`);
  writeFileSync(file, run.script);
  const prefix = join(run.dir, `log_${run.label}`);
  const args = [
    '-n',
    '-M',
    run.mode,
    '-c',
    String(run.clients),
    '-j',
    '2',
    '-T',
    String(run.seconds),
    '-f',
    file,
    '-h',
    '127.0.0.1',
    '-p',
    String(run.port),
    '-U',
    run.user,
    '-l',
    '--sampling-rate',
    '0.05',
    '--log-prefix',
    prefix,
    run.database,
  ];
  return new Promise((resolve, reject) => {
    execFile(
      'pgbench',
      args,
      {
        timeout: (run.seconds + 60) * 1000,
        cwd: run.dir,
        env: { ...process.env, PGSSLMODE: 'disable' },
      },
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
        for (const f of readdirSync(run.dir)) {
          if (!f.startsWith(`log_${run.label}`)) continue;
          for (const line of readFileSync(join(run.dir, f), 'utf8').split('\n')) {
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

export function formatResult(r: PgbenchResult): string {
  return `tps=${r.tps.toFixed(0)} p50=${r.p50}us p99=${r.p99}us p99.9=${r.p999}us`;
}

/** Averages rounds: tps and latency percentiles. */
export function combineResults(rs: readonly PgbenchResult[]): PgbenchResult {
  const avg = (f: (r: PgbenchResult) => number): number =>
    Math.round(rs.reduce((a, r) => a + f(r), 0) / rs.length);
  return {
    tps: rs.reduce((a, r) => a + r.tps, 0) / rs.length,
    p50: avg((r) => r.p50),
    p99: avg((r) => r.p99),
    p999: avg((r) => r.p999),
  };
}

/** The one line every bench section prints per workload. */
export function benchLine(name: string, ours: PgbenchResult, theirs: PgbenchResult): string {
  return `bench ${name} sharddb=${ours.tps.toFixed(0)} postgres=${theirs.tps.toFixed(0)} ratio=${(ours.tps / theirs.tps).toFixed(2)}  (sharddb p50=${ours.p50}us p99=${ours.p99}us; postgres p50=${theirs.p50}us p99=${theirs.p99}us)`;
}
