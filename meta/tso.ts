/**
 * The timestamp oracle (DESIGN.md "Transactions"): timestamps are
 * `physical_ms << 18 | logical`, strictly increasing for the life of the cluster.
 *
 * Across restarts and leader changes: the leader only hands out timestamps whose
 * physical part is below a high-water mark persisted through the meta log. A new leader
 * starts above the last persisted mark, so it can never repeat a timestamp its
 * predecessor handed out, whatever the clocks say.
 */
export const LOGICAL_BITS = 18n;
const LOGICAL_LIMIT = 1 << 18;
/** How far ahead of the clock the persisted mark runs. */
const HIGH_WATER_AHEAD_MS = 3000;
/** Renew the mark when less than this remains. */
const HIGH_WATER_RENEW_MS = 1000;

export interface TsoDeps {
  now(): number;
  /** The persisted high-water mark (physical ms). */
  highWater(): number;
  /** Persists a new mark durably (through the log) and resolves once it is. */
  persistHighWater(physicalMs: number): Promise<void>;
  /**
   * Throws unless this oracle may hand out a timestamp right now (e.g. it still holds a
   * leader lease). Called synchronously just before each allocation, after the last await.
   */
  assertServing?(): void;
}

export class TimestampOracle {
  private physical = 0;
  private logical = 0;
  private renewing: Promise<void> | null = null;

  constructor(private readonly deps: TsoDeps) {}

  /** Call when becoming leader: continue strictly above anything ever handed out. */
  async start(): Promise<void> {
    this.physical = Math.max(this.deps.now(), this.deps.highWater());
    this.logical = 0;
    await this.deps.persistHighWater(this.physical + HIGH_WATER_AHEAD_MS);
  }

  /**
   * The first of `count` consecutive timestamps: synchronously when the persisted mark
   * allows (the hot path: no promise), else once a renewed mark is persisted.
   */
  next(count = 1): bigint | Promise<bigint> {
    if (count < 1 || count >= LOGICAL_LIMIT) throw new RangeError(`bad timestamp count ${count}`);
    return this.allocate(count) ?? this.nextAfterRenewal(count);
  }

  private async nextAfterRenewal(count: number): Promise<bigint> {
    for (;;) {
      await this.renew();
      const ts = this.allocate(count);
      if (ts !== null) return ts;
    }
  }

  /**
   * Allocates `count` timestamps if they lie below the persisted mark, else returns null.
   * Check and allocation are one synchronous step, so callers resuming from the same
   * renewal never see a stale logical counter.
   */
  private allocate(count: number): bigint | null {
    const now = this.deps.now();
    if (now > this.physical) {
      this.physical = now;
      this.logical = 0;
    }
    if (this.logical + count >= LOGICAL_LIMIT) {
      // The logical space of this millisecond is used up: borrow the next millisecond.
      this.physical++;
      this.logical = 0;
    }
    const highWater = this.deps.highWater();
    if (this.physical >= highWater) return null;
    this.deps.assertServing?.();
    // Renew ahead of need; a failure here is not lost: the next caller that needs the
    // mark awaits renew() itself and sees the error.
    if (this.physical + HIGH_WATER_RENEW_MS >= highWater) void this.renew().catch(() => undefined);
    const ts = (BigInt(this.physical) << LOGICAL_BITS) | BigInt(this.logical);
    this.logical += count;
    return ts;
  }

  private renew(): Promise<void> {
    if (!this.renewing) {
      this.renewing = this.deps
        .persistHighWater(Math.max(this.deps.now(), this.physical) + HIGH_WATER_AHEAD_MS)
        .finally(() => {
          this.renewing = null;
        });
    }
    return this.renewing;
  }
}

export function physicalOf(ts: bigint): number {
  return Number(ts >> LOGICAL_BITS);
}

/** The smallest timestamp at physical time `ms` (0 for a time before the epoch). */
export function timestampAt(ms: number): bigint {
  return BigInt(Math.max(0, ms)) << LOGICAL_BITS;
}
