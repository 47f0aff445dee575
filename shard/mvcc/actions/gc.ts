/**
 * The background GC pass over user keys [start, end): runs the compaction filter's rule
 * (gcFilter.ts) over the `d` and `w` families and deletes what it drops, at most `limit`
 * deletes per call (the caller continues from resumeKey). Needs no latches: it only
 * deletes versions no reader at or above the safe point can see, and records of
 * transactions below it, which no action accepts any more.
 */
import { WriteBatch } from '../../storage/kvEngine';
import type { KvReader } from '../../storage/kvEngine';
import { createGcFilter } from '../gcFilter';
import { DATA_PREFIX, WRITE_PREFIX, familyBounds, tsOfKey, userKeyOf } from '../keys';
import type { ActionOutput, Timestamp } from '../types';

export interface GcRequest {
  readonly safePoint: Timestamp;
  readonly start: Buffer;
  readonly end: Buffer | null;
  /** Most deletes in one batch. */
  readonly limit: number;
  /**
   * Most entries examined in one call (default: no limit). Without it a pass over a large
   * range with little to delete ran as one synchronous loop over every version, holding
   * the shard's event loop for seconds (1M pgbench rows: RPCs timed out behind it).
   */
  readonly scanLimit?: number;
}

export interface GcResult {
  readonly deleted: number;
  /** Where to continue (a user key), or null when the range is done. */
  readonly resumeKey: Buffer | null;
}

export function gc(snap: KvReader, req: GcRequest, _nowMs: number): ActionOutput<GcResult> {
  const writes = new WriteBatch();
  let resumeKey: Buffer | null = null;
  // The `d` family first; stop at a user-key boundary once the batch is full, so a key's
  // versions are judged in one pass (the filter needs to see the newest ones first).
  const filter = createGcFilter(req.safePoint, { bottommost: true });
  let it = snap.iterator(familyBounds(DATA_PREFIX, req.start, req.end));
  let resumeData: Buffer | null = null;
  const scanLimit = req.scanLimit ?? Infinity;
  let examined = 0;
  try {
    let lastPart: Buffer | undefined;
    for (let e = it.next(); e !== undefined; e = it.next()) {
      const part = e[0].subarray(0, e[0].length - 8);
      if (
        (writes.length >= req.limit || examined >= scanLimit) &&
        (lastPart === undefined || !part.equals(lastPart))
      ) {
        resumeData = userKeyOf(e[0], 8);
        break;
      }
      examined++;
      lastPart = part;
      if (!filter.keep(e[0], e[1])) writes.del(e[0]);
    }
  } finally {
    it.close();
  }
  // Then the `w` family over the same span of user keys.
  it = snap.iterator(familyBounds(WRITE_PREFIX, req.start, resumeData ?? req.end));
  try {
    for (let e = it.next(); e !== undefined; e = it.next()) {
      if (++examined > 2 * scanLimit) {
        resumeKey = userKeyOf(e[0], 8);
        break;
      }
      if (tsOfKey(e[0]) < req.safePoint) {
        if (writes.length >= 2 * req.limit) {
          // Too many records: resume at this key (versions below it are already done).
          resumeKey = userKeyOf(e[0], 8);
          break;
        }
        writes.del(e[0]);
      }
    }
  } finally {
    it.close();
  }
  return { writes, result: { deleted: writes.length, resumeKey: resumeKey ?? resumeData } };
}
