/** Constant expressions and parameters in the parse tree, turned into typed values. */
import { SqlError, SqlState } from '../../common/errors';
import type { Datum } from '../../common/types/datum';
import { TypeOid } from '../../common/types/datum';
import { defaultFormatSettings, parseText } from '../../common/types/io';
import type { AstNode } from './parser';
import { typeOidOf } from './typeNames';

/** A value known at plan time, or the n-th parameter. */
export type ValueSource = { readonly kind: 'const'; readonly value: Datum } | { readonly kind: 'param'; readonly index: number };

function constText(c: AstNode): { text: string | null; literalType: number } {
  if (c.isnull) return { text: null, literalType: TypeOid.unknown };
  if (c.ival !== undefined) return { text: String((c.ival as { ival?: number }).ival ?? 0), literalType: TypeOid.int4 };
  if (c.fval !== undefined) return { text: String((c.fval as { fval: string }).fval), literalType: TypeOid.numeric };
  if (c.sval !== undefined) return { text: String((c.sval as { sval?: string }).sval ?? ''), literalType: TypeOid.unknown };
  if (c.boolval !== undefined) return { text: (c.boolval as { boolval?: boolean }).boolval ? 't' : 'f', literalType: TypeOid.bool };
  return { text: null, literalType: TypeOid.unknown };
}

/**
 * Reads a constant, a cast constant or a $n as a value of targetType. Literal text goes
 * through the type's input function, as PostgreSQL coerces an unknown literal.
 */
export function valueSource(node: AstNode, targetType: number, paramTypes: number[]): ValueSource {
  if (node.A_Const) {
    const { text } = constText(node.A_Const as AstNode);
    const location = (node.A_Const as { location?: number }).location;
    return { kind: 'const', value: text === null ? null : coerceText(text, targetType, location) };
  }
  if (node.TypeCast) {
    const cast = node.TypeCast as { arg: AstNode; typeName: { names: Array<{ String: { sval: string } }>; location?: number } };
    const castType = typeOidOf(cast.typeName.names.map((n) => n.String.sval), cast.typeName.location);
    const inner = valueSource(cast.arg, castType, paramTypes);
    if (inner.kind === 'param' || inner.value === null || castType === targetType) return inner;
    return { kind: 'const', value: coerceText(String(inner.value), targetType) };
  }
  if (node.ParamRef) {
    const n = (node.ParamRef as { number: number }).number;
    while (paramTypes.length < n) paramTypes.push(0);
    if (paramTypes[n - 1] === 0 || paramTypes[n - 1] === TypeOid.unknown) paramTypes[n - 1] = targetType;
    return { kind: 'param', index: n - 1 };
  }
  if (node.A_Expr) {
    const e = node.A_Expr as { name?: Array<{ String: { sval: string } }>; lexpr?: AstNode; rexpr: AstNode };
    if (e.lexpr === undefined && e.name?.[0]?.String.sval === '-' && e.rexpr.A_Const) {
      const { text } = constText(e.rexpr.A_Const as AstNode);
      return { kind: 'const', value: text === null ? null : coerceText(`-${text}`, targetType) };
    }
  }
  throw new SqlError(SqlState.featureNotSupported, 'only constants and parameters are supported here yet');
}

export function coerceText(text: string, typeOid: number, position?: number): Datum {
  try {
    return parseText(typeOid, text, defaultFormatSettings);
  } catch (err) {
    if (err instanceof SqlError && position !== undefined && err.position === undefined) {
      throw new SqlError(err.code, err.message, { position: position + 1 });
    }
    throw err;
  }
}

export function resolve(source: ValueSource, params: readonly Datum[]): Datum {
  return source.kind === 'const' ? source.value : (params[source.index] ?? null);
}
