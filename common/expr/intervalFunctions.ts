/**
 * Functions over intervals and the age of timestamps, with PostgreSQL 15's rules
 * (src/backend/utils/adt/timestamp.c: interval_part_common, interval_trunc,
 * timestamp_age, interval_justify_*, make_interval). An interval keeps its three fields
 * (months, days, µs); the helpers break it into PostgreSQL's pg_itm the same way.
 */
import { SqlError, SqlState } from '../errors';
import { daysInMonth, rint } from '../types/calendar';
import { justifyHours, timestampToTm } from '../types/datetimeArith';
import { Interval } from '../types/interval';
import { Numeric } from './numeric';

const DAY = 86_400_000_000n;
const HOUR = 3_600_000_000n;
const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

function outOfRange(): SqlError {
  return new SqlError(SqlState.datetimeFieldOverflow, 'interval out of range');
}

function checkInt32(n: number): number {
  if (!Number.isFinite(n) || n > INT32_MAX || n < INT32_MIN) throw outOfRange();
  return n;
}

/** interval2itm: C division (toward zero) on every field. */
interface Itm {
  year: number;
  mon: number;
  mday: number;
  hour: bigint;
  min: number;
  sec: number;
  usec: number;
}

function toItm(iv: Interval): Itm {
  let t = iv.micros;
  const hour = t / HOUR;
  t -= hour * HOUR;
  const min = Number(t / 60_000_000n);
  t -= BigInt(min) * 60_000_000n;
  const sec = Number(t / 1_000_000n);
  const usec = Number(t - BigInt(sec) * 1_000_000n);
  return {
    year: Math.trunc(iv.months / 12),
    mon: iv.months % 12,
    mday: iv.days,
    hour,
    min,
    sec,
    usec,
  };
}

function fromItm(m: Itm): Interval {
  const months = checkInt32(m.year * 12 + m.mon);
  const micros =
    ((m.hour * 60n + BigInt(m.min)) * 60n + BigInt(m.sec)) * 1_000_000n + BigInt(m.usec);
  return new Interval(months, m.mday, micros);
}

/** Units by the names PostgreSQL's DecodeUnits accepts (singular, plural, abbreviations). */
export function unitOf(field: string): string {
  const f = field.toLowerCase();
  const aliases: Record<string, string> = {
    microsecond: 'microseconds',
    microseconds: 'microseconds',
    us: 'microseconds',
    usec: 'microseconds',
    usecs: 'microseconds',
    millisecond: 'milliseconds',
    milliseconds: 'milliseconds',
    ms: 'milliseconds',
    msec: 'milliseconds',
    msecs: 'milliseconds',
    second: 'second',
    seconds: 'second',
    sec: 'second',
    secs: 'second',
    s: 'second',
    minute: 'minute',
    minutes: 'minute',
    min: 'minute',
    mins: 'minute',
    m: 'minute',
    hour: 'hour',
    hours: 'hour',
    h: 'hour',
    hr: 'hour',
    hrs: 'hour',
    day: 'day',
    days: 'day',
    d: 'day',
    week: 'week',
    weeks: 'week',
    w: 'week',
    month: 'month',
    months: 'month',
    mon: 'month',
    mons: 'month',
    quarter: 'quarter',
    qtr: 'quarter',
    year: 'year',
    years: 'year',
    y: 'year',
    yr: 'year',
    yrs: 'year',
    decade: 'decade',
    decades: 'decade',
    dec: 'decade',
    decs: 'decade',
    century: 'century',
    centuries: 'century',
    c: 'century',
    cent: 'century',
    millennium: 'millennium',
    millennia: 'millennium',
    mil: 'millennium',
    mils: 'millennium',
    epoch: 'epoch',
  };
  return aliases[f] ?? f;
}

function notSupported(field: string, typeName: string): SqlError {
  return new SqlError(
    SqlState.featureNotSupported,
    `unit "${field}" not supported for type ${typeName}`,
  );
}

function notRecognized(field: string, typeName: string): SqlError {
  return new SqlError(
    SqlState.invalidParameterValue,
    `unit "${field}" not recognized for type ${typeName}`,
  );
}

const KNOWN = new Set([
  'microseconds',
  'milliseconds',
  'second',
  'minute',
  'hour',
  'day',
  'week',
  'month',
  'quarter',
  'year',
  'decade',
  'century',
  'millennium',
  'epoch',
  'dow',
  'isodow',
  'doy',
  'timezone',
  'timezone_hour',
  'timezone_minute',
  'julian',
  'isoyear',
]);

/** extract(field from interval): numeric, as interval_part_common with retnumeric. */
export function extractInterval(field: string, iv: Interval): Numeric {
  const u = unitOf(field);
  const m = toItm(iv);
  const int = (n: number | bigint): Numeric => Numeric.fromInt(n);
  switch (u) {
    case 'microseconds':
      return int(m.sec * 1_000_000 + m.usec);
    case 'milliseconds':
      return new Numeric(BigInt(m.sec * 1_000_000 + m.usec), 3);
    case 'second':
      return new Numeric(BigInt(m.sec * 1_000_000 + m.usec), 6);
    case 'minute':
      return int(m.min);
    case 'hour':
      return int(m.hour);
    case 'day':
      return int(m.mday);
    case 'month':
      return int(m.mon);
    case 'quarter':
      return int(Math.trunc(m.mon / 3) + 1);
    case 'year':
      return int(m.year);
    case 'decade':
      return int(Math.trunc(m.year / 10));
    case 'century':
      return int(Math.trunc(m.year / 100));
    case 'millennium':
      return int(Math.trunc(m.year / 1000));
    case 'epoch': {
      // 365.25 days a year, 30 days a month (DAYS_PER_YEAR, DAYS_PER_MONTH).
      const secs =
        31_557_600n * BigInt(Math.trunc(iv.months / 12)) +
        2_592_000n * BigInt(iv.months % 12) +
        86_400n * BigInt(iv.days);
      return new Numeric(secs * 1_000_000n + iv.micros, 6);
    }
    default:
      if (KNOWN.has(u)) throw notSupported(field, 'interval');
      throw notRecognized(field, 'interval');
  }
}

/** date_trunc(field, interval): the fields below the unit zeroed. */
export function truncInterval(field: string, iv: Interval): Interval {
  const u = unitOf(field);
  const m = toItm(iv);
  const order = [
    'millennium',
    'century',
    'decade',
    'year',
    'quarter',
    'month',
    'day',
    'hour',
    'minute',
    'second',
    'milliseconds',
    'microseconds',
  ];
  const at = order.indexOf(u);
  if (at < 0) {
    if (u === 'week')
      throw new SqlError(
        SqlState.featureNotSupported,
        `unit "${field}" not supported for type interval`,
        { detail: 'Months usually have fractional weeks.' },
      );
    if (KNOWN.has(u)) throw notSupported(field, 'interval');
    throw notRecognized(field, 'interval');
  }
  // The cases fall through from the unit down, as interval_trunc's switch.
  for (let i = at; i < order.length; i++) {
    switch (order[i]) {
      case 'millennium':
        m.year = Math.trunc(m.year / 1000) * 1000;
        break;
      case 'century':
        m.year = Math.trunc(m.year / 100) * 100;
        break;
      case 'decade':
        m.year = Math.trunc(m.year / 10) * 10;
        break;
      case 'year':
        m.mon = 0;
        break;
      case 'quarter':
        m.mon = 3 * Math.trunc(m.mon / 3);
        break;
      case 'month':
        m.mday = 0;
        break;
      case 'day':
        m.hour = 0n;
        break;
      case 'hour':
        m.min = 0;
        break;
      case 'minute':
        m.sec = 0;
        break;
      case 'second':
        m.usec = 0;
        break;
      case 'milliseconds':
        m.usec = Math.trunc(m.usec / 1000) * 1000;
        break;
      default:
        break;
    }
  }
  return fromItm(m);
}

/**
 * age(a, b) (timestamp_age): the field-wise difference, negative fields borrowed from the
 * next larger one, a borrowed month being as long as the earlier timestamp's month.
 */
export function age(dt1: bigint, dt2: bigint): Interval {
  const a = timestampToTm(dt1);
  const b = timestampToTm(dt2);
  let usec = a.fsec - b.fsec;
  let sec = a.sec - b.sec;
  let min = a.min - b.min;
  let hour = a.hour - b.hour;
  let mday = a.mday - b.mday;
  let mon = a.mon - b.mon;
  let year = a.year - b.year;
  const flip = dt1 < dt2;
  if (flip) {
    usec = -usec;
    sec = -sec;
    min = -min;
    hour = -hour;
    mday = -mday;
    mon = -mon;
    year = -year;
  }
  while (usec < 0) {
    usec += 1_000_000;
    sec--;
  }
  while (sec < 0) {
    sec += 60;
    min--;
  }
  while (min < 0) {
    min += 60;
    hour--;
  }
  while (hour < 0) {
    hour += 24;
    mday--;
  }
  while (mday < 0) {
    const ref = flip ? a : b;
    mday += daysInMonth(ref.year, ref.mon);
    mon--;
  }
  while (mon < 0) {
    mon += 12;
    year--;
  }
  if (flip) {
    usec = -usec;
    sec = -sec;
    min = -min;
    hour = -hour;
    mday = -mday;
    mon = -mon;
    year = -year;
  }
  return fromItm({ year, mon, mday, hour: BigInt(hour), min, sec, usec });
}

/** justify_days: every 30 days become a month, signs made to agree. */
export function justifyDays(iv: Interval): Interval {
  const wholeMonth = Math.trunc(iv.days / 30);
  let days = iv.days - wholeMonth * 30;
  let months = checkInt32(iv.months + wholeMonth);
  if (months > 0 && days < 0) {
    days += 30;
    months--;
  } else if (months < 0 && days > 0) {
    days -= 30;
    months++;
  }
  return new Interval(months, days, iv.micros);
}

/** justify_interval: justify_hours then justify_days, with one sign across all fields. */
export function justifyInterval(iv: Interval): Interval {
  let months = iv.months;
  let days = iv.days;
  let time = iv.micros;
  if ((days > 0 && time > 0n) || (days < 0 && time < 0n)) {
    const wm = Math.trunc(days / 30);
    days -= wm * 30;
    months += wm;
  }
  const wd = time / DAY;
  time -= wd * DAY;
  days += Number(wd);
  const wm = Math.trunc(days / 30);
  days -= wm * 30;
  months = checkInt32(months + wm);
  if (months > 0 && (days < 0 || (days === 0 && time < 0n))) {
    days += 30;
    months--;
  } else if (months < 0 && (days > 0 || (days === 0 && time > 0n))) {
    days -= 30;
    months++;
  }
  if (days > 0 && time < 0n) {
    time += DAY;
    days--;
  } else if (days < 0 && time > 0n) {
    time -= DAY;
    days++;
  }
  return new Interval(months, days, time);
}

export { justifyHours };

/** make_interval(years, months, weeks, days, hours, mins, secs). */
export function makeInterval(args: readonly number[]): Interval {
  const [years, months, weeks, days, hours, mins] = args.slice(0, 6).map(Number);
  const secs = Number(args[6]);
  if (!Number.isFinite(secs)) throw outOfRange();
  const m = checkInt32(years * 12 + months);
  const d = checkInt32(weeks * 7 + days);
  const us = BigInt(hours) * HOUR + BigInt(mins) * 60_000_000n + BigInt(rint(secs * 1e6));
  if (us >= 2n ** 63n || us < -(2n ** 63n)) throw outOfRange();
  return new Interval(m, d, us);
}
