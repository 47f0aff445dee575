/**
 * The one seam between the SQL engine and the value layer (common/types, common/keys,
 * owned by the types branch). Everything the evaluator, planner and shard need from a
 * type goes through here: text input/output, comparison, and the stored/wire form of a
 * value. Dates, times, timestamps, intervals, json and jsonb go through common/types
 * (PostgreSQL's own input and output routines, with the session defaults of
 * common/types/io.ts); the other types still have the minimal bodies below (numeric is
 * common/expr/numeric.ts), and swapping them in changes this file only.
 */
import { SqlError, SqlState } from '../errors';
import type { Datum } from '../types/datum';
import { TypeOid } from '../types/datum';
import { Numeric } from './numeric';
import { defaultFormatSettings, formatText, parseText } from '../types/io';
import { elementType } from '../types/typeTable';
import { Interval } from '../types/interval';
import { Jsonb } from '../types/jsonb';
import { parseOid } from '../types/scalarText';
import { compareJsonValues, intervalSpan } from '../types/compare';

export { Numeric };

const T = TypeOid;

export function isIntType(t: number): boolean {
  return t === T.int2 || t === T.int4 || t === T.int8 || t === T.oid;
}
export function isFloatType(t: number): boolean {
  return t === T.float4 || t === T.float8;
}
export function isNumericCategory(t: number): boolean {
  return isIntType(t) || isFloatType(t) || t === T.numeric;
}
export function isStringType(t: number): boolean {
  return t === T.text || t === T.varchar || t === T.bpchar || t === T.name || t === T.unknown;
}
export function isTimeType(t: number): boolean {
  return t === T.date || t === T.timestamp || t === T.timestamptz || t === T.time;
}

/** Type names as PostgreSQL prints them in messages (format_type). */
export function typeName(t: number): string {
  switch (t) {
    case T.int2:
      return 'smallint';
    case T.int4:
      return 'integer';
    case T.int8:
      return 'bigint';
    case T.float4:
      return 'real';
    case T.float8:
      return 'double precision';
    case T.numeric:
      return 'numeric';
    case T.text:
      return 'text';
    case T.varchar:
      return 'character varying';
    case T.bpchar:
      return 'character';
    case T.bool:
      return 'boolean';
    case T.bytea:
      return 'bytea';
    case T.date:
      return 'date';
    case T.time:
      return 'time without time zone';
    case T.timestamp:
      return 'timestamp without time zone';
    case T.timestamptz:
      return 'timestamp with time zone';
    case T.interval:
      return 'interval';
    case T.uuid:
      return 'uuid';
    case T.json:
      return 'json';
    case T.jsonb:
      return 'jsonb';
    case T.unknown:
      return 'unknown';
    case T.name:
      return 'name';
    case T.oid:
      return 'oid';
    default:
      return `type ${t}`;
  }
}

function invalid(t: number, text: string): SqlError {
  return new SqlError(
    SqlState.invalidTextRepresentation,
    `invalid input syntax for type ${typeName(t)}: "${text}"`,
  );
}

// --- text input / output --------------------------------------------------------------

const INT4_MIN = -2147483648;
const INT4_MAX = 2147483647;

/**
 * The I/O settings date/time values are read and written with: the session defaults, in
 * `timeZone` when given (the session's TimeZone; absent: UTC). Cached per zone name.
 */
const settingsByZone = new Map<string, typeof defaultFormatSettings>();
export function settingsIn(timeZone: string | undefined): typeof defaultFormatSettings {
  if (timeZone === undefined || timeZone === defaultFormatSettings.timeZone)
    return defaultFormatSettings;
  let s = settingsByZone.get(timeZone);
  if (s === undefined) {
    s = { ...defaultFormatSettings, timeZone };
    settingsByZone.set(timeZone, s);
  }
  return s;
}

/**
 * Parses text as a value of type t (the type's input function); a timestamptz without an
 * offset is read in `timeZone` (the session's; absent: UTC), as timestamptz_in does.
 */
export function parseValue(t: number, text: string, timeZone?: string): Datum {
  switch (t) {
    case T.bool: {
      const s = text.trim().toLowerCase();
      if (['t', 'true', 'yes', 'on', '1', 'y', 'tr', 'tru', 'ye'].includes(s)) return true;
      if (['f', 'false', 'no', 'off', '0', 'n', 'fa', 'fal', 'fals', 'of'].includes(s))
        return false;
      throw invalid(t, text);
    }
    case T.oid:
      // oidin: unsigned 32 bits (4294967295 is a valid oid), not int4's range.
      return parseOid(text);
    case T.int2:
    case T.int4: {
      if (!/^\s*[+-]?\d+\s*$/.test(text)) throw invalid(t, text);
      const n = Number(text);
      const [lo, hi] = t === T.int2 ? [-32768, 32767] : [INT4_MIN, INT4_MAX];
      if (n < lo || n > hi)
        throw new SqlError(
          SqlState.numericValueOutOfRange,
          `value "${text.trim()}" is out of range for type ${typeName(t)}`,
        );
      return n;
    }
    case T.int8: {
      if (!/^\s*[+-]?\d+\s*$/.test(text)) throw invalid(t, text);
      const n = BigInt(text.trim());
      if (n < -(1n << 63n) || n >= 1n << 63n)
        throw new SqlError(
          SqlState.numericValueOutOfRange,
          `value "${text.trim()}" is out of range for type bigint`,
        );
      return n;
    }
    case T.float4:
    case T.float8: {
      const s = text.trim().toLowerCase();
      if (s === 'nan') return NaN;
      if (s === 'infinity' || s === 'inf' || s === '+infinity') return Infinity;
      if (s === '-infinity' || s === '-inf') return -Infinity;
      if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(s)) throw invalid(t, text);
      const f = Number(s);
      return t === T.float4 ? Math.fround(f) : f;
    }
    case T.numeric:
      try {
        return Numeric.fromString(text);
      } catch {
        throw invalid(t, text);
      }
    case T.date:
    case T.timestamp:
    case T.timestamptz:
    case T.time:
    case T.interval:
    case T.json:
    case T.jsonb:
      // PostgreSQL's own input routines (common/types), with the session defaults.
      return parseText(t, text, settingsIn(timeZone));
    case T.uuid: {
      const hex = text.trim().replace(/[{}-]/g, '').toLowerCase();
      if (!/^[0-9a-f]{32}$/.test(hex)) throw invalid(t, text);
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }
    case T.bytea:
      if (text.startsWith('\\x')) return Buffer.from(text.slice(2), 'hex');
      return Buffer.from(text, 'utf8');
    default:
      // Arrays and int2vector / oidvector through the type's own input function.
      if (elementType(t) !== 0) return parseText(t, text, defaultFormatSettings);
      return text;
  }
}

function formatFloat(f: number, t: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return 'Infinity';
  if (f === -Infinity) return '-Infinity';
  if (Object.is(f, -0)) return '-0';
  // PostgreSQL 12+ prints the shortest exact representation (extra_float_digits = 1).
  const s =
    t === T.float4 ? String(Number(f.toPrecision(9))).replace(/^(-?)(\d+)$/, '$1$2') : String(f);
  const shortest = t === T.float4 ? shortestFloat4(f) : s;
  return shortest.replace(/e\+?/, (m) => (m === 'e' ? 'e' : 'e+'));
}

function shortestFloat4(f: number): string {
  for (let p = 1; p <= 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return String(Number(s));
  }
  return String(f);
}

/** Text output of a non-null value (the type's output function); timestamptz in `timeZone`. */
export function formatValue(t: number, v: Datum, timeZone?: string): string {
  switch (t) {
    case T.bool:
      return v ? 't' : 'f';
    case T.float4:
    case T.float8:
      return formatFloat(v as number, t);
    case T.date:
    case T.timestamp:
    case T.timestamptz:
    case T.time:
    case T.interval:
    case T.jsonb:
      return formatText(t, v, settingsIn(timeZone));
    case T.bytea:
      return '\\x' + (v as Buffer).toString('hex');
    default:
      if (Array.isArray(v))
        return '{' + v.map((x) => (x === null ? 'NULL' : String(x))).join(',') + '}';
      return String(v);
  }
}

// --- comparison -----------------------------------------------------------------------

/** Three-way comparison of two non-null values of type t (text compares bytewise: C collation). */
export function compareValues(t: number, a: Datum, b: Datum): number {
  switch (typeof a) {
    case 'number': {
      const y = b as number;
      if (a < y) return -1;
      if (a > y) return 1;
      if (a === y) return 0;
      // NaN sorts above every other float (PostgreSQL float8_cmp_internal).
      const an = Number.isNaN(a),
        bn = Number.isNaN(y);
      return an && bn ? 0 : an ? 1 : -1;
    }
    case 'bigint':
      return a < (b as bigint) ? -1 : a > (b as bigint) ? 1 : 0;
    case 'string': {
      if (a === b) return 0;
      // C collation: byte order of UTF-8 equals code point order, not UTF-16 order.
      return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b as string, 'utf8'));
    }
    case 'boolean':
      return a === b ? 0 : a ? 1 : -1;
    default:
      if (a instanceof Numeric) return a.compare(b as Numeric);
      if (a instanceof Interval) {
        // interval_cmp: as one span of µs, a month being 30 days ('1 mon' = '30 days').
        const x = intervalSpan(a),
          y = intervalSpan(b as Interval);
        return x < y ? -1 : x > y ? 1 : 0;
      }
      if (a instanceof Jsonb) return compareJsonValues(a.value, (b as Jsonb).value);
      if (Buffer.isBuffer(a)) return Buffer.compare(a, b as Buffer);
      if (Array.isArray(a)) {
        const y = b as Datum[];
        for (let i = 0; i < Math.min(a.length, y.length); i++) {
          const x = a[i],
            z = y[i];
          if (x === null || z === null) {
            if (x !== z) return x === null ? 1 : -1;
            continue;
          }
          const c = compareValues(t, x, z);
          if (c !== 0) return c;
        }
        return a.length - y.length;
      }
      return 0;
  }
}

// --- stored / wire form -------------------------------------------------------------------

/** A value as msgpack carries it (rows on disk, fragments and results on the wire). */
export function toWire(t: number, v: Datum): unknown {
  if (v === null) return null;
  if (t === T.numeric) return (v as Numeric).toString();
  if (t === T.interval) {
    const iv = v as Interval;
    return [iv.months, iv.days, iv.micros];
  }
  if (t === T.jsonb) return (v as Jsonb).toString();
  if ((t === T.date || isFloatType(t)) && !Number.isFinite(v as number)) return String(v);
  return v;
}

export function fromWire(t: number, v: unknown): Datum {
  if (v === null || v === undefined) return null;
  if (t === T.numeric)
    return typeof v === 'string' ? Numeric.fromString(v) : Numeric.fromInt(v as number);
  if ((t === T.date || isFloatType(t)) && typeof v === 'string') return Number(v);
  if (t === T.int8 && typeof v === 'number') return BigInt(v);
  if (t === T.interval) {
    if (typeof v === 'string') return parseText(t, v, defaultFormatSettings);
    if (v instanceof Interval) return v;
    const [m, d, us] = v as [number, number, bigint | number];
    return new Interval(m, d, BigInt(us));
  }
  if (t === T.jsonb) return typeof v === 'string' ? Jsonb.parse(v) : (v as Datum);
  if (v instanceof Uint8Array && !Buffer.isBuffer(v))
    return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return v as Datum;
}

/** Whether toWire/fromWire change values of type t (lets hot loops skip the call). */
export function needsWireConversion(t: number): boolean {
  return (
    t === T.numeric ||
    t === T.date ||
    isFloatType(t) ||
    t === T.int8 ||
    t === T.bytea ||
    t === T.interval ||
    t === T.jsonb
  );
}
