/**
 * Point read at a timestamp (snapshot read): the newest version committed at or before
 * `ts`, unless a prewrite lock that may commit at or before `ts` sits on the key — then the
 * caller must resolve it (checkTxnStatus on its primary, resolveLocks) and read again.
 */
import type { KvReader } from '../../storage/kvEngine';
import { loadLock, lockBlocksRead, versionAt } from '../reader';
import type { LockedResult, Timestamp } from '../types';

export interface GetRequest {
  readonly key: Buffer;
  readonly ts: Timestamp;
  /** The reading transaction's start_ts: its own locks never block it. */
  readonly txnStartTs?: Timestamp;
  /** Transactions known to commit after ts (their primary's min_commit_ts was pushed). */
  readonly bypassLocks?: readonly Timestamp[];
}

export type GetResult =
  | { readonly kind: 'ok'; readonly value: Buffer | undefined; readonly commitTs?: Timestamp }
  | LockedResult;

export function get(snap: KvReader, req: GetRequest): GetResult {
  const lock = loadLock(snap, req.key);
  if (lock !== undefined && lockBlocksRead(lock, req.ts, req.txnStartTs, req.bypassLocks)) {
    return { kind: 'locked', locks: [lock] };
  }
  const v = versionAt(snap, req.key, req.ts);
  if (v === undefined || v.value === undefined) return { kind: 'ok', value: undefined };
  return { kind: 'ok', value: v.value, commitTs: v.commitTs };
}
