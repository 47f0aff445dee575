/**
 * MVCC garbage collection as a filter over engine entries in key order: the LSM calls it
 * from its compaction worker for every entry it rewrites, and the background GC pass
 * (actions/gc.ts) runs the same rule over a range. Entries must be fed in ascending key
 * order (a compaction's output order); the filter keeps a little state between calls.
 *
 * Rules (DESIGN.md "Safe-point GC"), for a safe point S (no reader will ever use a
 * timestamp below S; MvccStore refuses them):
 *   - `d`: for each user key, every version above S is kept, and so is the newest version
 *     at or below S (it is what a read at S sees); the older ones are shadowed: dropped.
 *     If that newest version at or below S is a delete, it is dropped too — but only when
 *     `bottommost`: in an LSM compaction above the last level an older version of the key
 *     may live in a lower level outside this compaction, and dropping the tombstone would
 *     resurrect it. (A real delete in the background pass is bottommost by nature.)
 *   - `w`: rollback and lock-only commit records of transactions that started below S
 *     are dropped (no request of such a transaction is accepted any more).
 *   - everything else (locks, metadata, other prefixes) is kept.
 *
 * Pure module: imports nothing but ./keys and ./records (node built-ins only), so the
 * compaction worker thread can load it.
 */
import { DATA_PREFIX, WRITE_PREFIX, tsOfKey } from './keys';
import { VERSION_DELETE } from './records';

export interface GcFilterOptions {
  /** The entries are the last copy of their keys (bottom level, or a real delete pass). */
  readonly bottommost: boolean;
}

/** Decides, entry by entry in key order, whether to keep it. */
export interface GcFilter {
  keep(key: Buffer, value: Buffer): boolean;
}

export function createGcFilter(safePoint: bigint, options: GcFilterOptions): GcFilter {
  // The key part (family + esc(userKey)) of the current `d` group, and whether the
  // newest version at or below the safe point has been seen for it.
  let group: Buffer | undefined;
  let sawVisible = false;
  return {
    keep(key: Buffer, value: Buffer): boolean {
      const family = key[0];
      if (family === WRITE_PREFIX) return key.length < 9 || tsOfKey(key) >= safePoint;
      if (family !== DATA_PREFIX || key.length < 9) return true;
      const partLength = key.length - 8;
      if (
        group === undefined ||
        group.length !== partLength ||
        key.compare(group, 0, partLength, 0, partLength) !== 0
      ) {
        group = Buffer.from(key.subarray(0, partLength));
        sawVisible = false;
      }
      if (tsOfKey(key) > safePoint) return true;
      if (sawVisible) return false;
      sawVisible = true;
      return !(options.bottommost && value[0] === VERSION_DELETE);
    },
  };
}
