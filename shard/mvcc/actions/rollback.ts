/**
 * Rolls a transaction back on some keys (its coordinator's ROLLBACK or a failed commit, or
 * a resolver once the primary is known rolled back): the lock goes, a rollback record
 * stays, so a prewrite or commit of the same start_ts that arrives late fails
 * (Percolator). Also writes the record on keys the transaction never reached, for the
 * same reason. Refused if the key is already committed by the transaction.
 * All keys or none.
 */
import { WriteBatch } from '../../storage/kvEngine';
import type { KvReader } from '../../storage/kvEngine';
import { loadLock, txnRecord } from '../reader';
import { rollbackKey } from '../txnWrites';
import type { ActionOutput, Timestamp, TxnCommittedResult } from '../types';

export interface RollbackRequest {
  readonly keys: readonly Buffer[];
  readonly startTs: Timestamp;
}

export type RollbackResult = { readonly kind: 'ok' } | TxnCommittedResult;

export function rollback(
  snap: KvReader,
  req: RollbackRequest,
  _nowMs: number,
): ActionOutput<RollbackResult> {
  const writes = new WriteBatch();
  for (const key of req.keys) {
    const lock = loadLock(snap, key);
    if (lock !== undefined && lock.startTs === req.startTs) {
      rollbackKey(writes, key, req.startTs, true);
      continue;
    }
    const record = txnRecord(snap, key, req.startTs);
    if (record.kind === 'committed') {
      return {
        writes: new WriteBatch(),
        result: { kind: 'txnCommitted', key, commitTs: record.commitTs },
      };
    }
    if (record.kind === 'none') rollbackKey(writes, key, req.startTs, false);
  }
  return { writes, result: { kind: 'ok' } };
}
