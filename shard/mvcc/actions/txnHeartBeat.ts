/**
 * Keeps a long transaction alive: raises the TTL of its primary lock so resolvers do not
 * roll it back while its coordinator still works. The TTL counts from start_ts, so the
 * coordinator advises (elapsed + margin).
 */
import { WriteBatch } from '../../storage/kvEngine';
import type { KvReader } from '../../storage/kvEngine';
import { loadLock } from '../reader';
import { putLock } from '../txnWrites';
import type { ActionOutput, LockNotFoundResult, Timestamp } from '../types';

export interface TxnHeartBeatRequest {
  readonly primary: Buffer;
  readonly startTs: Timestamp;
  readonly adviseTtlMs: number;
}

export type TxnHeartBeatResult =
  { readonly kind: 'ok'; readonly ttlMs: number } | LockNotFoundResult;

export function txnHeartBeat(
  snap: KvReader,
  req: TxnHeartBeatRequest,
  _nowMs: number,
): ActionOutput<TxnHeartBeatResult> {
  const writes = new WriteBatch();
  const lock = loadLock(snap, req.primary);
  if (lock === undefined || lock.startTs !== req.startTs) {
    return { writes, result: { kind: 'lockNotFound', key: req.primary } };
  }
  if (req.adviseTtlMs > lock.ttlMs) putLock(writes, { ...lock, ttlMs: req.adviseTtlMs });
  return { writes, result: { kind: 'ok', ttlMs: Math.max(lock.ttlMs, req.adviseTtlMs) } };
}
