/**
 * MvccStore: the MVCC actions over one KvEngine, as the shard's RPC handlers call them.
 *
 * Write actions run under per-key latches: take the latches of the request's keys, run the
 * pure action against the engine's current state, apply its batch atomically (awaiting the
 * engine's write), release. So an action's check and its write are atomic with respect to
 * every other action on the same keys, although the write itself is asynchronous.
 *
 * Reads run without latches on the current state (point reads) or a snapshot (scans), but
 * first wait for any action in flight on their keys, so a read never misses a commit that
 * was decided before it (see onePhaseCommit.ts on why that matters for 1PC). Every read
 * raises maxReadTs, which 1PC commits and prewrite locks are put above.
 *
 * The GC safe point lives here: reads below it fail with "snapshot too old", and so do new
 * locks of transactions that started below it (their rollback records may be gone).
 */
import type { KvEngine, KvReader } from '../storage/kvEngine';
import { WriteBatch } from '../storage/kvEngine';
import { acquirePessimisticLock } from './actions/acquirePessimisticLock';
import type {
  AcquirePessimisticLockRequest,
  AcquirePessimisticLockResult,
} from './actions/acquirePessimisticLock';
import { checkTxnStatus } from './actions/checkTxnStatus';
import type { CheckTxnStatusRequest, CheckTxnStatusResult } from './actions/checkTxnStatus';
import { commit } from './actions/commit';
import type { CommitRequest, CommitResult } from './actions/commit';
import { gc, gcKeys } from './actions/gc';
import type { Revisit } from './actions/gc';
import { get } from './actions/get';
import type { GetRequest, GetResult } from './actions/get';
import { onePhaseCommit } from './actions/onePhaseCommit';
import type { OnePhaseCommitRequest, OnePhaseCommitResult } from './actions/onePhaseCommit';
import { pessimisticRollback } from './actions/pessimisticRollback';
import type {
  PessimisticRollbackRequest,
  PessimisticRollbackResult,
} from './actions/pessimisticRollback';
import { prewrite } from './actions/prewrite';
import { maxTs } from './txnWrites';
import type { PrewriteRequest, PrewriteResult } from './actions/prewrite';
import { resolveLocks } from './actions/resolveLocks';
import type { ResolveLocksRequest, ResolveLocksResult } from './actions/resolveLocks';
import { rollback } from './actions/rollback';
import type { RollbackRequest, RollbackResult } from './actions/rollback';
import { scan } from './actions/scan';
import type { ScanRequest, ScanResult } from './actions/scan';
import { scanLocks } from './actions/scanLocks';
import type { ScanLocksRequest, ScanLocksResult } from './actions/scanLocks';
import { txnHeartBeat } from './actions/txnHeartBeat';
import { versionStats } from './actions/versionStats';
import type { VersionStatsRequest, VersionStatsResult } from './actions/versionStats';
import type { TxnHeartBeatRequest, TxnHeartBeatResult } from './actions/txnHeartBeat';
import { lockNotAvailableError, lockTimeoutError, snapshotTooOldError } from './errors';
import { GcDirtyKeys } from './gcDirtyKeys';
import { createGcFilter } from './gcFilter';
import type { GcFilter } from './gcFilter';
import { LOCK_PREFIX, metaKey, userKeyOf } from './keys';
import { Latches } from './latches';
import { LockWaiters } from './lockWaiters';
import type { WaitOutcome } from './lockWaiters';
import { lockExpired, lockExpiresAtMs } from './reader';
import type { ActionOutput, Timestamp } from './types';

export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
const SAFE_POINT_KEY = metaKey('gc_safe_point');

export interface MvccStoreOptions {
  readonly engine: KvEngine;
  /** Wall-clock milliseconds, for lock TTLs (default Date.now). */
  readonly now?: () => number;
  readonly waiters?: LockWaiters;
  /** Sync every write batch (default true: a commit acknowledged is on disk). */
  readonly sync?: boolean;
  /**
   * A TSO timestamp taken when the shard starts: reads served before a restart are not
   * remembered, so 1PC commits above this instead (TiKV syncs max_ts from PD the same way).
   */
  readonly initialMaxReadTs?: Timestamp;
  /** Most keys remembered for the next GC pass before it falls back to a full pass. */
  readonly maxGcDirtyKeys?: number;
}

export interface LockWaitOptions {
  /** How long to wait for other transactions' locks (PostgreSQL's lock_timeout); > 0. */
  readonly lockTimeoutMs?: number;
  /** Fail at once with 55P03 instead of waiting (FOR UPDATE NOWAIT). */
  readonly nowait?: boolean;
}

export interface GcOptions {
  readonly start?: Buffer;
  readonly end?: Buffer | null;
  /** Most deletes per write batch (default 1000). */
  readonly batchLimit?: number;
  /** Most entries examined per batch before the pass yields to other work (default 2000). */
  readonly scanLimit?: number;
}

/** What one background pass (MvccStore.gcPass) did. */
export interface GcPassResult {
  /** Over every key of the shard (after a restart, an overflow, a range copied in). */
  readonly full: boolean;
  /** User keys looked at. */
  readonly examined: number;
  /** Entries deleted. */
  readonly deleted: number;
}

type Action<Req, R> = (snap: KvReader, req: Req, nowMs: number) => ActionOutput<R>;

export class MvccStore {
  readonly waiters: LockWaiters;
  private readonly engine: KvEngine;
  private readonly now: () => number;
  private readonly sync: boolean;
  private readonly latches = new Latches();
  private safePointTs: Timestamp;
  private maxRead: Timestamp;
  /** Keys that may hold garbage: the background pass visits these (gcDirtyKeys.ts). */
  readonly gcDirty: GcDirtyKeys;

  private constructor(options: MvccStoreOptions, safePoint: Timestamp) {
    this.engine = options.engine;
    this.now = options.now ?? Date.now;
    this.sync = options.sync ?? true;
    this.waiters = options.waiters ?? new LockWaiters({ now: this.now });
    this.safePointTs = safePoint;
    this.maxRead = options.initialMaxReadTs ?? 0n;
    this.gcDirty = new GcDirtyKeys(options.maxGcDirtyKeys);
  }

  /** Opens the MVCC layer over an engine, loading the persisted GC safe point. */
  static async open(options: MvccStoreOptions): Promise<MvccStore> {
    const raw = options.engine.get(SAFE_POINT_KEY);
    return new MvccStore(options, raw === undefined ? 0n : raw.readBigUInt64BE(0));
  }

  get safePoint(): Timestamp {
    return this.safePointTs;
  }

  /** The highest timestamp a read has been served at (1PC commits above it). */
  get maxReadTs(): Timestamp {
    return this.maxRead;
  }

  // ---- reads ---------------------------------------------------------------------------

  async get(req: GetRequest): Promise<GetResult> {
    this.beginRead(req.ts);
    const id = req.key.toString('latin1');
    if (this.latches.isHeld(id)) await this.waitForLatch(id);
    return get(this.engine, req);
  }

  /** Several point reads at one timestamp (an IN list, a lookup join batch). */
  /**
   * Raises the max read timestamp exactly as a read at `ts` would, so later 1PC commits land
   * above it: a range handed over by another shard brings the reads that shard served.
   */
  raiseMaxReadTs(ts: Timestamp): void {
    this.beginRead(ts);
    // The range's versions were copied in unrecorded (sql.ingest): look at everything.
    this.gcDirty.requireFullPass();
  }

  async batchGet(keys: readonly Buffer[], req: Omit<GetRequest, 'key'>): Promise<GetResult[]> {
    this.beginRead(req.ts);
    for (const key of keys) {
      const id = key.toString('latin1');
      if (this.latches.isHeld(id)) await this.waitForLatch(id);
    }
    return keys.map((key) => get(this.engine, { ...req, key }));
  }

  async scan(req: ScanRequest): Promise<ScanResult> {
    this.beginRead(req.ts);
    await this.waitForLatchesIn(req.start, req.end);
    const snap = this.engine.snapshot();
    try {
      return scan(snap, req);
    } finally {
      snap.release();
    }
  }

  async scanLocks(req: ScanLocksRequest): Promise<ScanLocksResult> {
    const snap = this.engine.snapshot();
    try {
      return scanLocks(snap, req);
    } finally {
      snap.release();
    }
  }

  // ---- transaction actions -------------------------------------------------------------

  /**
   * Locks the keys for a pessimistic transaction, waiting in the keys' queues for other
   * transactions' locks up to lock_timeout. Resolves with the action's result, where
   * 'locked' now only means "the holder's lock expired: resolve it (checkTxnStatus on its
   * primary) and call again". Throws 55P03 on timeout or NOWAIT, 40P01 for a deadlock victim.
   */
  async acquirePessimisticLock(
    req: AcquirePessimisticLockRequest,
    options: LockWaitOptions = {},
  ): Promise<AcquirePessimisticLockResult> {
    this.checkStartTs(req.startTs);
    const deadline = this.now() + (options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
    // The key a release woke this request for (LockWaiters.wakeFirst): unless the retry
    // takes it or waits on it again, the next waiter is owed the wake-up.
    let wokenOn: Buffer | undefined;
    for (;;) {
      let wait: Promise<WaitOutcome> | undefined;
      let waitingOn: Buffer | undefined;
      let until = deadline;
      // Not fsynced: a pessimistic lock lost in a crash is caught by prewrite, which fails
      // with lockNotFound for a key the transaction believes it locked (TiKV makes the same
      // trade with pipelined and in-memory pessimistic locks). Saves an fsync per locked row.
      let result: AcquirePessimisticLockResult | undefined;
      try {
        result = await this.runUnsynced(req.keys, acquirePessimisticLock, req, (r) => {
          // Runs while the latches are held, so the holder's release cannot slip in before
          // this waiter is queued.
          if (r.kind !== 'locked' || options.nowait === true) return;
          const lock = r.locks[0];
          const now = this.now();
          if (lockExpired(lock, now) || now >= deadline) return;
          until = Math.min(deadline, lockExpiresAtMs(lock));
          waitingOn = lock.key;
          wait = this.waiters.wait(req.startTs, lock, until);
        });
      } finally {
        if (
          wokenOn !== undefined &&
          result?.kind !== 'ok' &&
          (waitingOn === undefined || !waitingOn.equals(wokenOn))
        )
          this.waiters.passOn(wokenOn);
        wokenOn = undefined;
      }
      if (result.kind !== 'locked') return result;
      if (wait === undefined) {
        // An expired holder is not a reason to fail, even under NOWAIT: resolve it.
        if (lockExpired(result.locks[0], this.now())) return result;
        throw options.nowait === true ? lockNotAvailableError() : lockTimeoutError();
      }
      // Woken: look again. Timed out at the holder's expiry: look again (it may be
      // resolvable now). Timed out at lock_timeout: give up. A deadlock victim throws.
      const outcome = await wait;
      if (outcome === 'woken') wokenOn = waitingOn;
      if (outcome === 'timedOut' && until >= deadline) throw lockTimeoutError();
    }
  }

  async pessimisticRollback(req: PessimisticRollbackRequest): Promise<PessimisticRollbackResult> {
    return this.run(req.keys, pessimisticRollback, req);
  }

  /**
   * Prewrite; the locks' min_commit_ts is above every read this shard has served (the
   * 1PC max_ts rule again): a transaction may then take its commit_ts from the prewrite
   * answers without a TSO call after them, since a reader that came before the lock has a
   * start_ts below it and one that comes after meets the lock. maxReadTs is read inside the
   * latched section, after every earlier read raised it.
   */
  async prewrite(req: PrewriteRequest): Promise<PrewriteResult> {
    this.checkStartTs(req.startTs);
    return this.run(
      req.mutations.map((m) => m.key),
      (snap, r, nowMs) =>
        prewrite(snap, { ...r, minCommitTs: maxTs(r.minCommitTs ?? 0n, this.maxRead + 1n) }, nowMs),
      req,
    );
  }

  /**
   * Commit. `durable: false` is for a transaction's secondary keys: their commit records
   * need no fsync, since the primary's (synced) record already decides the transaction —
   * a secondary commit lost in a crash leaves its prewrite lock, which the next reader
   * resolves from the primary, exactly as after a coordinator that died before sending it.
   */
  async commit(req: CommitRequest, durable = true): Promise<CommitResult> {
    return this.run(req.keys, commit, req, undefined, durable && this.sync);
  }

  async rollback(req: RollbackRequest): Promise<RollbackResult> {
    return this.run(req.keys, rollback, req);
  }

  async checkTxnStatus(req: CheckTxnStatusRequest): Promise<CheckTxnStatusResult> {
    return this.run([req.primary], checkTxnStatus, req);
  }

  async txnHeartBeat(req: TxnHeartBeatRequest): Promise<TxnHeartBeatResult> {
    return this.run([req.primary], txnHeartBeat, req);
  }

  async resolveLocks(req: ResolveLocksRequest): Promise<ResolveLocksResult> {
    return this.run(req.keys, resolveLocks, req);
  }

  /** 1PC; the result's commitTs is the one used (≥ the request's). */
  async onePhaseCommit(
    req: Omit<OnePhaseCommitRequest, 'maxReadTs'>,
  ): Promise<OnePhaseCommitResult> {
    this.checkStartTs(req.startTs);
    // maxReadTs is read inside the latched section, after every earlier read raised it.
    return this.run(
      req.mutations.map((m) => m.key),
      (snap, r, nowMs) => onePhaseCommit(snap, { ...r, maxReadTs: this.maxRead }, nowMs),
      req,
    );
  }

  // ---- GC ------------------------------------------------------------------------------

  /** Moves the safe point forward (never back) and persists it before anything is dropped. */
  async updateSafePoint(safePoint: Timestamp): Promise<void> {
    if (safePoint <= this.safePointTs) return;
    this.safePointTs = safePoint; // refuse reads below it from now on
    const value = Buffer.allocUnsafe(8);
    value.writeBigUInt64BE(safePoint, 0);
    await this.engine.write(new WriteBatch().put(SAFE_POINT_KEY, value), { sync: this.sync });
  }

  /** The background GC pass over a range at the current safe point; returns deletes made. */
  async gc(options: GcOptions = {}): Promise<number> {
    return (await this.gcRange(options)).deleted;
  }

  /**
   * The background pass at the current safe point: over the keys written since they were
   * last looked at and due now (gcDirtyKeys.ts), or over every key when the set cannot
   * vouch for the rest (a restart, an overflow, a range copied in).
   */
  async gcPass(options: Omit<GcOptions, 'start' | 'end'> = {}): Promise<GcPassResult> {
    const safePoint = this.safePointTs;
    const plan = this.gcDirty.take(safePoint);
    try {
      if (plan.full) return { full: true, ...(await this.gcRange(options)) };
      return { full: false, ...(await this.gcListed(plan.keys, safePoint, options)) };
    } catch (err) {
      // The keys taken and not yet looked at are out of the set: look at everything next.
      this.gcDirty.requireFullPass();
      throw err;
    }
  }

  private async gcListed(
    keys: readonly string[],
    safePoint: Timestamp,
    options: GcOptions,
  ): Promise<{ examined: number; deleted: number }> {
    const limit = options.batchLimit ?? 1000;
    const scanLimit = options.scanLimit ?? 2000;
    let deleted = 0;
    let from = 0;
    while (from < keys.length) {
      const snap = this.engine.snapshot();
      let out;
      try {
        out = gcKeys(snap, { safePoint, keys, from, limit, scanLimit });
      } finally {
        snap.release();
      }
      if (out.writes.length > 0) await this.engine.write(out.writes, { sync: false });
      this.revisit(out.result.revisit);
      deleted += out.result.deleted;
      from = out.result.next;
      if (from < keys.length) await yieldToRequests();
    }
    return { examined: keys.length, deleted };
  }

  private async gcRange(options: GcOptions): Promise<{ examined: number; deleted: number }> {
    const safePoint = this.safePointTs;
    let start = options.start ?? Buffer.alloc(0);
    const end = options.end ?? null;
    const limit = options.batchLimit ?? 1000;
    const scanLimit = options.scanLimit ?? 2000;
    let deleted = 0;
    let examined = 0;
    for (;;) {
      const snap = this.engine.snapshot();
      let out;
      try {
        out = gc(snap, { safePoint, start, end, limit, scanLimit }, this.now());
      } finally {
        snap.release();
      }
      if (out.writes.length > 0) await this.engine.write(out.writes, { sync: false });
      this.revisit(out.result.revisit);
      deleted += out.result.deleted;
      examined += out.result.examined;
      if (out.result.resumeKey === null) return { examined, deleted };
      start = out.result.resumeKey;
      await yieldToRequests();
    }
  }

  /** Keys a pass left with garbage to come go back into the set, due when it comes. */
  private revisit(keys: readonly Revisit[]): void {
    for (const [part, dueTs] of keys) this.gcDirty.noteTs(part, dueTs);
  }

  /** Versions, locks and records held for user keys [start, end) (operators, GC tests). */
  versionStats(req: VersionStatsRequest): VersionStatsResult {
    const snap = this.engine.snapshot();
    try {
      return versionStats(snap, req);
    } finally {
      snap.release();
    }
  }

  /** A compaction filter at the current safe point, for the LSM's compactions. */
  compactionFilter(bottommost: boolean): GcFilter {
    return createGcFilter(this.safePointTs, { bottommost });
  }

  // ---- internals -----------------------------------------------------------------------

  private beginRead(ts: Timestamp): void {
    if (ts < this.safePointTs) throw snapshotTooOldError(ts, this.safePointTs);
    if (ts > this.maxRead) this.maxRead = ts;
  }

  /** New locks of a transaction below the safe point could outlive its GC'd records. */
  private checkStartTs(startTs: Timestamp): void {
    if (startTs < this.safePointTs) throw snapshotTooOldError(startTs, this.safePointTs);
  }

  private async waitForLatch(id: string): Promise<void> {
    const ids = [id];
    await this.latches.acquire(ids);
    this.latches.release(ids);
  }

  private async waitForLatchesIn(start: Buffer, end: Buffer | null): Promise<void> {
    if (this.latches.size === 0) return;
    const inRange: string[] = [];
    for (const id of this.latches.heldIds()) {
      const key = Buffer.from(id, 'latin1');
      if (Buffer.compare(key, start) >= 0 && (end === null || Buffer.compare(key, end) < 0))
        inRange.push(id);
    }
    for (const id of inRange) await this.waitForLatch(id);
  }

  /**
   * Runs a write action under its keys' latches and applies its batch. `whileLatched` sees
   * the result before the latches are released.
   */
  private runUnsynced<Req, R>(
    keys: readonly Buffer[],
    action: Action<Req, R>,
    req: Req,
    whileLatched?: (result: R) => void,
  ): Promise<R> {
    return this.run(keys, action, req, whileLatched, false);
  }

  private async run<Req, R>(
    keys: readonly Buffer[],
    action: Action<Req, R>,
    req: Req,
    whileLatched?: (result: R) => void,
    sync = this.sync,
  ): Promise<R> {
    const ids = Latches.idsOf(keys);
    const pending = this.latches.acquire(ids);
    if (pending !== undefined) await pending;
    let released: Buffer[] = [];
    let result: R;
    try {
      const out = action(this.engine, req, this.now());
      if (out.writes.length > 0) {
        await this.engine.write(out.writes, { sync: sync && this.sync });
        this.gcDirty.noteBatch(out.writes); // after the write: see GcDirtyKeys.take
        released = releasedKeys(out.writes);
      }
      result = out.result;
      whileLatched?.(result);
    } finally {
      this.latches.release(ids);
    }
    if (released.length > 0) this.waiters.wakeFirst(released);
    return result;
  }
}

/** Lets requests in between batches: a GC pass is background work. */
function yieldToRequests(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** User keys whose lock the batch deletes: their waiters retry. */
function releasedKeys(batch: WriteBatch): Buffer[] {
  const keys: Buffer[] = [];
  for (const op of batch.ops)
    if (op.type === 'del' && op.key[0] === LOCK_PREFIX) keys.push(userKeyOf(op.key, 0));
  return keys;
}
