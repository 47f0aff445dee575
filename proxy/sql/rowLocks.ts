/**
 * Row locks at statement time for UPDATE, DELETE and SELECT … FOR UPDATE (DESIGN.md
 * "Transactions": pessimistic locks taken when the statement runs, waited for in the
 * shard's queue up to lock_timeout).
 *
 * READ COMMITTED, as PostgreSQL's EvalPlanQual: a row the statement read may have been
 * changed by a transaction that committed while we waited for its lock. The lock returns
 * each row's latest committed version; the statement re-checks its WHERE on it and
 * works on that version (or skips the row if it no longer matches or was deleted).
 * REPEATABLE READ: a row changed after the snapshot fails the lock with 40001
 * (Transaction.lock). Rows this transaction already wrote are taken as read.
 */
import type { TableDef } from '../../common/catalog/schema';
import { SqlError, SqlState } from '../../common/errors';
import type { Transaction } from '../txn/transaction';
import type { Datum } from '../../common/types/datum';
import { evalExpr } from '../../common/expr/eval';
import type { EvalCtx, Expr } from '../../common/expr/expr';
import { decodeStoredRow } from '../../common/expr/rowFormat';
import type { ExecContext } from './context';
import { rowKey } from './keys';
import { storedColumns } from './tableWriter';
import type { PlanNode, ScanNode } from './plan';
import { resolveAccess } from './scanExec';

/**
 * READ COMMITTED UPDATE/DELETE by primary key, lock first: lock the keys the WHERE names
 * and take each row's latest committed version from the lock's answer, instead of reading
 * at the snapshot and then locking (one round trip instead of two). Equivalent to the
 * read-then-lock path with the statement's snapshot taken at lock time, which READ
 * COMMITTED allows. A key whose row does not match (or does not exist) stays locked until
 * the transaction ends — PostgreSQL would not lock it; this only delays a concurrent
 * writer of that same key.
 *
 * Returns null when the plan is not a plain point access (the caller reads, then locks).
 */
export async function lockFirstPointRows(
  ctx: ExecContext,
  plan: PlanNode,
  recheck: Expr | null,
  ev: EvalCtx,
): Promise<Datum[][] | null> {
  const st = ctx.txn;
  if (st === undefined || st.txn.options.isolation !== 'read committed') return null;
  if (plan.kind !== 'scan' || plan.access.kind !== 'point' || plan.residual !== undefined)
    return null;
  if (recheck === null && plan.filter !== undefined) return null;
  const node = plan as ScanNode;
  const keys = resolveAccess(node, ev).keys ?? [];
  if (keys.length === 0) return [];
  const rows = await lockLatestRows(st.txn, node.table, keys, true);
  const out: Datum[][] = [];
  for (const k of keys) {
    const row = rows.get(k.toString('hex'));
    if (row === undefined) continue;
    if (recheck !== null && evalExpr(recheck, row, ev) !== true) continue;
    out.push(row);
  }
  return out;
}

/**
 * Locks keys and answers the rows under them (hex key → row; absent: no row): this
 * transaction's own writes as they stand, else what the lock read — the newest committed
 * version when `latest` (READ COMMITTED), else the lock fails 40001 on a key changed
 * after the snapshot.
 */
async function lockLatestRows(
  txn: Transaction,
  table: TableDef,
  keys: readonly Buffer[],
  latest: boolean,
): Promise<Map<string, Datum[]>> {
  const out = new Map<string, Datum[]>();
  if (keys.length === 0) return out;
  const values = await txn.lock(keys, { returnValues: true, latest });
  const stored = storedColumns(table);
  for (const k of keys) {
    const hex = k.toString('hex');
    const own = txn.ownWrite(k);
    const v = own !== undefined ? own : values?.get(hex);
    if (v !== null && v !== undefined) out.set(hex, decodeStoredRow(stored, v));
  }
  return out;
}

/** The rows and index owners behind INSERT … ON CONFLICT's arbiter keys (lockArbiters). */
export interface ArbiterRows {
  /** Hex primary key → the row stored under it now. */
  readonly rows: Map<string, Datum[]>;
  /** Hex unique-index entry key → the primary key of the row that holds that entry now. */
  readonly owners: Map<string, Buffer>;
  /** The keys this statement locked that the transaction did not hold before it. */
  readonly newlyLocked: Buffer[];
}

/**
 * INSERT … ON CONFLICT: locks every arbiter key of the proposed rows — their primary keys
 * and their unique-index entries — and answers the rows that hold them, so the statement
 * decides insert-or-update on rows no one else can change, insert or take the unique
 * value of until it ends: PostgreSQL's guarantee that an upsert either inserts or
 * updates, never fails with 23505 on its arbiter and never loses a concurrent update. An
 * entry's owner row is locked and read in a second round. READ COMMITTED takes each
 * key's newest version (as PostgreSQL updates the newest one, whatever the snapshot);
 * REPEATABLE READ gets 40001 from the lock when a key changed after its snapshot. DO
 * NOTHING gives back the locks of the rows it skips afterwards (newlyLocked, Transaction
 * .release), as PostgreSQL never takes them.
 */
export async function lockArbiters(
  ctx: ExecContext,
  table: TableDef,
  pkKeys: readonly Buffer[],
  entryKeys: readonly Buffer[],
): Promise<ArbiterRows> {
  const st = ctx.txn;
  if (st === undefined)
    throw new SqlError(SqlState.internalError, 'INSERT … ON CONFLICT outside a transaction');
  const txn = st.txn;
  const latest = txn.options.isolation === 'read committed';
  const distinct = (keys: readonly Buffer[]): Buffer[] => [
    ...new Map(keys.map((k) => [k.toString('hex'), k])).values(),
  ];
  const pks = distinct(pkKeys);
  const entries = distinct(entryKeys);
  const rows = new Map<string, Datum[]>();
  const owners = new Map<string, Buffer>();
  const newlyLocked: Buffer[] = [];
  if (pks.length + entries.length === 0) return { rows, owners, newlyLocked };
  for (const k of [...pks, ...entries]) if (!txn.holdsLock(k)) newlyLocked.push(k);
  const values = await txn.lock([...pks, ...entries], { returnValues: true, latest });
  const stored = storedColumns(table);
  const valueOf = (k: Buffer): Buffer | null | undefined => {
    const own = txn.ownWrite(k);
    return own !== undefined ? own : values?.get(k.toString('hex'));
  };
  for (const k of pks) {
    const v = valueOf(k);
    if (v !== null && v !== undefined) rows.set(k.toString('hex'), decodeStoredRow(stored, v));
  }
  const unread: Buffer[] = [];
  for (const k of entries) {
    const owner = valueOf(k);
    if (owner === null || owner === undefined) continue;
    owners.set(k.toString('hex'), owner);
    if (!rows.has(owner.toString('hex'))) unread.push(owner);
  }
  // The entry is ours now, so its row keeps that unique value; lock it to update it.
  const owned = distinct(unread);
  for (const k of owned) if (!txn.holdsLock(k)) newlyLocked.push(k);
  for (const [hex, row] of await lockLatestRows(txn, table, owned, latest)) rows.set(hex, row);
  return { rows, owners, newlyLocked };
}

export interface LockOptions {
  readonly nowait?: boolean;
  readonly skipLocked?: boolean;
}

/**
 * Locks the target-table rows of `rows` (each: target columns first, `targetWidth` of them,
 * then joined columns) and returns the rows to act on, re-read and re-checked under READ
 * COMMITTED. `recheck` is the statement's WHERE over the whole row (null: none or not
 * re-checkable, e.g. with subqueries).
 */
export async function lockTargetRows(
  ctx: ExecContext,
  table: TableDef,
  targetWidth: number,
  rows: Datum[][],
  recheck: Expr | null,
  ev: EvalCtx,
  opts: LockOptions = {},
): Promise<Datum[][]> {
  const st = ctx.txn;
  if (st === undefined || rows.length === 0) return rows;
  const txn = st.txn;
  const pkPos = table.primaryKey.map((id) => table.columns.findIndex((c) => c.id === id));
  const keys = rows.map((r) =>
    rowKey(
      table,
      pkPos.map((p) => r[p]),
    ),
  );
  if (opts.skipLocked === true) return lockSkipping(ctx, table, targetWidth, rows, recheck, ev);
  const rc = txn.options.isolation === 'read committed';
  const distinct = [...new Map(keys.map((k) => [k.toString('hex'), k])).values()];
  const latest = await txn.lock(distinct, { returnValues: rc, latest: rc, nowait: opts.nowait });
  if (!rc || latest === undefined) return rows;
  const stored = storedColumns(table);
  const out: Datum[][] = [];
  for (let i = 0; i < rows.length; i++) {
    if (txn.ownWrite(keys[i]) !== undefined) {
      out.push(rows[i]);
      continue;
    }
    const v = latest.get(keys[i].toString('hex'));
    if (v === undefined) continue; // deleted by a transaction that committed meanwhile
    const fresh = decodeStoredRow(stored, v);
    const row = [...fresh.slice(0, targetWidth), ...rows[i].slice(targetWidth)];
    if (recheck !== null && evalExpr(recheck, row, ev) !== true) continue;
    out.push(row);
  }
  return out;
}

/** SKIP LOCKED: lock row by row with NOWAIT, leaving out the rows others hold. */
async function lockSkipping(
  ctx: ExecContext,
  table: TableDef,
  targetWidth: number,
  rows: Datum[][],
  recheck: Expr | null,
  ev: EvalCtx,
): Promise<Datum[][]> {
  const out: Datum[][] = [];
  for (let i = 0; i < rows.length; i++) {
    try {
      const got = await lockTargetRows(ctx, table, targetWidth, [rows[i]], recheck, ev, {
        nowait: true,
      });
      out.push(...got);
    } catch (err) {
      // A shard's 55P03 arrives as an RpcError carrying the SQLSTATE.
      const e = err as { code?: string; sqlState?: string };
      if (e.code === '55P03' || e.sqlState === '55P03') continue;
      throw err;
    }
  }
  return out;
}
