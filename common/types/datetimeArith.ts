/**
 * Date/time arithmetic with PostgreSQL 15's rules (src/backend/utils/adt/timestamp.c,
 * date.c): timestamp ± interval adds months first (clamping the day to the month's end),
 * then days through the Julian calendar, then the µs; for timestamptz the month and day
 * steps happen in local time of the session zone. timestamp − timestamp is an interval of
 * days and µs (interval_justify_hours). ±infinity passes through.
 */
import { SqlError, SqlState } from '../errors';
import {
  date2j,
  daysInMonth,
  isValidDate,
  isValidTimestamp,
  j2date,
  POSTGRES_EPOCH_JDATE,
  TIMESTAMP_NOBEGIN,
  TIMESTAMP_NOEND,
} from './calendar';
import { offsetAtTimestamp } from './datetime';
import { localOffset, type Tm } from './datetimeParse';
import { Interval } from './interval';
import type { Zone } from './timezone';

const DAY = 86_400_000_000n;
const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

function tsOutOfRange(): SqlError {
  return new SqlError(SqlState.datetimeFieldOverflow, 'timestamp out of range');
}

function intervalOutOfRange(): SqlError {
  return new SqlError(SqlState.datetimeFieldOverflow, 'interval out of range');
}

function isInfinite(ts: bigint): boolean {
  return ts === TIMESTAMP_NOBEGIN || ts === TIMESTAMP_NOEND;
}

/** timestamp2tm without a zone: the broken-down wall clock of µs since 2000. */
export function timestampToTm(ts: bigint): Tm {
  let days = ts / DAY;
  let t = ts % DAY;
  if (t < 0n) {
    t += DAY;
    days -= 1n;
  }
  const d = j2date(Number(days) + POSTGRES_EPOCH_JDATE);
  const tt = Number(t);
  return {
    year: d.year,
    mon: d.month,
    mday: d.day,
    hour: Math.floor(tt / 3600e6),
    min: Math.floor((tt % 3600e6) / 60e6),
    sec: Math.floor((tt % 60e6) / 1e6),
    fsec: tt % 1e6,
    yday: 0,
  };
}

function fromTm(tm: Tm): bigint {
  const days = date2j(tm.year, tm.mon, tm.mday) - POSTGRES_EPOCH_JDATE;
  const r = BigInt(days) * DAY + BigInt(((tm.hour * 60 + tm.min) * 60 + tm.sec) * 1e6 + tm.fsec);
  if (!isValidTimestamp(r)) throw tsOutOfRange();
  return r;
}

/** tm_mon += months, normalized, day clamped to the end of the month. */
function addMonths(tm: Tm, months: number): void {
  tm.mon += months;
  if (tm.mon > 12) {
    tm.year += Math.trunc((tm.mon - 1) / 12);
    tm.mon = ((tm.mon - 1) % 12) + 1;
  } else if (tm.mon < 1) {
    tm.year += Math.trunc(tm.mon / 12) - 1;
    tm.mon = (tm.mon % 12) + 12;
  }
  const dim = daysInMonth(tm.year, tm.mon);
  if (tm.mday > dim) tm.mday = dim;
}

function addDays(tm: Tm, days: number): void {
  const d = j2date(date2j(tm.year, tm.mon, tm.mday) + days);
  tm.year = d.year;
  tm.mon = d.month;
  tm.mday = d.day;
}

/** timestamp_pl_interval. */
export function timestampPlusInterval(ts: bigint, iv: Interval): bigint {
  if (isInfinite(ts)) return ts;
  if (iv.months !== 0) {
    const tm = timestampToTm(ts);
    addMonths(tm, iv.months);
    ts = fromTm(tm);
  }
  if (iv.days !== 0) {
    const tm = timestampToTm(ts);
    addDays(tm, iv.days);
    ts = fromTm(tm);
  }
  ts += iv.micros;
  if (!isValidTimestamp(ts)) throw tsOutOfRange();
  return ts;
}

/** timestamptz_pl_interval: months and days in the zone's local time, then the µs. */
export function timestamptzPlusInterval(ts: bigint, iv: Interval, zone: Zone): bigint {
  if (isInfinite(ts)) return ts;
  const step = (f: (tm: Tm) => void) => {
    const tm = timestampToTm(ts + BigInt(offsetAtTimestamp(ts, zone)) * 1_000_000n);
    f(tm);
    const off = localOffset(tm, zone);
    ts = fromTm(tm) - BigInt(off) * 1_000_000n;
    if (!isValidTimestamp(ts)) throw tsOutOfRange();
  };
  if (iv.months !== 0) step((tm) => addMonths(tm, iv.months));
  if (iv.days !== 0) step((tm) => addDays(tm, iv.days));
  ts += iv.micros;
  if (!isValidTimestamp(ts)) throw tsOutOfRange();
  return ts;
}

export function negateInterval(iv: Interval): Interval {
  if (iv.months === INT32_MIN || iv.days === INT32_MIN || iv.micros === -(2n ** 63n))
    throw intervalOutOfRange();
  return new Interval(-iv.months, -iv.days, -iv.micros);
}

export function timestampMinusInterval(ts: bigint, iv: Interval): bigint {
  return timestampPlusInterval(ts, negateInterval(iv));
}

export function timestamptzMinusInterval(ts: bigint, iv: Interval, zone: Zone): bigint {
  return timestamptzPlusInterval(ts, negateInterval(iv), zone);
}

/** timestamp_mi (also for timestamptz): days and µs, justified so they share a sign. */
export function timestampMinus(a: bigint, b: bigint): Interval {
  if (isInfinite(a) || isInfinite(b)) {
    throw new SqlError(SqlState.datetimeFieldOverflow, 'cannot subtract infinite timestamps');
  }
  return justifyHours(new Interval(0, 0, a - b));
}

/** interval_justify_hours: whole days out of the µs, signs made to agree. */
export function justifyHours(iv: Interval): Interval {
  const wholeDays = iv.micros / DAY; // C division: toward zero
  let time = iv.micros - wholeDays * DAY;
  let days = iv.days + Number(wholeDays);
  if (days > INT32_MAX || days < INT32_MIN) throw intervalOutOfRange();
  if (days > 0 && time < 0n) {
    time += DAY;
    days--;
  } else if (days < 0 && time > 0n) {
    time -= DAY;
    days++;
  }
  return new Interval(iv.months, days, time);
}

export function intervalPlus(a: Interval, b: Interval): Interval {
  const months = a.months + b.months;
  const days = a.days + b.days;
  const micros = a.micros + b.micros;
  if (
    months > INT32_MAX ||
    months < INT32_MIN ||
    days > INT32_MAX ||
    days < INT32_MIN ||
    micros >= 2n ** 63n ||
    micros < -(2n ** 63n)
  ) {
    throw intervalOutOfRange();
  }
  return new Interval(months, days, micros);
}

export function intervalMinus(a: Interval, b: Interval): Interval {
  return intervalPlus(a, negateInterval(b));
}

/** TSROUND: round to 6 decimal places (rint of x * 1e6). */
function tsRound(x: number): number {
  const y = x * 1e6;
  const r = Math.round(y);
  // rint: ties to even
  return (Math.abs(y - Math.trunc(y)) === 0.5 && r % 2 !== 0 ? r - 1 : r) / 1e6;
}

function rintNumber(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * interval_mul / interval_div: months and days multiplied and truncated, their fractions
 * cascaded down (a month is 30 days, a day 86400 s), the time multiplied and rounded.
 */
function scaleInterval(iv: Interval, months: number, days: number, time: number): Interval {
  if (Number.isNaN(months) || months > INT32_MAX || months < INT32_MIN) throw intervalOutOfRange();
  if (Number.isNaN(days) || days > INT32_MAX || days < INT32_MIN) throw intervalOutOfRange();
  const rMonth = Math.trunc(months);
  let rDay = Math.trunc(days);
  const monthRemainderDays = tsRound((months - rMonth) * 30);
  let secRemainder = tsRound(
    (days - rDay + monthRemainderDays - Math.trunc(monthRemainderDays)) * 86400,
  );
  if (Math.abs(secRemainder) >= 86400) {
    const whole = Math.trunc(secRemainder / 86400);
    rDay += whole;
    secRemainder -= whole * 86400;
  }
  rDay += Math.trunc(monthRemainderDays);
  const t = rintNumber(time + secRemainder * 1e6);
  if (Number.isNaN(t) || t >= 9223372036854775808 || t < -9223372036854775808)
    throw intervalOutOfRange();
  return new Interval(rMonth, rDay, BigInt(t));
}

export function intervalMul(iv: Interval, factor: number): Interval {
  return scaleInterval(iv, iv.months * factor, iv.days * factor, Number(iv.micros) * factor);
}

export function intervalDiv(iv: Interval, divisor: number): Interval {
  if (divisor === 0) throw new SqlError(SqlState.divisionByZero, 'division by zero');
  return scaleInterval(iv, iv.months / divisor, iv.days / divisor, Number(iv.micros) / divisor);
}

/** date + integer (date_pli); ±infinity stays. */
export function datePlusDays(d: number, days: number): number {
  if (!Number.isFinite(d)) return d;
  const r = d + days;
  if (!isValidDate(r)) throw new SqlError(SqlState.datetimeFieldOverflow, 'date out of range');
  return r;
}

/** date − date (date_mi): days between. */
export function dateMinus(a: number, b: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b)) {
    throw new SqlError(SqlState.datetimeFieldOverflow, 'cannot subtract infinite dates');
  }
  return a - b;
}
