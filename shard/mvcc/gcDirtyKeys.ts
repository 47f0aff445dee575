/**
 * The user keys that may hold MVCC garbage, so the background GC pass visits those instead
 * of every key of the shard (a full pass over 200 000 pgbench rows cost a third of a busy
 * shard's CPU although TPC-B writes a few hundred keys a second).
 *
 * Each entry is a key with the earliest safe point at which a pass could delete something
 * of it (its "due" time): GC deletes nothing of a key until the safe point reaches one of
 * its versions (gcFilter.ts), so a key written at commit_ts c waits until the safe point
 * is ≥ c, and a rollback record of start_ts s until it is > s. A pass examines the keys
 * that are due, and puts back those that will hold garbage later with their next due time
 * (actions/gc.ts computes it); a key left with one live version leaves the set.
 *
 * Due times are the physical milliseconds of those timestamps (rounded down: a key is at
 * worst looked at a little early, never late), as plain numbers: no BigInt per commit.
 *
 * Keys are named by their escaped form esc(k) (keys.ts) as a latin1 string: the bytes of a
 * `d`/`w` engine key between the family byte and the timestamp. Code-unit order of those
 * strings is byte order of esc(k), which is the order of the user keys.
 *
 * In memory only, and bounded. A new set (a restart) owes a full pass at once, which puts
 * back every key that still needs a later look. A key that does not fit is not dropped
 * silently: it owes a full pass from its due time on (the earliest such time is kept), so
 * a set that overflows costs one full pass when the safe point reaches the first key it
 * could not hold, not one per pass. (Under pgbench the primary-key build rewrites all
 * 200 000 rows: forgetting them and passing over everything at once was followed by a full
 * pass's worth of keys to revisit, an overflow, and a full pass at every pass.)
 */
import type { WriteBatch } from '../storage/kvEngine';
import { DATA_PREFIX, WRITE_PREFIX, physicalMs } from './keys';
import type { Timestamp } from './types';

export const DEFAULT_MAX_DIRTY_KEYS = 200_000;

/** What one background pass should visit. */
export type GcPassPlan =
  { readonly full: true } | { readonly full: false; readonly keys: readonly string[] };

export class GcDirtyKeys {
  private readonly due = new Map<string, number>();
  /**
   * A full pass is owed once the safe point's physical ms reaches this: -Infinity at once
   * (nothing is known from before a restart, or a range was copied in), the due time of
   * the earliest key that did not fit, or Infinity (no full pass owed).
   */
  private fullAtMs = -Infinity;
  /** Times the set overflowed (a key did not fit while no full pass was owed; logs, tests). */
  overflows = 0;

  constructor(readonly maxKeys: number = DEFAULT_MAX_DIRTY_KEYS) {}

  /** Keys held (tests, stats). */
  get size(): number {
    return this.due.size;
  }

  /** The safe point (physical ms) from which a full pass is owed; Infinity: none. */
  get fullPassAtMs(): number {
    return this.fullAtMs;
  }

  /** The due time (physical ms) held for `part`, if any (tests). */
  dueMsOf(part: string): number | undefined {
    return this.due.get(part);
  }

  /**
   * Records the `d` and `w` entries an applied batch wrote. Called on every commit: O(1)
   * per entry, no decoding beyond the key's timestamp. Must run after the batch is applied
   * (see take()). Deletes need no record: a delete of a `d`/`w` entry is GC's own, or a
   * dropped range's.
   */
  noteBatch(batch: WriteBatch): void {
    if (this.fullAtMs === -Infinity) return; // the full pass due next sees all of it
    const ops = batch.ops;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      if (op.type !== 'put') continue;
      const key = op.key;
      const family = key[0];
      if ((family !== DATA_PREFIX && family !== WRITE_PREFIX) || key.length < 11) continue;
      // ^ts in the last 8 bytes (FORMAT.md): ts = ~^ts, physical ms = ts >> 18 (keys.ts).
      // A `d` version can shadow older ones once the safe point reaches it, a `w` record
      // goes once the safe point passes it: both due at the ts's millisecond.
      const at = key.length - 8;
      const hi = ~key.readUInt32BE(at) >>> 0;
      const lo = ~key.readUInt32BE(at + 4) >>> 0;
      this.note(key.toString('latin1', 1, at), hi * 16_384 + (lo >>> 18));
    }
  }

  /** `part` (esc(k) as latin1) may hold garbage once the safe point reaches `dueTs`. */
  noteTs(part: string, dueTs: Timestamp): void {
    this.note(part, physicalMs(dueTs));
  }

  /** `part` may hold garbage once the safe point's physical ms is ≥ `dueMs`. */
  note(part: string, dueMs: number): void {
    if (dueMs >= this.fullAtMs) return; // the owed full pass comes first and sees the key
    const had = this.due.get(part);
    if (had !== undefined) {
      if (dueMs < had) this.due.set(part, dueMs);
      return;
    }
    if (this.due.size >= this.maxKeys) {
      // Bounded memory: a full pass, once the safe point gets there, stands for the key.
      if (this.fullAtMs === Infinity) this.overflows++;
      this.fullAtMs = dueMs;
      return;
    }
    this.due.set(part, dueMs);
  }

  /** The next pass should cover everything (a range was copied in from another shard). */
  requireFullPass(): void {
    this.due.clear();
    this.fullAtMs = -Infinity;
  }

  /**
   * Takes the work of one pass at `safePoint`: the due keys in key order, removed from the
   * set (a pass puts back what still needs a later look, through note()), or a full pass
   * (the set restarts empty and records writes from now on). Writes applied after this
   * call are recorded anew; writes applied before it are in every snapshot the pass takes.
   */
  take(safePoint: Timestamp): GcPassPlan {
    const safeMs = physicalMs(safePoint);
    if (this.fullAtMs <= safeMs) {
      this.fullAtMs = Infinity;
      this.due.clear();
      return { full: true };
    }
    const keys: string[] = [];
    for (const [part, dueMs] of this.due) if (dueMs <= safeMs) keys.push(part);
    for (const part of keys) this.due.delete(part);
    // Default sort compares UTF-16 code units: for latin1 strings, byte order.
    keys.sort();
    return { full: false, keys };
  }
}
