/**
 * Reads every row of one table a page at a time, in key order, at one fixed MVCC
 * snapshot, handing each page to a callback and fetching the next only once the callback
 * is done: the proxy holds one page, never the table (ALTER TABLE's row rewrite,
 * rewriteRows.ts, reads the whole table twice this way).
 *
 * The read is the transaction's own (its timestamp, start_ts and resolved-lock bypass
 * list) but never overlays its buffered writes: a rewrite must see the table as it was at
 * its start, not the rows it is writing. Its own prewrite locks (spilled writes) do not
 * stop the read (shard/mvcc/reader.ts lockBlocksRead skips the reader's own start_ts),
 * and their values are not visible data before commit, so every page of the walk sees
 * the same snapshot whatever the transaction has spilled meanwhile.
 */
import { rowPrefix } from '../../common/catalog/keyspace';
import { asBuffer } from '../../common/codec';
import type { TableDef } from '../../common/catalog/schema';
import type { Datum } from '../../common/types/datum';
import { fragmentToWire, type Fragment, type FragmentResult } from '../../common/expr/fragment';
import { rowFromWire } from '../../common/expr/rowFormat';
import type { Lock } from '../../shard/mvcc';
import type { Transaction } from '../txn/transaction';
import type { ExecContext } from './context';
import { prefixEnd } from './keys';
import { storedColumns } from './tableWriter';
import { withLockBuffers } from './scanExec';

/** Rows per page the shard returns (it stops at this many rows, or a range's end). */
let pageRowsDefault = 2_000;

/** Sets the default page size (tests shrink it so a small table takes many pages); returns the previous one. */
export function setTablePageRows(n: number): number {
  const prev = pageRowsDefault;
  pageRowsDefault = Math.max(1, Math.floor(n));
  return prev;
}

type Reply = FragmentResult & { locked?: Lock[] };

/**
 * An error thrown by the page callback, carried through ShardRouter.walk untouched: walk
 * retries a step that failed with a stale range, and the callback's work (writes already
 * buffered) must never run twice for one page.
 */
class PageFailed {
  constructor(readonly cause: unknown) {}
}

/**
 * Calls onPage with each page of table's rows (every stored column, in column order) as
 * of txn's read timestamp, one range after another in key order.
 */
export async function scanTablePages(
  ctx: ExecContext,
  txn: Transaction,
  table: TableDef,
  onPage: (rows: Datum[][]) => Promise<void> | void,
  pageRows = pageRowsDefault,
): Promise<void> {
  const cols = storedColumns(table);
  const outTypes = cols.map((c) => c.t);
  const fragment: Fragment = {
    cols,
    outTypes,
    params: [],
    paramTypes: [],
    nowUs: BigInt(Date.now()) * 1000n,
  };
  const wire = fragmentToWire(fragment, []);
  const start = rowPrefix(table.id);
  const end = prefixEnd(start);
  if (ctx.ranges.all.length === 0) await ctx.ranges.refresh();
  await txn.snapshot();
  try {
    await ctx.router.walk(start, end, async (send, cursor, range) => {
      const pieceEnd =
        range.endKey !== null && Buffer.compare(range.endKey, end) < 0 ? range.endKey : end;
      let res: Reply;
      for (let round = 0; ; round++) {
        ctx.cancel?.check();
        res = await send<Reply>('txn.fragment', {
          fragment: { ...wire, spans: [[cursor, pieceEnd]], pageRows },
          read: txn.readOptions(),
        });
        if (res.locked === undefined) break;
        await txn.resolveForRead(withLockBuffers(res.locked), round);
      }
      const rows: Datum[][] = new Array(res.rows.length);
      for (let i = 0; i < res.rows.length; i++) rows[i] = rowFromWire(outTypes, res.rows[i]);
      try {
        await onPage(rows);
      } catch (err) {
        throw new PageFailed(err);
      }
      return res.resume ? asBuffer(res.resume as unknown as Uint8Array) : null;
    });
  } catch (err) {
    throw err instanceof PageFailed ? err.cause : err;
  }
}
