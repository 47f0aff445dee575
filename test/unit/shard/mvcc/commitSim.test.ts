/**
 * Deterministic simulation of the commit protocol across 3 shards (an MvccStore each, on
 * in-memory engines) with coordinator crashes injected at every step.
 *
 * Money moves between 9 accounts (account i lives on shard i % 3) by transactions that
 * take pessimistic locks, then commit by 1PC (one shard) or 2PC (prewrite per shard,
 * commit the primary, then the secondaries shard by shard; or, as the proxy does, prewrite
 * the shards other than the primary's, commit the primary's shard by 1PC, then the rest). Transaction n's coordinator
 * crashes after step n mod (steps + 1) — after any lock, any prewrite, the primary's
 * commit, or between secondaries — and never comes back; its locks are left for others
 * to resolve through the primary's status once their TTL expires. Readers take snapshots
 * while all this runs, reading shard by shard with other steps in between.
 *
 * Invariants:
 *   - every reader's snapshot sums to the initial total (atomic, consistent snapshots);
 *   - at the end, after resolving every lock, each transaction is all or nothing: either
 *     every key it wrote holds its version at one commit_ts, or none does;
 *   - every transaction whose coordinator saw its primary commit succeed is committed;
 *   - no lock is left, and the final total is exact.
 *
 * With GC on, a garbage collector runs now and then at the safe point meta's rule gives —
 * min(now − a short gc_life_time, every running coordinator's and reader's timestamp,
 * every shard's oldest lock) — on stores whose engines index their locks as a shard's do
 * (shard/lockIndex.ts). A crashed coordinator is not running: only its locks hold GC.
 * GC drops shadowed versions, so the per-transaction record checks give way to the money
 * invariants (every snapshot and the final total exact), which a half-committed transfer
 * breaks. Run without the shards' locks in the rule, GC drops committed primaries' records
 * under live secondaries and money goes missing: the test shows that too.
 * Seeded: a failure names its seed; MVCC_SIM_SEED=n reruns just that seed.
 */
import { expect } from 'chai';
import { MvccStore } from '../../../../shard/mvcc';
import type { Mutation, Timestamp } from '../../../../shard/mvcc';
import { txnRecord } from '../../../../shard/mvcc/reader';
import { MemEngine } from './memEngine';
import { k } from './helpers';
import { LockIndexedEngine } from '../../../../shard/lockIndex';
import { silentLogger } from '../../../../common/logger';
import { readResolving, resolveForRead } from './resolver';

const ACCOUNTS = 9;
const SHARDS = 3;
const INITIAL = 100;
const TTL_MS = 3000;
/** gc_life_time of the GC runs: short, so GC reaches everything it is allowed to. */
const GC_LIFE_MS = 100;

/** off: no GC; locksHeld: meta's rule; proxiesOnly: the rule without the shards' locks. */
type GcMode = 'off' | 'locksHeld' | 'proxiesOnly';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const accountKey = (i: number): Buffer => k(`acct${i}`);
const shardOfKey = (key: Buffer): number => Number(key.toString().slice(4)) % SHARDS;
const encode = (n: number): Buffer => Buffer.from(String(n));
const decode = (b: Buffer | undefined): number => (b === undefined ? 0 : Number(b.toString()));

interface TxnLog {
  readonly id: number;
  startTs: Timestamp;
  keys: Buffer[];
  /** The coordinator saw the primary commit succeed (the client was told "committed"). */
  acked: boolean;
  commitTs: Timestamp;
  crashed: boolean;
}

class Sim {
  readonly rand: () => number;
  readonly engines = [0, 1, 2].map(() => new MemEngine());
  readonly indexed = this.engines.map((e) => LockIndexedEngine.over(e, silentLogger()));
  stores: MvccStore[] = [];
  /** Timestamps of running coordinators and readers (what proxies report to meta). */
  readonly active = new Map<number, Timestamp>();
  private nextActive = 0;
  gcRuns = 0;
  clockMs = 1_000_000;
  private lastTs = 0n;
  readonly txns: TxnLog[] = [];
  readonly violations: string[] = [];
  retries = 0;

  constructor(
    readonly seed: number,
    readonly gc: GcMode = 'off',
  ) {
    this.rand = mulberry32(seed);
  }

  /** Registers a running coordinator or reader; returns what ends its registration. */
  running(ts: Timestamp): () => void {
    const id = this.nextActive++;
    this.active.set(id, ts);
    return () => this.active.delete(id);
  }

  /** One GC run on every shard at the safe point the rule allows now. */
  async collect(): Promise<void> {
    let sp = BigInt(this.clockMs - GC_LIFE_MS) << 18n;
    for (const ts of this.active.values()) if (ts < sp) sp = ts;
    if (this.gc === 'locksHeld')
      for (const e of this.indexed) {
        const oldest = e.oldestLock();
        if (oldest !== null && oldest < sp) sp = oldest;
      }
    for (const store of this.stores) {
      await store.updateSafePoint(sp);
      await store.gcPass();
    }
    this.gcRuns++;
  }

  async open(): Promise<void> {
    this.stores = await Promise.all(
      this.indexed.map((engine) => MvccStore.open({ engine, now: () => this.clockMs })),
    );
    const startTs = this.tso();
    for (let s = 0; s < SHARDS; s++) {
      const mutations: Mutation[] = [];
      for (let i = s; i < ACCOUNTS; i += SHARDS)
        mutations.push({ key: accountKey(i), op: 'put', value: encode(INITIAL) });
      const r = await this.stores[s].onePhaseCommit({
        mutations,
        startTs,
        forUpdateTs: 0n,
        commitTs: this.tso(),
      });
      expect(r.kind).to.equal('ok');
    }
  }

  tso(): Timestamp {
    const ts = BigInt(this.clockMs) << 18n;
    this.lastTs = ts > this.lastTs ? ts : this.lastTs + 1n;
    return this.lastTs;
  }

  /** Keeps the oracle above a commit_ts a shard chose (1PC commits above its reads). */
  observe(ts: Timestamp): void {
    if (ts > this.lastTs) this.lastTs = ts;
  }

  storeOf = (key: Buffer): MvccStore => this.stores[shardOfKey(key)];

  /**
   * A client transferring from one account to one or two others, retrying (a new
   * transaction each time, after a pause) when it meets a live lock or a conflict, as
   * an application retries on 55P03/40001.
   */
  async *client(id: number, crashAfter: number): AsyncGenerator<void, void, void> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const outcome = yield* this.transfer(id, crashAfter);
      if (outcome !== 'retry') return;
      this.retries++;
      for (let i = 0; i < 3; i++) yield;
    }
    this.violations.push(`client ${id} never got through`);
  }

  /** One attempt; yields after every RPC. */
  async *transfer(
    id: number,
    crashAfter: number,
  ): AsyncGenerator<void, 'done' | 'retry' | 'crashed', void> {
    const from = Math.floor(this.rand() * ACCOUNTS);
    const legs = 1 + Math.floor(this.rand() * 2);
    const to: number[] = [];
    while (to.length < legs) {
      const t = Math.floor(this.rand() * ACCOUNTS);
      if (t !== from && !to.includes(t)) to.push(t);
    }
    const amount = 1 + Math.floor(this.rand() * 10);
    const log: TxnLog = {
      id,
      startTs: this.tso(),
      keys: [],
      acked: false,
      commitTs: 0n,
      crashed: false,
    };
    this.txns.push(log);
    // Its proxy reports it while it runs; a crash ends the reports (the proxy is gone).
    const stopped = this.running(log.startTs);
    try {
      return yield* this.attempt(log, from, to, amount, crashAfter);
    } finally {
      stopped();
    }
  }

  private async *attempt(
    log: TxnLog,
    from: number,
    to: number[],
    amount: number,
    crashAfter: number,
  ): AsyncGenerator<void, 'done' | 'retry' | 'crashed', void> {
    const id = log.id;
    let steps = 0;
    // Yields after a step; returns true if the coordinator crashes here.
    const step = (): boolean => {
      steps++;
      if (steps === crashAfter) log.crashed = true;
      return log.crashed;
    };
    const keys = [from, ...to].map(accountKey);
    const primary = keys[0];
    const values: number[] = [];
    const abort = async (): Promise<void> => {
      const byShard = this.group(keys);
      for (const [s, ks] of byShard)
        await this.stores[s].rollback({ keys: ks, startTs: log.startTs });
    };

    const pessimistic = this.rand() < 0.5;
    // 1a. Optimistic: read at start_ts; conflicts are found at prewrite.
    for (const key of pessimistic ? [] : keys) {
      values.push(decode(await readResolving(this.storeOf, key, log.startTs, log.startTs)));
      log.keys.push(key);
      yield;
      if (step()) return 'crashed';
    }
    // 1b. Pessimistic: locks key by key (statement time), never waiting (NOWAIT).
    for (const key of pessimistic ? keys : []) {
      let r;
      try {
        r = await this.storeOf(key).acquirePessimisticLock(
          {
            keys: [key],
            primary,
            startTs: log.startTs,
            forUpdateTs: log.startTs,
            ttlMs: TTL_MS,
            returnValues: true,
          },
          { nowait: true },
        );
      } catch {
        await abort(); // 55P03: a live lock; the client retries
        return 'retry';
      }
      if (r.kind === 'locked') {
        // An expired lock (a crashed coordinator's): resolve it for the next one.
        await resolveForRead(this.storeOf, r.locks[0], 0n, []);
        await abort();
        return 'retry';
      }
      if (r.kind !== 'ok') {
        await abort(); // a write conflict (40001 in REPEATABLE READ)
        return 'retry';
      }
      log.keys.push(key);
      values.push(decode(r.values?.[0]));
      yield;
      if (step()) return 'crashed';
    }
    const newValues = [values[0] - amount * to.length, ...values.slice(1).map((x) => x + amount)];
    const mutations: Mutation[] = keys.map((key, i) => ({
      key,
      op: 'put',
      value: encode(newValues[i]),
    }));
    const byShard = this.group(keys);

    // 2a. One shard: 1PC.
    if (byShard.size === 1) {
      const r = await this.storeOf(primary).onePhaseCommit({
        mutations,
        startTs: log.startTs,
        forUpdateTs: pessimistic ? log.startTs : 0n,
        pessimistic: keys.map(() => pessimistic),
        commitTs: this.tso(),
      });
      if (r.kind === 'ok') {
        log.acked = true;
        log.commitTs = r.commitTs;
        this.observe(r.commitTs);
        yield;
        return step() ? 'crashed' : 'done';
      }
      await abort();
      return 'retry';
    }

    // 2b. 2PC: prewrite shard by shard, in any order (TiDB prewrites them in parallel).
    // The commit timestamp's TSO value is taken before the prewrites (the proxy asks for it
    // beside them): commit_ts = max(it, every prewrite's min_commit_ts). Taking it first is
    // the oldest it can be, so readers served in between test the max-read rule.
    // Half the transactions commit as the proxy does (Transaction.twoPhase): the primary's
    // shard is not prewritten but commits its keys by 1PC, which is the commit point; the
    // other half prewrite every shard and commit the primary (the proxy's fallback path).
    const homeOnePhase = this.rand() < 0.5;
    const home = shardOfKey(primary);
    const tsoAtCommitStart = this.tso();
    let minCommitTs = 0n;
    const shards = [...byShard.keys()]
      .filter((s) => !homeOnePhase || s !== home)
      .sort(() => this.rand() - 0.5);
    for (const s of shards) {
      const muts = mutations.filter((m) => shardOfKey(m.key) === s);
      const r = await this.stores[s].prewrite({
        mutations: muts,
        primary,
        startTs: log.startTs,
        ttlMs: TTL_MS,
        forUpdateTs: pessimistic ? log.startTs : 0n,
        pessimistic: muts.map(() => pessimistic),
      });
      if (r.kind === 'locked')
        for (const lock of r.locks) await resolveForRead(this.storeOf, lock, 0n, []);
      if (r.kind !== 'ok') {
        // A conflict, a lock in the way, or our locks expired and someone rolled us
        // back: the transaction fails.
        await abort();
        return 'retry';
      }
      if (r.minCommitTs > minCommitTs) minCommitTs = r.minCommitTs;
      yield;
      if (step()) return 'crashed';
    }
    // 3. Commit the primary: the commit point.
    log.commitTs = tsoAtCommitStart > minCommitTs ? tsoAtCommitStart : minCommitTs;
    if (homeOnePhase) {
      const muts = mutations.filter((m) => shardOfKey(m.key) === home);
      const r = await this.stores[home].onePhaseCommit({
        mutations: muts,
        startTs: log.startTs,
        forUpdateTs: pessimistic ? log.startTs : 0n,
        pessimistic: muts.map(() => pessimistic),
        commitTs: log.commitTs,
      });
      if (r.kind === 'locked')
        for (const lock of r.locks) await resolveForRead(this.storeOf, lock, 0n, []);
      if (r.kind !== 'ok') {
        await abort();
        return 'retry';
      }
      log.commitTs = r.commitTs;
    }
    for (let first = true; !homeOnePhase; first = false) {
      if (!first) log.commitTs = this.tso();
      const r = await this.storeOf(primary).commit({
        keys: [primary],
        startTs: log.startTs,
        commitTs: log.commitTs,
      });
      if (r.kind === 'commitTsExpired') continue;
      if (r.kind !== 'ok') {
        await abort();
        return 'retry';
      }
      break;
    }
    this.observe(log.commitTs);
    log.acked = true;
    yield;
    if (step()) return 'crashed';
    // 4. The secondaries, shard by shard.
    for (const s of shards) {
      const ks = keys.filter(
        (key) => shardOfKey(key) === s && !key.equals(primary) && !(homeOnePhase && s === home),
      );
      if (ks.length === 0) continue;
      const r = await this.stores[s].commit(
        { keys: ks, startTs: log.startTs, commitTs: log.commitTs },
        false, // secondaries: no fsync (the proxy's commitKeys)
      );
      // A resolver may have rolled them forward already: still ok (idempotent).
      if (r.kind !== 'ok') this.violations.push(`txn ${id}: secondary commit failed: ${r.kind}`);
      yield;
      if (step()) return 'crashed';
    }
    return 'done';
  }

  /** A reader: one snapshot, read shard by shard with other steps in between. */
  async *reader(): AsyncGenerator<void, void, void> {
    const ts = this.tso();
    const stopped = this.running(ts);
    try {
      yield* this.readAll(ts);
    } finally {
      stopped();
    }
  }

  private async *readAll(ts: Timestamp): AsyncGenerator<void, void, void> {
    let total = 0;
    for (let s = 0; s < SHARDS; s++) {
      for (let i = s; i < ACCOUNTS; i += SHARDS)
        total += decode(await readResolving(this.storeOf, accountKey(i), ts));
      yield;
    }
    if (total !== ACCOUNTS * INITIAL) this.violations.push(`reader at ${ts} saw total ${total}`);
  }

  group(keys: readonly Buffer[]): Map<number, Buffer[]> {
    const m = new Map<number, Buffer[]>();
    for (const key of keys) {
      const s = shardOfKey(key);
      m.set(s, [...(m.get(s) ?? []), key]);
    }
    return m;
  }
}

async function runSeed(seed: number, transactions: number, gc: GcMode = 'off'): Promise<Sim> {
  const sim = new Sim(seed, gc);
  await sim.open();
  const MAX_STEPS = 7; // 3 locks, 2 prewrites, the primary commit, 1 secondary shard
  const running: Array<AsyncGenerator<void, void, void>> = [];
  let started = 0;
  let readers = 0;
  let ticks = 0;
  while (started < transactions || running.length > 0) {
    if (started < transactions && (running.length < 4 || sim.rand() < 0.2)) {
      // Transaction n crashes after step n mod (MAX_STEPS + 1): 0 means it never does.
      running.push(sim.client(started, started % (MAX_STEPS + 1)));
      started++;
    }
    // With GC, fewer readers: each resolves every lock it meets, which would close most
    // windows in which GC can reach a crashed transaction before anyone resolves it.
    if (sim.rand() < (gc === 'off' ? 0.15 : 0.03)) {
      running.push(sim.reader());
      readers++;
    }
    const i = Math.floor(sim.rand() * running.length);
    const r = await running[i].next();
    if (r.done === true) running.splice(i, 1);
    sim.clockMs += Math.floor(sim.rand() * 60);
    // Now and then everything stalls past the TTL (a GC pause, a slow network): locks of
    // live coordinators expire under them and get resolved by others.
    if (sim.rand() < 0.01) sim.clockMs += TTL_MS + 500;
    if (gc !== 'off' && sim.rand() < 0.25) await sim.collect();
    if (++ticks > 100_000) throw new Error('simulation did not finish');
  }
  expect(readers).to.be.greaterThan(0);

  // Long after every TTL: a final reader resolves whatever the crashes left.
  sim.clockMs += 10 * TTL_MS;
  const finalTs = sim.tso();
  let total = 0;
  for (let i = 0; i < ACCOUNTS; i++)
    total += decode(await readResolving(sim.storeOf, accountKey(i), finalTs));
  if (total !== ACCOUNTS * INITIAL) sim.violations.push(`final total ${total}`);
  // Pessimistic locks of crashed transactions do not stop readers: resolve them too.
  for (let s = 0; s < SHARDS; s++) {
    const { locks } = await sim.stores[s].scanLocks({
      start: Buffer.alloc(0),
      end: null,
      maxTs: finalTs,
      limit: 1000,
    });
    for (const lock of locks) await resolveForRead(sim.storeOf, lock, 0n, []);
    const left = await sim.stores[s].scanLocks({
      start: Buffer.alloc(0),
      end: null,
      maxTs: finalTs,
      limit: 1000,
    });
    if (left.locks.length > 0) sim.violations.push(`shard ${s}: ${left.locks.length} locks left`);
  }
  // All or nothing, per transaction; acknowledged means committed. (Not checkable once GC
  // has dropped shadowed versions: the totals above stand for it then.)
  for (const t of gc === 'off' ? sim.txns : []) {
    const fates = t.keys.map((key) => txnRecord(sim.engines[shardOfKey(key)], key, t.startTs));
    const commits = new Set(
      fates
        .filter((f) => f.kind === 'committed')
        .map((f) => (f.kind === 'committed' ? f.commitTs : 0n)),
    );
    const committedKeys = fates.filter((f) => f.kind === 'committed').length;
    if (committedKeys !== 0 && committedKeys !== t.keys.length) {
      sim.violations.push(`txn ${t.id}: ${committedKeys} of ${t.keys.length} keys committed`);
    }
    if (commits.size > 1)
      sim.violations.push(`txn ${t.id}: keys committed at different timestamps`);
    if (t.acked && committedKeys !== t.keys.length)
      sim.violations.push(`txn ${t.id}: acknowledged but not committed`);
  }
  if (gc === 'proxiesOnly') return sim;
  expect(sim.violations, `seed ${seed}`).to.deep.equal([]);
  // The run exercised what it claims: crashes that left data to resolve, and commits.
  expect(sim.txns.some((t) => t.crashed)).to.equal(true);
  expect(sim.txns.some((t) => t.acked)).to.equal(true);
  if (gc !== 'off') expect(sim.gcRuns).to.be.greaterThan(0);
  return sim;
}

describe('mvcc commit protocol simulation (3 shards, coordinator crashes)', () => {
  const only = process.env.MVCC_SIM_SEED;
  const seeds =
    only !== undefined ? [Number(only)] : Array.from({ length: 40 }, (_, i) => 1000 + i);
  it(`keeps atomicity and snapshot isolation over ${seeds.length} seeds`, async () => {
    for (const seed of seeds) {
      try {
        await runSeed(seed, 40);
      } catch (err) {
        (err as Error).message =
          `seed ${seed} (rerun with MVCC_SIM_SEED=${seed}): ${(err as Error).message}`;
        throw err;
      }
    }
  });

  it(`keeps them with GC running at the safe point, which never passes a shard's oldest lock, over ${seeds.length} seeds`, async () => {
    for (const seed of seeds) {
      try {
        await runSeed(seed, 40, 'locksHeld');
      } catch (err) {
        (err as Error).message =
          `seed ${seed} with GC (rerun with MVCC_SIM_SEED=${seed}): ${(err as Error).message}`;
        throw err;
      }
    }
  });

  it("loses money when the safe point ignores the shards' locks (the hole the rule closes)", async () => {
    if (only !== undefined) return;
    const broken: number[] = [];
    for (const seed of seeds) {
      const sim = await runSeed(seed, 40, 'proxiesOnly');
      if (sim.violations.some((v) => v.includes('total'))) broken.push(seed);
    }
    expect(broken.length, 'seeds in which GC broke a committed transfer').to.be.greaterThan(0);
  });
});
