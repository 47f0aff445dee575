/**
 * Releases pessimistic locks of a transaction without ending it: a failed statement, a
 * ROLLBACK TO SAVEPOINT, or a ROLLBACK before anything was prewritten. Only pessimistic
 * locks with for_update_ts ≤ the request's go (a newer statement's lock stays); prewrite
 * locks are left to rollback. No rollback record is needed: a pessimistic transaction's
 * prewrite of a key without its pessimistic lock fails with lockNotFound.
 */
import { WriteBatch } from '../../storage/kvEngine';
import type { KvReader } from '../../storage/kvEngine';
import { lockKey } from '../keys';
import { loadLock } from '../reader';
import type { ActionOutput, Timestamp } from '../types';

export interface PessimisticRollbackRequest {
  readonly keys: readonly Buffer[];
  readonly startTs: Timestamp;
  readonly forUpdateTs: Timestamp;
}

export interface PessimisticRollbackResult {
  readonly kind: 'ok';
  readonly released: number;
}

export function pessimisticRollback(
  snap: KvReader,
  req: PessimisticRollbackRequest,
  _nowMs: number,
): ActionOutput<PessimisticRollbackResult> {
  const writes = new WriteBatch();
  for (const key of req.keys) {
    const lock = loadLock(snap, key);
    if (lock === undefined || lock.startTs !== req.startTs) continue;
    if (lock.kind !== 'pessimistic' || lock.forUpdateTs > req.forUpdateTs) continue;
    writes.del(lockKey(key));
  }
  return { writes, result: { kind: 'ok', released: writes.length } };
}
