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
 */
import type { Logger } from '../common/logger';

/** `physical_ms << 18` (meta/tso.ts). */
const LOGICAL_BITS = 18n;

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
}

export class SafePointKeeper {
  private readonly reports = new Map<string, { oldest: bigint | null; at: number }>();
  /** When this node was first seen leading (null: not leading at the last tick). */
  private leaderSince: number | null = null;

  constructor(private readonly deps: SafePointDeps) {}

  /** A proxy's oldest active start_ts (null: it has none). */
  report(proxy: string, oldest: bigint | null): void {
    this.reports.set(proxy, { oldest, at: this.deps.now() });
  }

  /** The safe point the rule allows now. */
  candidate(): bigint {
    const now = this.deps.now();
    let candidate = BigInt(Math.max(0, now - this.deps.lifeTimeMs)) << LOGICAL_BITS;
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
    return candidate;
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
    if (next > this.deps.current()) {
      await this.deps.propose(next);
      this.deps.logger.debug({ safePoint: String(next) }, 'GC safe point advanced');
    }
  }
}
