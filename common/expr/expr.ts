/**
 * The compiled expression tree: plain data (serializable to msgpack for plan fragments),
 * already resolved against column types at plan time, so evaluation never looks up a
 * name or a type. Every node carries its result type `t` (a type OID).
 *
 * Column references are positions in the input row; `outer` reads a row of an enclosing
 * query (correlated subqueries, evaluated at the proxy only).
 */
import type { Datum } from '../types/datum';

export type ArithOp =
  'add' | 'sub' | 'mul' | 'div' | 'mod' | 'pow' | 'concat' | 'band' | 'bor' | 'shl' | 'shr';
export type CmpOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

export type Expr =
  | { readonly k: 'const'; readonly t: number; readonly v: Datum }
  | { readonly k: 'param'; readonly t: number; readonly i: number; readonly from?: number }
  | { readonly k: 'col'; readonly t: number; readonly i: number }
  | { readonly k: 'outer'; readonly t: number; readonly d: number; readonly i: number }
  /** Binary arithmetic; both operands already have the operator's input types. */
  | {
      readonly k: 'arith';
      readonly t: number;
      readonly op: ArithOp;
      readonly a: Expr;
      readonly b: Expr;
    }
  | { readonly k: 'neg'; readonly t: number; readonly a: Expr }
  /** Comparison of two values of type ct (operands cast to ct at plan time). */
  | {
      readonly k: 'cmp';
      readonly t: number;
      readonly op: CmpOp;
      readonly ct: number;
      readonly a: Expr;
      readonly b: Expr;
    }
  | { readonly k: 'and'; readonly t: number; readonly a: readonly Expr[] }
  | { readonly k: 'or'; readonly t: number; readonly a: readonly Expr[] }
  | { readonly k: 'not'; readonly t: number; readonly a: Expr }
  | { readonly k: 'isnull'; readonly t: number; readonly a: Expr; readonly neg: boolean }
  /** IS [NOT] TRUE / FALSE / UNKNOWN */
  | {
      readonly k: 'istest';
      readonly t: number;
      readonly a: Expr;
      readonly test: 'true' | 'false' | 'unknown';
      readonly neg: boolean;
    }
  | {
      readonly k: 'distinct';
      readonly t: number;
      readonly ct: number;
      readonly a: Expr;
      readonly b: Expr;
      readonly neg: boolean;
    }
  | {
      readonly k: 'in';
      readonly t: number;
      readonly ct: number;
      readonly a: Expr;
      readonly list: readonly Expr[];
      readonly neg: boolean;
    }
  | {
      readonly k: 'like';
      readonly t: number;
      readonly a: Expr;
      readonly p: Expr;
      readonly ci: boolean;
      readonly neg: boolean;
    }
  | {
      readonly k: 'case';
      readonly t: number;
      readonly whens: readonly Expr[];
      readonly thens: readonly Expr[];
      readonly els: Expr | null;
    }
  | { readonly k: 'coalesce'; readonly t: number; readonly a: readonly Expr[] }
  | {
      readonly k: 'nullif';
      readonly t: number;
      readonly ct: number;
      readonly a: Expr;
      readonly b: Expr;
    }
  | { readonly k: 'minmax'; readonly t: number; readonly max: boolean; readonly a: readonly Expr[] }
  | {
      readonly k: 'cast';
      readonly t: number;
      readonly from: number;
      readonly tm: number;
      readonly a: Expr;
    }
  | { readonly k: 'fn'; readonly t: number; readonly f: string; readonly a: readonly Expr[] }
  | { readonly k: 'array'; readonly t: number; readonly a: readonly Expr[] }
  /** x op ANY/ALL (array) */
  | {
      readonly k: 'anyall';
      readonly t: number;
      readonly all: boolean;
      readonly op: CmpOp;
      readonly ct: number;
      readonly a: Expr;
      readonly b: Expr;
    }
  /** A subquery's result for the current row, computed by the proxy into EvalCtx.subq[id]. */
  | {
      readonly k: 'subq';
      readonly t: number;
      readonly id: number;
      readonly mode: 'scalar' | 'exists';
    }
  | {
      readonly k: 'insubq';
      readonly t: number;
      readonly id: number;
      readonly ct: number;
      readonly a: Expr;
      readonly neg: boolean;
    }
  /** A window function's or aggregate's computed value, stored beside the row (proxy only). */
  | { readonly k: 'slot'; readonly t: number; readonly i: number };

/** What a subquery slot holds during evaluation. */
export type SubqueryValue =
  Datum | { readonly values: readonly Datum[]; readonly hasNull: boolean };

export interface EvalCtx {
  params: readonly Datum[];
  /** Rows of enclosing queries, innermost last. */
  outer: Datum[][];
  subq: SubqueryValue[];
  /** Slot values (aggregates/windows) for the current row. */
  slots: Datum[];
  /** Statement start time, microseconds since 2000-01-01 (now()). */
  nowUs: bigint;
  /**
   * The session's TimeZone setting: timestamptz fields (extract, date_trunc, to_char,
   * make_timestamptz) are the wall clock there, as in PostgreSQL. Absent: UTC (internal work).
   */
  timeZone?: string;
  /** nextval(name) from the proxy's cached sequence blocks (proxy only). */
  nextval?: (name: string) => bigint;
  /** `pg.*` catalog and session functions, answered by the proxy (proxy/catalog). */
  proxyFn?: (f: string, args: Datum[]) => Datum;
}

export function newEvalCtx(params: readonly Datum[] = [], nowUs = 0n): EvalCtx {
  return { params, outer: [], subq: [], slots: [], nowUs };
}

/** Visits every node (pre-order). */
export function walkExpr(e: Expr, visit: (e: Expr) => void): void {
  visit(e);
  switch (e.k) {
    case 'arith':
    case 'cmp':
    case 'distinct':
    case 'nullif':
    case 'anyall':
      walkExpr(e.a, visit);
      walkExpr(e.b, visit);
      return;
    case 'neg':
    case 'not':
    case 'isnull':
    case 'istest':
    case 'cast':
      walkExpr(e.a, visit);
      return;
    case 'and':
    case 'or':
    case 'coalesce':
    case 'minmax':
    case 'fn':
    case 'array':
      for (const x of e.a) walkExpr(x, visit);
      return;
    case 'in':
      walkExpr(e.a, visit);
      for (const x of e.list) walkExpr(x, visit);
      return;
    case 'insubq':
      walkExpr(e.a, visit);
      return;
    case 'like':
      walkExpr(e.a, visit);
      walkExpr(e.p, visit);
      return;
    case 'case':
      for (const x of e.whens) walkExpr(x, visit);
      for (const x of e.thens) walkExpr(x, visit);
      if (e.els) walkExpr(e.els, visit);
      return;
    default:
      return;
  }
}

/** Can a shard evaluate this (no outer rows, subqueries, slots, or proxy-only functions)? */
export function isPushable(e: Expr): boolean {
  let ok = true;
  walkExpr(e, (x) => {
    if (x.k === 'outer' || x.k === 'subq' || x.k === 'insubq' || x.k === 'slot') ok = false;
    if (x.k === 'fn' && (x.f === 'nextval' || x.f === 'gen_random_uuid' || x.f === 'random'))
      ok = false;
    if (x.k === 'fn' && x.f.startsWith('pg.')) ok = false;
  });
  return ok;
}

/** Does the expression read any input column? */
export function usesColumns(e: Expr): boolean {
  let found = false;
  walkExpr(e, (x) => {
    if (x.k === 'col' || x.k === 'slot') found = true;
  });
  return found;
}
