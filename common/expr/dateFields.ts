/**
 * Calendar fields of dates and timestamps for extract / date_part / date_trunc / make_date,
 * on PostgreSQL's Julian-day routines (common/types/calendar.ts) rather than JavaScript's
 * Date: Date.UTC maps years 0–99 to 1900–1999 (so make_date(1, 1, 1) came out as
 * 1901-01-01) and ends at year 275760, while PostgreSQL's dates run from 4714 BC to
 * 5874897 AD. Years here are astronomical, as PostgreSQL's tm_year: 1 BC is 0, 44 BC is -43.
 */
import { SqlError, SqlState } from '../errors';
import {
  date2j,
  daysInMonth,
  isValidDate,
  isValidJulian,
  isValidTimestamp,
  j2date,
  POSTGRES_EPOCH_JDATE,
  rint,
  splitTimestamp,
  USECS_PER_DAY,
} from '../types/calendar';

export interface DateParts {
  /** Astronomical year (tm_year). */
  readonly y: number;
  readonly mo: number;
  readonly d: number;
  readonly h: number;
  readonly mi: number;
  /** Seconds with fraction, and the same as whole microseconds (within the minute). */
  readonly s: number;
  readonly frac: number;
  /** 0 = Sunday (j2day). */
  readonly dow: number;
  readonly doy: number;
}

/** The fields of µs since 2000-01-01 (timestamp2tm without a zone). */
export function dateParts(us: bigint): DateParts {
  // Floor, not truncation: 1999-12-31 23:00 is day -1 plus 23 hours.
  const { days, time: t } = splitTimestamp(us);
  const jd = days + POSTGRES_EPOCH_JDATE;
  const { year, month, day } = j2date(jd);
  const inMinute = t % 60_000_000;
  return {
    y: year,
    mo: month,
    d: day,
    h: Math.floor(t / 3_600_000_000),
    mi: Math.floor(t / 60_000_000) % 60,
    s: inMinute / 1_000_000,
    frac: inMinute,
    dow: (jd + 1) % 7,
    doy: jd - date2j(year, 1, 1) + 1,
  };
}

/** µs since 2000-01-01 of a date and time of day (tm2timestamp without a zone). */
export function fromParts(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): bigint {
  const days = BigInt(date2j(y, mo, d) - POSTGRES_EPOCH_JDATE);
  return days * USECS_PER_DAY + BigInt(((h * 60 + mi) * 60 + s) * 1_000_000);
}

/**
 * A truncated timestamp, range-checked as PostgreSQL's (timestamp_trunc → tm2timestamp):
 * date_trunc('century', '4714-11-24 BC') would be 4800 BC, before the first timestamp.
 */
export function checkedTimestamp(us: bigint): bigint {
  if (!isValidTimestamp(us))
    throw new SqlError(SqlState.datetimeFieldOverflow, 'timestamp out of range');
  return us;
}

/**
 * The Monday on or before Julian day jd: jd mod 7 is 0 on a Monday (j2day(jd) = (jd + 1)
 * mod 7, Sunday 0). A floor modulo, as Jan 4 of years before 4713 BC has a negative day.
 */
function mondayOf(jd: number): number {
  return jd - (((jd % 7) + 7) % 7);
}

/** ISO 8601 week number and (astronomical) week-numbering year (date2isoweek/isoyear). */
export function isoWeek(y: number, mo: number, d: number): { week: number; year: number } {
  const jd = date2j(y, mo, d);
  const monday = mondayOf(jd);
  const isoYear = j2date(monday + 3).year; // the week's Thursday decides its year
  const week1 = mondayOf(date2j(isoYear, 1, 4)); // week 1 holds January 4th
  return { week: Math.floor((jd - week1) / 7) + 1, year: isoYear };
}

/** PostgreSQL's year as extract shows it: there is no year 0 (1 BC is -1). */
export function displayYear(astronomical: number): number {
  return astronomical > 0 ? astronomical : astronomical - 1;
}

/**
 * make_date(year, month, day) as PostgreSQL 15 (date.c make_date): a negative year is BC,
 * year 0 and impossible days fail with 22008, dates beyond the range with 22008 too.
 */
export function makeDate(year: number, month: number, day: number): number {
  const bc = year < 0;
  const shown = bc ? -year : year;
  const mmdd = `${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  // ValidateDate: there is no year zero in AD/BC notation; 1 BC is year 0 inside.
  const y = bc ? -(shown - 1) : shown;
  if (shown <= 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(y, month))
    throw new SqlError(
      SqlState.datetimeFieldOverflow,
      `date field value out of range: ${bc ? y : shown}-${mmdd}`,
    );
  const date = isValidJulian(y, month) ? date2j(y, month, day) - POSTGRES_EPOCH_JDATE : NaN;
  if (!isValidDate(date))
    throw new SqlError(SqlState.datetimeFieldOverflow, `date out of range: ${shown}-${mmdd}`);
  return date;
}

/**
 * C's "%g" as PostgreSQL's snprintf prints a double (6 significant digits, trailing zeros
 * dropped, exponent form below 1e-4 and from 1e6; NaN and Infinity spelled out), with the
 * "%02g" zero padding make_timestamp's messages use.
 */
function formatG2(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x < 0 ? '-Infinity' : 'Infinity';
  if (x === 0) return '00';
  const exp = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(6)))));
  let s: string;
  if (exp < -4 || exp >= 6) {
    const [mant, e] = x.toExponential(5).split('e');
    const m = mant.includes('.') ? mant.replace(/\.?0+$/, '') : mant;
    const n = Number(e);
    s = `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  } else {
    s = x.toPrecision(6);
    if (s.includes('.')) s = s.replace(/\.?0+$/, '');
  }
  return s.length < 2 ? '0' + s : s;
}

/**
 * make_timestamp(year, month, mday, hour, min, sec) as PostgreSQL 15's
 * make_timestamp_internal: a negative year is BC, fields are checked as ValidateDate and
 * float_time_overflows do (24:00:00 and :60 seconds roll over), and every message shows the
 * arguments as given. µs since 2000-01-01 of the wall-clock time.
 */
export function makeTimestamp(
  year: number,
  month: number,
  mday: number,
  hour: number,
  min: number,
  sec: number,
): bigint {
  const md = `${String(month).padStart(2, '0')}-${String(mday).padStart(2, '0')}`;
  const bc = year < 0;
  // ValidateDate: no year zero in AD/BC notation; internally 1 BC is year 0.
  const y = bc ? year + 1 : year;
  if (year === 0 || month < 1 || month > 12 || mday < 1 || mday > daysInMonth(y, month))
    throw new SqlError(
      SqlState.datetimeFieldOverflow,
      `date field value out of range: ${year}-${md}`,
    );
  const hms = `${hour}:${String(min).padStart(2, '0')}:${formatG2(sec)}`;
  // float_time_overflows: sec is rounded to microseconds before its range check.
  const secUs = rint(sec * 1e6);
  if (
    hour < 0 ||
    hour > 24 ||
    min < 0 ||
    min >= 60 ||
    Number.isNaN(sec) ||
    secUs < 0 ||
    secUs > 60_000_000 ||
    (hour * 60 + min) * 60 * 1_000_000 + secUs > 86_400_000_000
  )
    throw new SqlError(SqlState.datetimeFieldOverflow, `time field value out of range: ${hms}`);
  const days = BigInt(date2j(y, month, mday) - POSTGRES_EPOCH_JDATE);
  const us = days * USECS_PER_DAY + BigInt((hour * 60 + min) * 60 * 1_000_000 + secUs);
  if (!isValidTimestamp(us))
    throw new SqlError(
      SqlState.datetimeFieldOverflow,
      `timestamp out of range: ${year}-${md} ${hms}`,
    );
  return us;
}
