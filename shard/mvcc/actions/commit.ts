/**
 * Percolator's second phase on some keys of a transaction: each prewrite lock of start_ts
 * becomes a version at commit_ts. Committing the primary is the transaction's commit
 * point; the secondaries follow (or are rolled forward by resolvers). Idempotent: a key
 * already committed by this transaction passes. A key rolled back by a resolver fails
 * (the transaction lost the race and must report failure), as does a commit_ts below a
 * lock's min_commit_ts (a reader pushed it: get a newer commit_ts and commit again).
 * All keys or none.
 */
import { RpcError, RpcErrorCode } from '../../../common/errors';
import { WriteBatch } from '../../storage/kvEngine';
import type { KvReader } from '../../storage/kvEngine';
import { loadLock, txnRecord } from '../reader';
import { commitLock } from '../txnWrites';
import type {
  ActionOutput,
  CommitTsExpiredResult,
  LockNotFoundResult,
  Timestamp,
  TxnRolledBackResult,
} from '../types';

export interface CommitRequest {
  readonly keys: readonly Buffer[];
  readonly startTs: Timestamp;
  readonly commitTs: Timestamp;
}

export type CommitResult =
  { readonly kind: 'ok' } | TxnRolledBackResult | CommitTsExpiredResult | LockNotFoundResult;

export function commit(
  snap: KvReader,
  req: CommitRequest,
  _nowMs: number,
): ActionOutput<CommitResult> {
  if (req.commitTs <= req.startTs) {
    throw new RpcError(
      RpcErrorCode.badRequest,
      `commit_ts ${req.commitTs} is not above start_ts ${req.startTs}`,
    );
  }
  const writes = new WriteBatch();
  const fail = (result: CommitResult): ActionOutput<CommitResult> => ({
    writes: new WriteBatch(),
    result,
  });
  for (const key of req.keys) {
    const lock = loadLock(snap, key);
    if (lock !== undefined && lock.startTs === req.startTs && lock.kind === 'prewrite') {
      if (req.commitTs < lock.minCommitTs) {
        return fail({ kind: 'commitTsExpired', key, minCommitTs: lock.minCommitTs });
      }
      commitLock(writes, lock, req.commitTs);
      continue;
    }
    // No prewrite lock of ours (a pessimistic lock of ours means the key was never
    // prewritten, which a commit cannot fix): what does the key's history say?
    const record = txnRecord(snap, key, req.startTs);
    if (record.kind === 'rolledBack') return fail({ kind: 'txnRolledBack', key });
    if (record.kind === 'none') return fail({ kind: 'lockNotFound', key });
  }
  return { writes, result: { kind: 'ok' } };
}
