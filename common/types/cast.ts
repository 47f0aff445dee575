/**
 * Casts between the types of datum.ts with PostgreSQL 15's semantics: which casts exist and
 * in which context (pg_cast's castcontext: implicit, assignment, explicit; plus the automatic
 * I/O conversion casts to and from string types, and element-wise array casts), and what
 * each does to a value (int range checks, numeric→int rounding half away from zero,
 * float→int rounding half to even as rint() does, float→numeric through %.15g / %.6g,
 * bool↔int4, bpchar→text dropping trailing spaces, timestamp↔timestamptz and date/time
 * conversions through the session TimeZone, varchar(n)/char(n)/numeric(p,s)/timestamp(p)
 * typmods).
 */
import { SqlError, SqlState } from '../errors';
import { TIMESTAMP_NOBEGIN, TIMESTAMP_NOEND, isValidTimestamp } from './calendar';
import { trimBpchar } from './compare';
import { TypeOid, type Datum } from './datum';
import { offsetAtTimestamp } from './datetime';
import { timestampToTm } from './datetimeArith';
import { localOffset } from './datetimeParse';
import { decimalToFloat4, formatG, parseFloat4, parseFloat8 } from './floatText';
import { Interval } from './interval';
import { formatText, parseText, type FormatSettings } from './io';
import { Jsonb, jsonbToText, type JsonValue } from './jsonb';
import { Numeric } from './numeric';
import { parseName } from './scalarText';
import { sessionZone } from './timezone';
import { elementType, typeInfo } from './typeTable';

export type CastContext = 'implicit' | 'assignment' | 'explicit';

export interface CastInfo {
  /** The least permissive context in which the cast applies automatically. */
  readonly context: CastContext;
  /** pg_cast.castmethod: function, binary-coercible, or I/O conversion. */
  readonly method: 'function' | 'binary' | 'io';
}

const O = TypeOid;

/** pg_cast rows among our types (PostgreSQL 15), as "source>target": context + method. */
const PG_CAST: ReadonlyMap<string, CastInfo> = (() => {
  const m = new Map<string, CastInfo>();
  const ctx = { i: 'implicit', a: 'assignment', e: 'explicit' } as const;
  const meth = { f: 'function', b: 'binary', i: 'io' } as const;
  const rows: [number, number, string][] = [
    [O.char, O.varchar, 'af'],
    [O.char, O.bpchar, 'af'],
    [O.char, O.int4, 'ef'],
    [O.char, O.text, 'if'],
    [O.int8, O.float8, 'if'],
    [O.int8, O.int4, 'af'],
    [O.int8, O.numeric, 'if'],
    [O.int8, O.oid, 'if'],
    [O.int8, O.float4, 'if'],
    [O.int8, O.int2, 'af'],
    [O.bool, O.varchar, 'af'],
    [O.bool, O.bpchar, 'af'],
    [O.bool, O.int4, 'ef'],
    [O.bool, O.text, 'af'],
    [O.varchar, O.char, 'af'],
    [O.varchar, O.varchar, 'if'],
    [O.varchar, O.bpchar, 'ib'],
    [O.varchar, O.name, 'if'],
    [O.varchar, O.text, 'ib'],
    [O.bpchar, O.char, 'af'],
    [O.bpchar, O.varchar, 'if'],
    [O.bpchar, O.bpchar, 'if'],
    [O.bpchar, O.name, 'if'],
    [O.bpchar, O.text, 'if'],
    [O.date, O.timestamptz, 'if'],
    [O.date, O.timestamp, 'if'],
    [O.float8, O.int8, 'af'],
    [O.float8, O.int4, 'af'],
    [O.float8, O.numeric, 'af'],
    [O.float8, O.float4, 'af'],
    [O.float8, O.int2, 'af'],
    [O.int4, O.char, 'ef'],
    [O.int4, O.int8, 'if'],
    [O.int4, O.bool, 'ef'],
    [O.int4, O.float8, 'if'],
    [O.int4, O.numeric, 'if'],
    [O.int4, O.oid, 'ib'],
    [O.int4, O.float4, 'if'],
    [O.int4, O.int2, 'af'],
    [O.interval, O.interval, 'if'],
    [O.interval, O.time, 'af'],
    [O.json, O.jsonb, 'ai'],
    [O.jsonb, O.json, 'ai'],
    [O.jsonb, O.int8, 'ef'],
    [O.jsonb, O.bool, 'ef'],
    [O.jsonb, O.float8, 'ef'],
    [O.jsonb, O.int4, 'ef'],
    [O.jsonb, O.numeric, 'ef'],
    [O.jsonb, O.float4, 'ef'],
    [O.jsonb, O.int2, 'ef'],
    [O.name, O.varchar, 'af'],
    [O.name, O.bpchar, 'af'],
    [O.name, O.text, 'if'],
    [O.numeric, O.int8, 'af'],
    [O.numeric, O.float8, 'if'],
    [O.numeric, O.int4, 'af'],
    [O.numeric, O.numeric, 'if'],
    [O.numeric, O.float4, 'if'],
    [O.numeric, O.int2, 'af'],
    [O.oid, O.int8, 'af'],
    [O.oid, O.int4, 'ab'],
    [O.float4, O.int8, 'af'],
    [O.float4, O.float8, 'if'],
    [O.float4, O.int4, 'af'],
    [O.float4, O.numeric, 'af'],
    [O.float4, O.int2, 'af'],
    [O.int2, O.int8, 'if'],
    [O.int2, O.float8, 'if'],
    [O.int2, O.int4, 'if'],
    [O.int2, O.numeric, 'if'],
    [O.int2, O.oid, 'if'],
    [O.int2, O.float4, 'if'],
    [O.text, O.char, 'af'],
    [O.text, O.varchar, 'ib'],
    [O.text, O.bpchar, 'ib'],
    [O.text, O.name, 'if'],
    [O.time, O.interval, 'if'],
    [O.time, O.time, 'if'],
    [O.timestamptz, O.date, 'af'],
    [O.timestamptz, O.time, 'af'],
    [O.timestamptz, O.timestamptz, 'if'],
    [O.timestamptz, O.timestamp, 'af'],
    [O.timestamp, O.date, 'af'],
    [O.timestamp, O.time, 'af'],
    [O.timestamp, O.timestamptz, 'if'],
    [O.timestamp, O.timestamp, 'if'],
  ];
  for (const [s, t, cm] of rows)
    m.set(`${s}>${t}`, {
      context: ctx[cm[0] as 'i' | 'a' | 'e'],
      method: meth[cm[1] as 'f' | 'b' | 'i'],
    });
  return m;
})();

const STRING_TYPES = new Set<number>([O.text, O.varchar, O.bpchar, O.name]);

const RANK: Record<CastContext, number> = { implicit: 0, assignment: 1, explicit: 2 };

/** How `from` converts to `to` (find_coercion_pathway), or null when it cannot. */
export function findCast(from: number, to: number): CastInfo | null {
  if (from === to) return { context: 'implicit', method: 'binary' };
  const direct = PG_CAST.get(`${from}>${to}`);
  if (direct) return direct;
  const fe = elementType(from);
  const te = elementType(to);
  if (fe !== 0 && te !== 0) {
    const e = findCast(fe, te);
    if (e) return { context: e.context, method: 'function' };
  }
  if (typeInfo(from) === undefined || typeInfo(to) === undefined) return null;
  // Automatic I/O conversion: to a string type in assignment, from one explicitly.
  if (STRING_TYPES.has(to)) return { context: 'assignment', method: 'io' };
  if (STRING_TYPES.has(from)) return { context: 'explicit', method: 'io' };
  return null;
}

/** Whether the cast may be applied in `context` (an explicit cast allows all). */
export function castAllowed(from: number, to: number, context: CastContext): boolean {
  const c = findCast(from, to);
  return c !== null && RANK[c.context] <= RANK[context];
}

/** numeric typmod (atttypmod) → precision and scale. */
export function numericTypmod(typmod: number): { precision: number; scale: number } {
  const t = typmod - 4;
  return { precision: (t >> 16) & 0xffff, scale: ((t & 0x7ff) ^ 1024) - 1024 };
}

export function makeNumericTypmod(precision: number, scale: number): number {
  return ((precision << 16) | (scale & 0x7ff)) + 4;
}

function outOfRange(type: string): SqlError {
  return new SqlError(SqlState.numericValueOutOfRange, `${type} out of range`);
}

const INT_NAME: Record<number, string> = {
  [O.int2]: 'smallint',
  [O.int4]: 'integer',
  [O.int8]: 'bigint',
};
const INT_MAX: Record<number, bigint> = {
  [O.int2]: 32767n,
  [O.int4]: 2147483647n,
  [O.int8]: 2n ** 63n - 1n,
};

function checkInt(v: bigint, to: number): Datum {
  const max = INT_MAX[to];
  if (v > max || v < -max - 1n) throw outOfRange(INT_NAME[to]);
  return to === O.int8 ? v : Number(v);
}

function asBigInt(v: Datum, from: number): bigint {
  if (from === O.int8) return v as bigint;
  return BigInt(v as number);
}

/** float → int: rint() then a range check (float8_int4 and friends). */
function floatToInt(f: number, to: number): Datum {
  if (!Number.isFinite(f)) throw outOfRange(INT_NAME[to]);
  const r = Math.round(f) - (Math.abs(f % 1) === 0.5 && Math.round(f) % 2 !== 0 ? 1 : 0);
  // Beyond 2^53 a double is already an integer.
  return checkInt(BigInt(r), to);
}

/** numeric → int: round half away from zero; NaN and infinities are 0A000. */
function numericToInt(n: Numeric, to: number): Datum {
  if (n.isNaN())
    throw new SqlError(SqlState.featureNotSupported, `cannot convert NaN to ${INT_NAME[to]}`);
  if (!n.isFinite())
    throw new SqlError(SqlState.featureNotSupported, `cannot convert infinity to ${INT_NAME[to]}`);
  return checkInt(n.withScale(0).coeff, to);
}

/** int8 → float4 with one rounding (Math.fround(Number(v)) could round twice). */
function bigintToFloat4(v: bigint): number {
  return decimalToFloat4(v.toString());
}

function float8ToFloat4(f: number): number {
  const r = Math.fround(f);
  if (!Number.isFinite(r) && Number.isFinite(f))
    throw new SqlError(SqlState.numericValueOutOfRange, 'value out of range: overflow');
  if (r === 0 && f !== 0)
    throw new SqlError(SqlState.numericValueOutOfRange, 'value out of range: underflow');
  return r;
}

function floatToNumeric(f: number, digits: number): Numeric {
  if (Number.isNaN(f)) return Numeric.NaN;
  if (f === Infinity) return Numeric.Infinity;
  if (f === -Infinity) return Numeric.NegativeInfinity;
  return Numeric.parse(formatG(f, digits));
}

function jsonbScalar(v: Jsonb, to: number): JsonValue {
  const j = v.value;
  const kind =
    j === null
      ? 'null'
      : typeof j === 'string'
        ? 'string'
        : typeof j === 'boolean'
          ? 'boolean'
          : j instanceof Numeric
            ? 'numeric'
            : Array.isArray(j)
              ? 'array'
              : 'object';
  const want = to === O.bool ? 'boolean' : 'numeric';
  if (kind !== want) {
    throw new SqlError(
      SqlState.invalidParameterValue,
      `cannot cast jsonb ${kind} to type ${typeInfo(to)?.sqlName}`,
    );
  }
  return j;
}

/** timestamp (local wall clock) → timestamptz in the session zone. */
function timestampToTz(ts: bigint, s: FormatSettings, message = 'timestamp out of range'): bigint {
  if (ts === TIMESTAMP_NOBEGIN || ts === TIMESTAMP_NOEND) return ts;
  const off = localOffset(timestampToTm(ts), sessionZone(s.timeZone));
  const r = ts - BigInt(off) * 1_000_000n;
  if (!isValidTimestamp(r)) throw new SqlError(SqlState.datetimeFieldOverflow, message);
  return r;
}

/** timestamptz → the wall clock in the session zone (unchecked: date and time take it as is). */
function tzToLocal(ts: bigint, s: FormatSettings): bigint {
  if (ts === TIMESTAMP_NOBEGIN || ts === TIMESTAMP_NOEND) return ts;
  return ts + BigInt(offsetAtTimestamp(ts, sessionZone(s.timeZone))) * 1_000_000n;
}

function timestampToDate(ts: bigint): number {
  if (ts === TIMESTAMP_NOBEGIN) return -Infinity;
  if (ts === TIMESTAMP_NOEND) return Infinity;
  let d = ts / 86_400_000_000n;
  if (ts % 86_400_000_000n < 0n) d -= 1n;
  return Number(d);
}

/** timestamp_time: the time of day; NULL for ±infinity. */
function timestampToTime(ts: bigint): number | null {
  if (ts === TIMESTAMP_NOBEGIN || ts === TIMESTAMP_NOEND) return null;
  let t = ts % 86_400_000_000n;
  if (t < 0n) t += 86_400_000_000n;
  return Number(t);
}

function dateToTimestamp(d: number): bigint {
  if (d === -Infinity) return TIMESTAMP_NOBEGIN;
  if (d === Infinity) return TIMESTAMP_NOEND;
  // Dates reach further than timestamps (5874897 AD against 294276 AD).
  const r = BigInt(d) * 86_400_000_000n;
  if (!isValidTimestamp(r))
    throw new SqlError(SqlState.datetimeFieldOverflow, 'date out of range for timestamp');
  return r;
}

/** Character length typmods: varchar(n) and char(n) (varchar(), bpchar() functions). */
function applyLength(s: string, to: number, typmod: number, explicit: boolean): string {
  if (typmod < 4) return s;
  const n = typmod - 4;
  const chars = [...s];
  if (chars.length > n) {
    if (!explicit) {
      for (let i = n; i < chars.length; i++) {
        if (chars[i] !== ' ') {
          throw new SqlError(
            SqlState.stringDataRightTruncation,
            `value too long for type ${to === O.bpchar ? 'character' : 'character varying'}(${n})`,
          );
        }
      }
    }
    return chars.slice(0, n).join('');
  }
  if (to === O.bpchar && chars.length < n) return s + ' '.repeat(n - chars.length);
  return s;
}

const SCALES = [1_000_000n, 100_000n, 10_000n, 1_000n, 100n, 10n, 1n];

/** AdjustTimestampForTypmod / AdjustTimeForTypmod: round µs to `precision` digits, half away from zero. */
function roundMicros(us: bigint, precision: number): bigint {
  if (precision < 0 || precision >= 6) return us;
  const scale = SCALES[precision];
  const half = scale / 2n;
  return us >= 0n ? ((us + half) / scale) * scale : -(((-us + half) / scale) * scale);
}

/**
 * Applies a typmod (atttypmod, -1 for none) to a value of type `t`: numeric(p,s),
 * varchar(n), char(n), timestamp(p), timestamptz(p), time(p). `explicit` casts truncate
 * strings silently; assignment raises 22001 unless only spaces are cut.
 */
export function applyTypmod(v: Datum, t: number, typmod: number, explicit = false): Datum {
  if (v === null || typmod < 0) return v;
  switch (t) {
    case O.numeric: {
      const { precision, scale } = numericTypmod(typmod);
      return (v as Numeric).applyTypmod(precision, scale);
    }
    case O.varchar:
    case O.bpchar:
      return applyLength(v as string, t, typmod, explicit);
    case O.timestamp:
    case O.timestamptz: {
      const ts = v as bigint;
      if (ts === TIMESTAMP_NOBEGIN || ts === TIMESTAMP_NOEND) return ts;
      // PostgreSQL 15 does not range-check after rounding (294276-12-31 23:59:59.999999 → 294277-01-01).
      return roundMicros(ts, typmod);
    }
    case O.time:
      return Number(roundMicros(BigInt(v as number), typmod));
    default: {
      const e = elementType(t);
      if (e !== 0) return (v as Datum[]).map((x) => applyTypmod(x, e, typmod, explicit));
      return v;
    }
  }
}

/**
 * Converts a non-null value of type `from` to type `to` (then applies `typmod`, -1 for none).
 * Does not check the context: ask castAllowed first. Throws 42846 when no cast exists.
 */
export function castValue(
  v: Datum,
  from: number,
  to: number,
  settings: FormatSettings,
  typmod = -1,
  explicit = true,
): Datum {
  if (v === null) return null;
  return applyTypmod(convert(v, from, to, settings), to, typmod, explicit);
}

function convert(v: Datum, from: number, to: number, s: FormatSettings): Datum {
  if (from === to) return v;
  const fe = elementType(from);
  const te = elementType(to);
  if (fe !== 0 && te !== 0)
    return (v as Datum[]).map((x) => (x === null ? null : convert(x, fe, te, s)));

  switch (to) {
    case O.int2:
    case O.int4:
    case O.int8:
      switch (from) {
        case O.int2:
        case O.int4:
        case O.int8:
          return checkInt(asBigInt(v, from), to);
        case O.oid:
          // oid → int4 is binary-coercible (reinterpreted as signed); oid → int8 keeps the value.
          return to === O.int4
            ? (v as number) | 0
            : to === O.int8
              ? BigInt(v as number)
              : checkInt(BigInt(v as number), to);
        case O.float4:
        case O.float8:
          return floatToInt(v as number, to);
        case O.numeric:
          return numericToInt(v as Numeric, to);
        case O.bool:
          return v ? 1 : 0;
        case O.char:
          return Buffer.from(v as string, 'latin1')[0] ?? 0;
        case O.jsonb:
          return numericToInt(jsonbScalar(v as Jsonb, to) as Numeric, to);
      }
      break;
    case O.float4:
    case O.float8: {
      let f: number;
      switch (from) {
        case O.int2:
        case O.int4:
          f = v as number;
          break;
        case O.int8:
          return to === O.float4 ? bigintToFloat4(v as bigint) : Number(v as bigint);
        case O.float4:
        case O.float8:
          f = v as number;
          break;
        case O.numeric:
        case O.jsonb: {
          // numeric_float8/numeric_float4: the numeric's text through float8in/float4in.
          const n = from === O.jsonb ? (jsonbScalar(v as Jsonb, to) as Numeric) : (v as Numeric);
          return to === O.float4 ? parseFloat4(n.toString()) : parseFloat8(n.toString());
        }
        default:
          return viaIo(v, from, to, s);
      }
      return to === O.float4 ? (from === O.float8 ? float8ToFloat4(f) : Math.fround(f)) : f;
    }
    case O.numeric:
      switch (from) {
        case O.int2:
        case O.int4:
        case O.int8:
          return Numeric.fromBigInt(v as number | bigint);
        case O.float8:
          return floatToNumeric(v as number, 15);
        case O.float4:
          return floatToNumeric(v as number, 6);
        case O.jsonb:
          return jsonbScalar(v as Jsonb, to) as Numeric;
      }
      break;
    case O.bool:
      if (from === O.int4) return v !== 0;
      if (from === O.jsonb) return jsonbScalar(v as Jsonb, to) as boolean;
      break;
    case O.oid:
      if (from === O.int4 || from === O.int2) return (v as number) >>> 0;
      if (from === O.int8) {
        const b = v as bigint;
        if (b < 0n || b > 4294967295n)
          throw new SqlError(SqlState.numericValueOutOfRange, 'OID out of range');
        return Number(b);
      }
      break;
    case O.text:
    case O.varchar:
    case O.bpchar:
    case O.name: {
      let str: string;
      if (from === O.bool) str = v ? 'true' : 'false';
      else if (from === O.bpchar) str = trimBpchar(v as string);
      else str = STRING_TYPES.has(from) || from === O.char ? (v as string) : formatText(from, v, s);
      return to === O.name ? parseName(str) : str;
    }
    case O.char:
      if (from === O.int4) {
        const n = v as number;
        if (n < -128 || n > 127)
          throw new SqlError(SqlState.numericValueOutOfRange, '"char" out of range');
        // A zero byte is the empty "char".
        return (n & 0xff) === 0 ? '' : String.fromCharCode(n & 0xff);
      }
      if (STRING_TYPES.has(from)) {
        const b = Buffer.from(v as string, 'utf8');
        return b.length === 0 ? '' : b.subarray(0, 1).toString('latin1');
      }
      break;
    case O.timestamp:
      if (from === O.date) return dateToTimestamp(v as number);
      if (from === O.timestamptz) {
        const r = tzToLocal(v as bigint, s);
        if (!isValidTimestamp(r) && r !== TIMESTAMP_NOBEGIN && r !== TIMESTAMP_NOEND) {
          throw new SqlError(SqlState.datetimeFieldOverflow, 'timestamp out of range');
        }
        return r;
      }
      break;
    case O.timestamptz:
      if (from === O.date)
        return timestampToTz(dateToTimestamp(v as number), s, 'date out of range for timestamp');
      if (from === O.timestamp) return timestampToTz(v as bigint, s);
      break;
    case O.date:
      if (from === O.timestamp) return timestampToDate(v as bigint);
      if (from === O.timestamptz) return timestampToDate(tzToLocal(v as bigint, s));
      break;
    case O.time:
      if (from === O.timestamp) return timestampToTime(v as bigint);
      if (from === O.timestamptz) return timestampToTime(tzToLocal(v as bigint, s));
      if (from === O.interval) {
        const day = 86_400_000_000n;
        let t = (v as Interval).micros % day;
        if (t < 0n) t += day;
        return Number(t);
      }
      break;
    case O.interval:
      if (from === O.time) return new Interval(0, 0, BigInt(v as number));
      break;
    case O.json:
      if (from === O.jsonb) return jsonbToText((v as Jsonb).value);
      break;
    case O.jsonb:
      if (from === O.json) return Jsonb.parse(v as string);
      break;
  }
  if (STRING_TYPES.has(from) || STRING_TYPES.has(to)) return viaIo(v, from, to, s);
  throw new SqlError(
    '42846',
    `cannot cast type ${typeInfo(from)?.sqlName ?? from} to ${typeInfo(to)?.sqlName ?? to}`,
  );
}

/** CoerceViaIO: the source's output function, then the target's input function. */
function viaIo(v: Datum, from: number, to: number, s: FormatSettings): Datum {
  const text = STRING_TYPES.has(from) ? (v as string) : formatText(from, v, s);
  return parseText(to, text, s);
}
