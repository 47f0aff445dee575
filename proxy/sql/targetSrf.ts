/**
 * unnest() in a SELECT list (TypeORM reads foreign keys with
 * `SELECT UNNEST(con.conkey) AS parent, UNNEST(con.confkey) AS child, …`). PostgreSQL 10+
 * runs the set-returning calls of a target list in lockstep: one output row per element
 * index, up to the longest array, shorter ones padded with NULL. We plan the query with
 * each unnest(x) replaced by x (so x is an array column) and expand those columns in a
 * `zip` node above it.
 */
import { SqlError, SqlState } from '../../common/errors';
import type { Datum } from '../../common/types/datum';
import { elementType } from '../../common/types/typeTable';
import { names } from './exprCompiler';
import type { AstNode } from './parser';
import type { PlanNode } from './plan';
import type { PlannedQuery } from './planner';

export type ZipNode = PlanNode & { kind: 'zip' };

export function planWithTargetUnnest(
  stmt: AstNode,
  plan: (s: AstNode) => PlannedQuery,
): PlannedQuery {
  const targets = (stmt.targetList as AstNode[] | undefined) ?? [];
  const idx: number[] = [];
  const rewritten = targets.map((t, i) => {
    const rt = t.ResTarget as AstNode | undefined;
    const fc = (rt?.val as AstNode | undefined)?.FuncCall as AstNode | undefined;
    const args = (fc?.args as AstNode[] | undefined) ?? [];
    if (
      !rt ||
      !fc ||
      fc.over ||
      names(fc.funcname).pop()?.toLowerCase() !== 'unnest' ||
      args.length !== 1
    )
      return t;
    idx.push(i);
    return {
      ResTarget: { ...rt, name: (rt.name as string | undefined) ?? 'unnest', val: args[0] },
    };
  });
  if (idx.length === 0) return plan(stmt);
  const starred = JSON.stringify(targets).includes('"A_Star"');
  if (starred || stmt.sortClause || stmt.limitCount || stmt.distinctClause || stmt.groupClause)
    throw new SqlError(
      SqlState.featureNotSupported,
      'unnest() in a select list is supported only without *, ORDER BY, LIMIT, DISTINCT and GROUP BY',
    );
  const q = plan({ ...stmt, targetList: rewritten });
  const columns = q.columns.map((c, i) =>
    idx.includes(i) ? { ...c, t: elementType(c.t) || c.t, tm: -1 } : c,
  );
  return {
    plan: { kind: 'zip', input: q.plan, cols: idx, types: columns.map((c) => c.t) },
    columns,
  };
}

export function runZip(node: ZipNode, rows: Datum[][]): Datum[][] {
  const out: Datum[][] = [];
  for (const r of rows) {
    const arrays = node.cols.map((i) => (r[i] as Datum[] | null) ?? []);
    const n = Math.max(0, ...arrays.map((a) => a.length));
    for (let k = 0; k < n; k++) {
      const row = r.slice();
      node.cols.forEach((c, j) => (row[c] = arrays[j][k] ?? null));
      out.push(row);
    }
  }
  return out;
}
