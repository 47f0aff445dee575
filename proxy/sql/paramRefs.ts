/**
 * Parameter references ($n) in a statement of a simple Query, which has no parameters:
 * PostgreSQL's parse analysis has no paramref hook there, so transformParamRef
 * (parse_expr.c) fails at the first $n it meets with 42P02 "there is no parameter $n",
 * pointing at it.
 */
import { SqlError, SqlState } from '../../common/errors';
import type { AstNode } from './parser';

/**
 * Subtrees where $n is not a parameter of the statement itself: PREPARE's query (its
 * parameters are declared: `PREPARE p(int) AS SELECT $1` runs as a simple Query) and a
 * function's SQL-standard body (the function's arguments).
 */
const ownParameters = new Set(['PrepareStmt', 'CreateFunctionStmt']);

/**
 * Clauses parse analysis transforms before the rest of a statement
 * (analyze.c transformSelectStmt: WITH, then FROM, then the target list and WHERE …).
 */
const analyzedFirst = ['withClause', 'fromClause'];

/** The 42P02 error for the first parameter reference of `node`, or undefined when it has none. */
export function noParameterError(node: AstNode): SqlError | undefined {
  const ref = firstParamRef(node);
  if (ref === undefined) return undefined;
  return new SqlError(SqlState.undefinedParameter, `there is no parameter $${ref.number}`, {
    position: ref.location >= 0 ? ref.location + 1 : undefined,
  });
}

interface Ref {
  readonly number: number;
  readonly location: number;
}

function firstParamRef(value: unknown): Ref | undefined {
  if (Array.isArray(value)) {
    for (const v of value) {
      const r = firstParamRef(v);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const node = value as AstNode;
  const ref = node.ParamRef as { number?: number; location?: number } | undefined;
  if (ref !== undefined) return { number: ref.number ?? 0, location: ref.location ?? -1 };
  for (const k of analyzedFirst) {
    const r = k in node ? firstParamRef(node[k]) : undefined;
    if (r !== undefined) return r;
  }
  for (const k of Object.keys(node)) {
    if (ownParameters.has(k) || analyzedFirst.includes(k)) continue;
    const r = firstParamRef(node[k]);
    if (r !== undefined) return r;
  }
  return undefined;
}
