/**
 * Resolution of the json/jsonb operators (pg_operator, PostgreSQL 15) to the functions of
 * common/expr/jsonFunctions.ts. An unknown literal on the right takes the type the
 * operator's candidates agree on: text for `->`, `->>`, `?` and `-` (the string category
 * is preferred over integer), text[] for `#>`, `#>>`, `?|`, `?&`, jsonb for `@>`, `<@`, `||`.
 *
 * json (not jsonb) has the extraction operators only, answered from its text as written
 * (common/expr/jsonText.ts).
 */
import { SqlError, SqlState } from '../../common/errors';
import { TypeOid } from '../../common/types/datum';
import type { Expr } from '../../common/expr/expr';
import { isIntType, typeName } from '../../common/expr/typesAdapter';
import { coerce, type ParamTypes } from './coerce';

const T = TypeOid;

const JSON_OPS = new Set(['->', '->>', '#>', '#>>', '@>', '<@', '?', '?|', '?&', '||', '-']);

function fn(t: number, f: string, a: Expr[]): Expr {
  return { k: 'fn', t, f, a };
}

function noOperator(op: string, a: number, b: number, position?: number): SqlError {
  return new SqlError(
    SqlState.undefinedFunction,
    `operator does not exist: ${typeName(a)} ${op} ${typeName(b)}`,
    {
      position,
      hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.',
    },
  );
}

const isUnknown = (e: Expr): boolean => e.t === T.unknown || (e.k === 'param' && e.t === 0);
const isTextLike = (t: number): boolean =>
  t === T.text || t === T.varchar || t === T.bpchar || t === T.name;

/** The operator applied to a json or jsonb operand, or null when it is not one of these. */
export function compileJsonOperator(
  op: string,
  a: Expr,
  b: Expr,
  params: ParamTypes,
  position?: number,
): Expr | null {
  if (!JSON_OPS.has(op)) return null;
  const aj = a.t === T.jsonb || a.t === T.json;
  const bj = b.t === T.jsonb || b.t === T.json;
  if (!aj && !bj) return null;
  const c = (e: Expr, t: number) => coerce(e, t, params, { position });
  const jb = (e: Expr) =>
    e.t === T.jsonb ? e : coerce(e, T.jsonb, params, { position, explicit: e.t === T.json });
  // json_* functions read json's text; jsonb_* the parsed value.
  const family = a.t === T.json ? 'json' : 'jsonb';
  switch (op) {
    case '->':
    case '->>': {
      if (!aj) return null;
      const text = op === '->>';
      const rt = text ? T.text : a.t;
      if (isIntType(b.t) && b.t !== T.int8) {
        const f = `${family}_array_element${text ? '_text' : ''}`;
        return fn(rt, f, [a, c(b, T.int4)]);
      }
      if (!isUnknown(b) && !isTextLike(b.t)) throw noOperator(op, a.t, b.t, position);
      return fn(rt, `${family}_object_field${text ? '_text' : ''}`, [a, c(b, T.text)]);
    }
    case '#>':
    case '#>>': {
      if (!aj) return null;
      if (!isUnknown(b) && b.t !== T._text) throw noOperator(op, a.t, b.t, position);
      const text = op === '#>>';
      return fn(text ? T.text : a.t, `${family}_extract_path${text ? '_text' : ''}`, [
        a,
        c(b, T._text),
      ]);
    }
    default:
      break;
  }
  // The remaining operators exist for jsonb only.
  const ajb = a.t === T.jsonb || (isUnknown(a) && b.t === T.jsonb);
  switch (op) {
    case '@>':
    case '<@':
      if (!ajb || !(b.t === T.jsonb || isUnknown(b))) throw noOperator(op, a.t, b.t, position);
      return fn(T.bool, op === '@>' ? 'jsonb_contains' : 'jsonb_contained', [jb(a), jb(b)]);
    case '?':
      if (a.t !== T.jsonb) throw noOperator(op, a.t, b.t, position);
      if (!isUnknown(b) && !isTextLike(b.t)) throw noOperator(op, a.t, b.t, position);
      return fn(T.bool, 'jsonb_exists', [a, c(b, T.text)]);
    case '?|':
    case '?&':
      if (a.t !== T.jsonb) throw noOperator(op, a.t, b.t, position);
      if (!isUnknown(b) && b.t !== T._text) throw noOperator(op, a.t, b.t, position);
      return fn(T.bool, op === '?|' ? 'jsonb_exists_any' : 'jsonb_exists_all', [a, c(b, T._text)]);
    case '||':
      // jsonb || jsonb (an unknown side is jsonb); jsonb || text is text concatenation.
      if (
        (a.t === T.jsonb && (b.t === T.jsonb || isUnknown(b))) ||
        (isUnknown(a) && b.t === T.jsonb)
      )
        return fn(T.jsonb, 'jsonb_concat', [jb(a), jb(b)]);
      return null;
    case '-': {
      if (a.t !== T.jsonb) return null;
      if (isIntType(b.t) && b.t !== T.int8)
        return fn(T.jsonb, 'jsonb_delete_idx', [a, c(b, T.int4)]);
      if (b.t === T._text) return fn(T.jsonb, 'jsonb_delete_arr', [a, b]);
      if (isUnknown(b) || isTextLike(b.t)) return fn(T.jsonb, 'jsonb_delete', [a, c(b, T.text)]);
      throw noOperator(op, a.t, b.t, position);
    }
    default:
      return null;
  }
}
