/**
 * bench section "mvcc": the MVCC layer's per-key reads on a real LSM that already holds
 * data in several levels (the shape of `pgbench -i` on a shard that is not empty).
 *
 *   1. preload: `--existing` rows (even row ids) written straight into the engine as
 *      committed versions (a fifth of them with two versions), then flushed and compacted
 *      until the engine is idle, so L0, L1 and L2 hold tables;
 *   2. mvcc_prewrite_commit: `--fresh` new rows (odd row ids, in order, so each one falls
 *      inside the key range of existing tables) through MvccStore.prewrite + commit in
 *      transactions of `--batch` keys, one after another;
 *   3. mvcc_point_get: MvccStore.get of `--gets` existing rows in random order;
 *   4. mvcc_scan: MvccStore.scan of every row, in pages of 4096 (as a shard's fragment
 *      reads a span for count(*) or a scatter aggregate).
 *
 * Prints
 *   bench mvcc_prewrite_commit keys_per_s=<n>
 *   bench mvcc_point_get gets_per_s=<n>
 *   bench mvcc_scan rows_per_s=<n>
 * (each followed by the same rate per CPU second of the main thread, steadier than wall
 * time on a shared machine) plus a `#` line with the levels and block-cache figures.
 *
 *   node dist/scripts/bench/mvcc.js [--existing 500000] [--fresh 100000] [--batch 1000]
 *     [--gets 200000] [--sync] [--filter-prefix mvcc|none]
 *
 * The engine is opened as the shard opens it (filterPrefix 'mvcc'); `--filter-prefix none`
 * gives the whole-key filters for comparison.
 *
 * Writes are not fsynced unless --sync: the figure is the CPU cost of the actions' reads
 * and writes, not the shared disk's fsync latency (which drifts by several times here).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type FilterPrefixName, type LsmEngine, openLsm } from '../../shard/lsm';
import { MvccStore } from '../../shard/mvcc';
import { dataKey } from '../../shard/mvcc/keys';
import { encodeVersion } from '../../shard/mvcc/records';
import { WriteBatch } from '../../shard/storage/kvEngine';

interface Args {
  existing: number;
  fresh: number;
  batch: number;
  gets: number;
  sync: boolean;
  filterPrefix: FilterPrefixName;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    existing: 500_000,
    fresh: 100_000,
    batch: 1000,
    gets: 200_000,
    sync: false,
    filterPrefix: 'mvcc',
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    if (f === '--sync') a.sync = true;
    else if (f === '--filter-prefix') a.filterPrefix = argv[++i] as FilterPrefixName;
    else if (f === '--existing' || f === '--fresh' || f === '--batch' || f === '--gets') {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v <= 0) throw new Error(`${f} must be a positive integer`);
      a[f.slice(2) as 'existing' | 'fresh' | 'batch' | 'gets'] = v;
    } else throw new Error(`unknown flag ${f}`);
  }
  return a;
}

/** A row key as the SQL layer lays it out: table prefix, then the row id big-endian. */
function rowKey(id: number): Buffer {
  const k = Buffer.alloc(12);
  k.write('t\x00\x00\x01', 0, 'latin1');
  k.writeUInt32BE(Math.floor(id / 2 ** 32), 4);
  k.writeUInt32BE(id >>> 0, 8);
  return k;
}

/** ~90-byte rows, different per id (pgbench_accounts rows are about this size). */
function rowValue(id: number): Buffer {
  return Buffer.from(`${id}`.padStart(12, '0') + '|'.repeat(78));
}

const BASE_TS = 1n << 40n;

/**
 * CPU seconds of this process's main thread (utime + stime in /proc, 10 ms ticks): on a
 * shared machine wall time depends on the load of others, this does much less. Compactions
 * run in worker threads and are not counted.
 */
function mainThreadCpuS(): number {
  const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function preload(db: LsmEngine, n: number): Promise<void> {
  const inFlight: Promise<void>[] = [];
  for (let start = 0; start < n; start += 1000) {
    const batch = new WriteBatch();
    for (let i = start; i < Math.min(n, start + 1000); i++) {
      const key = rowKey(2 * i);
      const commitTs = BASE_TS + BigInt(i) * 4n;
      batch.put(dataKey(key, commitTs), encodeVersion(commitTs - 1n, rowValue(i)));
      if (i % 5 === 0)
        batch.put(dataKey(key, commitTs + 2n), encodeVersion(commitTs + 1n, rowValue(i + 1)));
    }
    inFlight.push(db.write(batch, { sync: false }));
    if (inFlight.length >= 8) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await db.flush();
  await db.waitForBackground();
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharddb-bench-mvcc-'));
  let db: LsmEngine | undefined;
  try {
    db = await openLsm(dir, { filterPrefix: args.filterPrefix });
    const t0 = performance.now();
    await preload(db, args.existing);
    const preloadS = (performance.now() - t0) / 1000;
    const store = await MvccStore.open({ engine: db, sync: args.sync });

    // Prewrite + commit of fresh keys, one transaction of `batch` keys at a time.
    let ts = BASE_TS + BigInt(args.existing) * 4n + 1000n;
    const t1 = performance.now();
    const c1 = mainThreadCpuS();
    for (let start = 0; start < args.fresh; start += args.batch) {
      const keys: Buffer[] = [];
      for (let i = start; i < Math.min(args.fresh, start + args.batch); i++)
        keys.push(rowKey(2 * i + 1));
      const startTs = ts++;
      const pw = await store.prewrite({
        mutations: keys.map((key, j) => ({ key, op: 'insert', value: rowValue(start + j) })),
        primary: keys[0],
        startTs,
        ttlMs: 60_000,
        forUpdateTs: 0n,
      });
      if (pw.kind !== 'ok') throw new Error(`prewrite failed: ${pw.kind}`);
      const commitTs = ts++;
      const c = await store.commit({ keys, startTs, commitTs });
      if (c.kind !== 'ok') throw new Error(`commit failed: ${c.kind}`);
    }
    const writeRate = args.fresh / ((performance.now() - t1) / 1000);
    const writeCpu = args.fresh / (mainThreadCpuS() - c1);
    console.log(
      `bench mvcc_prewrite_commit keys_per_s=${Math.round(writeRate)} keys_per_cpu_s=${Math.round(writeCpu)}`,
    );

    // Point reads of existing rows in random order.
    const readTs = ts + 10n;
    let s = 12345;
    let found = 0;
    const before = db.stats();
    const t2 = performance.now();
    const c2 = mainThreadCpuS();
    for (let i = 0; i < args.gets; i++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      const r = await store.get({ key: rowKey(2 * (s % args.existing)), ts: readTs });
      if (r.kind === 'ok' && r.value !== undefined) found++;
    }
    const readRate = args.gets / ((performance.now() - t2) / 1000);
    const readCpu = args.gets / (mainThreadCpuS() - c2);
    if (found !== args.gets) throw new Error(`point reads found ${found} of ${args.gets} rows`);
    console.log(
      `bench mvcc_point_get gets_per_s=${Math.round(readRate)} gets_per_cpu_s=${Math.round(readCpu)}`,
    );

    // A full scan at the same timestamp: every row visible once, newest version chosen.
    const t3 = performance.now();
    const c3 = mainThreadCpuS();
    let scanned = 0;
    for (let start: Buffer | undefined = rowKey(0); start !== undefined;) {
      const r = await store.scan({ start, end: rowKey(2 ** 40), ts: readTs, limit: 4096 });
      if (r.kind !== 'ok') throw new Error(`scan met locks`);
      scanned += r.entries.length;
      start = r.more
        ? Buffer.concat([r.entries[r.entries.length - 1][0], Buffer.from([0])])
        : undefined;
    }
    const scanRate = scanned / ((performance.now() - t3) / 1000);
    const scanCpu = scanned / (mainThreadCpuS() - c3);
    if (scanned !== args.existing + args.fresh)
      throw new Error(`the scan saw ${scanned} of ${args.existing + args.fresh} rows`);
    console.log(
      `bench mvcc_scan rows_per_s=${Math.round(scanRate)} rows_per_cpu_s=${Math.round(scanCpu)}`,
    );
    const st = db.stats();
    console.log(
      `# mvcc: filterPrefix ${args.filterPrefix}, preload ${args.existing} rows in ${preloadS.toFixed(1)} s, levels ${st.levelFiles.join('/')}, ` +
        `block cache hits/misses during gets ${st.blockCacheHits - before.blockCacheHits}/` +
        `${st.blockCacheMisses - before.blockCacheMisses}, tables skipped by prefix filters ${st.prefixFilterSkips}`,
    );
  } finally {
    await db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
