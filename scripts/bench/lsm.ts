/**
 * LSM benchmark (issue 4): our engine and LevelDB (classic-level) in the same run and the
 * same harness — 64 operations in flight, 16-byte keys, 100-byte values, default 1M keys.
 * Prints one line per workload:
 *   lsm <workload> sharddb=<ops/s> leveldb=<ops/s> ratio=<x>
 * and the write amplification of each engine over fillrandom + overwrite.
 *
 *   node dist/scripts/bench/lsm.js [--keys N] [--only workload,workload]
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClassicLevel } from 'classic-level';
import { type LsmEngine, openLsm } from '../../shard/lsm';
import { WriteBatch } from '../../shard/storage/kvEngine';

const IN_FLIGHT = 64;
const VALUE_SIZE = 100;

type Op = (i: number) => Promise<unknown> | unknown;

/** Runs n operations with `inFlight` lanes; a lane awaits only when the op returns a promise. */
async function runOps(n: number, inFlight: number, op: Op): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const lane = async (): Promise<void> => {
    while (next < n) {
      const r = op(next++);
      if (r instanceof Promise) await r;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return n / ((performance.now() - t0) / 1000);
}

/** Runs operations with `inFlight` lanes for about `ms` milliseconds; returns ops/s. */
async function runFor(ms: number, inFlight: number, op: Op): Promise<number> {
  let next = 0;
  let done = 0;
  const t0 = performance.now();
  const lane = async (): Promise<void> => {
    while (performance.now() - t0 < ms) {
      const r = op(next++);
      if (r instanceof Promise) await r;
      done++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return done / ((performance.now() - t0) / 1000);
}

function keyOf(i: number): Buffer {
  return Buffer.from('k' + String(i).padStart(15, '0'));
}

/** Bytes this process has passed to write(2) so far (all threads). */
function wchar(): number {
  const m = /wchar:\s+(\d+)/.exec(fs.readFileSync('/proc/self/io', 'utf8'));
  return m === null ? 0 : Number(m[1]);
}

interface Engine {
  put(k: Buffer, v: Buffer, sync: boolean): Promise<void>;
  get(k: Buffer): Promise<unknown> | unknown;
  /** Reads every entry in order; returns how many. */
  scanAll(): Promise<number>;
  /** Positions an iterator at k and reads one entry. */
  seek(k: Buffer): Promise<unknown> | unknown;
  settle(): Promise<void>;
  close(): Promise<void>;
}

async function openOurs(dir: string): Promise<{ e: Engine; db: LsmEngine }> {
  const db = await openLsm(dir, { blockCacheSize: 32 << 20 });
  const e: Engine = {
    put: (k, v, sync) => db.write(new WriteBatch().put(k, v), { sync }),
    get: (k) => db.get(k),
    scanAll: async () => {
      const it = db.iterator();
      let n = 0;
      while (it.next() !== undefined) n++;
      it.close();
      return n;
    },
    seek: (k) => {
      const it = db.iterator({ gte: k });
      const r = it.next();
      it.close();
      return r;
    },
    settle: () => db.waitForBackground(),
    close: () => db.close(),
  };
  return { e, db };
}

async function openLevel(dir: string): Promise<Engine> {
  const db = new ClassicLevel<Buffer, Buffer>(dir, {
    keyEncoding: 'buffer',
    valueEncoding: 'buffer',
  });
  await db.open({ cacheSize: 32 << 20, writeBufferSize: 4 << 20 } as object);
  return {
    put: (k, v, sync) => db.put(k, v, { sync } as object),
    get: (k) => db.get(k),
    scanAll: async () => {
      const it = db.iterator();
      let n = 0;
      while ((await it.next()) !== undefined) n++;
      await it.close();
      return n;
    },
    seek: async (k) => {
      const it = db.iterator({ gte: k, limit: 1 });
      const r = await it.next();
      await it.close();
      return r;
    },
    settle: async () => undefined,
    close: () => db.close(),
  };
}

interface Args {
  keys: number;
  only: Set<string> | null;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { keys: 1_000_000, only: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--keys') a.keys = Number(argv[++i]);
    else if (argv[i] === '--only') a.only = new Set(argv[++i].split(','));
  }
  if (!Number.isInteger(a.keys) || a.keys <= 0)
    throw new Error('--keys must be a positive integer');
  return a;
}

function shuffled(n: number, seed: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  let s = seed;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

export interface LsmBenchResult {
  workload: string;
  sharddb: number;
  leveldb: number;
}

export async function runLsmBench(
  args: Args,
  print: (line: string) => void,
): Promise<LsmBenchResult[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sharddb-bench-lsm-'));
  const n = args.keys;
  const values: Buffer[] = Array.from({ length: 1024 }, () => randomBytes(VALUE_SIZE));
  const val = (i: number): Buffer => values[i & 1023];
  const order = shuffled(n, 42);
  const probe = shuffled(n, 7);
  const results: LsmBenchResult[] = [];
  const wa: Record<string, number> = {};
  const want = (w: string): boolean => args.only === null || args.only.has(w);

  type Phase = (e: Engine) => Promise<number>;
  const both = async (workload: string, ours: Phase, lvl: Phase): Promise<void> => {
    if (!want(workload)) return;
    const r = { workload, sharddb: await ours(engines.ours), leveldb: await lvl(engines.level) };
    results.push(r);
    print(
      `lsm ${workload} sharddb=${Math.round(r.sharddb)} leveldb=${Math.round(r.leveldb)} ratio=${(r.sharddb / r.leveldb).toFixed(2)}`,
    );
  };
  const engines = {} as { ours: Engine; level: Engine };

  try {
    // fillseq: fresh databases, keys in order.
    {
      const o = await openOurs(path.join(root, 'ours-seq'));
      engines.ours = o.e;
      engines.level = await openLevel(path.join(root, 'level-seq'));
      const fill: Phase = (e) => runOps(n, IN_FLIGHT, (i) => e.put(keyOf(i), val(i), false));
      await both('fillseq', fill, fill);
      await engines.ours.close();
      await engines.level.close();
    }
    // fillrandom, overwrite, then reads on the result.
    const oursDir = path.join(root, 'ours');
    const levelDir = path.join(root, 'level');
    const o = await openOurs(oursDir);
    engines.ours = o.e;
    engines.level = await openLevel(levelDir);
    const fillRandom = (e: Engine): Promise<number> =>
      runOps(n, IN_FLIGHT, (i) => e.put(keyOf(order[i]), val(i), false));
    const overwrite = (e: Engine): Promise<number> =>
      runOps(n, IN_FLIGHT, (i) => e.put(keyOf(probe[i]), val(i + 1), false));
    // Write amplification: bytes passed to write(2) per user byte over fillrandom and
    // overwrite, including the compactions they cause (ours: until idle; LevelDB: until it
    // closes, after the read workloads, which write nothing). Engines run one at a time.
    const userBytes = 2 * n * (16 + VALUE_SIZE);
    const fillPhases = new Map<string, { ours: number; level: number }>();
    if (want('fillrandom') || want('overwrite')) {
      let w0 = wchar();
      const of = await fillRandom(engines.ours);
      const oo = await overwrite(engines.ours);
      await engines.ours.settle();
      wa.ours = wchar() - w0;
      w0 = wchar();
      const lf = await fillRandom(engines.level);
      const lo = await overwrite(engines.level);
      wa.levelStart = w0;
      fillPhases.set('fillrandom', { ours: of, level: lf });
      fillPhases.set('overwrite', { ours: oo, level: lo });
    }
    for (const [workload, r] of fillPhases) {
      if (!want(workload)) continue;
      results.push({ workload, sharddb: r.ours, leveldb: r.level });
      print(
        `lsm ${workload} sharddb=${Math.round(r.ours)} leveldb=${Math.round(r.level)} ratio=${(r.ours / r.level).toFixed(2)}`,
      );
    }
    await engines.ours.settle();
    const reads = Math.min(n, 1_000_000);
    const readRandom: Phase = (e) =>
      runOps(reads, IN_FLIGHT, (i) => e.get(keyOf(probe[(i * 7) % n])));
    await both('readrandom', readRandom, readRandom);
    const readSeq: Phase = async (e) => {
      const t0 = performance.now();
      const count = await e.scanAll();
      return count / ((performance.now() - t0) / 1000);
    };
    await both('readseq', readSeq, readSeq);
    const seeks = Math.max(1, Math.floor(reads / 10));
    const seekRandom: Phase = (e) =>
      runOps(seeks, IN_FLIGHT, (i) => e.seek(keyOf(probe[(i * 13) % n])));
    await both('seekrandom', seekRandom, seekRandom);
    const stats = o.db.stats();
    await engines.ours.close();
    await engines.level.close();
    const wLevel = wchar() - wa.levelStart;

    // fillsync with 64 writers and with 1, fresh databases.
    // fillsync with 64 writers and with 1, each on a fresh database. Timed, in short slices
    // taken in turn (ours-64, ours-1, leveldb-64, leveldb-1, again…): fsync latency on a
    // shared machine drifts by several times within a minute, and every variant must see
    // the same disk.
    if (want('fillsync-64') || want('fillsync-1')) {
      const variants = [
        { workload: 'fillsync-64', lanes: 64, ours: true },
        { workload: 'fillsync-1', lanes: 1, ours: true },
        { workload: 'fillsync-64', lanes: 64, ours: false },
        { workload: 'fillsync-1', lanes: 1, ours: false },
      ];
      const dbs: Engine[] = [];
      for (const v of variants) {
        const d = path.join(root, `${v.ours ? 'ours' : 'level'}-${v.workload}`);
        dbs.push(v.ours ? (await openOurs(d)).e : await openLevel(d));
      }
      const done = [0, 0, 0, 0];
      const time = [0, 0, 0, 0];
      const slices = 6;
      const sliceMs = Math.max(200, Math.min(1000, n / 1000));
      let k = 0;
      for (let round = 0; round < slices; round++) {
        for (let v = 0; v < variants.length; v++) {
          const t0 = performance.now();
          const rate = await runFor(sliceMs, variants[v].lanes, (i) =>
            dbs[v].put(keyOf(order[k++ % n]), val(i), true),
          );
          const el = (performance.now() - t0) / 1000;
          done[v] += rate * el;
          time[v] += el;
        }
      }
      for (const d of dbs) await d.close();
      for (const w of ['fillsync-64', 'fillsync-1']) {
        if (!want(w)) continue;
        const oi = variants.findIndex((v) => v.workload === w && v.ours);
        const li = variants.findIndex((v) => v.workload === w && !v.ours);
        const r = { workload: w, sharddb: done[oi] / time[oi], leveldb: done[li] / time[li] };
        results.push(r);
        print(
          `lsm ${w} sharddb=${Math.round(r.sharddb)} leveldb=${Math.round(r.leveldb)} ratio=${(r.sharddb / r.leveldb).toFixed(2)}`,
        );
      }
    }
    if (want('fillrandom') && want('overwrite')) {
      print(
        `lsm write-amplification sharddb=${(wa.ours / userBytes).toFixed(2)} leveldb=${(wLevel / userBytes).toFixed(2)} ` +
          `(bytes written / user bytes, fillrandom+overwrite; engine's own count: ${stats.writeAmplification.toFixed(2)}, ` +
          `stall ${Math.round(stats.stallTimeMs)} ms, levels ${stats.levelFiles.join('/')})`,
      );
    }
    const f64 = results.find((r) => r.workload === 'fillsync-64');
    const f1 = results.find((r) => r.workload === 'fillsync-1');
    if (f64 !== undefined && f1 !== undefined) {
      print(
        `lsm fillsync-64/fillsync-1 sharddb=${(f64.sharddb / f1.sharddb).toFixed(1)}x leveldb=${(f64.leveldb / f1.leveldb).toFixed(1)}x`,
      );
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return results;
}

if (require.main === module) {
  runLsmBench(parseArgs(process.argv.slice(2)), (l) => console.log(l)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
