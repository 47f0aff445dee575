/**
 * Evaluates a compiled expression against one row. A plain recursive switch over the
 * tree: no closures are built per row, and constant subtrees cost one property read.
 * NULL follows SQL's three-valued logic (null is "unknown" for booleans).
 */
import { SqlError } from '../errors';
import type { Datum } from '../types/datum';
import { arith, negate } from './arith';
import { castValue } from './casts';
import type { CmpOp, EvalCtx, Expr, SubqueryValue } from './expr';
import { callFunction, NON_STRICT } from './functions';
import { compareValues } from './typesAdapter';

function cmpResult(op: CmpOp, c: number): boolean {
  switch (op) {
    case 'eq':
      return c === 0;
    case 'ne':
      return c !== 0;
    case 'lt':
      return c < 0;
    case 'le':
      return c <= 0;
    case 'gt':
      return c > 0;
    case 'ge':
      return c >= 0;
  }
}

/** SQL equality of two non-null values of type t. */
export function sqlEquals(t: number, a: Datum, b: Datum): boolean {
  return a === b || compareValues(t, a, b) === 0;
}

const likeCache = new Map<string, RegExp>();

/** LIKE pattern (with backslash escape) to an anchored RegExp, cached per pattern. */
export function likeRegExp(pattern: string, ci: boolean): RegExp {
  const key = (ci ? 'i:' : 's:') + pattern;
  let re = likeCache.get(key);
  if (re === undefined) {
    let src = '^';
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i];
      if (c === '\\') {
        i++;
        if (i >= pattern.length)
          throw new SqlError('22025', 'LIKE pattern must not end with escape character');
        src += pattern[i].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      } else if (c === '%') src += '[\\s\\S]*';
      else if (c === '_') src += '[\\s\\S]';
      else src += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
    re = new RegExp(src + '$', ci ? 'isu' : 'su');
    if (likeCache.size > 1000) likeCache.clear();
    likeCache.set(key, re);
  }
  return re;
}

function inList(
  values: readonly Datum[],
  hasNull: boolean,
  ct: number,
  x: Datum,
  neg: boolean,
): Datum {
  let sawNull = hasNull;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null) {
      sawNull = true;
      continue;
    }
    if (sqlEquals(ct, x, v)) return !neg;
  }
  return sawNull ? null : neg;
}

export function evalExpr(e: Expr, row: readonly Datum[], ctx: EvalCtx): Datum {
  switch (e.k) {
    case 'col':
      return row[e.i];
    case 'const':
      return e.v;
    case 'param': {
      const v = ctx.params[e.i] ?? null;
      return e.from !== undefined && v !== null && e.from !== e.t
        ? castValue(e.from, e.t, v, -1, true, ctx.timeZone)
        : v;
    }
    case 'outer':
      return ctx.outer[ctx.outer.length - e.d][e.i];
    case 'slot':
      return ctx.slots[e.i];
    case 'arith': {
      const a = evalExpr(e.a, row, ctx);
      if (a === null) return null;
      const b = evalExpr(e.b, row, ctx);
      if (b === null) return null;
      return arith(e.op, e.a.t, a, b, e.t, ctx.timeZone);
    }
    case 'neg': {
      const a = evalExpr(e.a, row, ctx);
      return a === null ? null : negate(e.t, a);
    }
    case 'cmp': {
      const a = evalExpr(e.a, row, ctx);
      if (a === null) return null;
      const b = evalExpr(e.b, row, ctx);
      if (b === null) return null;
      return cmpResult(e.op, a === b ? 0 : compareValues(e.ct, a, b));
    }
    case 'and': {
      let sawNull = false;
      for (let i = 0; i < e.a.length; i++) {
        const v = evalExpr(e.a[i], row, ctx);
        if (v === false) return false;
        if (v === null) sawNull = true;
      }
      return sawNull ? null : true;
    }
    case 'or': {
      let sawNull = false;
      for (let i = 0; i < e.a.length; i++) {
        const v = evalExpr(e.a[i], row, ctx);
        if (v === true) return true;
        if (v === null) sawNull = true;
      }
      return sawNull ? null : false;
    }
    case 'not': {
      const v = evalExpr(e.a, row, ctx);
      return v === null ? null : !v;
    }
    case 'isnull': {
      const v = evalExpr(e.a, row, ctx);
      // A row value IS NULL when every field is null.
      const isNull =
        v === null || (Array.isArray(v) && e.a.k === 'array' && v.every((x) => x === null));
      return e.neg ? !isNull : isNull;
    }
    case 'istest': {
      const v = evalExpr(e.a, row, ctx);
      const r = e.test === 'unknown' ? v === null : e.test === 'true' ? v === true : v === false;
      return e.neg ? !r : r;
    }
    case 'distinct': {
      const a = evalExpr(e.a, row, ctx);
      const b = evalExpr(e.b, row, ctx);
      const differ = a === null || b === null ? a !== b : !sqlEquals(e.ct, a, b);
      return e.neg ? !differ : differ;
    }
    case 'in': {
      const x = evalExpr(e.a, row, ctx);
      if (x === null) return null;
      let sawNull = false;
      for (let i = 0; i < e.list.length; i++) {
        const v = evalExpr(e.list[i], row, ctx);
        if (v === null) sawNull = true;
        else if (sqlEquals(e.ct, x, v)) return !e.neg;
      }
      return sawNull ? null : e.neg;
    }
    case 'insubq': {
      const x = evalExpr(e.a, row, ctx);
      const s = ctx.subq[e.id] as { values: readonly Datum[]; hasNull: boolean };
      if (s.values.length === 0 && !s.hasNull) return e.neg;
      if (x === null) return null;
      return inList(s.values, s.hasNull, e.ct, x, e.neg);
    }
    case 'subq':
      return ctx.subq[e.id] as Datum;
    case 'like': {
      const a = evalExpr(e.a, row, ctx);
      if (a === null) return null;
      const p = evalExpr(e.p, row, ctx);
      if (p === null) return null;
      const m = likeRegExp(p as string, e.ci).test(a as string);
      return e.neg ? !m : m;
    }
    case 'case': {
      for (let i = 0; i < e.whens.length; i++) {
        if (evalExpr(e.whens[i], row, ctx) === true) return evalExpr(e.thens[i], row, ctx);
      }
      return e.els === null ? null : evalExpr(e.els, row, ctx);
    }
    case 'coalesce': {
      for (let i = 0; i < e.a.length; i++) {
        const v = evalExpr(e.a[i], row, ctx);
        if (v !== null) return v;
      }
      return null;
    }
    case 'nullif': {
      const a = evalExpr(e.a, row, ctx);
      if (a === null) return null;
      const b = evalExpr(e.b, row, ctx);
      return b !== null && sqlEquals(e.ct, a, b) ? null : a;
    }
    case 'minmax': {
      let best: Datum = null;
      for (let i = 0; i < e.a.length; i++) {
        const v = evalExpr(e.a[i], row, ctx);
        if (v === null) continue;
        if (best === null) best = v;
        else {
          const c = compareValues(e.t, v, best);
          if (e.max ? c > 0 : c < 0) best = v;
        }
      }
      return best;
    }
    case 'cast': {
      const v = evalExpr(e.a, row, ctx);
      return v === null ? null : castValue(e.from, e.t, v, e.tm, true, ctx.timeZone);
    }
    case 'fn': {
      if (e.f.charCodeAt(2) === 46 && e.f.startsWith('pg.')) {
        if (!ctx.proxyFn) throw new SqlError('0A000', `${e.f.slice(3)}() is not available here`);
        return ctx.proxyFn(
          e.f,
          e.a.map((x) => evalExpr(x, row, ctx)),
        );
      }
      const args = new Array<Datum>(e.a.length);
      const types = new Array<number>(e.a.length);
      const strict = !NON_STRICT.has(e.f);
      for (let i = 0; i < e.a.length; i++) {
        const v = evalExpr(e.a[i], row, ctx);
        if (v === null && strict) return null;
        args[i] = v;
        types[i] = e.a[i].t;
      }
      if (e.f === 'nextval') {
        if (!ctx.nextval) throw new SqlError('0A000', 'nextval() is not available here');
        return ctx.nextval(args[0] as string);
      }
      return callFunction(e.f, args, types, e.t, ctx.nowUs, ctx.timeZone);
    }
    case 'array': {
      const out = new Array<Datum>(e.a.length);
      for (let i = 0; i < e.a.length; i++) out[i] = evalExpr(e.a[i], row, ctx);
      return out;
    }
    case 'anyall': {
      const x = evalExpr(e.a, row, ctx);
      const arr = evalExpr(e.b, row, ctx);
      if (arr === null) return null;
      const list = Array.isArray(arr)
        ? arr
        : ((arr as unknown as { values: Datum[] }).values ?? []);
      if (list.length === 0) return e.all;
      if (x === null) return null;
      let sawNull = false;
      for (const v of list) {
        if (v === null) {
          sawNull = true;
          continue;
        }
        const r = cmpResult(e.op, compareValues(e.ct, x, v));
        if (e.all && !r) return false;
        if (!e.all && r) return true;
      }
      return sawNull ? null : e.all;
    }
  }
}

/** WHERE semantics: only true passes (null and false reject). */
export function evalPredicate(e: Expr, row: readonly Datum[], ctx: EvalCtx): boolean {
  return evalExpr(e, row, ctx) === true;
}

export type { SubqueryValue };
