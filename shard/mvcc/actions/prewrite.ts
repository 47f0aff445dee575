/**
 * Percolator's first phase: a prewrite lock on every key of the transaction, each naming
 * the primary key whose commit decides the transaction. Optimistic keys are checked for a
 * version committed after start_ts (first committer wins); pessimistic keys must still
 * hold this transaction's pessimistic lock, which already did that check at for_update_ts.
 * Idempotent: a key already prewritten (or already committed) by this transaction passes.
 * All keys or none: any failure writes nothing. Locks of other transactions are all
 * reported at once so the caller can resolve them in one round.
 */
import { WriteBatch } from '../../storage/kvEngine';
import type { KvReader } from '../../storage/kvEngine';
import { loadLock, txnRecord, versionAt } from '../reader';
import { maxTs, putLock } from '../txnWrites';
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

export interface PrewriteRequest {
  readonly mutations: readonly Mutation[];
  readonly primary: Buffer;
  readonly startTs: Timestamp;
  readonly ttlMs: number;
  /** The transaction's latest for_update_ts; 0n for an optimistic transaction. */
  readonly forUpdateTs: Timestamp;
  /** Per mutation: this key holds a pessimistic lock of ours (absent: none do). */
  readonly pessimistic?: readonly boolean[];
  /** A floor for min_commit_ts (default start_ts + 1). */
  readonly minCommitTs?: Timestamp;
}

export type PrewriteResult =
  | {
      readonly kind: 'ok';
      /** The largest min_commit_ts among this request's locks: commit_ts must be at least it. */
      readonly minCommitTs: Timestamp;
    }
  | LockedResult
  | WriteConflictResult
  | AlreadyExistsResult
  | TxnRolledBackResult
  | LockNotFoundResult;

export function prewrite(
  snap: KvReader,
  req: PrewriteRequest,
  _nowMs: number,
): ActionOutput<PrewriteResult> {
  const writes = new WriteBatch();
  const fail = (result: PrewriteResult): ActionOutput<PrewriteResult> => ({
    writes: new WriteBatch(),
    result,
  });
  const others: Lock[] = [];
  const floor = maxTs(req.minCommitTs ?? 0n, maxTs(req.startTs, req.forUpdateTs) + 1n);
  let minCommitTs = floor;
  for (let i = 0; i < req.mutations.length; i++) {
    const m = req.mutations[i];
    const lock = loadLock(snap, m.key);
    if (lock !== undefined && lock.startTs !== req.startTs) {
      others.push(lock);
      continue;
    }
    if (lock !== undefined && lock.kind === 'prewrite') {
      minCommitTs = maxTs(minCommitTs, lock.minCommitTs); // a retried prewrite
      continue;
    }
    // Our pessimistic lock already checked the key at for_update_ts and nothing can have
    // committed on it since: the newest version matters only to an insert's uniqueness.
    // Skipping its read is what makes the common pessimistic prewrite one point get.
    const newest = lock === undefined || m.op === 'insert' ? versionAt(snap, m.key) : undefined;
    if (lock === undefined) {
      const record = txnRecord(snap, m.key, req.startTs, newest ?? null);
      if (record.kind === 'rolledBack') return fail({ kind: 'txnRolledBack', key: m.key });
      if (record.kind === 'committed') continue; // a prewrite retried after the commit
      if (req.pessimistic?.[i] === true) return fail({ kind: 'lockNotFound', key: m.key });
      if (newest !== undefined && newest.commitTs > req.startTs) {
        return fail({
          kind: 'writeConflict',
          key: m.key,
          conflictStartTs: newest.startTs,
          conflictCommitTs: newest.commitTs,
        });
      }
    }
    if (m.op === 'insert' && newest?.value !== undefined)
      return fail({ kind: 'alreadyExists', key: m.key });
    // Converting our pessimistic lock keeps what readers pushed into its min_commit_ts.
    const lockMin = lock === undefined ? floor : maxTs(floor, lock.minCommitTs);
    minCommitTs = maxTs(minCommitTs, lockMin);
    putLock(writes, {
      key: m.key,
      kind: 'prewrite',
      op: m.op === 'insert' ? 'put' : m.op,
      value: m.op === 'put' || m.op === 'insert' ? (m.value ?? Buffer.alloc(0)) : undefined,
      primary: req.primary,
      startTs: req.startTs,
      forUpdateTs: lock === undefined ? req.forUpdateTs : maxTs(lock.forUpdateTs, req.forUpdateTs),
      minCommitTs: lockMin,
      ttlMs: Math.max(req.ttlMs, lock?.ttlMs ?? 0),
    });
  }
  if (others.length > 0) return fail({ kind: 'locked', locks: others });
  return { writes, result: { kind: 'ok', minCommitTs } };
}
