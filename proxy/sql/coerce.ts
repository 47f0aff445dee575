/**
 * Type coercion at plan time, as PostgreSQL's parse_coerce: unknown literals take the
 * type their context asks for (through the type's input function), parameters get the
 * type of their first use, and implicit casts follow pg_cast's "implicit" entries for
 * the common types (int2 → int4 → int8 → numeric → float4 → float8, varchar/bpchar → text,
 * date → timestamp → timestamptz).
 */
import { SqlError, SqlState } from '../../common/errors';
import { TypeOid } from '../../common/types/datum';
import type { Expr } from '../../common/expr/expr';
import { castUsesTimeZone, castValue } from '../../common/expr/casts';
import { isNumericCategory, isStringType, typeName } from '../../common/expr/typesAdapter';
import { elementType } from '../../common/types/typeTable';

const T = TypeOid;

/** Parameter types shared by a statement's compilation (0 = not yet known). */
export type ParamTypes = number[];

const numericRank: Record<number, number> = {
  [T.int2]: 1,
  [T.int4]: 2,
  [T.int8]: 3,
  [T.numeric]: 4,
  [T.float4]: 5,
  [T.float8]: 6,
};

export function canImplicitCast(from: number, to: number): boolean {
  if (from === to) return true;
  if (from === T.unknown) return true;
  if (isNumericCategory(from) && isNumericCategory(to)) return numericRank[from] < numericRank[to];
  if ((from === T.varchar || from === T.bpchar || from === T.name) && to === T.text) return true;
  if (from === T.text && (to === T.varchar || to === T.bpchar)) return true;
  if (from === T.varchar && to === T.bpchar) return true;
  if (from === T.date && (to === T.timestamp || to === T.timestamptz)) return true;
  if (from === T.timestamp && to === T.timestamptz) return true;
  if (from === T.json && to === T.jsonb) return false;
  return false;
}

/** Assignment casts (INSERT/UPDATE target columns) also allow numeric narrowing. */
export function canAssignCast(from: number, to: number): boolean {
  if (canImplicitCast(from, to)) return true;
  if (isNumericCategory(from) && isNumericCategory(to)) return true;
  if (isStringType(to)) return true;
  if (from === T.timestamptz && (to === T.timestamp || to === T.date)) return true;
  if (from === T.timestamp && to === T.date) return true;
  // pg_cast: json ↔ jsonb are assignment casts.
  if ((from === T.json && to === T.jsonb) || (from === T.jsonb && to === T.json)) return true;
  // Arrays coerce element by element (array_map): int4[] into int8[].
  const [fromElem, toElem] = [elementType(from), elementType(to)];
  return fromElem !== 0 && toElem !== 0 && canAssignCast(fromElem, toElem);
}

/** 42804 for a value assigned to a column (or target) it has no assignment cast to. */
export function assignMismatch(
  to: number,
  from: number,
  what = 'column',
  position?: number,
): SqlError {
  return new SqlError(
    SqlState.datatypeMismatch,
    `${what} is of type ${typeName(to)} but expression is of type ${typeName(from)}`,
    { position, hint: 'You will need to rewrite or cast the expression.' },
  );
}

/** The common type of two operands for a numeric operator or comparison. */
export function promoteNumeric(a: number, b: number): number {
  if (a === T.unknown) return b;
  if (b === T.unknown) return a;
  // float4 with an integer or numeric resolves to the float8 operator.
  if ((a === T.float4 && b !== T.float4) || (b === T.float4 && a !== T.float4)) return T.float8;
  return numericRank[a] >= numericRank[b] ? a : b;
}

/**
 * Coerces e to type `to`: unknown literals are parsed (22P02 at their position), params
 * learn the type, others get an implicit (or, with `assign`, an assignment) cast node.
 */
export function coerce(
  e: Expr,
  to: number,
  params: ParamTypes,
  opts: {
    assign?: boolean;
    explicit?: boolean;
    tm?: number;
    position?: number;
    what?: string;
  } = {},
): Expr {
  const tm = opts.tm ?? -1;
  if (e.t === to && tm < 0) return e;
  if (e.k === 'const' && (e.t === T.unknown || opts.explicit || e.v === null)) {
    if (e.v === null) return { k: 'const', t: to, v: null };
    try {
      const from = e.t === T.unknown ? T.text : e.t;
      const v = castValue(from, to, e.v, tm, opts.explicit === true);
      // A value the session's TimeZone changes ('2024-07-01 12:00'::timestamptz) is cast
      // when the statement runs, in the zone of the session running it; the cast above
      // still reports a malformed literal here, at its position.
      if (castUsesTimeZone(from, to))
        return { k: 'cast', t: to, from, tm, a: { k: 'const', t: from, v: e.v } };
      return { k: 'const', t: to, v };
    } catch (err) {
      if (err instanceof SqlError && opts.position !== undefined && err.position === undefined) {
        throw new SqlError(err.code, err.message, { ...err, position: opts.position });
      }
      throw err;
    }
  }
  if (e.k === 'param' && (e.t === T.unknown || e.t === 0)) {
    if (params[e.i] === 0 || params[e.i] === T.unknown || params[e.i] === undefined)
      params[e.i] = to;
    const declared = params[e.i];
    if (declared === to)
      return tm >= 0
        ? { k: 'cast', t: to, from: to, tm, a: { k: 'param', t: to, i: e.i } }
        : { k: 'param', t: to, i: e.i };
    return { k: 'cast', t: to, from: declared, tm, a: { k: 'param', t: declared, i: e.i } };
  }
  if (e.t === T.unknown) {
    // An unknown-typed non-literal (e.g. CASE of literals): go through text input.
    return { k: 'cast', t: to, from: T.text, tm, a: { ...e, t: T.text } as Expr };
  }
  const ok = opts.explicit ? true : opts.assign ? canAssignCast(e.t, to) : canImplicitCast(e.t, to);
  if (!ok) {
    if (opts.assign) throw assignMismatch(to, e.t, opts.what, opts.position);
    throw new SqlError(
      SqlState.datatypeMismatch,
      `argument of ${opts.what ?? 'expression'} must be type ${typeName(to)}, not type ${typeName(e.t)}`,
      { position: opts.position },
    );
  }
  return { k: 'cast', t: to, from: e.t, tm, a: e };
}

/** Resolves the common type of a set of expressions (CASE, COALESCE, UNION, IN), as select_common_type. */
export function commonType(types: readonly number[], context: string, position?: number): number {
  let result: number = T.unknown;
  for (const t of types) {
    if (t === T.unknown || t === 0) continue;
    if (result === T.unknown) {
      result = t;
      continue;
    }
    if (t === result) continue;
    if (isNumericCategory(result) && isNumericCategory(t)) result = promoteNumeric(result, t);
    else if (isStringType(result) && isStringType(t)) result = T.text;
    else if (canImplicitCast(result, t)) result = t;
    else if (canImplicitCast(t, result)) continue;
    else {
      throw new SqlError(
        SqlState.datatypeMismatch,
        `${context} types ${typeName(result)} and ${typeName(t)} cannot be matched`,
        { position },
      );
    }
  }
  return result === T.unknown ? T.text : result;
}
