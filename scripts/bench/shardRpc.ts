/**
 * Micro-benchmark of a shard's transactional RPC path alone (no proxy, no meta): the CPU
 * a shard spends per txn.lock / txn.prewrite / txn.commit / txn.get, the RPCs pgbench's
 * TPC-B sends, over the real RPC client and server.
 *
 * The parent process starts a child "shard" (this same script with --serve): an LSM engine
 * opened as the shard opens it, behind the write fence (shard/writeFence.ts, every key
 * writable), an MvccStore, the shard's txnHandlers with one range covering all keys, and
 * an RpcServer on loopback. The child preloads `--rows` committed rows (pgbench_accounts-
 * like keys and ~90-byte values), flushes and compacts them into tables, and reports.
 *
 * The parent then runs, with `--callers` concurrent callers over `--conns` connections:
 *   phase "lock":     txn.lock(returnValues) of one random account key per transaction;
 *   phase "prewrite": txn.prewrite of those keys (put of a new value, pessimistic);
 *   phase "commit":   txn.commit of them;
 *   phase "get":      txn.get of random keys;
 *   phase "tpcb":     whole transactions: lock(account) [+ lock(hot key) with probability
 *                     --hot-share, from --hot-keys keys] → prewrite → commit primary →
 *                     commit secondaries.
 * and prints, per phase, RPCs/s (wall) and the shard's CPU µs per RPC, from /proc of the
 * child: the whole process (all threads: fsync and compaction threads included) and its
 * main thread alone. Each phase is repeated --repeat times so the noise shows.
 *
 *   node dist/scripts/bench/shardRpc.js [--rows 200000] [--txns 20000] [--callers 64]
 *     [--conns 4] [--hot-keys 20] [--hot-share 0.5] [--repeat 3] [--no-sync]
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RpcClient, RpcServer } from '../../common/rpc';
import { silentLogger } from '../../common/logger';
import type { RangeDescriptor } from '../../common/catalog/schema';
import { openLsm } from '../../shard/lsm';
import { MvccStore } from '../../shard/mvcc';
import { dataKey } from '../../shard/mvcc/keys';
import { encodeVersion } from '../../shard/mvcc/records';
import { WriteBatch } from '../../shard/storage/kvEngine';
import { txnHandlers } from '../../shard/txnHandlers';
import { FencedEngine } from '../../shard/writeFence';

const SECRET = 'bench-shard-rpc-secret';
const RANGES: Array<[number, number]> = [[1, 1]];
const RANGE: RangeDescriptor = {
  id: 1,
  startKey: Buffer.alloc(0),
  endKey: null,
  shardId: 1,
  epoch: 1,
} as RangeDescriptor;

interface Args {
  rows: number;
  txns: number;
  callers: number;
  conns: number;
  hotKeys: number;
  hotShare: number;
  repeat: number;
  sync: boolean;
  phases: string[];
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    rows: 200_000,
    txns: 20_000,
    callers: 64,
    conns: 4,
    hotKeys: 20,
    hotShare: 0.5,
    repeat: 3,
    sync: true,
    phases: ['lock', 'prewrite', 'commit', 'get', 'tpcb'],
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`${f} must be a non-negative number`);
      return v;
    };
    if (f === '--no-sync') a.sync = false;
    else if (f === '--serve') continue;
    else if (f === '--rows') a.rows = num();
    else if (f === '--txns') a.txns = num();
    else if (f === '--callers') a.callers = num();
    else if (f === '--conns') a.conns = num();
    else if (f === '--hot-keys') a.hotKeys = num();
    else if (f === '--hot-share') a.hotShare = num();
    else if (f === '--repeat') a.repeat = num();
    else if (f === '--phases') a.phases = argv[++i].split(',');
    else throw new Error(`unknown flag ${f}`);
  }
  return a;
}

/** A pgbench_accounts-like row key: table prefix, then the row id big-endian. */
function rowKey(id: number): Buffer {
  const k = Buffer.alloc(12);
  k.write('t\x00\x00\x01', 0, 'latin1');
  k.writeUInt32BE(0, 4);
  k.writeUInt32BE(id >>> 0, 8);
  return k;
}

/** A hot row (pgbench_tellers / branches) in a table of its own. */
function hotKey(id: number): Buffer {
  const k = Buffer.alloc(12);
  k.write('t\x00\x00\x02', 0, 'latin1');
  k.writeUInt32BE(0, 4);
  k.writeUInt32BE(id >>> 0, 8);
  return k;
}

function rowValue(id: number, gen: number): Buffer {
  return Buffer.from(`${id}:${gen}`.padStart(16, '0') + '|'.repeat(74));
}

// ---- the shard (child) -------------------------------------------------------------------

async function serve(args: Args): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharddb-bench-shardrpc-'));
  const engine = await openLsm(dir, { filterPrefix: 'mvcc' });
  // Start timestamps of the preload lie well in the past (physical ms of a day ago).
  const base = BigInt(Date.now() - 86_400_000) << 18n;
  const inFlight: Promise<void>[] = [];
  for (let start = 0; start < args.rows; start += 1000) {
    const batch = new WriteBatch();
    for (let i = start; i < Math.min(args.rows, start + 1000); i++) {
      const commitTs = base + BigInt(i) * 4n + 2n;
      batch.put(dataKey(rowKey(i), commitTs), encodeVersion(commitTs - 1n, rowValue(i, 0)));
    }
    inFlight.push(engine.write(batch, { sync: false }));
    if (inFlight.length >= 8) await inFlight.shift();
  }
  const hot = new WriteBatch();
  for (let i = 0; i < args.hotKeys; i++)
    hot.put(dataKey(hotKey(i), base + 1n), encodeVersion(base, rowValue(i, 0)));
  inFlight.push(engine.write(hot, { sync: false }));
  await Promise.all(inFlight);
  await engine.flush();
  await engine.waitForBackground();
  const fenced = new FencedEngine(engine, { writableEngineKey: () => true });
  const store = await MvccStore.open({ engine: fenced, sync: args.sync });
  const handlers = txnHandlers(store, () => [RANGE]);
  const server = await RpcServer.listen({
    host: '127.0.0.1',
    port: 0,
    secret: SECRET,
    handlers,
    logger: silentLogger(),
  });
  const st = engine.stats();
  process.send?.({ port: server.port, levels: st.levelFiles });
  process.on('message', (m: unknown) => {
    if (m === 'stats') {
      const s = engine.stats();
      process.send?.({ fsyncs: s.fsyncs, levels: s.levelFiles });
      return;
    }
    if (m !== 'stop') return;
    void (async () => {
      await server.close();
      await engine.close();
      fs.rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    })();
  });
}

// ---- the driver (parent) -----------------------------------------------------------------

/** CPU seconds of a process (all threads) and of its main thread, from /proc (10 ms ticks). */
function cpuOf(pid: number): { all: number; main: number } {
  const ticks = (file: string): number => {
    const stat = fs.readFileSync(file, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  };
  return { all: ticks(`/proc/${pid}/stat`), main: ticks(`/proc/${pid}/task/${pid}/stat`) };
}

/** TSO-like timestamps: physical ms << 18 | logical, strictly increasing. */
let lastTs = 0n;
function nextTs(): bigint {
  const t = BigInt(Date.now()) << 18n;
  lastTs = t > lastTs ? t : lastTs + 1n;
  return lastTs;
}

/** A small deterministic PRNG (mulberry32), so runs draw the same keys. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Txn {
  keys: Buffer[];
  startTs: bigint;
  /** Raised when a lock meets a newer commit (READ COMMITTED's retry at a new for_update_ts). */
  forUpdateTs: bigint;
  commitTs: bigint;
}

interface Phase {
  name: string;
  rpcs: number;
  wallS: number;
  cpuAllUs: number;
  cpuMainUs: number;
  errors: number;
}

class Driver {
  private readonly clients: RpcClient[];
  private next = 0;

  constructor(
    port: number,
    conns: number,
    readonly args: Args,
    private readonly shardPid: number,
  ) {
    this.clients = [];
    for (let i = 0; i < conns; i++) {
      this.clients.push(
        new RpcClient({
          address: `127.0.0.1:${port}`,
          secret: SECRET,
          name: `bench-${i}`,
          logger: silentLogger(),
          defaultTimeoutMs: 30_000,
        }),
      );
    }
  }

  call<T>(method: string, body: unknown): Promise<T> {
    const c = this.clients[this.next++ % this.clients.length];
    return c.call<T>(method, body);
  }

  /**
   * Runs `work(i)` for i in [0, n) with `callers` of them in flight (each returns the RPCs it
   * sent, default 1); measures the shard.
   */
  async phase(
    name: string,
    n: number,
    work: (i: number) => Promise<number | void>,
  ): Promise<Phase> {
    let i = 0;
    let rpcs = 0;
    let errors = 0;
    const c0 = cpuOf(this.shardPid);
    const t0 = performance.now();
    const caller = async (): Promise<void> => {
      while (i < n) {
        const mine = i++;
        try {
          const sent = await work(mine);
          rpcs += sent ?? 1;
        } catch (e) {
          errors++;
          if (errors <= 3) console.error(`# ${name}: ${(e as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: this.args.callers }, caller));
    const wallS = (performance.now() - t0) / 1000;
    const c1 = cpuOf(this.shardPid);
    return {
      name,
      rpcs,
      wallS,
      cpuAllUs: ((c1.all - c0.all) * 1e6) / rpcs,
      cpuMainUs: ((c1.main - c0.main) * 1e6) / rpcs,
      errors,
    };
  }

  close(): void {
    for (const c of this.clients) c.close();
  }
}

function expectOk(r: { kind: string }, what: string): void {
  if (r.kind !== 'ok') throw new Error(`${what}: ${r.kind}`);
}

async function lockKeys(d: Driver, t: Txn, keys: Buffer[]): Promise<number> {
  let rpcs = 0;
  for (const key of keys) {
    for (;;) {
      rpcs++;
      const r = await d.call<{ kind: string }>('txn.lock', {
        ranges: RANGES,
        keys: [key],
        primary: t.keys[0],
        startTs: t.startTs,
        forUpdateTs: t.forUpdateTs,
        ttlMs: 20_000,
        returnValues: true,
        lockTimeoutMs: 10_000,
        nowait: false,
      });
      // As the proxy does in READ COMMITTED: a newer commit on a hot row → lock again at a
      // fresh for_update_ts.
      if (r.kind === 'writeConflict') {
        t.forUpdateTs = nextTs();
        continue;
      }
      expectOk(r, 'lock');
      break;
    }
  }
  return rpcs;
}

/** Leaves no lock behind a failed transaction (so later phases do not meet it). */
async function rollbackTxn(d: Driver, t: Txn): Promise<void> {
  await d.call('txn.rollback', { ranges: RANGES, keys: t.keys, startTs: t.startTs });
}

async function prewriteTxn(d: Driver, t: Txn, gen: number): Promise<void> {
  const r = await d.call<{ kind: string }>('txn.prewrite', {
    ranges: RANGES,
    mutations: t.keys.map((key) => ({ key, op: 'put', value: rowValue(key.readUInt32BE(8), gen) })),
    primary: t.keys[0],
    startTs: t.startTs,
    ttlMs: 20_000,
    forUpdateTs: t.forUpdateTs,
    pessimistic: t.keys.map(() => true),
  });
  expectOk(r, 'prewrite');
}

async function commitKeys(d: Driver, t: Txn, keys: Buffer[]): Promise<void> {
  const r = await d.call<{ kind: string }>('txn.commit', {
    ranges: RANGES,
    keys,
    startTs: t.startTs,
    commitTs: t.commitTs,
  });
  expectOk(r, 'commit');
}

function print(p: Phase): void {
  console.log(
    `bench shard_rpc_${p.name} rpcs=${p.rpcs} rpcs_per_s=${Math.round(p.rpcs / p.wallS)} ` +
      `shard_cpu_us_per_rpc=${p.cpuAllUs.toFixed(1)} main_thread_cpu_us_per_rpc=${p.cpuMainUs.toFixed(1)}` +
      (p.errors > 0 ? ` errors=${p.errors}` : ''),
  );
}

async function drive(args: Args, port: number, shardPid: number): Promise<void> {
  const d = new Driver(port, args.conns, args, shardPid);
  const rand = prng(42);
  let gen = 1;
  try {
    // Warm up: connections, JIT.
    await d.call('txn.get', { ranges: RANGES, key: rowKey(0), ts: nextTs() });
    for (let rep = 0; rep < args.repeat; rep++) {
      if (args.phases.some((p) => p === 'lock' || p === 'prewrite' || p === 'commit')) {
        // Distinct keys per transaction in the split phases (no lock waits: pure CPU cost).
        const used = new Set<number>();
        const txns: Txn[] = [];
        for (let i = 0; i < args.txns; i++) {
          let id: number;
          do id = Math.floor(rand() * args.rows);
          while (used.has(id));
          used.add(id);
          const startTs = nextTs();
          txns.push({ keys: [rowKey(id)], startTs, forUpdateTs: startTs, commitTs: 0n });
        }
        const g = gen++;
        print(
          await d.phase('lock', txns.length, async (i) => {
            await lockKeys(d, txns[i], txns[i].keys);
          }),
        );
        print(await d.phase('prewrite', txns.length, (i) => prewriteTxn(d, txns[i], g)));
        for (const t of txns) t.commitTs = nextTs();
        print(await d.phase('commit', txns.length, (i) => commitKeys(d, txns[i], txns[i].keys)));
      }
      if (args.phases.includes('get')) {
        print(
          await d.phase('get', args.txns, async () => {
            const r = await d.call<{ kind: string; value?: Uint8Array }>('txn.get', {
              ranges: RANGES,
              key: rowKey(Math.floor(rand() * args.rows)),
              ts: nextTs(),
            });
            if (r.kind !== 'ok' || r.value === undefined) throw new Error(`get: ${r.kind}`);
          }),
        );
      }
      if (args.phases.includes('tpcb')) {
        // Whole transactions; a hot key makes callers queue on its lock, as in TPC-B.
        const plans: Buffer[][] = [];
        for (let i = 0; i < args.txns; i++) {
          const keys = [rowKey(Math.floor(rand() * args.rows))];
          if (args.hotKeys > 0 && rand() < args.hotShare)
            keys.push(hotKey(Math.floor(rand() * args.hotKeys)));
          plans.push(keys);
        }
        const g = gen++;
        print(
          await d.phase('tpcb', plans.length, async (i) => {
            const startTs = nextTs();
            const t: Txn = { keys: plans[i], startTs, forUpdateTs: startTs, commitTs: 0n };
            let rpcs = 0;
            try {
              const locks = await lockKeys(d, t, t.keys);
              rpcs += locks;
              rpcs++;
              await prewriteTxn(d, t, g);
              t.commitTs = nextTs();
              rpcs++;
              await commitKeys(d, t, [t.keys[0]]);
              if (t.keys.length > 1) {
                rpcs++;
                await commitKeys(d, t, t.keys.slice(1));
              }
            } catch (e) {
              await rollbackTxn(d, t);
              throw e;
            }
            return rpcs;
          }),
        );
      }
    }
  } finally {
    d.close();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  if (argv.includes('--serve')) return serve(args);
  const child: ChildProcess = fork(__filename, ['--serve', ...argv], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: process.env.SHARD_NODE_ARGS ? process.env.SHARD_NODE_ARGS.split(' ') : [],
  });
  const killTimer = setTimeout(() => child.kill('SIGKILL'), 30 * 60_000); // never unbounded
  try {
    const t0 = performance.now();
    const ready = await new Promise<{ port: number; levels: number[] }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { port: number; levels: number[] }));
      child.once('exit', (code) => reject(new Error(`shard exited with ${code}`)));
    });
    console.log(
      `# shard_rpc: ${args.rows} rows preloaded in ${((performance.now() - t0) / 1000).toFixed(1)} s, ` +
        `levels ${ready.levels.join('/')}, callers ${args.callers}, conns ${args.conns}, ` +
        `sync ${args.sync}, hot keys ${args.hotKeys} (share ${args.hotShare})`,
    );
    await drive(args, ready.port, child.pid as number);
  } finally {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.send('stop');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
    clearTimeout(killTimer);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
