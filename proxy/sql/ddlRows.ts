/**
 * The rows of a table as DDL inside a transaction block must judge them. DDL reads outside
 * the block's snapshot (the newest committed rows: another session's rows count too), but
 * the block's own buffered writes are not committed yet. Without them, CREATE INDEX left
 * the block's rows out of the index for good (lookups missed them after COMMIT), and
 * UNIQUE, CHECK, NOT NULL and FOREIGN KEY validation passed over them.
 */
import { rowPrefix, tableEnd, tableStart } from '../../common/catalog/keyspace';
import type { TableDef } from '../../common/catalog/schema';
import { SqlError, SqlState } from '../../common/errors';
import { newEvalCtx } from '../../common/expr/expr';
import { decodeStoredRow } from '../../common/expr/rowFormat';
import type { Datum } from '../../common/types/datum';
import type { ExecContext } from './context';
import { pkColumns, prefixEnd, rowKey } from './keys';
import { runScan } from './scanExec';
import { scanAll, storedColumns } from './tableWriter';
import { WriteBuffer } from './writeBuffer';

export interface DdlRows {
  /** Committed rows the block has not written: DDL writes for them commit on their own. */
  readonly committed: Datum[][];
  /** The block's own rows (inserted or updated, not deleted): DDL writes for them join it. */
  readonly own: Datum[][];
}

/** The block's buffered writes with keys in [start, end), sorted (null value: deleted). */
function blockWritesIn(
  ctx: ExecContext,
  start: Buffer,
  end: Buffer,
): Array<[Buffer, Buffer | null]> {
  const txn = ctx.openTxn?.txn;
  if (txn === undefined || txn.writeCount === 0) return [];
  return txn.ownWritesIn(start, end);
}

/** The block's buffered writes to the rows of `table` (null value: deleted). */
function ownRowWrites(ctx: ExecContext, table: TableDef): Array<[Buffer, Buffer | null]> {
  const prefix = rowPrefix(table.id);
  return blockWritesIn(ctx, prefix, prefixEnd(prefix));
}

/** The committed rows, with the block's writes in place of the rows they replace. */
export async function rowsForDdl(ctx: ExecContext, table: TableDef): Promise<DdlRows> {
  const scanned = (await runScan(ctx, scanAll(table), newEvalCtx(), [])).rows;
  const writes = ownRowWrites(ctx, table);
  if (writes.length === 0) return { committed: scanned, own: [] };
  const written = new Set(writes.map(([k]) => k.toString('hex')));
  const pk = pkColumns(table).map((c) => table.columns.indexOf(c));
  const committed = scanned.filter(
    (r) =>
      !written.has(
        rowKey(
          table,
          pk.map((i) => r[i]),
        ).toString('hex'),
      ),
  );
  const cols = storedColumns(table);
  const own = writes.flatMap(([, v]) => (v === null ? [] : [decodeStoredRow(cols, v)]));
  return { committed, own };
}

/**
 * Refuses a statement that rewrites stored rows (a column's type, the primary key) when
 * the block has written rows of the table: its buffered rows are in the old format, and
 * their locks would stop the rewrite's own transaction.
 */
export function refuseIfBlockWrote(ctx: ExecContext, table: TableDef, what: string): void {
  if (ownRowWrites(ctx, table).length === 0) return;
  throw new SqlError(
    SqlState.featureNotSupported,
    `${what} of table "${table.name}" after this transaction wrote to it is not supported yet`,
    { hint: 'Run it before the writes, or in a transaction of its own.' },
  );
}

/**
 * TRUNCATE and DROP TABLE delete the table's keys on the shards at once, all but the
 * block's own locks (deleteSpan's keepLocksOf); the rows the block wrote are still
 * buffered and would be committed after them, so they become deletes in the block.
 */
export async function deleteBlockWrites(ctx: ExecContext, table: TableDef): Promise<void> {
  const wb = new WriteBuffer();
  for (const [key, value] of blockWritesIn(ctx, tableStart(table.id), tableEnd(table.id)))
    if (value !== null) wb.del(key);
  if (wb.size > 0) await wb.flush({ ...ctx, txn: ctx.openTxn });
}
