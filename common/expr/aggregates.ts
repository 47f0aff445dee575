/**
 * Aggregate functions as (init, accumulate, merge, finish): a shard runs init+accumulate
 * over its rows and ships the partial state; the proxy merges partials and finishes
 * (DESIGN.md "Planner": avg travels as sum+count). Result types follow PostgreSQL:
 * count → bigint; sum(int2/int4) → bigint; sum(int8/numeric) → numeric; sum(float4) →
 * real; sum(float8) → double; avg(integers/numeric) → numeric; avg(floats) → double.
 */
import { SqlError, SqlState } from '../errors';
import type { Datum } from '../types/datum';
import { TypeOid } from '../types/datum';
import { checkInt8 } from './arith';
import { Numeric } from './numeric';
import { finishJsonAgg } from './jsonAggregates';
import { Interval } from '../types/interval';
import { intervalDiv, intervalPlus } from '../types/datetimeArith';
import { compareValues, formatValue, fromWire, isIntType, toWire, typeName } from './typesAdapter';

const T = TypeOid;

export type AggFn =
  | 'count'
  | 'count_star'
  | 'sum'
  | 'avg'
  | 'min'
  | 'max'
  | 'bool_and'
  | 'bool_or'
  | 'string_agg'
  | 'array_agg'
  | 'json_agg'
  | 'jsonb_agg'
  | 'json_object_agg'
  | 'jsonb_object_agg'
  | 'every';

/**
 * Aggregates that see NULL inputs (array_agg and the json ones keep them). For the
 * object aggregates the input is the value; the key travels as `extra` (text).
 */
export function keepsNulls(fn: AggFn): boolean {
  return (
    fn === 'array_agg' ||
    fn === 'json_agg' ||
    fn === 'jsonb_agg' ||
    fn === 'json_object_agg' ||
    fn === 'jsonb_object_agg'
  );
}

/** Aggregates whose partial states merge (pushable to shards). */
export const MERGEABLE = new Set<AggFn>([
  'count',
  'count_star',
  'sum',
  'avg',
  'min',
  'max',
  'bool_and',
  'bool_or',
  'every',
]);

export function aggResultType(fn: AggFn, argType: number): number {
  switch (fn) {
    case 'count':
    case 'count_star':
      return T.int8;
    case 'sum':
      if (argType === T.interval) return T.interval;
      if (argType === T.int2 || argType === T.int4) return T.int8;
      if (argType === T.int8 || argType === T.numeric) return T.numeric;
      if (argType === T.float4 || argType === T.float8) return argType;
      break;
    case 'avg':
      if (argType === T.interval) return T.interval;
      if (isIntType(argType) || argType === T.numeric) return T.numeric;
      if (argType === T.float4 || argType === T.float8) return T.float8;
      break;
    case 'min':
    case 'max':
      return argType;
    case 'bool_and':
    case 'bool_or':
    case 'every':
      if (argType === T.bool) return T.bool;
      break;
    case 'string_agg':
      return T.text;
    case 'json_agg':
    case 'json_object_agg':
      return T.json;
    case 'jsonb_agg':
    case 'jsonb_object_agg':
      return T.jsonb;
    case 'array_agg': {
      const arr: Record<number, number> = {
        [T.int4]: T._int4,
        [T.int8]: T._int8,
        [T.text]: T._text,
        [T.int2]: T._int2,
        [T.bool]: T._bool,
        [T.float8]: T._float8,
        [T.numeric]: T._numeric,
        [T.varchar]: T._varchar,
        // name[] and oid[]: catalog queries (Sequelize's showIndex parses name[] as text).
        [T.name]: T._name,
        [T.oid]: T._oid,
      };
      return arr[argType] ?? T._text;
    }
  }
  throw new SqlError(
    SqlState.undefinedFunction,
    `function ${fn}(${typeName(argType)}) does not exist`,
  );
}

/** A partial state. Plain values so they travel in msgpack (see stateToWire). */
export type AggState = Datum | [Datum, number] | Datum[];

export function initState(fn: AggFn): AggState {
  switch (fn) {
    case 'count':
    case 'count_star':
      return 0;
    case 'avg':
      return [null, 0];
    case 'string_agg':
    case 'array_agg':
    case 'json_agg':
    case 'jsonb_agg':
    case 'json_object_agg':
    case 'jsonb_object_agg':
      return [];
    default:
      return null;
  }
}

function addSum(argType: number, s: Datum, v: Datum): Datum {
  if (s === null) {
    if (argType === T.int2 || argType === T.int4 || argType === T.int8)
      return BigInt(v as number | bigint);
    return v;
  }
  if (typeof s === 'bigint') return s + BigInt(v as number | bigint);
  if (s instanceof Numeric) return s.add(v as Numeric);
  if (s instanceof Interval) return intervalPlus(s, v as Interval);
  return (s as number) + (v as number);
}

/** Folds one non-null (or, for count_star, any) input into the state. */
export function accumulate(
  fn: AggFn,
  argType: number,
  state: AggState,
  v: Datum,
  extra?: Datum,
): AggState {
  switch (fn) {
    case 'count_star':
      return (state as number) + 1;
    case 'count':
      return v === null ? state : (state as number) + 1;
    case 'json_agg':
    case 'jsonb_agg':
      (state as Datum[]).push(v);
      return state;
    case 'json_object_agg':
    case 'jsonb_object_agg':
      if (extra === null || extra === undefined)
        throw new SqlError(SqlState.invalidParameterValue, 'field name must not be null');
      (state as Datum[]).push(extra, v);
      return state;
    default:
      break;
  }
  if (v === null) return state;
  switch (fn) {
    case 'sum':
      return addSum(argType, state as Datum, v);
    case 'avg': {
      const s = state as [Datum, number];
      s[0] = addSum(argType, s[0], v);
      s[1]++;
      return s;
    }
    case 'min':
      return state === null || compareValues(argType, v, state as Datum) < 0 ? v : state;
    case 'max':
      return state === null || compareValues(argType, v, state as Datum) > 0 ? v : state;
    case 'bool_and':
    case 'every':
      return state === null ? v : (state as boolean) && (v as boolean);
    case 'bool_or':
      return state === null ? v : (state as boolean) || (v as boolean);
    case 'string_agg':
      (state as Datum[]).push(typeof v === 'string' ? v : formatValue(argType, v), extra ?? null);
      return state;
    case 'array_agg':
      (state as Datum[]).push(v);
      return state;
    default:
      return state;
  }
}

/** array_agg keeps nulls: called instead of accumulate for it. */
export function accumulateArray(state: AggState, v: Datum): AggState {
  (state as Datum[]).push(v);
  return state;
}

export function mergeState(fn: AggFn, argType: number, a: AggState, b: AggState): AggState {
  switch (fn) {
    case 'count':
    case 'count_star':
      return (a as number) + (b as number);
    case 'sum':
      return b === null
        ? a
        : a === null
          ? b
          : addSum(
              argType === T.int8 || argType === T.int4 || argType === T.int2 ? T.int8 : argType,
              a as Datum,
              b as Datum,
            );
    case 'avg': {
      const x = a as [Datum, number],
        y = b as [Datum, number];
      return [
        y[0] === null ? x[0] : x[0] === null ? y[0] : addSum(T.int8, x[0], y[0]),
        x[1] + y[1],
      ];
    }
    case 'min':
      return b === null
        ? a
        : a === null
          ? b
          : compareValues(argType, b as Datum, a as Datum) < 0
            ? b
            : a;
    case 'max':
      return b === null
        ? a
        : a === null
          ? b
          : compareValues(argType, b as Datum, a as Datum) > 0
            ? b
            : a;
    case 'bool_and':
    case 'every':
      return b === null ? a : a === null ? b : (a as boolean) && (b as boolean);
    case 'bool_or':
      return b === null ? a : a === null ? b : (a as boolean) || (b as boolean);
    default:
      return [...(a as Datum[]), ...(b as Datum[])];
  }
}

export function finishState(fn: AggFn, argType: number, state: AggState): Datum {
  switch (fn) {
    case 'count':
    case 'count_star':
      return BigInt(state as number);
    case 'sum': {
      const s = state as Datum;
      if (s === null) return null;
      if (argType === T.int2 || argType === T.int4) return checkInt8(s as bigint);
      if (argType === T.int8) return Numeric.fromInt(s as bigint);
      if (argType === T.float4) return Math.fround(s as number);
      return s;
    }
    case 'avg': {
      const [sum, n] = state as [Datum, number];
      if (n === 0 || sum === null) return null;
      if (typeof sum === 'bigint') return Numeric.fromInt(sum).div(Numeric.fromInt(n));
      if (sum instanceof Numeric) return sum.div(Numeric.fromInt(n));
      if (sum instanceof Interval) return intervalDiv(sum, n);
      return (sum as number) / n;
    }
    case 'string_agg': {
      const parts = state as Datum[];
      if (parts.length === 0) return null;
      let out = '';
      for (let i = 0; i < parts.length; i += 2) {
        if (i > 0) out += (parts[i - 1] as string | null) ?? '';
        out += parts[i] as string;
      }
      return out;
    }
    case 'array_agg': {
      const items = state as Datum[];
      return items.length === 0 ? null : items;
    }
    case 'json_agg':
    case 'jsonb_agg':
    case 'json_object_agg':
    case 'jsonb_object_agg':
      return finishJsonAgg(fn, argType, state as Datum[]);
    default:
      return state as Datum;
  }
}

/** Partial state in msgpack-safe form (numeric as text). */
export function stateToWire(fn: AggFn, argType: number, s: AggState): unknown {
  if (fn === 'avg') {
    const [sum, n] = s as [Datum, number];
    return [sum instanceof Numeric ? sum.toString() : toWire(argType, sum), n];
  }
  if (fn === 'sum' || fn === 'min' || fn === 'max') {
    if (s instanceof Numeric) return s.toString();
    if (s instanceof Interval) return toWire(T.interval, s);
    if (fn !== 'sum') return toWire(argType, s as Datum);
  }
  return s;
}

export function stateFromWire(fn: AggFn, argType: number, w: unknown): AggState {
  if (fn === 'avg') {
    const [sum, n] = w as [unknown, number];
    if (argType === T.interval) return [fromWire(T.interval, sum), n];
    return [
      argType === T.numeric && sum !== null
        ? Numeric.fromString(sum as string)
        : typeof sum === 'number' && argType !== T.float4 && argType !== T.float8
          ? BigInt(sum)
          : (sum as Datum),
      n,
    ];
  }
  if (fn === 'sum') {
    if (w === null) return null;
    if (argType === T.numeric) return Numeric.fromString(w as string);
    if (isIntType(argType)) return BigInt(w as number | bigint);
    if (argType === T.interval) return fromWire(T.interval, w);
    return w as Datum;
  }
  if (fn === 'min' || fn === 'max') return fromWire(argType, w);
  return w as AggState;
}
