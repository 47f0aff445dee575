/**
 * Plan-time hooks of the catalog emulation into the expression compiler: calls of catalog
 * functions, casts to and from regclass / regtype / regproc, and the POSIX regex operators
 * (`~`, `~*`, `!~`, `!~*`, also spelled OPERATOR(pg_catalog.~)).
 *
 * reg* values are OIDs (numbers) everywhere inside a statement, compared as oid; only text
 * output (a cast to text, or a reg* column of the result, statements.ts) turns them into names.
 */
import { SqlError, SqlState } from '../../common/errors';
import { TypeOid } from '../../common/types/datum';
import type { Expr } from '../../common/expr/expr';
import { typeInfo } from '../../common/types/typeTable';
import { coerce, type ParamTypes } from '../sql/coerce';
import { CATALOG_FUNCTIONS, isRegType } from './functions';

const T = TypeOid;

const REGNAMESPACE = 4089;
const REGROLE = 4096;

const TEXTLIKE = new Set<number>([T.unknown, T.text, T.name, T.varchar, T.bpchar]);

/** An expression of a reg* / integer type, as an oid. */
export function asOid(e: Expr): Expr {
  if (e.t === T.oid) return e;
  if (e.k === 'const' && (typeof e.v === 'number' || e.v === null)) return { ...e, t: T.oid };
  return { k: 'fn', t: T.oid, f: 'pg.oid_id', a: [e] };
}

function call(name: string, t: number, a: Expr[]): Expr {
  return { k: 'fn', t, f: `pg.${name}`, a };
}

export function compileCatalogCall(
  name: string,
  args: Expr[],
  params: ParamTypes,
  position?: number,
): Expr | null {
  const fn = CATALOG_FUNCTIONS.get(name);
  if (
    !fn ||
    name.endsWith('_in') ||
    name.endsWith('_out') ||
    name === 'oid_id' ||
    name === 'regex' ||
    name === 'array_subscript' ||
    name === 'array_cat'
  )
    return null;
  const s = fn.sigs.find((x) => x.args.length === args.length);
  if (!s)
    throw new SqlError(
      SqlState.undefinedFunction,
      `function ${name}(${args.map((a) => typeInfo(a.t)?.sqlName ?? 'unknown').join(', ')}) does not exist`,
      { position },
    );
  const a = args.map((x, i) => {
    const want = s.args[i];
    if (want === T.oid && (isRegType(x.t) || x.t === T.int4 || x.t === T.int8 || x.t === T.int2))
      return asOid(x);
    if (typeInfo(want)?.category === 'A' && typeInfo(x.t)?.category === 'A') return x;
    if (want === T.oid && TEXTLIKE.has(x.t) && x.k !== 'const' && x.k !== 'param')
      return asOid(
        call('regclass_in', T.regclass, [coerce(x, T.text, params, { explicit: true })]),
      );
    return coerce(x, want, params, { explicit: true, position });
  });
  return call(name, s.ret, a);
}

/** `x::regclass`, `x::regtype`, `regclass::text` …; null when the cast is not ours. */
export function compileCatalogCast(arg: Expr, to: number, params: ParamTypes): Expr | null {
  if (to === REGNAMESPACE || to === REGROLE)
    return call(to === REGNAMESPACE ? 'regnamespace_out' : 'regrole_out', T.text, [asOid(arg)]);
  if (isRegType(to)) {
    if (TEXTLIKE.has(arg.t)) {
      const text = coerce(arg, T.text, params, { explicit: true });
      return call(
        to === T.regclass ? 'regclass_in' : to === T.regtype ? 'regtype_in' : 'regproc_in',
        to,
        [text],
      );
    }
    if (to === T.regproc) return null;
    return { k: 'fn', t: to, f: 'pg.oid_id', a: [arg] };
  }
  if (isRegType(arg.t)) {
    if (TEXTLIKE.has(to)) {
      if (arg.t === T.regproc)
        return coerce({ ...arg, t: T.text } as Expr, to, params, { explicit: true });
      const text = call(arg.t === T.regclass ? 'regclass_out' : 'regtype_out', T.text, [
        asOid(arg),
      ]);
      return to === T.text ? text : coerce(text, to, params, { explicit: true });
    }
    if (to === T.oid) return asOid(arg);
    return coerce(asOid(arg), to, params, { explicit: true });
  }
  return null;
}

/** `a ~ b` and friends. */
export function compileRegexOp(op: string, a: Expr, b: Expr, params: ParamTypes): Expr | null {
  if (op !== '~' && op !== '~*' && op !== '!~' && op !== '!~*') return null;
  const text = (e: Expr): Expr =>
    e.t === T.text ? e : coerce(e, T.text, params, { explicit: true });
  return call('regex', T.bool, [
    text(a),
    text(b),
    { k: 'const', t: T.bool, v: op.includes('*') },
    { k: 'const', t: T.bool, v: op.startsWith('!') },
  ]);
}
