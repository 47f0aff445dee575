/**
 * Ends a transaction's locks once its fate is known from its primary (checkTxnStatus):
 * commitTs > 0 rolls them forward to that commit_ts, 0n rolls them back. Keys without a
 * lock of the transaction are skipped (already resolved). Rolling forward skips the
 * min_commit_ts check: the primary accepted commitTs, which makes it the transaction's
 * commit timestamp, and every secondary's min_commit_ts was below the primary's when the
 * coordinator fetched it. A pessimistic lock of a committed transaction was never part of
 * the commit and is simply released.
 */
import { WriteBatch } from '../../storage/kvEngine';
import type { KvReader } from '../../storage/kvEngine';
import { lockKey } from '../keys';
import { loadLock } from '../reader';
import { commitLock, rollbackKey } from '../txnWrites';
import type { ActionOutput, Timestamp } from '../types';

export interface ResolveLocksRequest {
  readonly keys: readonly Buffer[];
  readonly startTs: Timestamp;
  /** The transaction's commit_ts, or 0n if it rolled back. */
  readonly commitTs: Timestamp;
}

export interface ResolveLocksResult {
  readonly kind: 'ok';
  readonly resolved: number;
}

export function resolveLocks(
  snap: KvReader,
  req: ResolveLocksRequest,
  _nowMs: number,
): ActionOutput<ResolveLocksResult> {
  const writes = new WriteBatch();
  let resolved = 0;
  for (const key of req.keys) {
    const lock = loadLock(snap, key);
    if (lock === undefined || lock.startTs !== req.startTs) continue;
    resolved++;
    if (req.commitTs === 0n) rollbackKey(writes, key, req.startTs, true);
    else if (lock.kind === 'pessimistic') writes.del(lockKey(key));
    else commitLock(writes, lock, req.commitTs);
  }
  return { writes, result: { kind: 'ok', resolved } };
}
