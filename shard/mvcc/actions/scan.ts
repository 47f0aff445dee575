/**
 * Range read at a timestamp over user keys [start, end), forward or reverse, at most
 * `limit` rows. One iteration over the data family computes the visible rows; then one
 * iteration over the lock family, limited to the key span those rows cover, looks for
 * locks that stop the read (a lock beyond the last row returned does not matter yet: the
 * next page will meet it). Both iterations must run on the same snapshot.
 */
import type { KvReader } from '../../storage/kvEngine';
import {
  DATA_PREFIX,
  LOCK_PREFIX,
  familyBounds,
  keyPartOf,
  lockKey,
  tsOfKey,
  userKeyOf,
} from '../keys';
import { decodeLock, isDeleteVersion } from '../records';
import { lockBlocksRead } from '../reader';
import type { Lock, LockedResult, Timestamp } from '../types';

export interface ScanRequest {
  readonly start: Buffer;
  /** Exclusive; null scans to the end of the key space. */
  readonly end: Buffer | null;
  readonly ts: Timestamp;
  readonly limit: number;
  /** Newest key first. */
  readonly reverse?: boolean;
  readonly txnStartTs?: Timestamp;
  readonly bypassLocks?: readonly Timestamp[];
}

export type ScanResult =
  | {
      readonly kind: 'ok';
      readonly entries: Array<[key: Buffer, value: Buffer]>;
      /** The limit was reached: continue after (or, reverse, before) the last key. */
      readonly more: boolean;
    }
  | LockedResult;

/** At most this many locks are reported at once; the caller resolves them and scans again. */
export const MAX_REPORTED_LOCKS = 256;

export function scan(snap: KvReader, req: ScanRequest): ScanResult {
  if (req.limit < 1) return { kind: 'ok', entries: [], more: false };
  const { entries, more } =
    req.reverse === true ? visibleReverse(snap, req) : visibleForward(snap, req);
  // The span of user keys this answer vouches for.
  let lockLow = req.start;
  let lockHigh: Buffer | null = req.end;
  let highInclusive = false;
  if (more) {
    const last = entries[entries.length - 1][0];
    if (req.reverse === true) lockLow = last;
    else {
      lockHigh = last;
      highInclusive = true;
    }
  }
  const locks = blockingLocks(snap, req, lockLow, lockHigh, highInclusive);
  if (locks.length > 0) return { kind: 'locked', locks };
  return { kind: 'ok', entries, more };
}

interface Visible {
  entries: Array<[Buffer, Buffer]>;
  more: boolean;
}

function visibleForward(snap: KvReader, req: ScanRequest): Visible {
  const entries: Array<[Buffer, Buffer]> = [];
  const it = snap.iterator(familyBounds(DATA_PREFIX, req.start, req.end));
  try {
    let current: Buffer | undefined;
    let decided = false;
    for (let e = it.next(); e !== undefined; e = it.next()) {
      const part = keyPartOf(e[0]);
      if (current === undefined || !part.equals(current)) {
        current = part;
        decided = false;
      } else if (decided) continue;
      // Versions of one key come newest first: the first at or below ts decides it.
      if (tsOfKey(e[0]) > req.ts) continue;
      decided = true;
      if (isDeleteVersion(e[1])) continue;
      entries.push([userKeyOf(e[0], 8), e[1].subarray(9)]);
      if (entries.length === req.limit) return { entries, more: true };
    }
  } finally {
    it.close();
  }
  return { entries, more: false };
}

function visibleReverse(snap: KvReader, req: ScanRequest): Visible {
  const entries: Array<[Buffer, Buffer]> = [];
  const it = snap.iterator({ ...familyBounds(DATA_PREFIX, req.start, req.end), reverse: true });
  try {
    // Backwards, a key's versions come oldest first: the last one at or below ts decides it.
    let current: Buffer | undefined;
    let candidate: [Buffer, Buffer] | undefined;
    const emit = (): boolean => {
      if (candidate !== undefined && !isDeleteVersion(candidate[1])) {
        entries.push([userKeyOf(candidate[0], 8), candidate[1].subarray(9)]);
      }
      candidate = undefined;
      return entries.length === req.limit;
    };
    for (let e = it.next(); e !== undefined; e = it.next()) {
      const part = keyPartOf(e[0]);
      if (current === undefined || !part.equals(current)) {
        if (emit()) return { entries, more: true };
        current = part;
      }
      if (tsOfKey(e[0]) <= req.ts) candidate = e;
    }
    if (emit()) return { entries, more: true };
  } finally {
    it.close();
  }
  return { entries, more: false };
}

function blockingLocks(
  snap: KvReader,
  req: ScanRequest,
  low: Buffer,
  high: Buffer | null,
  highInclusive: boolean,
): Lock[] {
  const bounds = familyBounds(LOCK_PREFIX, low, highInclusive ? null : high);
  const options = highInclusive && high !== null ? { gte: bounds.gte, lte: lockKey(high) } : bounds;
  const locks: Lock[] = [];
  const it = snap.iterator(options);
  try {
    for (let e = it.next(); e !== undefined && locks.length < MAX_REPORTED_LOCKS; e = it.next()) {
      const lock = decodeLock(userKeyOf(e[0], 0), e[1]);
      if (lockBlocksRead(lock, req.ts, req.txnStartTs, req.bypassLocks)) locks.push(lock);
    }
  } finally {
    it.close();
  }
  return locks;
}
