/**
 * Lists the locks in [start, end) with start_ts ≤ maxTs: what a resolver (or GC, before it
 * moves the safe point past them) must resolve.
 */
import type { KvReader } from '../../storage/kvEngine';
import { LOCK_PREFIX, familyBounds, userKeyOf } from '../keys';
import { decodeLock } from '../records';
import type { Lock, Timestamp } from '../types';

export interface ScanLocksRequest {
  readonly start: Buffer;
  readonly end: Buffer | null;
  readonly maxTs: Timestamp;
  readonly limit: number;
  /** Leave this transaction's locks out (a TRUNCATE in a block waits only for others'). */
  readonly exceptStartTs?: Timestamp;
}

export interface ScanLocksResult {
  readonly locks: Lock[];
  readonly more: boolean;
}

export function scanLocks(snap: KvReader, req: ScanLocksRequest): ScanLocksResult {
  const locks: Lock[] = [];
  const it = snap.iterator(familyBounds(LOCK_PREFIX, req.start, req.end));
  try {
    for (let e = it.next(); e !== undefined; e = it.next()) {
      const lock = decodeLock(userKeyOf(e[0], 0), e[1]);
      if (lock.startTs > req.maxTs || lock.startTs === req.exceptStartTs) continue;
      if (locks.length === req.limit) return { locks, more: true };
      locks.push(lock);
    }
  } finally {
    it.close();
  }
  return { locks, more: false };
}
