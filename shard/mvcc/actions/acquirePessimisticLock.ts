/**
 * Pessimistic locking at statement time (TiDB's pessimistic transactions): INSERT, UPDATE,
 * DELETE and SELECT … FOR UPDATE lock their keys before the new values are buffered in the
 * proxy session. A key locked by another transaction is reported so the caller can wait in
 * that key's queue; a version committed after for_update_ts is a write conflict (REPEATABLE
 * READ passes for_update_ts = start_ts and turns it into 40001; READ COMMITTED retries the
 * statement with a fresh for_update_ts, or asks for `latest`). All keys or none: a failure
 * writes nothing.
 */
import { WriteBatch } from '../../storage/kvEngine';
import type { KvReader } from '../../storage/kvEngine';
import { loadLock, txnRecord, versionAt } from '../reader';
import { maxTs, putLock } from '../txnWrites';
import type {
  ActionOutput,
  AlreadyExistsResult,
  Lock,
  LockedResult,
  Timestamp,
  TxnCommittedResult,
  TxnRolledBackResult,
  WriteConflictResult,
} from '../types';

export interface AcquirePessimisticLockRequest {
  readonly keys: readonly Buffer[];
  readonly primary: Buffer;
  readonly startTs: Timestamp;
  readonly forUpdateTs: Timestamp;
  readonly ttlMs: number;
  /** Return each key's newest committed value (at most for_update_ts after the check). */
  readonly returnValues?: boolean;
  /** Fail with alreadyExists if any key has a visible value (INSERT's uniqueness). */
  readonly shouldNotExist?: boolean;
  /**
   * READ COMMITTED's lock-first UPDATE/DELETE (PostgreSQL's EvalPlanQual): a version
   * committed after for_update_ts is no conflict — the lock is taken on the newest version,
   * which is returned (with returnValues) for the statement to re-check its WHERE on. Its
   * commit_ts comes back as latestCommitTs and the lock's min_commit_ts goes above it, so
   * this transaction commits after the version it overwrites. Without it, a hot row's
   * waiter met a conflict once the holder committed and paid a TSO call and a second lock
   * round trip before it could hold the row.
   */
  readonly latest?: boolean;
}

export type AcquirePessimisticLockResult =
  | {
      readonly kind: 'ok';
      readonly values?: Array<Buffer | undefined>;
      /** With `latest`: the newest commit_ts above for_update_ts met (the caller raises its own). */
      readonly latestCommitTs?: Timestamp;
    }
  | LockedResult
  | WriteConflictResult
  | AlreadyExistsResult
  | TxnRolledBackResult
  | TxnCommittedResult;

export function acquirePessimisticLock(
  snap: KvReader,
  req: AcquirePessimisticLockRequest,
  _nowMs: number,
): ActionOutput<AcquirePessimisticLockResult> {
  const writes = new WriteBatch();
  const fail = (
    result: AcquirePessimisticLockResult,
  ): ActionOutput<AcquirePessimisticLockResult> => ({
    writes: new WriteBatch(),
    result,
  });
  const values: Array<Buffer | undefined> = [];
  let latestCommitTs: Timestamp | undefined;
  for (const key of req.keys) {
    const lock = loadLock(snap, key);
    if (lock !== undefined && lock.startTs !== req.startTs)
      return fail({ kind: 'locked', locks: [lock] });
    const newest = versionAt(snap, key);
    if (lock === undefined) {
      const record = txnRecord(snap, key, req.startTs, newest ?? null);
      if (record.kind === 'rolledBack') return fail({ kind: 'txnRolledBack', key });
      if (record.kind === 'committed')
        return fail({ kind: 'txnCommitted', key, commitTs: record.commitTs });
      if (newest !== undefined && newest.commitTs > req.forUpdateTs && req.latest === true) {
        if (latestCommitTs === undefined || newest.commitTs > latestCommitTs)
          latestCommitTs = newest.commitTs;
      } else if (newest !== undefined && newest.commitTs > req.forUpdateTs) {
        return fail({
          kind: 'writeConflict',
          key,
          conflictStartTs: newest.startTs,
          conflictCommitTs: newest.commitTs,
        });
      }
    }
    if (req.shouldNotExist === true && newest?.value !== undefined)
      return fail({ kind: 'alreadyExists', key });
    values.push(newest?.value);
    if (lock === undefined) {
      putLock(writes, {
        key,
        kind: 'pessimistic',
        op: 'none',
        primary: req.primary,
        startTs: req.startTs,
        forUpdateTs: req.forUpdateTs,
        minCommitTs: maxTs(maxTs(req.startTs, req.forUpdateTs), newest?.commitTs ?? 0n) + 1n,
        ttlMs: req.ttlMs,
      });
    } else if (
      lock.kind === 'pessimistic' &&
      (req.forUpdateTs > lock.forUpdateTs || req.ttlMs > lock.ttlMs)
    ) {
      // Our own lock, taken again by a later statement: keep the newest for_update_ts
      // (nothing can have committed on the key meanwhile: we held the lock).
      const renewed: Lock = {
        ...lock,
        forUpdateTs: maxTs(lock.forUpdateTs, req.forUpdateTs),
        minCommitTs: maxTs(lock.minCommitTs, req.forUpdateTs + 1n),
        ttlMs: Math.max(lock.ttlMs, req.ttlMs),
      };
      putLock(writes, renewed);
    }
    // Our own prewrite lock: the key is already in the commit; nothing to do.
  }
  return {
    writes,
    result: {
      kind: 'ok',
      ...(req.returnValues === true ? { values } : {}),
      ...(latestCommitTs !== undefined ? { latestCommitTs } : {}),
    },
  };
}
