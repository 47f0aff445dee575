/**
 * Calendar arithmetic shared by date, timestamp and key encoding: PostgreSQL's Julian-day
 * routines (date2j/j2date from src/backend/utils/adt/datetime.c, valid for all dates
 * PostgreSQL accepts) and its limits (src/include/datatype/timestamp.h).
 */

/** Julian day of 2000-01-01, PostgreSQL's epoch for date and timestamp. */
export const POSTGRES_EPOCH_JDATE = 2451545;
export const UNIX_EPOCH_JDATE = 2440588;
export const USECS_PER_DAY = 86_400_000_000n;
export const USECS_PER_SEC = 1_000_000n;
/** Seconds from 1970-01-01 to 2000-01-01. */
export const UNIX_TO_PG_SECONDS = 946_684_800;

/** timestamp limits: 4714-11-24 BC 00:00 .. 294277-01-01 00:00 (exclusive), in µs since 2000. */
export const MIN_TIMESTAMP = -211_813_488_000_000_000n;
export const END_TIMESTAMP = 9_223_371_331_200_000_000n;
/** ±infinity timestamps, as PostgreSQL stores them. */
export const TIMESTAMP_NOBEGIN = -(2n ** 63n);
export const TIMESTAMP_NOEND = 2n ** 63n - 1n;
/** date limits (days since 2000-01-01): Julian day 0 .. 2147483494 (exclusive). */
export const DATE_MIN = -POSTGRES_EPOCH_JDATE;
export const DATE_END = 2147483494 - POSTGRES_EPOCH_JDATE;

export function date2j(y: number, m: number, d: number): number {
  if (m > 2) {
    m += 1;
    y += 4800;
  } else {
    m += 13;
    y += 4799;
  }
  const century = Math.trunc(y / 100);
  let julian = y * 365 - 32167;
  julian += Math.trunc(y / 4) - century + Math.trunc(century / 4);
  julian += Math.trunc((7834 * m) / 256) + d;
  return julian;
}

export function j2date(jd: number): { year: number; month: number; day: number } {
  let julian = jd + 32044;
  let quad = Math.floor(julian / 146097);
  const extra = (julian - quad * 146097) * 4 + 3;
  julian += 60 + quad * 3 + Math.floor(extra / 146097);
  quad = Math.floor(julian / 1461);
  julian -= quad * 1461;
  let y = Math.floor((julian * 4) / 1461);
  julian = (y !== 0 ? (julian + 305) % 365 : (julian + 306) % 366) + 123;
  y += quad * 4;
  const q2 = Math.floor((julian * 2141) / 65536);
  return {
    year: y - 4800,
    day: julian - Math.floor((7834 * q2) / 256),
    month: ((q2 + 10) % 12) + 1,
  };
}

export function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

const DAY_TAB = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
export function daysInMonth(y: number, m: number): number {
  return m === 2 && isLeap(y) ? 29 : DAY_TAB[m - 1];
}

/** IS_VALID_JULIAN: 4713-11-01 BC (year -4713) .. 5874898-06-01 (exclusive). */
export function isValidJulian(y: number, m: number): boolean {
  return (y > -4713 || (y === -4713 && m >= 11)) && (y < 5874898 || (y === 5874898 && m < 6));
}

export function isValidTimestamp(t: bigint): boolean {
  return t >= MIN_TIMESTAMP && t < END_TIMESTAMP;
}

export function isValidDate(d: number): boolean {
  return d >= DATE_MIN && d < DATE_END;
}

/** rint(): round half to even, as C's default rounding mode does. */
export function rint(x: number): number {
  const r = Math.round(x);
  if (Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

/** The largest |µs| a double holds exactly. */
export const SAFE_US = 9_007_199_254_740_991n;

/** µs since 2000-01-01 as whole days (floored) and µs into the day. */
export function splitTimestamp(us: bigint): { days: number; time: number } {
  // Within ±285 years of 2000 the µs fit a double exactly: no bigint arithmetic.
  if (us <= SAFE_US && us >= -SAFE_US) {
    const n = Number(us);
    const days = Math.floor(n / 86_400_000_000);
    return { days, time: n - days * 86_400_000_000 };
  }
  let days = us / 86_400_000_000n;
  let time = us % 86_400_000_000n;
  if (time < 0n) {
    time += 86_400_000_000n;
    days -= 1n;
  }
  return { days: Number(days), time: Number(time) };
}
