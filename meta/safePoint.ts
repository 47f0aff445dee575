/**
 * The GC safe point (DESIGN.md "Safe-point GC"): every proxy reports the oldest start_ts
 * it still uses; the leader sets safe_point = min(oldest reported, now − gc_life_time)
 * and never moves it backwards (the state machine keeps the max as well).
 *
 * Why a transaction begun after its proxy's last report is safe: its start_ts comes from
 * the TSO, so it is at least "now", above now − gc_life_time. A proxy that stops
 * reporting (dead, or cut off) is forgotten after reportTtlMs; if it is in fact alive,
 * its old snapshots then read below the safe point and get "snapshot too old" — refused,
 * never answered wrongly.
 *
 * Shards report the start_ts of the oldest lock they hold with every heartbeat
 * (shard/lockIndex.ts), and the safe point never passes it either: a dead proxy's
 * half-committed transaction is finished from its primary's commit record, which GC
 * could otherwise drop. A shard's report stands until the shard replaces it — a shard
 * that is down cannot take new locks, and its old ones still need their records — and a
 * new leader moves nothing until every registered shard has reported to it. So a shard
 * that stays down holds GC back (logged) rather than risk a half-visible transaction.
 * Shards whose oldest lock is older than staleLockMs are named to proxies, which resolve
 * those locks (proxy/txn/lockSweeper.ts); otherwise only a reader meeting them would.
 */
import type { Logger } from '../common/logger';
import { timestampAt } from './tso';

export interface SafePointDeps {
  readonly now: () => number;
  readonly lifeTimeMs: number;
  readonly reportTtlMs: number;
  readonly current: () => bigint;
  readonly isLeader: () => boolean;
  readonly propose: (ts: bigint) => Promise<unknown>;
  readonly logger: Logger;
  /**
   * How long a new leader listens before it first advances the safe point (default 0).
   * Reports live only in the leader's memory: a leader that has heard from no proxy yet
   * would compute now − gc_life_time and pass a transaction older than that which a proxy
   * is about to report (its previous leader knew). At least one report interval.
   */
  readonly leaderWarmupMs?: number;
  /** Ids of the registered shards: each must have reported before the safe point moves. */
  readonly shards: () => readonly number[];
  /**
   * The Raft term: shard reports count only in the term they were heard in (heartbeats go
   * to the leader, so one heard in an earlier term of this node may be long stale).
   */
  readonly term: () => number;
  /** A lock older than this is worth a sweep (default 20 s: lock TTLs are seconds). */
  readonly staleLockMs?: number;
}

/** How often the same "held back" warning may be logged. */
const WARN_EVERY_MS = 60_000;
/** A registered shard unheard this long (in this term) is worth a warning. */
const UNHEARD_WARN_MS = 10_000;

export class SafePointKeeper {
  private readonly reports = new Map<string, { oldest: bigint | null; at: number }>();
  /** When this node was first seen leading (null: not leading at the last tick). */
  private leaderSince: number | null = null;
  /** Each shard's oldest lock (null: none), as last heard while this node leads. */
  private readonly shardLocks = new Map<
    number,
    { oldest: bigint | null; at: number; term: number }
  >();
  private readonly lastWarned = new Map<string, number>();
  /** Since when a registered shard has been found without a report in this term. */
  private readonly unheardSince = new Map<number, number>();

  constructor(private readonly deps: SafePointDeps) {}

  /** A proxy's oldest active start_ts (null: it has none). */
  report(proxy: string, oldest: bigint | null): void {
    this.reports.set(proxy, { oldest, at: this.deps.now() });
  }

  /** A shard's oldest held lock (null: it holds none), from its heartbeat. */
  reportShard(shardId: number, oldestLock: bigint | null): void {
    this.unheardSince.delete(shardId);
    this.shardLocks.set(shardId, {
      oldest: oldestLock,
      at: this.deps.now(),
      term: this.deps.term(),
    });
  }

  /** Shards holding a lock older than staleLockMs: their locks are due for resolution. */
  staleLockShards(): number[] {
    const limit = timestampAt(this.deps.now() - (this.deps.staleLockMs ?? 20_000));
    const out: number[] = [];
    const term = this.deps.term();
    for (const [id, r] of this.shardLocks)
      if (r.term === term && r.oldest !== null && r.oldest < limit) out.push(id);
    return out;
  }

  /** The safe point the rule allows now; null while a registered shard has not reported. */
  candidate(): bigint | null {
    const now = this.deps.now();
    const term = this.deps.term();
    for (const id of this.deps.shards()) {
      if (this.shardLocks.get(id)?.term !== term) {
        // A shard just registered reports within a heartbeat: only a long silence is news.
        const since = this.unheardSince.get(id) ?? now;
        this.unheardSince.set(id, since);
        if (now - since < UNHEARD_WARN_MS) return null;
        this.warnOnce(
          `unreported:${id}`,
          { shardId: id },
          'GC safe point held: a registered shard has not reported its locks to this leader (down?)',
        );
        return null;
      }
    }
    let candidate = timestampAt(now - this.deps.lifeTimeMs);
    for (const [proxy, r] of this.reports) {
      if (now - r.at > this.deps.reportTtlMs) {
        this.reports.delete(proxy);
        this.deps.logger.warn(
          { proxy },
          'proxy stopped reporting its active transactions; no longer holding the GC safe point for it',
        );
        continue;
      }
      if (r.oldest !== null && r.oldest < candidate) candidate = r.oldest;
    }
    for (const [shardId, r] of this.shardLocks) {
      if (r.term !== term || r.oldest === null || r.oldest >= candidate) continue;
      candidate = r.oldest;
      if (now - r.at > this.deps.reportTtlMs)
        this.warnOnce(
          `silent:${shardId}`,
          { shardId, oldestLock: String(r.oldest), silentMs: now - r.at },
          'GC safe point held at the oldest lock of a shard that stopped reporting',
        );
    }
    return candidate;
  }

  private warnOnce(what: string, fields: Record<string, unknown>, message: string): void {
    const now = this.deps.now();
    const last = this.lastWarned.get(what);
    if (last !== undefined && now - last < WARN_EVERY_MS) return;
    this.lastWarned.set(what, now);
    this.deps.logger.warn(fields, message);
  }

  /** On the leader: advance the safe point if the rule allows. */
  async tick(): Promise<void> {
    if (!this.deps.isLeader()) {
      this.leaderSince = null;
      return;
    }
    const now = this.deps.now();
    this.leaderSince ??= now;
    if (now - this.leaderSince < (this.deps.leaderWarmupMs ?? 0)) return;
    const next = this.candidate();
    if (next !== null && next > this.deps.current()) {
      await this.deps.propose(next);
      this.deps.logger.debug({ safePoint: String(next) }, 'GC safe point advanced');
    }
  }
}
