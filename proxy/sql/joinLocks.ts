/**
 * SELECT … FROM a JOIN b … FOR UPDATE [OF a, …] [NOWAIT]: locks, in each named table (all
 * tables of the FROM clause without OF), the rows that take part in the result — TypeORM's
 * pessimistic_write over joined relations, a transfer that reads both accounts it moves
 * money between. Each table's primary keys come from the same FROM and WHERE planned with
 * only that table's key columns as targets; those rows are locked (every lock taken as an
 * exclusive one, as single-table FOR UPDATE does here), then READ COMMITTED takes a new
 * snapshot, so the SELECT returns the latest committed version of every locked row.
 * PostgreSQL re-checks the join on the new row versions (EvalPlanQual); here the query runs
 * again, which can also return a row that became a match meanwhile, unlocked — as the
 * single-table path does. Rows of the nullable side of an outer join cannot be locked
 * (0A000, as PostgreSQL), nor a table without a primary key or a subquery's rows yet.
 */
import type { TableDef } from '../../common/catalog/schema';
import { SqlError, SqlState } from '../../common/errors';
import type { Datum } from '../../common/types/datum';
import type { EvalCtx } from '../../common/expr/expr';
import type { ExecContext } from './context';
import { newRunEnv, run } from './executor';
import type { AstNode } from './parser';
import type { PlanNode } from './plan';
import type { Planner, TableLookup } from './planner';
import { lockTargetRows } from './rowLocks';
import { rowKey } from './keys';

interface FromTable {
  readonly alias: string;
  readonly rv: AstNode;
  readonly nullable: boolean;
}

export interface JoinLockPlan {
  readonly targets: ReadonlyArray<{ readonly table: TableDef; readonly keys: PlanNode }>;
  readonly nowait: boolean;
}

function notYet(what: string): SqlError {
  return new SqlError(SqlState.featureNotSupported, `SELECT FOR UPDATE/SHARE ${what} yet`);
}

/** The base tables of a FROM clause, with whether an outer join makes each nullable. */
function fromTables(items: readonly AstNode[], nullable: boolean, out: FromTable[]): void {
  for (const item of items) {
    const rv = item.RangeVar as AstNode | undefined;
    if (rv !== undefined) {
      const alias =
        ((rv.alias as AstNode | undefined)?.aliasname as string | undefined) ??
        (rv.relname as string);
      out.push({ alias, rv, nullable });
      continue;
    }
    const j = item.JoinExpr as AstNode | undefined;
    if (j === undefined) throw notYet('over a subquery or function in FROM is not supported');
    const t = j.jointype as string;
    fromTables([j.larg as AstNode], nullable || t === 'JOIN_RIGHT' || t === 'JOIN_FULL', out);
    fromTables([j.rarg as AstNode], nullable || t === 'JOIN_LEFT' || t === 'JOIN_FULL', out);
  }
}

const column = (alias: string, name: string): AstNode => ({
  ResTarget: {
    val: { ColumnRef: { fields: [{ String: { sval: alias } }, { String: { sval: name } }] } },
  },
});

/** Null unless the statement locks rows over a FROM clause other than one plain table. */
export function planJoinLocks(
  stmt: AstNode,
  planner: Planner,
  lookup: TableLookup,
): JoinLockPlan | null {
  const clauses = (stmt.lockingClause as AstNode[] | undefined) ?? [];
  const from = (stmt.fromClause as AstNode[] | undefined) ?? [];
  if (clauses.length === 0 || (from.length === 1 && from[0].RangeVar !== undefined)) return null;
  const tables: FromTable[] = [];
  fromTables(from, false, tables);
  const named = new Set<string>();
  let all = false;
  let nowait = true;
  for (const c of clauses) {
    const lc = c.LockingClause as AstNode;
    if (lc.waitPolicy === 'LockWaitSkip') throw notYet('SKIP LOCKED over a join is not supported');
    if (lc.waitPolicy !== 'LockWaitError') nowait = false;
    const rels = (lc.lockedRels as AstNode[] | undefined) ?? [];
    if (rels.length === 0) all = true;
    for (const r of rels) {
      const name = (r.RangeVar as AstNode).relname as string;
      if (!tables.some((t) => t.alias === name))
        throw new SqlError(
          SqlState.undefinedTable,
          `relation "${name}" in FOR UPDATE clause not found in FROM clause`,
        );
      named.add(name);
    }
  }
  const targets = tables
    .filter((t) => all || named.has(t.alias))
    .map((t) => {
      if (t.nullable)
        throw new SqlError(
          SqlState.featureNotSupported,
          'FOR UPDATE cannot be applied to the nullable side of an outer join',
        );
      const table = lookup(t.rv.schemaname as string | undefined, t.rv.relname as string);
      const pk = table.primaryKey.map((id) => table.columns.find((c) => c.id === id));
      if (pk.length === 0 || pk.some((c) => c === undefined || c.hidden === true))
        throw notYet(`over a join on table "${table.name}" without a primary key is not supported`);
      const keys = planner.planSelect({
        SelectStmt: {
          targetList: pk.map((c) => column(t.alias, (c as { name: string }).name)),
          fromClause: stmt.fromClause,
          whereClause: stmt.whereClause,
          limitOption: 'LIMIT_OPTION_DEFAULT',
          op: 'SETOP_NONE',
        },
      }).plan;
      return { table, keys };
    });
  return { targets, nowait };
}

/** Locks the rows of each target table that the statement's FROM and WHERE select. */
export async function lockJoinedRows(
  ctx: ExecContext,
  plan: JoinLockPlan,
  ev: EvalCtx,
  paramTypes: number[],
): Promise<void> {
  const st = ctx.txn;
  if (st === undefined) return;
  for (const { table, keys } of plan.targets) {
    const pkPos = table.primaryKey.map((id) => table.columns.findIndex((c) => c.id === id));
    const rows: Datum[][] = [];
    const seen = new Set<string>();
    for (const k of await run(keys, newRunEnv(ctx, ev, paramTypes))) {
      const id = rowKey(table, k).toString('hex');
      if (seen.has(id)) continue; // one row joined to several: locked once
      seen.add(id);
      // lockTargetRows reads the key from the table's own column positions.
      const row = new Array<Datum>(table.columns.length).fill(null);
      pkPos.forEach((p, i) => (row[p] = k[i]));
      rows.push(row);
    }
    await lockTargetRows(ctx, table, table.columns.length, rows, null, ev, {
      nowait: plan.nowait,
    });
  }
  if (st.txn.options.isolation === 'read committed') await st.txn.beginStatement();
}
