/**
 * The writes that end a lock, shared by commit, rollback, resolveLocks, checkTxnStatus and
 * onePhaseCommit, so every path leaves exactly the same records behind.
 */
import type { WriteBatch } from '../storage/kvEngine';
import { dataKey, lockKey, writeKey } from './keys';
import { encodeLock, encodeLockCommitRecord, encodeRollbackRecord, encodeVersion } from './records';
import type { Lock, Timestamp } from './types';

/**
 * Writes what `op` commits at commitTs: a version for put/del, a lock-commit record for a
 * lock-only key (so a retried commit of that key finds it committed, not missing).
 */
export function writeCommitted(
  batch: WriteBatch,
  key: Buffer,
  op: 'put' | 'del' | 'lock' | 'none',
  value: Buffer | undefined,
  startTs: Timestamp,
  commitTs: Timestamp,
): void {
  if (op === 'put')
    batch.put(dataKey(key, commitTs), encodeVersion(startTs, value ?? Buffer.alloc(0)));
  else if (op === 'del') batch.put(dataKey(key, commitTs), encodeVersion(startTs, undefined));
  else batch.put(writeKey(key, startTs), encodeLockCommitRecord(commitTs));
}

/** Commits a prewrite lock at commitTs and removes it. */
export function commitLock(batch: WriteBatch, lock: Lock, commitTs: Timestamp): void {
  writeCommitted(batch, lock.key, lock.op, lock.value, lock.startTs, commitTs);
  batch.del(lockKey(lock.key));
}

/**
 * Rolls transaction startTs back on key: removes its lock if it has one and leaves a
 * rollback record, so that a prewrite or commit of startTs arriving later fails
 * (Percolator: the record is what makes "rolled back" final).
 */
export function rollbackKey(
  batch: WriteBatch,
  key: Buffer,
  startTs: Timestamp,
  hasLock: boolean,
): void {
  if (hasLock) batch.del(lockKey(key));
  batch.put(writeKey(key, startTs), encodeRollbackRecord());
}

export function putLock(batch: WriteBatch, lock: Lock): void {
  batch.put(lockKey(lock.key), encodeLock(lock));
}

export function maxTs(a: Timestamp, b: Timestamp): Timestamp {
  return a > b ? a : b;
}
