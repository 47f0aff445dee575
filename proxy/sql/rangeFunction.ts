/**
 * Set-returning functions in FROM: `unnest(array)` (psql's \d+ reads reloptions through
 * it) and `generate_series(start, stop [, step])` over integers. The argument expressions
 * may read enclosing queries (`FROM unnest(tc.reloptions) x` inside a subquery); they are
 * evaluated when the node runs, so a correlated subquery re-evaluates them per outer row.
 */
import { SqlError, SqlState } from '../../common/errors';
import type { Datum } from '../../common/types/datum';
import { TypeOid } from '../../common/types/datum';
import { evalExpr } from '../../common/expr/eval';
import type { EvalCtx, Expr } from '../../common/expr/expr';
import { elementType } from '../../common/types/typeTable';
import { coerce, type ParamTypes } from './coerce';
import type { ExprCompiler } from './exprCompiler';
import { loc, names } from './exprCompiler';
import type { AstNode } from './parser';
import type { PlanNode } from './plan';
import type { ScopeColumn } from './scope';
import { asOid } from '../catalog/compile';

const T = TypeOid;

export type SrfNode = PlanNode & { kind: 'srf' };

export function planRangeFunction(
  item: AstNode,
  compiler: ExprCompiler,
  params: ParamTypes,
): { plan: PlanNode; cols: ScopeColumn[] } {
  const rf = item.RangeFunction as AstNode;
  // functions: one List per function, holding [FuncCall, column definitions].
  const fns = (rf.functions as AstNode[]).map(
    (f) =>
      ((f.List as AstNode | undefined)?.items as AstNode[] | undefined) ??
      (f as unknown as AstNode[]),
  );
  const ordinality = rf.ordinality === true;
  if (rf.lateral === true || fns.length !== 1)
    throw new SqlError(SqlState.featureNotSupported, 'this function in FROM is not supported yet', {
      position: loc(item),
    });
  const call = fns[0][0].FuncCall as AstNode | undefined;
  const fname = call ? names(call.funcname).pop()?.toLowerCase() : undefined;
  const set =
    fname === 'unnest' || fname === 'generate_series' || fname === 'pg_partition_ancestors';
  const args = set
    ? ((call?.args as AstNode[] | undefined) ?? []).map((a) => compiler.compile(a))
    : [];
  const alias = rf.alias as AstNode | undefined;
  const relName = (alias?.aliasname as string | undefined) ?? fname ?? 'f';
  const colNames = names(alias?.colnames);
  const colName = colNames[0] ?? (alias?.aliasname as string | undefined) ?? fname ?? 'f';
  let fn: SrfNode['fn'];
  let t: number;
  let a: Expr[];
  if (fname === 'unnest' && args.length === 1) {
    fn = 'unnest';
    t = elementType(args[0].t);
    if (t === 0)
      throw new SqlError(
        SqlState.undefinedFunction,
        'function unnest() requires an array argument',
        {
          position: loc(item),
        },
      );
    a = args;
  } else if (fname === 'generate_series' && (args.length === 2 || args.length === 3)) {
    fn = 'generate_series';
    t = args.some((x) => x.t === T.int8) ? T.int8 : T.int4;
    a = args.map((x) => coerce(x, t, params));
  } else if (fname === 'pg_partition_ancestors' && args.length === 1) {
    // Without partitions a relation's ancestors are the relation itself.
    fn = 'unnest';
    t = T.oid;
    a = [{ k: 'array', t: T._oid, a: [asOid(args[0])] }];
  } else if (call) {
    // A scalar function in FROM is a one-row table (`SELECT * FROM current_schema()`).
    fn = 'value';
    const e = compiler.compile(fns[0][0]);
    t = e.t;
    a = [e];
  } else {
    throw new SqlError(
      SqlState.featureNotSupported,
      `function ${fname ?? '?'} in FROM is not supported yet`,
      {
        position: loc(item),
      },
    );
  }
  const cols: ScopeColumn[] = [{ rel: relName, name: colName, t, tm: -1, tableOid: 0, attnum: 0 }];
  if (ordinality)
    cols.push({
      rel: relName,
      name: colNames[1] ?? 'ordinality',
      t: T.int8,
      tm: -1,
      tableOid: 0,
      attnum: 0,
    });
  return {
    plan: { kind: 'srf', fn, args: a, ordinality, types: cols.map((c) => c.t) },
    cols,
  };
}

export function runRangeFunction(node: SrfNode, ev: EvalCtx): Datum[][] {
  const rows = srfRows(node, ev);
  if (node.ordinality) rows.forEach((r, i) => r.push(BigInt(i + 1)));
  return rows;
}

function srfRows(node: SrfNode, ev: EvalCtx): Datum[][] {
  const vals = node.args.map((x) => evalExpr(x, [], ev));
  if (node.fn === 'value') return [[vals[0]]];
  if (node.fn === 'unnest') {
    const arr = vals[0];
    return arr === null ? [] : (arr as Datum[]).map((v) => [v]);
  }
  if (vals.some((v) => v === null)) return [];
  const big = node.types[0] === T.int8;
  const [start, stop, step] = vals.map((v) => BigInt(v as number | bigint));
  const by = step ?? 1n;
  if (by === 0n) throw new SqlError('22023', 'step size cannot equal zero');
  const out: Datum[][] = [];
  for (let i = start; by > 0n ? i <= stop : i >= stop; i += by) {
    out.push([big ? i : Number(i)]);
    if (out.length > 10_000_000)
      throw new SqlError('54000', 'generate_series produced more than 10 000 000 rows');
  }
  return out;
}
