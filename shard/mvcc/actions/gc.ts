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
   * Most entries looked at in one call (default: no bound). The pass runs on the shard's
   * only thread, so an unbounded scan of a large, mostly clean range stalls every request.
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
  try {
    let lastPart: Buffer | undefined;
    let scanned = 0;
    const scanLimit = req.scanLimit ?? Infinity;
    for (let e = it.next(); e !== undefined; e = it.next()) {
      const part = e[0].subarray(0, e[0].length - 8);
      const full = writes.length >= req.limit || scanned >= scanLimit;
      scanned++;
      if (full && (lastPart === undefined || !part.equals(lastPart))) {
        resumeData = userKeyOf(e[0], 8);
        break;
      }
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
