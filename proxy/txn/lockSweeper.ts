/**
 * Resolves the old locks of the shards meta names (meta/safePoint.ts staleLockShards):
 * locks a dead coordinator left, which hold the GC safe point back until something
 * resolves them. Readers and writers that meet a lock resolve it on their way; a lock on
 * a key nobody touches again would hold GC back forever without this sweep.
 *
 * A sweep scans the shard's ranges for locks started more than a lock TTL ago and hands
 * them to the LockResolver, exactly as a reader meeting them would: roll forward when the
 * primary committed, back when it rolled back or expired, leave a live transaction's
 * locks alone. Every proxy may sweep (resolution is idempotent); each sweeps a shard at
 * most once per minIntervalMs, one sweep at a time. A shard whose sweep left live locks
 * (a long transaction legitimately holding a row: meta names its shard all the while) is
 * swept at doubling intervals, up to MAX_BACKOFF times minIntervalMs, so an idle session
 * holding a lock for hours costs a scan every few minutes, not every few seconds.
 */
import type { Logger } from '../../common/logger';
import type { RangeDescriptor } from '../../common/catalog/schema';
import { tsFromPhysical } from '../../shard/mvcc';
import type { ScanLocksResult } from '../../shard/mvcc';
import type { LockResolver } from './lockResolver';
import type { TxnShardRpc } from './shardGroups';

/** Locks fetched per scan call. */
const SCAN_LIMIT = 1024;
/** Scan-and-resolve rounds per range in one sweep (the next sweep goes on). */
const MAX_ROUNDS = 16;
/** The longest interval between sweeps of one shard, in minIntervalMs. */
const MAX_BACKOFF = 16;

export interface LockSweeperDeps {
  readonly rpc: TxnShardRpc;
  readonly resolver: LockResolver;
  readonly logger: Logger;
  /** Locks younger than this are left to their transactions (default 5 s, a lock TTL). */
  readonly minLockAgeMs?: number;
  /** Least time between two sweeps of one shard by this proxy (default 10 s). */
  readonly minIntervalMs?: number;
  readonly now?: () => number;
}

export class LockSweeper {
  private running: Promise<void> | null = null;
  /** Per shard: when this proxy may sweep it next, and the interval that gave that. */
  private readonly nextSweep = new Map<number, { at: number; intervalMs: number }>();

  constructor(private readonly deps: LockSweeperDeps) {}

  /** Starts a sweep of the shards not swept lately, unless one is running. Never throws. */
  request(shardIds: readonly number[]): void {
    if (this.running !== null) return;
    const now = this.now();
    const due = shardIds.filter((id) => now >= (this.nextSweep.get(id)?.at ?? -Infinity));
    if (due.length === 0) return;
    this.running = this.sweep(due)
      .then(() => undefined)
      .catch((err: unknown) =>
        this.deps.logger.warn({ err: (err as Error).message, shards: due }, 'lock sweep failed'),
      )
      .finally(() => {
        this.running = null;
      });
  }

  /** Resolves for tests: the sweep in progress, if any. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** Scans and resolves the shards' old locks; returns how many locks it handed on. */
  async sweep(shardIds: readonly number[]): Promise<number> {
    const base = this.deps.minIntervalMs ?? 10_000;
    // Scheduled before the work: a sweep that fails is not retried at once either.
    for (const id of shardIds) {
      const intervalMs = this.nextSweep.get(id)?.intervalMs ?? base;
      this.nextSweep.set(id, { at: this.now() + intervalMs, intervalMs });
    }
    await this.deps.rpc.ranges.refresh();
    const maxTs = tsFromPhysical(this.now() - (this.deps.minLockAgeMs ?? 5_000));
    let handled = 0;
    const liveLeft = new Set<number>();
    for (const r of this.deps.rpc.ranges.all) {
      if (!shardIds.includes(r.shardId)) continue;
      const swept = await this.sweepRange(r, maxTs);
      handled += swept.handled;
      if (swept.liveLeft) liveLeft.add(r.shardId);
    }
    for (const id of shardIds) {
      const last = this.nextSweep.get(id);
      const intervalMs = liveLeft.has(id)
        ? Math.min(2 * (last?.intervalMs ?? base), MAX_BACKOFF * base)
        : base;
      this.nextSweep.set(id, { at: this.now() + intervalMs, intervalMs });
    }
    if (handled > 0)
      this.deps.logger.info(
        { shards: shardIds, locks: handled, liveLeft: [...liveLeft] },
        'resolved old locks',
      );
    return handled;
  }

  /** One range's old locks; liveLeft: some belong to transactions still running. */
  private async sweepRange(
    r: RangeDescriptor,
    maxTs: bigint,
  ): Promise<{ handled: number; liveLeft: boolean }> {
    let handled = 0;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      // Routed by the range's first key: a range that split or moved since is found anew.
      const { locks, more } = await this.deps.rpc.onKey<ScanLocksResult>(
        r.startKey,
        'txn.scanLocks',
        { maxTs, limit: SCAN_LIMIT },
      );
      if (locks.length === 0) break;
      // No reader's timestamp: nothing is pushed, live transactions are only reported.
      const outcome = await this.deps.resolver.resolve(locks, 0n);
      handled += locks.length;
      // A rescan would meet the live locks again: leave them to the next sweep.
      if (outcome.mustWait) return { handled, liveLeft: true };
      if (!more) break;
    }
    return { handled, liveLeft: false };
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}
