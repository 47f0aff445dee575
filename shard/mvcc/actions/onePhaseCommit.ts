/**
 * One-phase commit: every key of the transaction lives on this shard, so the checks of
 * prewrite and the writes of commit happen in one atomic batch (one WAL record) and no
 * lock is ever left for anyone to resolve.
 *
 * The commit timestamp is chosen here: at least the caller's (from the TSO), and above
 * every read this shard has served on any key (maxReadTs) and every lock's min_commit_ts.
 * Why: a pessimistic lock does not stop readers, so a reader at ts T may already have read
 * one of these keys without seeing this transaction; committing at a ts ≤ T would change
 * what that reader's snapshot contains after the fact. (2PC avoids this because a prewrite
 * lock, which does stop readers, exists before its commit_ts is fetched; TiKV's 1PC uses
 * the same max_ts rule.) Idempotent: a retried request that finds the transaction already
 * committed reports that commit_ts.
 */
import { RpcError, RpcErrorCode } from '../../../common/errors';
import { WriteBatch } from '../../storage/kvEngine';
import type { KvReader } from '../../storage/kvEngine';
import { lockKey } from '../keys';
import { loadLock, txnRecord, versionAt } from '../reader';
import { maxTs, writeCommitted } from '../txnWrites';
import type {
  ActionOutput,
  AlreadyExistsResult,
  Lock,
  LockNotFoundResult,
  LockedResult,
  Mutation,
  Timestamp,
  TxnRolledBackResult,
  WriteConflictResult,
} from '../types';

export interface OnePhaseCommitRequest {
  readonly mutations: readonly Mutation[];
  readonly startTs: Timestamp;
  /** 0n for an optimistic transaction. */
  readonly forUpdateTs: Timestamp;
  /** Per mutation: this key holds a pessimistic lock of ours (absent: none do). */
  readonly pessimistic?: readonly boolean[];
  /** A commit timestamp from the TSO; the one used may be higher (see above). */
  readonly commitTs: Timestamp;
  /** The highest timestamp this shard has served a read at (MvccStore fills it in). */
  readonly maxReadTs: Timestamp;
}

export type OnePhaseCommitResult =
  | { readonly kind: 'ok'; readonly commitTs: Timestamp }
  | LockedResult
  | WriteConflictResult
  | AlreadyExistsResult
  | TxnRolledBackResult
  | LockNotFoundResult;

export function onePhaseCommit(
  snap: KvReader,
  req: OnePhaseCommitRequest,
  _nowMs: number,
): ActionOutput<OnePhaseCommitResult> {
  if (req.commitTs <= req.startTs) {
    throw new RpcError(
      RpcErrorCode.badRequest,
      `commit_ts ${req.commitTs} is not above start_ts ${req.startTs}`,
    );
  }
  const fail = (result: OnePhaseCommitResult): ActionOutput<OnePhaseCommitResult> => ({
    writes: new WriteBatch(),
    result,
  });
  let commitTs = maxTs(maxTs(req.commitTs, req.maxReadTs + 1n), req.forUpdateTs + 1n);
  const others: Lock[] = [];
  const ours: Array<Lock | undefined> = [];
  for (let i = 0; i < req.mutations.length; i++) {
    const m = req.mutations[i];
    const lock = loadLock(snap, m.key);
    if (lock !== undefined && lock.startTs !== req.startTs) {
      others.push(lock);
      ours.push(undefined);
      continue;
    }
    ours.push(lock);
    const newest = versionAt(snap, m.key);
    if (lock === undefined) {
      const record = txnRecord(snap, m.key, req.startTs, newest ?? null);
      if (record.kind === 'rolledBack') return fail({ kind: 'txnRolledBack', key: m.key });
      if (record.kind === 'committed') {
        // Retried after it succeeded: one committed key means all of them did (one batch).
        return fail({ kind: 'ok', commitTs: record.commitTs });
      }
      if (req.pessimistic?.[i] === true) return fail({ kind: 'lockNotFound', key: m.key });
      if (newest !== undefined && newest.commitTs > req.startTs) {
        return fail({
          kind: 'writeConflict',
          key: m.key,
          conflictStartTs: newest.startTs,
          conflictCommitTs: newest.commitTs,
        });
      }
    } else {
      commitTs = maxTs(commitTs, lock.minCommitTs);
    }
    if (m.op === 'insert' && newest?.value !== undefined)
      return fail({ kind: 'alreadyExists', key: m.key });
  }
  if (others.length > 0) return fail({ kind: 'locked', locks: others });
  const writes = new WriteBatch();
  for (let i = 0; i < req.mutations.length; i++) {
    const m = req.mutations[i];
    const op = m.op === 'insert' ? 'put' : m.op;
    writeCommitted(writes, m.key, op, m.value, req.startTs, commitTs);
    if (ours[i] !== undefined) writes.del(lockKey(m.key));
  }
  return { writes, result: { kind: 'ok', commitTs } };
}
