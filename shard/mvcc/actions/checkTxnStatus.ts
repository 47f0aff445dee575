/**
 * Asked on a transaction's primary key by whoever meets one of its locks: has the
 * transaction committed (roll the lock forward), rolled back (roll it back), or is it
 * still running? This is where a dead coordinator's transaction ends (DESIGN.md "Recovery
 * without a coordinator log"):
 *   - primary lock present and its TTL expired → roll the primary back now (rollback
 *     record, so the coordinator's late commit fails); the caller then rolls back the rest;
 *   - primary lock present and alive → report it; if the caller is a reader (callerStartTs),
 *     push the lock's min_commit_ts past the reader's timestamp so the reader can ignore
 *     this transaction's locks instead of waiting (TiKV's non-blocking read);
 *   - no lock, a commit or rollback record → that is the answer;
 *   - no lock, no record: the prewrite has not arrived (or was lost). With
 *     rollbackIfNotExist (the caller saw an expired secondary) write a rollback record so it
 *     can never commit; otherwise report notFound and let the caller wait.
 */
import { WriteBatch } from '../../storage/kvEngine';
import type { KvReader } from '../../storage/kvEngine';
import { lockExpired, lockExpiresAtMs, loadLock, txnRecord } from '../reader';
import { putLock, rollbackKey } from '../txnWrites';
import type { ActionOutput, Lock, Timestamp } from '../types';

export interface CheckTxnStatusRequest {
  readonly primary: Buffer;
  /** The transaction asked about. */
  readonly startTs: Timestamp;
  /** A reader's timestamp to push min_commit_ts past; 0n for none (writers, resolvers). */
  readonly callerStartTs: Timestamp;
  readonly rollbackIfNotExist: boolean;
}

export type CheckTxnStatusResult =
  | { readonly kind: 'committed'; readonly commitTs: Timestamp }
  | {
      readonly kind: 'rolledBack';
      /** What this call did: nothing (already), or the rollback of an expired / missing primary. */
      readonly action: 'none' | 'expiredRollback' | 'notExistRollback';
    }
  | {
      readonly kind: 'locked';
      readonly lock: Lock;
      readonly ttlRemainingMs: number;
      /** min_commit_ts is now above callerStartTs: the reader may bypass this transaction. */
      readonly minCommitTsPushed: boolean;
    }
  | { readonly kind: 'notFound' };

export function checkTxnStatus(
  snap: KvReader,
  req: CheckTxnStatusRequest,
  nowMs: number,
): ActionOutput<CheckTxnStatusResult> {
  const writes = new WriteBatch();
  const lock = loadLock(snap, req.primary);
  if (lock !== undefined && lock.startTs === req.startTs) {
    if (lockExpired(lock, nowMs)) {
      rollbackKey(writes, req.primary, req.startTs, true);
      return { writes, result: { kind: 'rolledBack', action: 'expiredRollback' } };
    }
    let current = lock;
    let pushed = false;
    if (req.callerStartTs > 0n) {
      if (lock.minCommitTs <= req.callerStartTs) {
        current = { ...lock, minCommitTs: req.callerStartTs + 1n };
        putLock(writes, current);
      }
      pushed = true;
    }
    return {
      writes,
      result: {
        kind: 'locked',
        lock: current,
        ttlRemainingMs: lockExpiresAtMs(lock) - nowMs,
        minCommitTsPushed: pushed,
      },
    };
  }
  const record = txnRecord(snap, req.primary, req.startTs);
  if (record.kind === 'committed')
    return { writes, result: { kind: 'committed', commitTs: record.commitTs } };
  if (record.kind === 'rolledBack')
    return { writes, result: { kind: 'rolledBack', action: 'none' } };
  if (req.rollbackIfNotExist) {
    rollbackKey(writes, req.primary, req.startTs, false);
    return { writes, result: { kind: 'rolledBack', action: 'notExistRollback' } };
  }
  return { writes, result: { kind: 'notFound' } };
}
