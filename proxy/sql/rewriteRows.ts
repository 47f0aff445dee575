/**
 * ALTER TABLE's row rewrite (ADD PRIMARY KEY re-keys every row; ALTER COLUMN TYPE re-encodes
 * every row): every row of the table as it was, written again under the new definition,
 * in one transaction, with the proxy holding one page of rows at a time.
 *
 * One transaction (snapshot at its start_ts) does it all, so the rewrite is all or nothing:
 * a failure anywhere (a NULL or duplicate in the new key, a failed cast, a concurrent
 * write to a row it rewrites, a cancel) rolls back every write, and the caller changes
 * the catalog only after the commit. Its writes spill to the shards past the spill
 * threshold (Transaction.spillIfLarge, as COPY FROM does), so the proxy keeps only each
 * spilled key (SpilledKeys, tens of bytes per key, off the JS heap), never the rows.
 *
 * Two passes over the same snapshot (pagedScan.ts):
 *  1. every row's new key, value and index entries, as blind puts. A new key this
 *     transaction already wrote (buffered, or spilled: SpilledKeys answers) is a duplicate
 *     of an earlier row's, 23505 with the constraint's own message; that check is the
 *     whole of uniqueness here, since everything else committed under the table's keys is
 *     an old row or index entry this rewrite replaces. Not 'insert' mutations: an old
 *     row's key may equal a new one (a hidden rowid 7 and an int key 7 encode alike), and
 *     the shard would call that committed old row a duplicate.
 *  2. every old key (row and index entries) that pass 1 did not overwrite, deleted. Pass 2
 *     is skipped when every row's old keys were among its own new keys (pgbench's rowids
 *     equal its aids; ALTER COLUMN TYPE of an unindexed column keeps every key).
 * Deleting in pass 1 instead would break when a later row's new key equals an earlier
 * row's old key: a spilled delete cannot be followed by a put of the same key in the same
 * transaction (Transaction.spillIfLarge: a second prewrite is taken for a retry).
 *
 * Errors keep the order the whole-table version gave: f's error (a NULL in the new key
 * column, a failed cast) for any row wins over a NOT NULL/CHECK/duplicate error met
 * earlier, so after the first such error pass 1 only goes on applying f.
 */
import { SqlError, SqlState } from '../../common/errors';
import type { TableDef } from '../../common/catalog/schema';
import type { Datum } from '../../common/types/datum';
import { newEvalCtx } from '../../common/expr/expr';
import { Transaction } from '../txn/transaction';
import type { ExecContext } from './context';
import { scanTablePages } from './pagedScan';
import { Planner } from './planner';
import { TableWriter } from './tableWriter';
import { WriteBuffer, type Op } from './writeBuffer';

/** Has this transaction written key (buffered, or spilled to the shards)? */
function written(txn: Transaction, key: Buffer): boolean {
  // spilledOp first: ownWrite refuses (0A000) a key that was spilled.
  return txn.spilledOp(key) !== undefined || txn.ownWrite(key) !== undefined;
}

function conflictOf(op: Op): SqlError {
  return op.conflict
    ? op.conflict()
    : new SqlError(SqlState.uniqueViolation, 'duplicate key value violates unique constraint');
}

/** Are all of one row's old keys among its new keys (so its puts replace them)? */
function keptKeys(dels: readonly Op[], puts: readonly Op[]): boolean {
  for (const d of dels) if (!puts.some((p) => p.key.equals(d.key))) return false;
  return true;
}

/**
 * Rewrites every row of `before` as f(row) under `after`'s definition, atomically.
 * Throws f's errors, `after`'s NOT NULL/CHECK errors (23502/23514) and 23505 for a
 * duplicate new key, with nothing written.
 */
export async function rewriteRows(
  ctx: ExecContext,
  before: TableDef,
  after: TableDef,
  f: (r: Datum[]) => Datum[],
): Promise<void> {
  if (ctx.txnDeps === undefined)
    throw new SqlError(SqlState.internalError, 'no transaction layer configured');
  // Repeatable read: every page of both passes reads at start_ts.
  const txn = await Transaction.begin(ctx.txnDeps, { isolation: 'repeatable read' });
  txn.bindStatement(ctx.cancel);
  try {
    const planner = new Planner(() => after, []);
    const oldWriter = new TableWriter(before, planner);
    const newWriter = new TableWriter(after, planner);
    const moved = await writeNewRows(ctx, txn, before, oldWriter, newWriter, f);
    if (moved) await deleteOldKeys(ctx, txn, before, oldWriter);
    // Commit and rollback never run under a statement's cancel (Transaction.bindStatement).
    txn.bindStatement(undefined);
    await txn.commit();
  } catch (err) {
    txn.bindStatement(undefined);
    // A failed rollback leaves locks that expire by TTL and are resolved by their readers.
    await txn.rollback().catch(() => undefined);
    throw err;
  }
}

/** Pass 1; resolves true if some row's old keys are not all overwritten by its new ones. */
async function writeNewRows(
  ctx: ExecContext,
  txn: Transaction,
  before: TableDef,
  oldWriter: TableWriter,
  newWriter: TableWriter,
  f: (r: Datum[]) => Datum[],
): Promise<boolean> {
  const ev = newEvalCtx();
  const scratch = new WriteBuffer();
  let moved = false;
  let failure: unknown = undefined;
  await scanTablePages(ctx, txn, before, async (rows) => {
    for (const old of rows) {
      const r = f(old);
      if (failure !== undefined) continue;
      try {
        newWriter.validate(r, ev);
        newWriter.insert(scratch, r);
      } catch (err) {
        failure = err;
        continue;
      }
      const puts = scratch.drain();
      for (const op of puts) {
        if (op.mustNotExist && written(txn, op.key)) {
          failure = conflictOf(op);
          break;
        }
        txn.put(op.key, op.value as Buffer);
      }
      if (!moved && failure === undefined) {
        oldWriter.remove(scratch, old);
        moved = !keptKeys(scratch.drain(), puts);
      }
    }
    if (failure === undefined) await txn.spillIfLarge();
  });
  if (failure !== undefined) throw failure;
  return moved;
}

/** Pass 2: deletes every old key pass 1 did not overwrite. */
async function deleteOldKeys(
  ctx: ExecContext,
  txn: Transaction,
  before: TableDef,
  oldWriter: TableWriter,
): Promise<void> {
  const scratch = new WriteBuffer();
  await scanTablePages(ctx, txn, before, async (rows) => {
    for (const old of rows) oldWriter.remove(scratch, old);
    for (const op of scratch.drain()) if (!written(txn, op.key)) txn.del(op.key);
    await txn.spillIfLarge();
  });
}
