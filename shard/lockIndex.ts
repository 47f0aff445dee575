/**
 * The start_ts of every lock this shard holds, counted as locks are written and removed,
 * so the shard can tell meta its oldest lock on every heartbeat (meta/safePoint.ts).
 *
 * Why GC needs it: a coordinator that dies after committing its primary but before its
 * secondaries leaves locks that only the primary's commit record can roll forward. Were
 * the safe point to pass that transaction, GC could drop the record (shadowed by a later
 * write of the primary key) and a resolver would then roll the secondaries back: half a
 * committed transaction. Proxies report only the transactions they still run; a dead
 * proxy's locks are held here. TiDB's GC worker resolves every lock below the new safe
 * point by a cluster-wide scan before it moves; a counted index makes the check a
 * heartbeat field instead, and the scan happens only when a lock is found to be old.
 *
 * A decorator of the engine beneath every writer of the lock family (the MVCC store
 * through the write fence, range copy-in, TRUNCATE's span delete): counts per start_ts,
 * so memory follows the number of transactions holding locks, not the number of locks
 * (a COPY prewrites millions). A lock write reads the key's current lock first — the
 * engine's, or the value an earlier write still in flight will leave — and moves the
 * count from its start_ts to the new one when the write is handed to the engine, in the
 * engine's apply order. A write that fails leaves the counts unknown: they are rebuilt
 * by a scan of the lock family before the next answer.
 */
import type { Logger } from '../common/logger';
import type { KvEngine, WriteBatch, WriteOptions } from './storage/kvEngine';
import { ForwardingEngine } from './storage/forwardingEngine';
import { LOCK_PREFIX } from './mvcc/keys';
import { lockStartTs } from './mvcc/records';

/** A lock key's value once a write handed to the engine is applied (null: deleted). */
interface PendingLock {
  readonly value: Buffer | null;
}

export class LockIndexedEngine extends ForwardingEngine {
  /** Locks held per start_ts, counting writes handed to the engine and not yet applied. */
  private readonly counts = new Map<bigint, number>();
  /** Lock keys (latin1) with a write in flight: the value it leaves. */
  private readonly pending = new Map<string, PendingLock>();
  private countsUnknown = false;

  private constructor(
    inner: KvEngine,
    private readonly logger: Logger,
  ) {
    super(inner);
    this.rebuild();
  }

  /** Indexes the locks already in the engine (one scan of the lock family). */
  static over(inner: KvEngine, logger: Logger): LockIndexedEngine {
    return new LockIndexedEngine(inner, logger);
  }

  /** The smallest start_ts among the locks held (null: none). */
  oldestLock(): bigint | null {
    if (this.countsUnknown) this.rebuild();
    let oldest: bigint | null = null;
    for (const ts of this.counts.keys()) if (oldest === null || ts < oldest) oldest = ts;
    return oldest;
  }

  /** Locks held (for status and tests). */
  get lockCount(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  override write(batch: WriteBatch, options?: WriteOptions): Promise<void> {
    let touched: Array<[string, PendingLock]> | undefined;
    for (const op of batch.ops) {
      if (op.key[0] !== LOCK_PREFIX) continue;
      const id = op.key.toString('latin1');
      const inFlight = this.pending.get(id);
      const before = inFlight !== undefined ? inFlight.value : (this.inner.get(op.key) ?? null);
      const after = op.type === 'put' ? op.value : null;
      if (before !== null) this.add(lockStartTs(before), -1);
      if (after !== null) this.add(lockStartTs(after), 1);
      const entry: PendingLock = { value: after };
      this.pending.set(id, entry);
      (touched ??= []).push([id, entry]);
    }
    const written = this.inner.write(batch, options);
    if (touched === undefined) return written;
    const settled = (): void => {
      for (const [id, entry] of touched)
        if (this.pending.get(id) === entry) this.pending.delete(id);
    };
    written.then(settled, (err: unknown) => {
      settled();
      this.countsUnknown = true;
      this.logger.warn(
        { err: (err as Error).message },
        'a write of locks failed; the lock index is rebuilt before its next use',
      );
    });
    return written;
  }

  private add(ts: bigint, delta: number): void {
    const n = (this.counts.get(ts) ?? 0) + delta;
    if (n > 0) this.counts.set(ts, n);
    else this.counts.delete(ts);
  }

  /** Counts from the engine's lock family, then the writes still in flight on top. */
  private rebuild(): void {
    this.counts.clear();
    const it = this.inner.iterator({
      gte: Buffer.from([LOCK_PREFIX]),
      lt: Buffer.from([LOCK_PREFIX + 1]),
    });
    try {
      for (let e = it.next(); e !== undefined; e = it.next()) this.add(lockStartTs(e[1]), 1);
    } finally {
      it.close();
    }
    for (const [id, p] of this.pending) {
      const before = this.inner.get(Buffer.from(id, 'latin1'));
      if (before !== undefined) this.add(lockStartTs(before), -1);
      if (p.value !== null) this.add(lockStartTs(p.value), 1);
    }
    this.countsUnknown = false;
  }
}
