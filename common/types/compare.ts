/**
 * SQL ordering of values with PostgreSQL's btree semantics (the `cmp` support function of
 * each type's default operator class), with the C collation for text (byte order of the
 * UTF-8 encoding, which is also the order of our keys):
 *
 * - float4/float8: NaN equals NaN and sorts above +Infinity; -0 equals 0 (float8_cmp_internal).
 * - numeric: NaN above +Infinity; scale does not matter (1.50 = 1.5) (cmp_numerics).
 * - bpchar: trailing spaces do not count (bpcharcmp).
 * - interval: compared as one span, months counted as 30 days (interval_cmp_value),
 *   so '1 mon' = '30 days'.
 * - arrays: element by element, a NULL element above any value, then the shorter first.
 * - jsonb: PostgreSQL's jsonb btree order (compareJsonbContainers): null < string <
 *   number < boolean < array < object, arrays and objects by size first, then element by
 *   element / key by key; a top-level scalar is a one-element array below real arrays.
 */
import { SqlError, SqlState } from '../errors';
import { TypeOid, type Datum } from './datum';
import { Interval } from './interval';
import { JsonObject, Jsonb, type JsonValue } from './jsonb';
import { Numeric } from './numeric';
import { elementType } from './typeTable';

function cmpNum(a: number | bigint, b: number | bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareFloat(a: number, b: number): number {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an && bn ? 0 : an ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Byte order of the UTF-8 encodings, without encoding: code point order is the same. */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // UTF-16 puts surrogates (U+10000 and up) below U+E000..U+FFFF; UTF-8 does not.
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1;
}

export function trimBpchar(s: string): string {
  let e = s.length;
  while (e > 0 && s.charCodeAt(e - 1) === 0x20) e--;
  return e === s.length ? s : s.slice(0, e);
}

export const USECS_PER_DAY = 86_400_000_000n;

/** interval_cmp_value: the interval as one number of µs, a month being 30 days. */
export function intervalSpan(iv: Interval): bigint {
  return (BigInt(iv.months) * 30n + BigInt(iv.days)) * USECS_PER_DAY + iv.micros;
}

function jsonRank(v: JsonValue): number {
  if (v === null) return 0;
  if (typeof v === 'string') return 1;
  if (v instanceof Numeric) return 2;
  if (typeof v === 'boolean') return 3;
  if (Array.isArray(v)) return 4;
  return 5;
}

/** Two jsonb values inside containers: by kind (jsonb docs: Object > Array > Boolean > Number > String > Null), then by content. */
function compareJsonInner(a: JsonValue, b: JsonValue): number {
  const ra = jsonRank(a);
  const rb = jsonRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return compareText(a as string, b as string);
    case 2:
      return (a as Numeric).compare(b as Numeric);
    case 3:
      return cmpNum(Number(a), Number(b));
    default:
      return compareContainers(
        a as JsonValue[] | JsonObject,
        false,
        b as JsonValue[] | JsonObject,
        false,
      );
  }
}

/**
 * compareJsonbContainers: arrays below objects; objects by pair count, then key, value,
 * key, … in storage order (keys compared as text); arrays by element count, then element
 * by element, a top-level scalar being a one-element "raw scalar" array that sorts below a
 * real array of the same length.
 */
function compareContainers(
  a: JsonValue[] | JsonObject,
  rawA: boolean,
  b: JsonValue[] | JsonObject,
  rawB: boolean,
): number {
  const aIsArr = Array.isArray(a);
  const bIsArr = Array.isArray(b);
  if (aIsArr !== bIsArr) return aIsArr ? -1 : 1;
  if (aIsArr && bIsArr) {
    if (a.length !== b.length) return a.length < b.length ? -1 : 1;
    if (rawA !== rawB) return rawA ? -1 : 1;
    for (let i = 0; i < a.length; i++) {
      const c = compareJsonInner(a[i], b[i]);
      if (c !== 0) return c;
    }
    return 0;
  }
  const x = (a as JsonObject).entries;
  const y = (b as JsonObject).entries;
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  for (let i = 0; i < x.length; i++) {
    const k = compareText(x[i][0], y[i][0]);
    if (k !== 0) return k;
    const c = compareJsonInner(x[i][1], y[i][1]);
    if (c !== 0) return c;
  }
  return 0;
}

/** jsonb's btree order (jsonb_cmp). */
export function compareJsonValues(a: JsonValue, b: JsonValue): number {
  const ca = Array.isArray(a) || a instanceof JsonObject;
  const cb = Array.isArray(b) || b instanceof JsonObject;
  return compareContainers(
    ca ? (a as JsonValue[] | JsonObject) : [a],
    !ca,
    cb ? (b as JsonValue[] | JsonObject) : [b],
    !cb,
  );
}

/**
 * Compares two non-null values of the same type: negative, 0 or positive.
 * Throws 42883 for types without an ordering (json).
 */
export function compareValues(typeOid: number, a: Datum, b: Datum): number {
  switch (typeOid) {
    case TypeOid.bool:
      return cmpNum(Number(a), Number(b));
    case TypeOid.int2:
    case TypeOid.int4:
    case TypeOid.int8:
    case TypeOid.oid:
    case TypeOid.regproc:
    case TypeOid.regclass:
    case TypeOid.regtype:
    case TypeOid.date:
    case TypeOid.time:
    case TypeOid.timestamp:
    case TypeOid.timestamptz:
      return cmpNum(a as number | bigint, b as number | bigint);
    case TypeOid.float4:
    case TypeOid.float8:
      return compareFloat(a as number, b as number);
    case TypeOid.numeric:
      return (a as Numeric).compare(b as Numeric);
    case TypeOid.text:
    case TypeOid.varchar:
    case TypeOid.name:
    case TypeOid.char:
    case TypeOid.uuid:
    case TypeOid.unknown:
      return compareText(a as string, b as string);
    case TypeOid.bpchar:
      return compareText(trimBpchar(a as string), trimBpchar(b as string));
    case TypeOid.bytea:
      return Buffer.compare(a as Buffer, b as Buffer);
    case TypeOid.interval:
      return cmpNum(intervalSpan(a as Interval), intervalSpan(b as Interval));
    case TypeOid.jsonb:
      return compareJsonValues((a as Jsonb).value, (b as Jsonb).value);
    default: {
      const elem = elementType(typeOid);
      if (elem !== 0) return compareArrays(elem, a as Datum[], b as Datum[]);
      throw new SqlError(
        SqlState.undefinedFunction,
        `could not identify a comparison function for type ${typeOid}`,
      );
    }
  }
}

function compareArrays(elem: number, a: readonly Datum[], b: readonly Datum[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === null || y === null) {
      if (x === null && y === null) continue;
      return x === null ? 1 : -1; // array_cmp: a NULL element is larger than any value
    }
    const c = compareValues(elem, x, y);
    if (c !== 0) return c;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** ORDER BY semantics for one column, NULLs included. PostgreSQL's default: NULLS LAST for ASC, FIRST for DESC. */
export function compareSql(
  typeOid: number,
  a: Datum,
  b: Datum,
  desc = false,
  nullsFirst: boolean = desc,
): number {
  if (a === null || b === null) {
    if (a === null && b === null) return 0;
    return (a === null) === nullsFirst ? -1 : 1;
  }
  const c = compareValues(typeOid, a, b);
  return desc ? -c : c;
}
