/**
 * libpg-query expression nodes → compiled Expr trees (common/expr), resolved against a
 * Scope: names to positions, operators to typed nodes with implicit casts, literals to
 * values of the type their context asks for, $n to parameter types (first use decides).
 */
import { elementType, isVectorType } from '../../common/types/typeTable';
import {
  asOid,
  compileCatalogCall,
  compileCatalogCast,
  compileRegexOp,
  isRegType,
} from '../catalog';
import { SqlError, SqlState } from '../../common/errors';
import type { Datum } from '../../common/types/datum';
import { TypeOid } from '../../common/types/datum';
import type { ArithOp, CmpOp, Expr } from '../../common/expr/expr';
import { Numeric } from '../../common/expr/numeric';
import { negate } from '../../common/expr/arith';
import {
  isNumericCategory,
  isStringType,
  isTimeType,
  typeName,
} from '../../common/expr/typesAdapter';
import { coerce, commonType, promoteNumeric, type ParamTypes } from './coerce';
import { resolveFunction } from './functionTypes';
import { compileJsonOperator } from './jsonOperators';
import type { AstNode } from './parser';
import type { PlanNode, SubqueryPlan } from './plan';
import type { Scope } from './scope';
import { typeOidOf } from './typeNames';

const T = TypeOid;

export const AGGREGATES = new Set([
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'bool_and',
  'bool_or',
  'every',
  'string_agg',
  'array_agg',
  'json_agg',
  'jsonb_agg',
  'json_object_agg',
  'jsonb_object_agg',
]);

export interface ExprHooks {
  subquery(
    select: AstNode,
    outer: Scope,
  ): { plan: PlanNode; types: readonly number[]; correlated: boolean };
  /** Aggregates allowed here: registers the call, returns the expression reading its result. */
  aggregate?(call: AstNode, compiler: ExprCompiler): Expr;
  window?(call: AstNode, compiler: ExprCompiler): Expr;
  /** Grouped query: a GROUP BY expression matching this node, or undefined. */
  group?(node: AstNode): Expr | undefined;
  /** Names the clause for "aggregate functions are not allowed in …". */
  readonly clause: string;
  nextSubqueryId(): number;
  readonly subqs: SubqueryPlan[];
}

export function names(list: unknown): string[] {
  return ((list as Array<{ String?: { sval: string } }> | undefined) ?? []).map(
    (n) => n.String?.sval ?? '*',
  );
}

export function loc(node: AstNode): number | undefined {
  const inner = node[Object.keys(node)[0]] as { location?: number } | undefined;
  return inner?.location !== undefined && inner.location >= 0 ? inner.location + 1 : undefined;
}

/**
 * A literal's value and type, as PostgreSQL's make_const (parse_node.c): an integer that
 * fits int4 is int4, one that fits int8 is int8, beyond that numeric; decimals numeric,
 * strings unknown. The grammar has already folded a leading minus into the literal
 * (gram.y doNegate), and the scanner only makes an Integer of what fits int4 unsigned, so
 * -2147483648 arrives as the Float "-2147483648": still int4.
 */
export function literal(c: AstNode): { t: number; v: Datum } {
  if (c.isnull) return { t: T.unknown, v: null };
  if (c.ival !== undefined) return { t: T.int4, v: (c.ival as { ival?: number }).ival ?? 0 };
  if (c.fval !== undefined) {
    const s = (c.fval as { fval: string }).fval;
    if (/^-?\d+$/.test(s)) {
      const b = BigInt(s);
      if (b >= -(1n << 31n) && b < 1n << 31n) return { t: T.int4, v: Number(b) };
      if (b >= -(1n << 63n) && b < 1n << 63n) return { t: T.int8, v: b };
    }
    return { t: T.numeric, v: Numeric.fromString(s) };
  }
  if (c.sval !== undefined) return { t: T.unknown, v: (c.sval as { sval?: string }).sval ?? '' };
  if (c.boolval !== undefined)
    return { t: T.bool, v: (c.boolval as { boolval?: boolean }).boolval === true };
  if (c.bsval !== undefined) return { t: T.unknown, v: (c.bsval as { bsval: string }).bsval };
  return { t: T.unknown, v: null };
}

const CMP: Record<string, CmpOp> = {
  '=': 'eq',
  '<>': 'ne',
  '!=': 'ne',
  '<': 'lt',
  '<=': 'le',
  '>': 'gt',
  '>=': 'ge',
};
const ARITH: Record<string, ArithOp> = {
  '+': 'add',
  '-': 'sub',
  '*': 'mul',
  '/': 'div',
  '%': 'mod',
  '^': 'pow',
  '&': 'band',
  '|': 'bor',
  '<<': 'shl',
  '>>': 'shr',
};

function noOperator(op: string, a: number, b: number | null, position?: number): SqlError {
  const sig = b === null ? `${op} ${typeName(a)}` : `${typeName(a)} ${op} ${typeName(b)}`;
  return new SqlError(SqlState.undefinedFunction, `operator does not exist: ${sig}`, {
    position,
    hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.',
  });
}

/** The type two operands are compared as. */
export function comparisonType(a: number, b: number, op: string, position?: number): number {
  const ua = a === T.unknown || a === 0,
    ub = b === T.unknown || b === 0;
  if (ua && ub) return T.text;
  if (ua) return b;
  if (ub) return a;
  if (a === b) return a;
  if (isNumericCategory(a) && isNumericCategory(b)) return promoteNumeric(a, b);
  if (isStringType(a) && isStringType(b)) return T.text;
  if (isTimeType(a) && isTimeType(b) && a !== T.time && b !== T.time)
    return a === T.timestamptz || b === T.timestamptz ? T.timestamptz : T.timestamp;
  if ((a === T.json || a === T.jsonb) && (b === T.json || b === T.jsonb)) return T.jsonb;
  throw noOperator(op, a, b, position);
}

export class ExprCompiler {
  constructor(
    readonly scope: Scope,
    readonly params: ParamTypes,
    readonly hooks: ExprHooks,
  ) {}

  /** The same hooks and params over another scope (e.g. the base scope of a grouped query). */
  withScope(scope: Scope, hooks: ExprHooks = this.hooks): ExprCompiler {
    return new ExprCompiler(scope, this.params, hooks);
  }

  /** Compiles a boolean condition (WHERE, ON, HAVING): unknown literals become booleans. */
  condition(node: AstNode, what: string): Expr {
    const e = this.compile(node);
    if (e.t === T.bool) return e;
    if (e.t === T.unknown || e.k === 'param')
      return coerce(e, T.bool, this.params, { position: loc(node) });
    throw new SqlError(
      SqlState.datatypeMismatch,
      `argument of ${what} must be type boolean, not type ${typeName(e.t)}`,
      { position: loc(node) },
    );
  }

  compile(node: AstNode): Expr {
    if (this.hooks.group) {
      const g = this.hooks.group(node);
      if (g !== undefined) return g;
    }
    const [kind] = Object.keys(node);
    const n = node[kind] as AstNode;
    switch (kind) {
      case 'A_Const': {
        const { t, v } = literal(n);
        return { k: 'const', t, v };
      }
      case 'ColumnRef':
        return this.columnRef(n);
      case 'ParamRef': {
        const i = (n.number as number) - 1;
        while (this.params.length <= i) this.params.push(0);
        const t = this.params[i];
        return { k: 'param', t: t === 0 ? T.unknown : t, i };
      }
      case 'TypeCast':
        return this.typeCast(n);
      case 'A_Expr':
        return this.aExpr(n, loc(node));
      case 'BoolExpr': {
        const args = (n.args as AstNode[]).map((a) =>
          this.condition(a, String(n.boolop).replace('_EXPR', '')),
        );
        if (n.boolop === 'NOT_EXPR') return { k: 'not', t: T.bool, a: args[0] };
        const k = n.boolop === 'AND_EXPR' ? 'and' : 'or';
        // Flatten nested AND/OR so evaluation is one loop.
        const flat: Expr[] = [];
        for (const a of args) {
          if (a.k === k) flat.push(...a.a);
          else flat.push(a);
        }
        return { k, t: T.bool, a: flat };
      }
      case 'NullTest': {
        const a = this.compile(n.arg as AstNode);
        return { k: 'isnull', t: T.bool, a, neg: n.nulltesttype === 'IS_NOT_NULL' };
      }
      case 'BooleanTest': {
        const a = this.condition(n.arg as AstNode, 'IS TRUE');
        const bt = String(n.booltesttype);
        const test = bt.includes('UNKNOWN') ? 'unknown' : bt.includes('TRUE') ? 'true' : 'false';
        return { k: 'istest', t: T.bool, a, test, neg: bt.includes('NOT') };
      }
      case 'CaseExpr':
        return this.caseExpr(n);
      case 'CoalesceExpr': {
        const args = (n.args as AstNode[]).map((a) => this.compile(a));
        const t = commonType(
          args.map((a) => a.t),
          'COALESCE',
          loc(node),
        );
        return { k: 'coalesce', t, a: args.map((a) => coerce(a, t, this.params)) };
      }
      case 'MinMaxExpr': {
        const args = (n.args as AstNode[]).map((a) => this.compile(a));
        const t = commonType(
          args.map((a) => a.t),
          n.op === 'IS_GREATEST' ? 'GREATEST' : 'LEAST',
          loc(node),
        );
        return {
          k: 'minmax',
          t,
          max: n.op === 'IS_GREATEST',
          a: args.map((a) => coerce(a, t, this.params)),
        };
      }
      case 'FuncCall':
        return this.funcCall(n, loc(node));
      case 'SQLValueFunction':
        return this.sqlValueFunction(String(n.op));
      case 'SubLink':
        return this.subLink(n, loc(node));
      case 'A_ArrayExpr': {
        const els = ((n.elements as AstNode[] | undefined) ?? []).map((a) => this.compile(a));
        const et = commonType(
          els.map((a) => a.t),
          'ARRAY',
          loc(node),
        );
        return { k: 'array', t: arrayTypeOf(et), a: els.map((a) => coerce(a, et, this.params)) };
      }
      case 'NamedArgExpr':
        return this.compile(n.arg as AstNode);
      case 'CollateClause':
        return this.compile(n.arg as AstNode);
      case 'A_Indirection': {
        // array[i]: one subscript, no slices (catalog queries index int2vector columns).
        const arr = this.compile(n.arg as AstNode);
        const ind = (n.indirection as AstNode[])[0]?.A_Indices as AstNode | undefined;
        const et = elementType(arr.t);
        if (!ind || ind.is_slice || et === 0)
          throw new SqlError(SqlState.featureNotSupported, 'this subscript is not supported yet', {
            position: loc(node),
          });
        let idx = coerce(this.compile(ind.uidx as AstNode), T.int4, this.params);
        // int2vector / oidvector subscripts start at 0 (their lower bound), arrays' at 1.
        if (isVectorType(arr.t))
          idx = { k: 'arith', t: T.int4, op: 'add', a: idx, b: { k: 'const', t: T.int4, v: 1 } };
        return { k: 'fn', t: et, f: 'pg.array_subscript', a: [arr, idx] };
      }
      default:
        throw new SqlError(
          SqlState.featureNotSupported,
          `expression ${kind} is not supported yet`,
          { position: loc(node) },
        );
    }
  }

  private columnRef(n: AstNode): Expr {
    const fields = n.fields as AstNode[];
    const position =
      (n.location as number | undefined) !== undefined ? (n.location as number) + 1 : undefined;
    if (fields.some((f) => f.A_Star)) {
      throw new SqlError(SqlState.featureNotSupported, '* is not allowed here', { position });
    }
    const parts = names(fields);
    const name = parts[parts.length - 1];
    const rel = parts.length >= 2 ? parts[parts.length - 2] : null;
    const r = this.scope.resolve(rel, name, position);
    if (r === null) {
      if (rel !== null && !scopeHasRel(this.scope, rel)) {
        throw new SqlError(
          SqlState.undefinedTable,
          `missing FROM-clause entry for table "${rel}"`,
          { position },
        );
      }
      throw new SqlError(
        SqlState.undefinedColumn,
        rel ? `column ${rel}.${name} does not exist` : `column "${name}" does not exist`,
        { position },
      );
    }
    if (r.depth === 0) return { k: 'col', t: r.col.t, i: r.index };
    return { k: 'outer', t: r.col.t, d: r.depth, i: r.index };
  }

  typeCast(n: AstNode): Expr {
    const tn = n.typeName as AstNode;
    const tnames = names(tn.names);
    const isArray = Array.isArray(tn.arrayBounds) && (tn.arrayBounds as unknown[]).length > 0;
    let to = typeOidOf(tnames, loc({ TypeName: tn }));
    if (isArray) to = arrayTypeOf(to);
    const tm = typmodOf(to, tn.typmods as AstNode[] | undefined);
    const arg = this.compile(n.arg as AstNode);
    const position = loc({ TypeCast: n });
    const catalogCast = compileCatalogCast(arg, to, this.params);
    if (catalogCast) return catalogCast;
    if (arg.k === 'const' && arg.t === T.unknown)
      return coerce(arg, to, this.params, { tm, explicit: true, position: loc(n.arg as AstNode) });
    if (arg.k === 'param' && arg.t === T.unknown) return coerce(arg, to, this.params, { tm });
    if (arg.t === to && tm < 0) return arg;
    return coerce(arg, to, this.params, { explicit: true, tm, position });
  }

  private binaryCmp(op: string, a0: Expr, b0: Expr, position?: number): Expr {
    // reg* values compare as the OIDs they are (regclass = oid).
    let a = isRegType(a0.t) ? asOid(a0) : a0;
    let b = isRegType(b0.t) ? asOid(b0) : b0;
    // oid = integer resolves through the implicit int4 → oid cast (pg_cast).
    if (a.t === T.oid && (b.t === T.int4 || b.t === T.int2 || b.t === T.int8)) b = asOid(b);
    if (b.t === T.oid && (a.t === T.int4 || a.t === T.int2 || a.t === T.int8)) a = asOid(a);
    const ct = comparisonType(a.t, b.t, op, position);
    return {
      k: 'cmp',
      t: T.bool,
      op: CMP[op],
      ct,
      a: coerce(a, ct, this.params, { position }),
      b: coerce(b, ct, this.params, { position }),
    };
  }

  private arith(op: string, a: Expr, b: Expr, position?: number): Expr {
    const aop = ARITH[op];
    const ua = a.t === T.unknown,
      ub = b.t === T.unknown;
    // date ± integer, date - date, timestamp - timestamp.
    if (a.t === T.date && ub && (op === '+' || op === '-')) {
      // date - unknown is date - date (same-type rule); date + unknown has several
      // candidates (integer, interval, time) of different categories.
      if (op === '-')
        return {
          k: 'arith',
          t: T.int4,
          op: 'sub',
          a,
          b: coerce(b, T.date, this.params, { position }),
        };
      throw new SqlError('42725', 'operator is not unique: date + unknown', {
        position,
        hint: 'Could not choose a best candidate operator. You might need to add explicit type casts.',
      });
    }
    if (a.t === T.date && (op === '+' || op === '-') && isIntTypeOrUnknown(b.t)) {
      return { k: 'arith', t: T.date, op: aop, a, b: coerce(b, T.int4, this.params, { position }) };
    }
    if (b.t === T.date && op === '+' && isIntTypeOrUnknown(a.t)) {
      return {
        k: 'arith',
        t: T.date,
        op: aop,
        a: b,
        b: coerce(a, T.int4, this.params, { position }),
      };
    }
    if (a.t === T.date && b.t === T.date && op === '-')
      return { k: 'arith', t: T.int4, op: 'sub', a, b };
    const dt = this.dateTimeArith(op, aop, a, b, position);
    if (dt) return dt;
    const na = ua ? b.t : a.t,
      nb = ub ? a.t : b.t;
    if (!isNumericCategory(na) || !isNumericCategory(nb)) {
      if (ua && ub) {
        const t = T.numeric;
        return {
          k: 'arith',
          t,
          op: aop,
          a: coerce(a, t, this.params, { position }),
          b: coerce(b, t, this.params, { position }),
        };
      }
      throw noOperator(op, a.t, b.t, position);
    }
    let t = promoteNumeric(na, nb);
    if (op === '^' && t !== T.numeric) t = T.float8;
    if (op === '%' && (t === T.float4 || t === T.float8)) throw noOperator(op, a.t, b.t, position);
    if ((op === '&' || op === '|' || op === '<<' || op === '>>') && !isIntTypeOrUnknown(t))
      throw noOperator(op, a.t, b.t, position);
    return {
      k: 'arith',
      t,
      op: aop,
      a: coerce(a, t, this.params, { position }),
      b: coerce(b, t, this.params, { position }),
    };
  }

  /**
   * The date/time operators of pg_operator: timestamp[tz] ± interval, date ± interval
   * (through timestamp), timestamp[tz] − timestamp[tz], interval ± interval,
   * interval × / float8. An unknown literal takes the type the one candidate wants (an
   * unknown beside a timestamp in `-` is a timestamp, as PostgreSQL's same-type rule).
   */
  private dateTimeArith(op: string, aop: ArithOp, a: Expr, b: Expr, pos?: number): Expr | null {
    const P = this.params;
    const isTs = (t: number) => t === T.timestamp || t === T.timestamptz;
    const ua = a.t === T.unknown,
      ub = b.t === T.unknown;
    const mk = (t: number, x: Expr, y: Expr, o: ArithOp = aop): Expr => ({
      k: 'arith',
      t,
      op: o,
      a: x,
      b: y,
    });
    const iv = (e: Expr) => coerce(e, T.interval, P, { position: pos });
    if (op === '+' || op === '-') {
      // timestamp - timestamp (an unknown on either side is the other's type).
      if (op === '-' && isTs(a.t) && (isTs(b.t) || ub)) {
        const t = a.t === T.timestamptz || b.t === T.timestamptz ? T.timestamptz : T.timestamp;
        return mk(T.interval, coerce(a, t, P), coerce(b, t, P, { position: pos }), 'sub');
      }
      if (op === '-' && ua && isTs(b.t))
        return mk(T.interval, coerce(a, b.t, P, { position: pos }), b, 'sub');
      if ((isTs(a.t) || a.t === T.date) && (b.t === T.interval || ub)) {
        const t = a.t === T.date ? T.timestamp : a.t;
        return mk(t, coerce(a, t, P), iv(b));
      }
      if (op === '+' && a.t === T.interval && (isTs(b.t) || b.t === T.date)) {
        const t = b.t === T.date ? T.timestamp : b.t;
        return mk(t, coerce(b, t, P), a);
      }
      if (op === '+' && ua && isTs(b.t)) return mk(b.t, b, iv(a));
      if (a.t === T.interval && (b.t === T.interval || ub)) return mk(T.interval, a, iv(b));
      if (ua && b.t === T.interval) return mk(T.interval, iv(a), b);
      return null;
    }
    if (op === '*' || op === '/') {
      const num = (e: Expr) => isNumericCategory(e.t) || e.t === T.unknown || e.k === 'param';
      if (a.t === T.interval && num(b))
        return mk(T.interval, a, coerce(b, T.float8, P, { position: pos }));
      if (op === '*' && b.t === T.interval && num(a))
        return mk(T.interval, b, coerce(a, T.float8, P, { position: pos }));
      if (a.t === T.interval && b.t === T.interval) throw noOperator(op, a.t, b.t, pos);
    }
    return null;
  }

  private aExpr(n: AstNode, position?: number): Expr {
    const kind = String(n.kind);
    const opName = names(n.name).pop() as string;
    const opPos =
      (n.location as number | undefined) !== undefined ? (n.location as number) + 1 : position;
    switch (kind) {
      case 'AEXPR_OP': {
        if (n.lexpr === undefined) {
          const a = this.compile(n.rexpr as AstNode);
          if (opName === '+') return a;
          if (opName === '-') {
            if (a.t === T.interval) return { k: 'neg', t: a.t, a };
            // A literal's minus is already folded (gram.y doNegate); this is a minus on an
            // expression (-1::oid, -'5'::int), which PostgreSQL types as operator "-".
            if (a.k === 'const' && a.v !== null && isNumericCategory(a.t) && a.t !== T.oid)
              return { k: 'const', t: a.t, v: negate(a.t, a.v) };
            const t = a.t === T.unknown ? T.numeric : a.t;
            if (!isNumericCategory(t) || t === T.oid) throw noOperator('-', a.t, null, opPos);
            return { k: 'neg', t, a: coerce(a, t, this.params) };
          }
          if (opName === '@') {
            const r = resolveFunction('abs', [a], this.params, opPos);
            return { k: 'fn', t: r.t, f: r.f, a: r.args };
          }
          throw noOperator(opName, a.t, null, opPos);
        }
        const a = this.compile(n.lexpr as AstNode);
        const b = this.compile(n.rexpr as AstNode);
        if (CMP[opName]) return this.binaryCmp(opName, a, b, opPos);
        const regex = compileRegexOp(opName, a, b, this.params);
        if (regex) return regex;
        const json = compileJsonOperator(opName, a, b, this.params, opPos);
        if (json) return json;
        if (ARITH[opName]) return this.arith(opName, a, b, opPos);
        if (opName === '||' && (elementType(a.t) !== 0 || elementType(b.t) !== 0)) {
          // array || array (array_cat); the other side's unknown literal takes the array type.
          const t = elementType(a.t) !== 0 ? a.t : b.t;
          return {
            k: 'fn',
            t,
            f: 'pg.array_cat',
            a: [coerce(a, t, this.params), coerce(b, t, this.params)],
          };
        }
        if (opName === '||') {
          if (a.t === T.unknown && b.t === T.unknown)
            return {
              k: 'arith',
              t: T.text,
              op: 'concat',
              a: coerce(a, T.text, this.params),
              b: coerce(b, T.text, this.params),
            };
          if (!isStringType(a.t) && !isStringType(b.t)) throw noOperator('||', a.t, b.t, opPos);
          return {
            k: 'arith',
            t: T.text,
            op: 'concat',
            a: toText(a, this.params),
            b: toText(b, this.params),
          };
        }
        if (opName === '~~' || opName === '!~~' || opName === '~~*' || opName === '!~~*') {
          return {
            k: 'like',
            t: T.bool,
            a: toText(a, this.params),
            p: toText(b, this.params),
            ci: opName.includes('*'),
            neg: opName.startsWith('!'),
          };
        }
        throw noOperator(opName, a.t, b.t, opPos);
      }
      case 'AEXPR_LIKE':
      case 'AEXPR_ILIKE': {
        const a = this.compile(n.lexpr as AstNode);
        const b = this.compile(n.rexpr as AstNode);
        return {
          k: 'like',
          t: T.bool,
          a: toText(a, this.params),
          p: toText(b, this.params),
          ci: kind === 'AEXPR_ILIKE',
          neg: opName.startsWith('!'),
        };
      }
      case 'AEXPR_DISTINCT':
      case 'AEXPR_NOT_DISTINCT': {
        const a = this.compile(n.lexpr as AstNode);
        const b = this.compile(n.rexpr as AstNode);
        const ct = comparisonType(a.t, b.t, '=', opPos);
        return {
          k: 'distinct',
          t: T.bool,
          ct,
          a: coerce(a, ct, this.params),
          b: coerce(b, ct, this.params),
          neg: kind === 'AEXPR_NOT_DISTINCT',
        };
      }
      case 'AEXPR_NULLIF': {
        const a = this.compile(n.lexpr as AstNode);
        const b = this.compile(n.rexpr as AstNode);
        const ct = comparisonType(a.t, b.t, '=', opPos);
        const t = a.t === T.unknown ? T.text : a.t;
        return {
          k: 'nullif',
          t,
          ct,
          a: coerce(a, ct === t ? t : t, this.params),
          b: coerce(b, ct, this.params),
        } as Expr;
      }
      case 'AEXPR_IN': {
        const a = this.compile(n.lexpr as AstNode);
        const list = listItems(n.rexpr).map((x) => this.compile(x));
        const ct = commonType([a.t, ...list.map((x) => x.t)], 'IN', opPos);
        return {
          k: 'in',
          t: T.bool,
          ct,
          a: coerce(a, ct, this.params),
          list: list.map((x) => coerce(x, ct, this.params)),
          neg: opName === '<>',
        };
      }
      case 'AEXPR_BETWEEN':
      case 'AEXPR_NOT_BETWEEN':
      case 'AEXPR_BETWEEN_SYM':
      case 'AEXPR_NOT_BETWEEN_SYM': {
        const a = this.compile(n.lexpr as AstNode);
        const [lo, hi] = listItems(n.rexpr).map((x) => this.compile(x));
        const both = (x: Expr, y: Expr): Expr => ({
          k: 'and',
          t: T.bool,
          a: [this.binaryCmp('>=', a, x, opPos), this.binaryCmp('<=', a, y, opPos)],
        });
        let e: Expr = both(lo, hi);
        if (kind.endsWith('_SYM')) e = { k: 'or', t: T.bool, a: [e, both(hi, lo)] };
        return kind.includes('NOT') ? { k: 'not', t: T.bool, a: e } : e;
      }
      case 'AEXPR_OP_ANY':
      case 'AEXPR_OP_ALL': {
        const a = this.compile(n.lexpr as AstNode);
        const b = this.compile(n.rexpr as AstNode);
        const et = b.t === T.unknown ? a.t : elementTypeOf(b.t);
        const ct = comparisonType(a.t, et, opName, opPos);
        const bb =
          b.k === 'array'
            ? { ...b, t: arrayTypeOf(ct), a: b.a.map((x) => coerce(x, ct, this.params)) }
            : b.t === T.unknown
              ? coerce(b, arrayTypeOf(ct), this.params)
              : b;
        if (!CMP[opName]) throw noOperator(opName, a.t, b.t, opPos);
        return {
          k: 'anyall',
          t: T.bool,
          all: kind === 'AEXPR_OP_ALL',
          op: CMP[opName],
          ct,
          a: coerce(a, ct, this.params),
          b: bb as Expr,
        };
      }
      default:
        throw new SqlError(
          SqlState.featureNotSupported,
          `operator form ${kind} is not supported yet`,
          { position: opPos },
        );
    }
  }

  private caseExpr(n: AstNode): Expr {
    const arg = n.arg ? this.compile(n.arg as AstNode) : null;
    const whens: Expr[] = [];
    const results: Expr[] = [];
    for (const w of n.args as AstNode[]) {
      const cw = w.CaseWhen as AstNode;
      if (arg) {
        const v = this.compile(cw.expr as AstNode);
        whens.push(this.binaryCmp('=', arg, v, loc(w)));
      } else {
        whens.push(this.condition(cw.expr as AstNode, 'CASE/WHEN'));
      }
      results.push(this.compile(cw.result as AstNode));
    }
    const els = n.defresult ? this.compile(n.defresult as AstNode) : null;
    const t = commonType(
      [...results, ...(els ? [els] : [])].map((r) => r.t),
      'CASE',
      loc({ CaseExpr: n }),
    );
    return {
      k: 'case',
      t,
      whens,
      thens: results.map((r) => coerce(r, t, this.params)),
      els: els ? coerce(els, t, this.params) : null,
    };
  }

  private sqlValueFunction(op: string): Expr {
    switch (op) {
      case 'SVFOP_CURRENT_DATE':
        return { k: 'fn', t: T.date, f: 'current_date', a: [] };
      case 'SVFOP_CURRENT_TIMESTAMP':
      case 'SVFOP_CURRENT_TIMESTAMP_N':
        return { k: 'fn', t: T.timestamptz, f: 'now', a: [] };
      case 'SVFOP_LOCALTIMESTAMP':
      case 'SVFOP_LOCALTIMESTAMP_N':
        return { k: 'fn', t: T.timestamp, f: 'now', a: [] };
      case 'SVFOP_CURRENT_USER':
      case 'SVFOP_USER':
      case 'SVFOP_CURRENT_ROLE':
        return { k: 'fn', t: T.name, f: 'pg.current_user', a: [] };
      case 'SVFOP_SESSION_USER':
        return { k: 'fn', t: T.name, f: 'pg.session_user', a: [] };
      case 'SVFOP_CURRENT_SCHEMA':
        return { k: 'const', t: T.name, v: 'public' };
      case 'SVFOP_CURRENT_CATALOG':
        return { k: 'const', t: T.name, v: 'postgres' };
      default:
        throw new SqlError(SqlState.featureNotSupported, `${op} is not supported yet`);
    }
  }

  private funcCall(n: AstNode, position?: number): Expr {
    const fname = names(n.funcname);
    const name = fname[fname.length - 1].toLowerCase();
    if (n.over) {
      if (!this.hooks.window)
        throw new SqlError(
          SqlState.groupingError,
          `window functions are not allowed in ${this.hooks.clause}`,
          { position },
        );
      return this.hooks.window({ FuncCall: n }, this);
    }
    if (AGGREGATES.has(name) && fname.length <= 2) {
      if (!this.hooks.aggregate)
        throw new SqlError(
          SqlState.groupingError,
          `aggregate functions are not allowed in ${this.hooks.clause}`,
          { position },
        );
      return this.hooks.aggregate({ FuncCall: n }, this);
    }
    if (name === 'make_interval') return this.makeInterval(n, position);
    const args = ((n.args as AstNode[] | undefined) ?? []).map((a) => this.compile(a));
    if (name === 'coalesce' || name === 'greatest' || name === 'least') {
      const t = commonType(
        args.map((a) => a.t),
        name.toUpperCase(),
        position,
      );
      const a = args.map((x) => coerce(x, t, this.params));
      return name === 'coalesce'
        ? { k: 'coalesce', t, a }
        : { k: 'minmax', t, max: name === 'greatest', a };
    }
    if (name === 'nullif') {
      return this.aExpr(
        {
          kind: 'AEXPR_NULLIF',
          name: [{ String: { sval: '=' } }],
          lexpr: (n.args as AstNode[])[0],
          rexpr: (n.args as AstNode[])[1],
        },
        position,
      );
    }
    if (
      ['int4', 'int8', 'int2', 'float8', 'float4', 'numeric', 'text', 'bool', 'date'].includes(
        name,
      ) &&
      args.length === 1
    ) {
      const to = typeOidOf([name]);
      return coerce(args[0], to, this.params, { explicit: true, position });
    }
    const catalogCall = compileCatalogCall(name, args, this.params, position);
    if (catalogCall) return catalogCall;
    const r = resolveFunction(name, args, this.params, position);
    return { k: 'fn', t: r.t, f: r.f, a: r.args };
  }

  /** make_interval(years, months, weeks, days, hours, mins, secs), by position or by name. */
  private makeInterval(n: AstNode, position?: number): Expr {
    const PARAMS = ['years', 'months', 'weeks', 'days', 'hours', 'mins', 'secs'];
    const args: Expr[] = PARAMS.map((p, i) =>
      i === 6 ? { k: 'const', t: T.float8, v: 0 } : { k: 'const', t: T.int4, v: 0 },
    );
    const given = (n.args as AstNode[] | undefined) ?? [];
    if (given.length > 7)
      throw new SqlError(SqlState.undefinedFunction, 'function make_interval does not exist', {
        position,
      });
    given.forEach((a, i) => {
      const named = a.NamedArgExpr as AstNode | undefined;
      const at = named ? PARAMS.indexOf(String(named.name)) : i;
      if (at < 0)
        throw new SqlError(SqlState.undefinedFunction, 'function make_interval does not exist', {
          position,
        });
      const e = this.compile(named ? (named.arg as AstNode) : a);
      args[at] = coerce(e, at === 6 ? T.float8 : T.int4, this.params, { position });
    });
    return { k: 'fn', t: T.interval, f: 'make_interval', a: args };
  }

  private subLink(n: AstNode, position?: number): Expr {
    const type = String(n.subLinkType);
    const sub = this.hooks.subquery(n.subselect as AstNode, this.scope);
    const id = this.hooks.nextSubqueryId();
    if (type === 'EXISTS_SUBLINK') {
      this.hooks.subqs.push({ id, plan: sub.plan, mode: 'exists', correlated: sub.correlated });
      return { k: 'subq', t: T.bool, id, mode: 'exists' };
    }
    if (type === 'ARRAY_SUBLINK') {
      if (sub.types.length !== 1)
        throw new SqlError(SqlState.syntaxError, 'subquery must return only one column', {
          position,
        });
      this.hooks.subqs.push({ id, plan: sub.plan, mode: 'array', correlated: sub.correlated });
      return { k: 'subq', t: arrayTypeOf(sub.types[0]), id, mode: 'scalar' };
    }
    if (type === 'EXPR_SUBLINK') {
      if (sub.types.length !== 1)
        throw new SqlError(SqlState.syntaxError, 'subquery must return only one column', {
          position,
        });
      this.hooks.subqs.push({ id, plan: sub.plan, mode: 'scalar', correlated: sub.correlated });
      return { k: 'subq', t: sub.types[0], id, mode: 'scalar' };
    }
    if (type === 'ANY_SUBLINK' || type === 'ALL_SUBLINK') {
      const op = names(n.operName).pop() ?? '=';
      if (sub.types.length !== 1)
        throw new SqlError(SqlState.syntaxError, 'subquery has too many columns', { position });
      const a0 = this.compile(n.testexpr as AstNode);
      // reg* values are OIDs: compare them as oid on either side.
      const a = isRegType(a0.t) ? asOid(a0) : a0;
      const subT = isRegType(sub.types[0]) ? T.oid : sub.types[0];
      const ct = comparisonType(a.t, subT, op, position);
      if (type === 'ANY_SUBLINK' && (op === '=' || op === '<>')) {
        this.hooks.subqs.push({ id, plan: sub.plan, mode: 'in', correlated: sub.correlated });
        return {
          k: 'insubq',
          t: T.bool,
          id,
          ct,
          a: coerce(a, ct, this.params),
          neg: op === '<>' && false,
        };
      }
      // x op ANY/ALL (subquery): the subquery's values as an array.
      this.hooks.subqs.push({ id, plan: sub.plan, mode: 'in', correlated: sub.correlated });
      return {
        k: 'anyall',
        t: T.bool,
        all: type === 'ALL_SUBLINK',
        op: CMP[op],
        ct,
        a: coerce(a, ct, this.params),
        b: { k: 'subq', t: arrayTypeOf(ct), id, mode: 'scalar' },
      };
    }
    throw new SqlError(SqlState.featureNotSupported, `subquery form ${type} is not supported yet`, {
      position,
    });
  }
}

/** A List node's items (IN lists, BETWEEN bounds arrive as { List: { items } }). */
function listItems(node: unknown): AstNode[] {
  if (Array.isArray(node)) return node as AstNode[];
  const l = (node as AstNode).List as AstNode | undefined;
  return ((l?.items as AstNode[] | undefined) ?? [node]) as AstNode[];
}

function isIntTypeOrUnknown(t: number): boolean {
  return t === T.int2 || t === T.int4 || t === T.int8 || t === T.unknown;
}

function scopeHasRel(scope: Scope, rel: string): boolean {
  for (let s: Scope | null = scope; s !== null; s = s.parent) if (s.hasRel(rel)) return true;
  return false;
}

/** Casts to text for || and LIKE (anytextcat): unknown literals become text, other types print. */
function toText(e: Expr, params: ParamTypes): Expr {
  if (isStringType(e.t) && e.t !== T.unknown && e.t !== T.bpchar) return e;
  if (e.t === T.unknown || e.k === 'param') return coerce(e, T.text, params);
  return coerce(e, T.text, params, { explicit: true });
}

const ARRAY_OF: Record<number, number> = {
  [T.bool]: T._bool,
  [T.int2]: T._int2,
  [T.int4]: T._int4,
  [T.int8]: T._int8,
  [T.text]: T._text,
  [T.varchar]: T._varchar,
  [T.float4]: T._float4,
  [T.float8]: T._float8,
  [T.numeric]: T._numeric,
  [T.date]: T._date,
  [T.timestamp]: T._timestamp,
  [T.timestamptz]: T._timestamptz,
  [T.uuid]: T._uuid,
  [T.interval]: T._interval,
  [T.jsonb]: T._jsonb,
  [T.json]: T._json,
  [T.bpchar]: T._bpchar,
  [T.bytea]: T._bytea,
  [T.unknown]: T._text,
};

export function arrayTypeOf(t: number): number {
  return ARRAY_OF[t] ?? T._text;
}

export function elementTypeOf(t: number): number {
  for (const [e, a] of Object.entries(ARRAY_OF)) if (a === t) return Number(e);
  // Arrays of the catalog's types (oid[], name[], "char"[]) from the type table.
  const elem = elementType(t);
  return elem !== 0 ? elem : T.text;
}

export function typmodOf(typeOid: number, mods: AstNode[] | undefined): number {
  if (!mods || mods.length === 0) return -1;
  const ival = (m: AstNode): number =>
    (m.A_Const as { ival?: { ival?: number } } | undefined)?.ival?.ival ?? 0;
  if (typeOid === T.varchar || typeOid === T.bpchar) return ival(mods[0]) + 4;
  if (typeOid === T.numeric) return ((ival(mods[0]) << 16) | (mods[1] ? ival(mods[1]) : 0)) + 4;
  return -1;
}

/** The output column name PostgreSQL gives an expression (FigureColname). */
export function figureColname(node: AstNode): string {
  return figure(node).name;
}

/** FigureColnameInternal: a name and its strength (2 beats a cast's type name, 1). */
function figure(node: AstNode): { name: string; strength: number } {
  const [kind] = Object.keys(node);
  const n = node[kind] as AstNode;
  switch (kind) {
    case 'ColumnRef': {
      const parts = names(n.fields);
      return { name: parts[parts.length - 1], strength: 2 };
    }
    case 'FuncCall':
      return { name: names(n.funcname).pop() as string, strength: 2 };
    case 'TypeCast': {
      const inner = figure(n.arg as AstNode);
      if (inner.strength > 1) return inner;
      const tn = names((n.typeName as AstNode).names);
      return { name: tn[tn.length - 1], strength: 1 };
    }
    case 'CaseExpr':
      return { name: 'case', strength: 1 };
    case 'CoalesceExpr':
      return { name: 'coalesce', strength: 2 };
    case 'MinMaxExpr':
      return { name: n.op === 'IS_GREATEST' ? 'greatest' : 'least', strength: 2 };
    case 'A_Expr':
      return n.kind === 'AEXPR_NULLIF'
        ? { name: 'nullif', strength: 2 }
        : { name: '?column?', strength: 0 };
    case 'SubLink': {
      if (n.subLinkType === 'EXISTS_SUBLINK') return { name: 'exists', strength: 2 };
      if (n.subLinkType === 'EXPR_SUBLINK') {
        const sel = (n.subselect as AstNode).SelectStmt as AstNode;
        const t = (sel.targetList as AstNode[] | undefined)?.[0]?.ResTarget as AstNode | undefined;
        if (t) return t.name ? { name: t.name as string, strength: 2 } : figure(t.val as AstNode);
      }
      return { name: '?column?', strength: 0 };
    }
    case 'A_ArrayExpr':
      return { name: 'array', strength: 2 };
    case 'SQLValueFunction':
      return {
        name: String(n.op).replace('SVFOP_', '').replace(/_N$/, '').toLowerCase(),
        strength: 2,
      };
    default:
      return { name: '?column?', strength: 0 };
  }
}
