/**
 * The background GC pass: runs the compaction filter's rule (gcFilter.ts) over the `d` and
 * `w` families and deletes what it drops, either over user keys [start, end) (gc: a full
 * pass, at most `limit` deletes per call, the caller continues from resumeKey) or over a
 * list of keys that may hold garbage (gcKeys: the usual pass, see gcDirtyKeys.ts). Needs
 * no latches: it only deletes versions no reader at or above the safe point can see, and
 * records of transactions below it, which no action accepts any more.
 *
 * Both also say which keys will hold garbage later, and from when (`revisit`): a key whose
 * kept versions number two or more (the older ones are shadowed once the safe point
 * reaches the second oldest), whose oldest kept version is a tombstone (dropped once the
 * safe point reaches it), or that keeps a `w` record (dropped once the safe point passes
 * its start_ts). A key left with one put version, or nothing, needs no later look.
 */
import { WriteBatch } from '../../storage/kvEngine';
import type { KvReader } from '../../storage/kvEngine';
import { createGcFilter } from '../gcFilter';
import type { GcFilter } from '../gcFilter';
import { DATA_PREFIX, WRITE_PREFIX, familyBounds, keyPartOf, tsOfKey, userKeyOf } from '../keys';
import { VERSION_DELETE } from '../records';
import type { ActionOutput, Timestamp } from '../types';

/** A key (esc(k) as latin1, gcDirtyKeys.ts) and the safe point from which GC has work on it. */
export type Revisit = readonly [part: string, dueTs: Timestamp];

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
  /** User keys with `d` versions looked at. */
  readonly examined: number;
  /** Keys that will hold garbage later (a key may appear twice: take the smaller ts). */
  readonly revisit: Revisit[];
}

export function gc(snap: KvReader, req: GcRequest, _nowMs: number): ActionOutput<GcResult> {
  const writes = new WriteBatch();
  const revisit: Revisit[] = [];
  let resumeKey: Buffer | null = null;
  // The `d` family first; stop at a user-key boundary once the batch is full, so a key's
  // versions are judged in one pass (the filter needs to see the newest ones first).
  const filter = createGcFilter(req.safePoint, { bottommost: true });
  const due = new KeptVersions();
  let it = snap.iterator(familyBounds(DATA_PREFIX, req.start, req.end));
  let resumeData: Buffer | null = null;
  const scanLimit = req.scanLimit ?? Infinity;
  let examined = 0;
  let keys = 0;
  try {
    let lastPart: Buffer | undefined;
    for (let e = it.next(); e !== undefined; e = it.next()) {
      const part = e[0].subarray(0, e[0].length - 8);
      if (lastPart === undefined || !part.equals(lastPart)) {
        if (writes.length >= req.limit || examined >= scanLimit) {
          resumeData = userKeyOf(e[0], 8);
          break;
        }
        if (lastPart !== undefined) due.finish(lastPart, revisit);
        lastPart = part;
        keys++;
      }
      examined++;
      if (filter.keep(e[0], e[1])) due.kept(e[0], e[1]);
      else writes.del(e[0]);
    }
    if (lastPart !== undefined) due.finish(lastPart, revisit);
  } finally {
    it.close();
  }
  // Then the `w` family over the same span of user keys.
  it = snap.iterator(familyBounds(WRITE_PREFIX, req.start, resumeData ?? req.end));
  try {
    // The scan limit stops only past the first key with records: resuming at that key
    // would start the same call again, forever, when its versions alone fill the budget.
    let firstPart: Buffer | undefined;
    for (let e = it.next(); e !== undefined; e = it.next()) {
      const part = keyPartOf(e[0]);
      if (firstPart === undefined) firstPart = part;
      if (++examined > 2 * scanLimit && !part.equals(firstPart)) {
        resumeKey = userKeyOf(e[0], 8);
        break;
      }
      const recordTs = tsOfKey(e[0]);
      if (recordTs < req.safePoint) {
        if (writes.length >= 2 * req.limit) {
          // Too many records: resume at this key (versions below it are already done).
          resumeKey = userKeyOf(e[0], 8);
          break;
        }
        writes.del(e[0]);
      } else {
        revisit.push([partOf(e[0]), recordTs + 1n]);
      }
    }
  } finally {
    it.close();
  }
  return {
    writes,
    result: { deleted: writes.length, resumeKey: resumeKey ?? resumeData, examined: keys, revisit },
  };
}

export interface GcKeysRequest {
  readonly safePoint: Timestamp;
  /** Keys as esc(k) latin1 strings (gcDirtyKeys.ts), in key order. */
  readonly keys: readonly string[];
  /** Index of the first key to look at. */
  readonly from: number;
  /** Stop after the key that brings the deletes to this many. */
  readonly limit: number;
  /** Stop after the key that brings the entries examined to this many. */
  readonly scanLimit: number;
}

export interface GcKeysResult {
  readonly deleted: number;
  /** Index of the next key to look at (keys.length when done). */
  readonly next: number;
  readonly revisit: Revisit[];
}

/** The GC rule over the `d` and `w` entries of the listed keys only. */
export function gcKeys(snap: KvReader, req: GcKeysRequest): ActionOutput<GcKeysResult> {
  const writes = new WriteBatch();
  const revisit: Revisit[] = [];
  const filter = createGcFilter(req.safePoint, { bottommost: true });
  const due = new KeptVersions();
  let examined = 0;
  let i = req.from;
  while (i < req.keys.length && writes.length < req.limit && examined < req.scanLimit) {
    const part = req.keys[i++];
    // [F + esc(k), F + esc(k) + FF×8]: every entry of the key in family F (FORMAT.md).
    const esc = Buffer.byteLength(part, 'latin1');
    const hi = Buffer.alloc(1 + esc + 8, 0xff);
    hi[0] = DATA_PREFIX;
    hi.write(part, 1, 'latin1');
    examined += gcVersionsOf(snap, hi, esc, filter, due, writes);
    due.finish(hi.subarray(0, 1 + esc), revisit);
    hi[0] = WRITE_PREFIX;
    const it = snap.iterator({ gte: hi.subarray(0, 1 + esc), lte: hi });
    try {
      for (let e = it.next(); e !== undefined; e = it.next()) {
        examined++;
        const recordTs = tsOfKey(e[0]);
        if (recordTs < req.safePoint) writes.del(e[0]);
        else revisit.push([part, recordTs + 1n]);
      }
    } finally {
      it.close();
    }
  }
  return { writes, result: { deleted: writes.length, next: i, revisit } };
}

/** Runs the filter over one key's `d` versions (bounds in `hi`); returns entries examined. */
function gcVersionsOf(
  snap: KvReader,
  hi: Buffer,
  escLength: number,
  filter: GcFilter,
  due: KeptVersions,
  writes: WriteBatch,
): number {
  let n = 0;
  const it = snap.iterator({ gte: hi.subarray(0, 1 + escLength), lte: hi });
  try {
    for (let e = it.next(); e !== undefined; e = it.next()) {
      n++;
      if (filter.keep(e[0], e[1])) due.kept(e[0], e[1]);
      else writes.del(e[0]);
    }
  } finally {
    it.close();
  }
  return n;
}

/**
 * The versions GC keeps of one key, newest first, reduced to what decides when GC will
 * next have work on it: the second oldest (it shadows the oldest once the safe point
 * reaches it) and whether the oldest is a tombstone (dropped once the safe point reaches it).
 */
class KeptVersions {
  private count = 0;
  private oldestTs = 0n;
  private secondOldestTs = 0n;
  private oldestIsDelete = false;

  kept(key: Buffer, value: Buffer): void {
    this.secondOldestTs = this.oldestTs;
    this.oldestTs = tsOfKey(key);
    this.oldestIsDelete = value[0] === VERSION_DELETE;
    this.count++;
  }

  /** Ends the key whose `d` key part (family + esc(k)) is `part`; resets. */
  finish(part: Buffer, revisit: Revisit[]): void {
    let dueTs: Timestamp | undefined;
    if (this.count >= 2) dueTs = this.secondOldestTs;
    if (this.count >= 1 && this.oldestIsDelete && (dueTs === undefined || this.oldestTs < dueTs))
      dueTs = this.oldestTs;
    if (dueTs !== undefined) revisit.push([part.toString('latin1', 1), dueTs]);
    this.count = 0;
    this.oldestIsDelete = false;
  }
}

/** esc(k) as latin1 of a `d`/`w` engine key. */
function partOf(engineKey: Buffer): string {
  return engineKey.toString('latin1', 1, engineKey.length - 8);
}
