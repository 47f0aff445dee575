/**
 * Casts between the supported types, with PostgreSQL's rules: numeric → integer rounds
 * half away from zero, float → integer rounds half to even (rint), out-of-range → 22003,
 * text input through the type's input function (22P02), varchar(n)/char(n) length checks
 * (22001 on assignment, silent truncation on explicit cast), numeric(p,s) rounding.
 */
import { SqlError, SqlState } from '../errors';
import type { Datum } from '../types/datum';
import { TypeOid } from '../types/datum';
import { checkInt8 } from './arith';
import { Numeric } from './numeric';
import { elementType } from '../types/typeTable';
import { Jsonb } from '../types/jsonb';
import {
  formatValue,
  isIntType,
  isStringType,
  parseValue,
  settingsIn,
  typeName,
} from './typesAdapter';
import { castValue as castDateTime } from '../types/cast';

const T = TypeOid;

function rint(f: number): number {
  // Round half to even, as C rint() in the default rounding mode.
  const r = Math.round(f);
  return Math.abs(f % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function toIntRange(t: number, n: number | bigint): Datum {
  if (t === T.int8) return checkInt8(BigInt(n));
  const x = Number(n);
  const [lo, hi] = t === T.int2 ? [-32768, 32767] : [-2147483648, 2147483647];
  if (x < lo || x > hi)
    throw new SqlError(
      SqlState.numericValueOutOfRange,
      `${t === T.int2 ? 'smallint' : 'integer'} out of range`,
    );
  return x;
}

/**
 * Casts to oid as pg_cast has them: int2/int4 → oid reinterpret the bits (so -1 is
 * 4294967295), int8 → oid checks 0 … 4294967295 (int8 → oid, "OID out of range"); there
 * is no cast from numeric or float.
 */
function toOid(from: number, v: Datum): number {
  if (from === T.int2 || from === T.int4) return (v as number) >>> 0;
  if (from === T.int8) {
    const b = v as bigint;
    if (b < 0n || b > 4294967295n)
      throw new SqlError(SqlState.numericValueOutOfRange, 'OID out of range');
    return Number(b);
  }
  throw cannotCast(from, T.oid);
}

/** Applies a type modifier (varchar(n), char(n), numeric(p,s)). explicit: a CAST, not an assignment. */
export function applyTypmod(t: number, tm: number, v: Datum, explicit: boolean): Datum {
  if (v === null || tm < 0) return v;
  if (t === T.varchar || t === T.bpchar) {
    const n = tm - 4;
    let s = v as string;
    const len = [...s].length;
    if (len > n) {
      const cut = [...s].slice(0, n).join('');
      // Assignment errors unless only spaces would be cut (PostgreSQL varchar/bpchar).
      if (!explicit && /\S/.test([...s].slice(n).join(''))) {
        throw new SqlError(
          SqlState.stringDataRightTruncation,
          `value too long for type ${t === T.varchar ? 'character varying' : 'character'}(${n})`,
        );
      }
      s = cut;
    }
    if (t === T.bpchar && [...s].length < n) s = s + ' '.repeat(n - [...s].length);
    return s;
  }
  if (t === T.numeric) {
    const precision = ((tm - 4) >> 16) & 0xffff;
    const scale = (tm - 4) & 0xffff;
    const r = (v as Numeric).withScale(scale);
    if (r.integerDigits() > precision - scale) {
      throw new SqlError(SqlState.numericValueOutOfRange, 'numeric field overflow', {
        detail: `A field with precision ${precision}, scale ${scale} must round to an absolute value less than ${precision - scale === 0 ? '1' : `10^${precision - scale}`}.`,
      });
    }
    return r;
  }
  return v;
}

const DATE_TIME = new Set<number>([T.date, T.timestamp, T.timestamptz, T.time]);

/**
 * Whether casting from → to depends on the session's TimeZone: reading or printing a
 * timestamptz, or moving between it and a wall-clock type (date, timestamp, time).
 */
export function castUsesTimeZone(from: number, to: number): boolean {
  if (from === to) return false;
  if (to === T.timestamptz) return isStringType(from) || from === T.unknown || DATE_TIME.has(from);
  if (from === T.timestamptz) return isStringType(to) || DATE_TIME.has(to);
  return false;
}

/**
 * Casts a non-null value from type `from` to type `to`; a timestamptz is read, printed and
 * split into wall-clock fields in `timeZone` (the session's TimeZone; absent: UTC).
 */
export function castValue(
  from: number,
  to: number,
  v: Datum,
  tm = -1,
  explicit = true,
  timeZone?: string,
): Datum {
  if (v === null) return null;
  if (from === to) return tm >= 0 ? applyTypmod(to, tm, v, explicit) : v;
  let out: Datum;
  if (isStringType(from) && !isStringType(to)) {
    out = parseValue(
      to,
      from === T.bpchar ? (v as string).replace(/ +$/, '') : (v as string),
      timeZone,
    );
  } else if (isStringType(to)) {
    out = from === T.bpchar ? (v as string).replace(/ +$/, '') : formatValue(from, v, timeZone);
  } else if (DATE_TIME.has(from) && DATE_TIME.has(to)) {
    // PostgreSQL's own conversions (common/types/cast.ts), zone-aware.
    out = castDateTime(v, from, to, settingsIn(timeZone));
  } else if (to === T.oid) {
    out = toOid(from, v);
  } else if (isIntType(to)) {
    // oid → int4 is binary-coercible in pg_cast: 4294967295 reads back as -1.
    if (from === T.oid && to === T.int4) out = (v as number) | 0;
    else if (isIntType(from)) out = toIntRange(to, v as number | bigint);
    else if (from === T.numeric) out = toIntRange(to, (v as Numeric).withScale(0).v);
    else if (from === T.float4 || from === T.float8) {
      const f = v as number;
      if (!Number.isFinite(f))
        throw new SqlError(SqlState.numericValueOutOfRange, `${typeName(to)} out of range`);
      out = toIntRange(to, to === T.int8 ? BigInt(rint(f)) : rint(f));
    } else if (from === T.bool && to === T.int4) out = v ? 1 : 0;
    else throw cannotCast(from, to);
  } else if (to === T.numeric) {
    if (isIntType(from)) out = Numeric.fromInt(v as number | bigint);
    else if (from === T.float4 || from === T.float8) out = Numeric.fromFloat(v as number);
    else throw cannotCast(from, to);
  } else if (to === T.float4 || to === T.float8) {
    let f: number;
    if (typeof v === 'number') f = v;
    else if (typeof v === 'bigint') f = Number(v);
    else if (v instanceof Numeric) f = v.toNumber();
    else throw cannotCast(from, to);
    out = to === T.float4 ? Math.fround(f) : f;
  } else if (to === T.bool && from === T.int4) {
    out = v !== 0;
  } else if (to === T.jsonb && from === T.json) {
    out = Jsonb.parse(v as string);
  } else if (to === T.json && from === T.jsonb) {
    out = (v as Jsonb).toString();
  } else if (elementType(from) !== 0 && elementType(from) === elementType(to)) {
    out = v; // int2vector ↔ int2[], oidvector ↔ oid[]: binary-coercible in pg_cast
  } else if (elementType(from) !== 0 && elementType(to) !== 0) {
    // array_map (arrayfuncs.c): int4[] into int8[] casts each element, NULLs stay NULL.
    const [fe, te] = [elementType(from), elementType(to)];
    out = (v as Datum[]).map((x) => castValue(fe, te, x, -1, explicit, timeZone));
  } else {
    throw cannotCast(from, to);
  }
  return tm >= 0 ? applyTypmod(to, tm, out, explicit) : out;
}

export function cannotCast(from: number, to: number): SqlError {
  return new SqlError('42846', `cannot cast type ${typeName(from)} to ${typeName(to)}`);
}
