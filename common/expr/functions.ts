/**
 * Scalar functions (string, math, date/time). Resolution (argument and result types)
 * happens at plan time in the proxy (proxy/sql/functionTypes.ts); here every function
 * receives its already-cast, non-null arguments (strict functions: a NULL argument
 * yields NULL before the call, except the few listed in NON_STRICT).
 */
import { createHash, randomUUID } from 'node:crypto';
import { SqlError, SqlState } from '../errors';
import type { Datum } from '../types/datum';
import { TypeOid } from '../types/datum';
import { divisionByZero } from './arith';
import { Numeric } from './numeric';
import { formatValue } from './typesAdapter';
import { callJsonFunction, JSON_NON_STRICT } from './jsonFunctions';
import {
  age,
  extractInterval,
  justifyDays,
  justifyHours,
  justifyInterval,
  makeInterval,
  truncInterval,
  unitOf,
} from './intervalFunctions';
import { Interval } from '../types/interval';
import {
  checkedTimestamp,
  dateParts,
  displayYear,
  fromParts,
  isoWeek,
  makeDate,
  makeTimestamp,
} from './dateFields';
import { toCharTimestamp } from './toChar';
import { abbrevAt, fromLocal, toLocal, zoneOf } from './zonedTime';
import { findZone, type Zone } from '../types/timezone';
import { isValidTimestamp, TIMESTAMP_NOBEGIN, TIMESTAMP_NOEND } from '../types/calendar';

const T = TypeOid;

/** Functions that are called even with NULL arguments. */
export const NON_STRICT = new Set([
  'concat',
  'concat_ws',
  'now',
  'current_timestamp',
  'random',
  'gen_random_uuid',
  'pi',
  'current_date',
  'num_nulls',
  'num_nonnulls',
  // pg_typeof reports the argument's type, NULL included (pg_typeof(NULL) is unknown).
  'pg_typeof',
  ...JSON_NON_STRICT,
]);

function intResult(t: number, n: number): Datum {
  return t === T.int8 ? BigInt(n) : n;
}

function text(v: Datum, t: number): string {
  return typeof v === 'string' ? v : formatValue(t, v);
}

const DAY_US = 86_400_000_000n;

function toMicros(t: number, v: Datum): bigint {
  return t === T.date ? BigInt(v as number) * DAY_US : (v as bigint);
}

/** date_trunc on a timestamp (timestamp_trunc), range-checked like it. */
function dateTrunc(field: string, us: bigint, typeName: string): bigint {
  return checkedTimestamp(truncated(field, us, typeName));
}

/**
 * date_trunc on a timestamptz (timestamptz_trunc_internal): truncated on the wall clock of
 * the session zone. A unit of a day or more starts a new local day, whose offset is looked
 * up again (DetermineTimeZoneOffset); hour and below keep the value's own offset, so the
 * repeated 01:00 hour of a fall-back night truncates to the right one of the two.
 */
function dateTruncTz(field: string, us: bigint, zone: Zone): bigint {
  const { local, offset } = toLocal(us, zone);
  const t = truncated(field, local, 'timestamp with time zone');
  const u = unitOf(field);
  const newDay = !['hour', 'minute', 'second', 'milliseconds', 'microseconds'].includes(u);
  return checkedTimestamp(newDay ? fromLocal(t, zone) : t - BigInt(offset) * 1_000_000n);
}

function truncated(field: string, us: bigint, typeName: string): bigint {
  const p = dateParts(us);
  const micro = ((us % 1_000_000n) + 1_000_000n) % 1_000_000n;
  switch (unitOf(field)) {
    case 'millennium':
      return fromParts(Math.floor((p.y - 1) / 1000) * 1000 + 1, 1, 1);
    case 'century':
      return fromParts(Math.floor((p.y - 1) / 100) * 100 + 1, 1, 1);
    case 'decade':
      return fromParts(Math.floor(p.y / 10) * 10, 1, 1);
    case 'year':
      return fromParts(p.y, 1, 1);
    case 'quarter':
      return fromParts(p.y, Math.floor((p.mo - 1) / 3) * 3 + 1, 1);
    case 'month':
      return fromParts(p.y, p.mo, 1);
    case 'week':
      return fromParts(p.y, p.mo, p.d) - BigInt((p.dow + 6) % 7) * DAY_US;
    case 'day':
      return fromParts(p.y, p.mo, p.d);
    case 'hour':
      return fromParts(p.y, p.mo, p.d, p.h);
    case 'minute':
      return fromParts(p.y, p.mo, p.d, p.h, p.mi);
    case 'second':
      return us - micro;
    case 'milliseconds':
      return us - (micro % 1000n);
    case 'microseconds':
      return us;
    default:
      throw new SqlError(
        SqlState.invalidParameterValue,
        `unit "${field}" not recognized for type ${typeName}`,
      );
  }
}

/**
 * extract(field from date / timestamp[tz]) as PostgreSQL 15's timestamp_part_common and
 * date_part (numeric; date_part casts to float8). A date has no time fields, and its
 * epoch is whole seconds.
 */
function extract(field: string, t: number, v: Datum, zone: Zone): Numeric {
  const u = unitOf(field);
  const us = toMicros(t, v);
  // A timestamptz's fields are its wall clock in the session zone (timestamp2tm with
  // session_timezone); its epoch stays the instant itself.
  const tz = t === T.timestamptz ? toLocal(us, zone) : null;
  const p = dateParts(tz === null ? us : tz.local);
  const int = (n: number): Numeric => Numeric.fromInt(n);
  const typeName =
    t === T.date
      ? 'date'
      : t === T.timestamptz
        ? 'timestamp with time zone'
        : 'timestamp without time zone';
  if (t === T.date && ['microseconds', 'milliseconds', 'second', 'minute', 'hour'].includes(u))
    throw new SqlError(SqlState.featureNotSupported, `unit "${field}" not supported for type date`);
  switch (u) {
    case 'year':
      return int(displayYear(p.y));
    case 'month':
      return int(p.mo);
    case 'day':
      return int(p.d);
    case 'hour':
      return int(p.h);
    case 'minute':
      return int(p.mi);
    case 'second':
      return new Numeric(BigInt(p.frac), 6);
    case 'milliseconds':
      return new Numeric(BigInt(p.frac), 3);
    case 'microseconds':
      return int(p.frac);
    case 'dow':
      return int(p.dow);
    case 'isodow':
      return int(p.dow === 0 ? 7 : p.dow);
    case 'doy':
      return int(p.doy);
    case 'quarter':
      return int(Math.floor((p.mo - 1) / 3) + 1);
    case 'week':
      return int(isoWeek(p.y, p.mo, p.d).week);
    case 'isoyear':
      return int(displayYear(isoWeek(p.y, p.mo, p.d).year));
    case 'decade':
      return int(p.y >= 0 ? Math.trunc(p.y / 10) : -Math.trunc((8 - (p.y - 1)) / 10));
    case 'century':
      return int(p.y > 0 ? Math.trunc((p.y + 99) / 100) : -Math.trunc((99 - (p.y - 1)) / 100));
    case 'millennium':
      return int(p.y > 0 ? Math.trunc((p.y + 999) / 1000) : -Math.trunc((999 - (p.y - 1)) / 1000));
    case 'epoch': {
      const unix = us + 946_684_800_000_000n;
      return t === T.date ? new Numeric(unix / 1_000_000n, 0) : new Numeric(unix, 6);
    }
    case 'timezone':
    case 'timezone_hour':
    case 'timezone_minute':
      if (tz === null) break;
      // Seconds east of UTC; hour and minute truncate toward zero as C's division does.
      return int(
        u === 'timezone'
          ? tz.offset
          : u === 'timezone_hour'
            ? Math.trunc(tz.offset / 3600)
            : (Math.trunc(tz.offset / 60) % 60) + 0, // + 0: no -0 (an offset of whole hours)
      );
  }
  if (['timezone', 'timezone_hour', 'timezone_minute', 'julian'].includes(u))
    throw new SqlError(
      SqlState.featureNotSupported,
      `unit "${field}" not supported for type ${typeName}`,
    );
  throw new SqlError(
    SqlState.invalidParameterValue,
    `unit "${field}" not recognized for type ${typeName}`,
  );
}

/** timestamp2timestamptz's range check. */
function checkedTz(us: bigint): bigint {
  if (!isValidTimestamp(us))
    throw new SqlError(SqlState.datetimeFieldOverflow, 'timestamp out of range');
  return us;
}

/** make_timestamptz's zone argument (parse_sane_timezone): an offset, or a zone name. */
function namedZone(name: string): Zone {
  const z = findZone(name);
  if (z === null)
    throw new SqlError(SqlState.invalidParameterValue, `time zone "${name}" not recognized`);
  return z;
}

/**
 * to_char(timestamp / timestamptz / date, text). A date is the timestamptz of its local
 * midnight (date2timestamptz), as PostgreSQL resolves to_char(date, …) to the timestamptz
 * version; so it shows the session zone's TZ and OF like any timestamptz. An empty
 * template gives NULL, as in PostgreSQL.
 */
function toChar(v: Datum, t: number, fmt: string, zone: Zone): string | null {
  // Infinite values format as NULL (timestamp_to_char: TIMESTAMP_NOT_FINITE).
  if (fmt === '' || v === TIMESTAMP_NOBEGIN || v === TIMESTAMP_NOEND) return null;
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  if (t === T.timestamp) return toCharTimestamp(v as bigint, null, fmt);
  const us = t === T.date ? fromLocal(BigInt(v as number) * DAY_US, zone) : (v as bigint);
  const { local, offset } = toLocal(us, zone);
  return toCharTimestamp(local, { offset, abbrev: abbrevAt(us, zone) }, fmt);
}

function likeEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function pad(s: string, len: number, fill: string, left: boolean): string {
  const chars = [...s];
  if (len <= chars.length) return chars.slice(0, Math.max(0, len)).join('');
  if (fill === '') return s;
  let padding = '';
  while ([...padding].length < len - chars.length) padding += fill;
  padding = [...padding].slice(0, len - chars.length).join('');
  return left ? padding + s : s + padding;
}

function roundFloat(x: number, places = 0): number {
  const m = Math.pow(10, places);
  const r = Math.round(Math.abs(x) * m) / m;
  return x < 0 ? -r : r;
}

/**
 * Calls function f. `types` are the argument types, `rt` the result type, `nowUs` the
 * statement's start time, `timeZone` the session's TimeZone (absent: UTC).
 */
export function callFunction(
  f: string,
  args: Datum[],
  types: readonly number[],
  rt: number,
  nowUs: bigint,
  timeZone?: string,
): Datum {
  switch (f) {
    // --- strings
    case 'length':
    case 'char_length':
    case 'character_length':
      if (types[0] === T.bytea) return (args[0] as Buffer).length;
      return [...(args[0] as string)].length;
    case 'octet_length':
      return Buffer.byteLength(args[0] as string, 'utf8');
    case 'upper':
      return (args[0] as string).toUpperCase();
    case 'lower':
      return (args[0] as string).toLowerCase();
    case 'initcap':
      return (args[0] as string)
        .toLowerCase()
        .replace(/(^|[^a-z0-9])([a-z])/g, (_m, p: string, c: string) => p + c.toUpperCase());
    case 'substr':
    case 'substring': {
      const chars = [...(args[0] as string)];
      const start = Number(args[1]);
      if (args.length < 3) return chars.slice(Math.max(0, start - 1)).join('');
      const len = Number(args[2]);
      if (len < 0)
        throw new SqlError(SqlState.invalidParameterValue, 'negative substring length not allowed');
      const from = Math.max(1, start);
      const to = start + len;
      return to <= from ? '' : chars.slice(from - 1, to - 1).join('');
    }
    case 'left': {
      const chars = [...(args[0] as string)];
      const n = Number(args[1]);
      return (n >= 0 ? chars.slice(0, n) : chars.slice(0, Math.max(0, chars.length + n))).join('');
    }
    case 'right': {
      const chars = [...(args[0] as string)];
      const n = Number(args[1]);
      return (n >= 0 ? chars.slice(Math.max(0, chars.length - n)) : chars.slice(-n)).join('');
    }
    case 'trim':
    case 'btrim':
    case 'ltrim':
    case 'rtrim': {
      const s = args[0] as string;
      const set = args.length > 1 ? likeEscape(args[1] as string) : ' ';
      if (args.length > 1 && (args[1] as string) === '') return s;
      let out = s;
      if (f !== 'rtrim') out = out.replace(new RegExp(`^[${set}]+`, 'u'), '');
      if (f !== 'ltrim') out = out.replace(new RegExp(`[${set}]+$`, 'u'), '');
      return out;
    }
    case 'lpad':
    case 'rpad':
      return pad(
        args[0] as string,
        Number(args[1]),
        args.length > 2 ? (args[2] as string) : ' ',
        f === 'lpad',
      );
    case 'replace':
      return (args[1] as string) === ''
        ? args[0]
        : (args[0] as string).split(args[1] as string).join(args[2] as string);
    case 'reverse':
      return [...(args[0] as string)].reverse().join('');
    case 'repeat':
      return (args[0] as string).repeat(Math.max(0, Number(args[1])));
    case 'position':
    case 'strpos': {
      const idx = (args[0] as string).indexOf(args[1] as string);
      return idx < 0 ? 0 : [...(args[0] as string).slice(0, idx)].length + 1;
    }
    case 'concat':
      return args.map((a, i) => (a === null ? '' : text(a, types[i]))).join('');
    case 'concat_ws': {
      if (args[0] === null) return null;
      return args
        .slice(1)
        .filter((a) => a !== null)
        .map((a) => text(a, types[args.indexOf(a)] ?? T.text))
        .join(args[0] as string);
    }
    case 'split_part': {
      const parts = (args[0] as string).split(args[1] as string);
      const n = Number(args[2]);
      if (n === 0)
        throw new SqlError(SqlState.invalidParameterValue, 'field position must not be zero');
      const i = n > 0 ? n - 1 : parts.length + n;
      return parts[i] ?? '';
    }
    case 'md5':
      return createHash('md5')
        .update(args[0] as string)
        .digest('hex');
    case 'ascii':
      return (args[0] as string).codePointAt(0) ?? 0;
    case 'chr':
      return String.fromCodePoint(Number(args[0]));
    case 'starts_with':
      return (args[0] as string).startsWith(args[1] as string);
    case 'to_hex':
      return BigInt(args[0] as number | bigint).toString(16);
    // --- math
    case 'abs':
      if (args[0] instanceof Numeric) return args[0].abs();
      if (typeof args[0] === 'bigint') return args[0] < 0n ? -args[0] : args[0];
      if (rt === T.int4 && args[0] === -2147483648)
        throw new SqlError(SqlState.numericValueOutOfRange, 'integer out of range');
      return Math.abs(args[0] as number);
    case 'sign':
      if (args[0] instanceof Numeric) return Numeric.fromInt(args[0].sign());
      return Math.sign(args[0] as number);
    case 'round':
      if (args[0] instanceof Numeric)
        return args[0].withScale(args.length > 1 ? Number(args[1]) : 0);
      return roundHalfEven(args[0] as number);
    case 'trunc':
      if (args[0] instanceof Numeric) return args[0].trunc(args.length > 1 ? Number(args[1]) : 0);
      return Math.trunc(args[0] as number);
    case 'floor':
      if (args[0] instanceof Numeric) return args[0].floor();
      return Math.floor(args[0] as number);
    case 'ceil':
    case 'ceiling':
      if (args[0] instanceof Numeric) return args[0].ceil();
      return Math.ceil(args[0] as number);
    case 'mod': {
      if (args[0] instanceof Numeric) return args[0].mod(args[1] as Numeric);
      if (typeof args[0] === 'bigint') {
        if (args[1] === 0n) throw divisionByZero();
        return args[0] % (args[1] as bigint);
      }
      if (args[1] === 0) throw divisionByZero();
      const r = (args[0] as number) % (args[1] as number);
      return r === 0 ? 0 : r;
    }
    case 'sqrt': {
      const x = args[0] instanceof Numeric ? args[0].toNumber() : (args[0] as number);
      if (x < 0) throw new SqlError('2201F', 'cannot take square root of a negative number');
      return rt === T.numeric ? Numeric.fromString(Math.sqrt(x).toFixed(16)) : Math.sqrt(x);
    }
    case 'cbrt':
      return Math.cbrt(args[0] as number);
    case 'exp':
      return Math.exp(args[0] as number);
    case 'ln': {
      const x = args[0] as number;
      if (x === 0) throw new SqlError('2201E', 'cannot take logarithm of zero');
      if (x < 0) throw new SqlError('2201E', 'cannot take logarithm of a negative number');
      return Math.log(x);
    }
    case 'log':
    case 'log10': {
      const x = args[0] as number;
      if (x === 0) throw new SqlError('2201E', 'cannot take logarithm of zero');
      if (x < 0) throw new SqlError('2201E', 'cannot take logarithm of a negative number');
      return Math.log10(x);
    }
    case 'power':
    case 'pow':
      return Math.pow(args[0] as number, args[1] as number);
    case 'pi':
      return Math.PI;
    case 'random':
      return Math.random();
    case 'degrees':
      return ((args[0] as number) * 180) / Math.PI;
    case 'radians':
      return ((args[0] as number) * Math.PI) / 180;
    case 'sin':
      return Math.sin(args[0] as number);
    case 'cos':
      return Math.cos(args[0] as number);
    case 'tan':
      return Math.tan(args[0] as number);
    case 'atan':
      return Math.atan(args[0] as number);
    case 'atan2':
      return Math.atan2(args[0] as number, args[1] as number);
    case 'width_bucket': {
      const [x, lo, hi, n] = args.map(Number);
      if (x < lo) return 0;
      if (x >= hi) return n + 1;
      return Math.floor(((x - lo) / (hi - lo)) * n) + 1;
    }
    case 'gcd': {
      let a = BigInt(args[0] as number | bigint),
        b = BigInt(args[1] as number | bigint);
      if (a < 0n) a = -a;
      if (b < 0n) b = -b;
      while (b !== 0n) [a, b] = [b, a % b];
      return rt === T.int8 ? a : Number(a);
    }
    // --- date/time
    case 'now':
    case 'current_timestamp':
    case 'transaction_timestamp':
    case 'statement_timestamp':
    case 'localtimestamp':
      return nowUs;
    case 'clock_timestamp':
      return BigInt(Date.now() - Date.UTC(2000, 0, 1)) * 1000n;
    case 'current_date':
      return Number(nowUs / DAY_US);
    case 'date_trunc':
      if (types[1] === T.interval) return truncInterval(args[0] as string, args[1] as Interval);
      if (types[1] === T.timestamptz)
        return dateTruncTz(args[0] as string, args[1] as bigint, zoneOf(timeZone));
      return dateTrunc(
        args[0] as string,
        toMicros(types[1], args[1]),
        rt === T.timestamp ? 'timestamp without time zone' : 'timestamp with time zone',
      );
    case 'date_part':
    case 'extract': {
      const n =
        types[1] === T.interval
          ? extractInterval(args[0] as string, args[1] as Interval)
          : extract(args[0] as string, types[1], args[1], zoneOf(timeZone));
      return rt === T.float8 ? n.toNumber() : n;
    }
    case 'age':
      // age(ts) is the age from today's midnight (statement time).
      if (args.length === 1)
        return age(nowUs - (((nowUs % DAY_US) + DAY_US) % DAY_US), args[0] as bigint);
      return age(args[0] as bigint, args[1] as bigint);
    case 'justify_days':
      return justifyDays(args[0] as Interval);
    case 'justify_hours':
      return justifyHours(args[0] as Interval);
    case 'justify_interval':
      return justifyInterval(args[0] as Interval);
    case 'make_interval':
      return makeInterval(args as number[]);
    case 'make_date':
      return makeDate(Number(args[0]), Number(args[1]), Number(args[2]));
    case 'make_timestamp':
    case 'make_timestamptz': {
      const [y, mo, d, h, mi] = args.slice(0, 5).map(Number);
      const local = makeTimestamp(y, mo, d, h, mi, args[5] as number);
      if (f === 'make_timestamp') return local;
      return checkedTz(
        fromLocal(local, args.length > 6 ? namedZone(args[6] as string) : zoneOf(timeZone)),
      );
    }
    case 'to_char':
      return toChar(args[0], types[0], args[1] as string, zoneOf(timeZone));
    case 'pg_typeof':
      // regtype: the argument's type OID, which the proxy prints as the type's name.
      return types[0];
    // --- misc
    case 'gen_random_uuid':
      return randomUUID();
    case 'num_nulls':
      return args.filter((a) => a === null).length;
    case 'num_nonnulls':
      return args.filter((a) => a !== null).length;
    case 'array_length':
      return Number(args[1]) === 1 ? (args[0] as Datum[]).length || null : null;
    case 'cardinality':
      return (args[0] as Datum[]).length;
    case 'version':
      return 'PostgreSQL 15.0 (ShardDB 0.1.0) on x86_64-pc-linux-gnu, compiled by TypeScript, 64-bit';
    case 'current_database':
      return 'postgres';
    case 'current_schema':
      return 'public';
    case 'current_user':
    case 'session_user':
    case 'user':
      return 'postgres';
    case 'pg_backend_pid':
      return process.pid;
    case 'int4':
    case 'int8':
      return intResult(rt, Number(args[0]));
    default: {
      const j = callJsonFunction(f, args, types);
      if (j !== undefined) return j;
      throw new SqlError(SqlState.undefinedFunction, `function ${f} does not exist`);
    }
  }
}

function roundHalfEven(x: number): number {
  // float8 round() is rint(): half to even.
  const r = Math.round(x);
  if (Math.abs(x % 1) === 0.5) return r % 2 === 0 ? r : r - 1;
  return r === 0 && x < 0 ? -0 : r;
}

export { roundFloat };
