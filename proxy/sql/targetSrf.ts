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

/**
 * Set-returning functions planned as an array-valued call then expanded: unnest, and
 * jsonb_object_keys (whose scalar form returns its keys as text[], functionTypes.ts).
 */
const SRF_AS_ARRAY = new Set(['unnest', 'jsonb_object_keys']);

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
    const fname = names(fc?.funcname).pop()?.toLowerCase();
    if (!rt || !fc || fc.over || !SRF_AS_ARRAY.has(fname ?? '') || args.length !== 1) return t;
    idx.push(i);
    // unnest(x) plans x itself; the others plan their array-valued twin (same name).
    return {
      ResTarget: {
        ...rt,
        name: (rt.name as string | undefined) ?? fname,
        val: fname === 'unnest' ? args[0] : rt.val,
      },
    };
  });
  if (idx.length === 0) return plan(stmt);
  const starred = JSON.stringify(targets).includes('"A_Star"');
  if (starred || stmt.sortClause || stmt.limitCount || stmt.distinctClause || stmt.groupClause)
    throw new SqlError(
      SqlState.featureNotSupported,
      'set-returning functions in a select list are supported only without *, ORDER BY, LIMIT, DISTINCT and GROUP BY',
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
