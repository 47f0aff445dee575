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
 * In memory only, and bounded: a new set (a restart) and a set that overflowed owe one
 * full pass, which puts back every key that still needs a later look.
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
  /** A full pass is owed: the set is new (nothing is known from before a restart) or overflowed. */
  private fullOwed = true;
  /** Times the set overflowed (for logs and tests). */
  overflows = 0;

  constructor(readonly maxKeys: number = DEFAULT_MAX_DIRTY_KEYS) {}

  /** Keys held (tests, stats). */
  get size(): number {
    return this.due.size;
  }

  get fullPassOwed(): boolean {
    return this.fullOwed;
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
    if (this.fullOwed) return; // the owed full pass sees everything written until it starts
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
    if (this.fullOwed) return;
    const had = this.due.get(part);
    if (had !== undefined) {
      if (dueMs < had) this.due.set(part, dueMs);
      return;
    }
    if (this.due.size >= this.maxKeys) {
      // Bounded memory: forget the keys and owe one full pass instead.
      this.due.clear();
      this.fullOwed = true;
      this.overflows++;
      return;
    }
    this.due.set(part, dueMs);
  }

  /** The next pass should cover everything (a range was copied in from another shard). */
  requireFullPass(): void {
    this.due.clear();
    this.fullOwed = true;
  }

  /**
   * Takes the work of one pass at `safePoint`: the due keys in key order, removed from the
   * set (a pass puts back what still needs a later look, through note()), or a full pass
   * (the set restarts empty and records writes from now on). Writes applied after this
   * call are recorded anew; writes applied before it are in every snapshot the pass takes.
   */
  take(safePoint: Timestamp): GcPassPlan {
    if (this.fullOwed) {
      this.fullOwed = false;
      this.due.clear();
      return { full: true };
    }
    const keys: string[] = [];
    const safeMs = physicalMs(safePoint);
    for (const [part, dueMs] of this.due) if (dueMs <= safeMs) keys.push(part);
    for (const part of keys) this.due.delete(part);
    // Default sort compares UTF-16 code units: for latin1 strings, byte order.
    keys.sort();
    return { full: false, keys };
  }
}
