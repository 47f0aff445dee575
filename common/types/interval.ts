/**
 * interval: { months, days, micros }, exactly PostgreSQL's three fields (they are not
 * normalized into each other: '1 mon' is not '30 days'), with text I/O in the four
 * IntervalStyles (EncodeInterval) and PostgreSQL's input forms (DecodeInterval and
 * DecodeISO8601Interval in src/backend/utils/adt/datetime.c).
 */
import { SqlError, SqlState } from '../errors';
import { dateTimeParseError } from './datetime';
import { decodeTime, DtErr, DtError, Ft, tokenize } from './datetimeParse';

export class Interval {
  readonly kind = 'interval' as const;
  constructor(
    readonly months: number,
    readonly days: number,
    readonly micros: bigint,
  ) {}

  static readonly ZERO = new Interval(0, 0, 0n);

  equals(o: Interval): boolean {
    return this.months === o.months && this.days === o.days && this.micros === o.micros;
  }
}

const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

// ---- output -------------------------------------------------------------------------

interface Itm {
  year: number;
  mon: number;
  mday: number;
  hour: bigint;
  min: number;
  sec: number;
  fsec: number;
}

function toItm(iv: Interval): Itm {
  const year = Math.trunc(iv.months / 12);
  const mon = iv.months % 12;
  let t = iv.micros;
  const hour = t / 3_600_000_000n;
  t -= hour * 3_600_000_000n;
  const min = Number(t / 60_000_000n);
  t -= BigInt(min) * 60_000_000n;
  const sec = Number(t / 1_000_000n);
  const fsec = Number(t - BigInt(sec) * 1_000_000n);
  return { year, mon: mon === 0 ? 0 : mon, mday: iv.days, hour, min, sec, fsec };
}

function pad2(n: number | bigint): string {
  const s = String(n);
  return s.length >= 2 ? s : '0' + s;
}

/** AppendSeconds: |sec| (zero-filled to 2 when fill) and the fraction without trailing zeros. */
function appendSeconds(sec: number, fsec: number, fill: boolean): string {
  const a = Math.abs(sec);
  let s = fill ? pad2(a) : String(a);
  if (fsec !== 0) s += '.' + String(Math.abs(fsec)).padStart(6, '0').replace(/0+$/, '');
  return s;
}

const absBig = (v: bigint): bigint => (v < 0n ? -v : v);

export function formatInterval(iv: Interval, style: string): string {
  const { year, mon, mday, hour, min, sec, fsec } = toItm(iv);
  switch (style.toLowerCase()) {
    case 'iso_8601': {
      if (
        year === 0 &&
        mon === 0 &&
        mday === 0 &&
        hour === 0n &&
        min === 0 &&
        sec === 0 &&
        fsec === 0
      )
        return 'PT0S';
      let s = 'P';
      if (year !== 0) s += `${year}Y`;
      if (mon !== 0) s += `${mon}M`;
      if (mday !== 0) s += `${mday}D`;
      if (hour !== 0n || min !== 0 || sec !== 0 || fsec !== 0) s += 'T';
      if (hour !== 0n) s += `${hour}H`;
      if (min !== 0) s += `${min}M`;
      if (sec !== 0 || fsec !== 0) {
        if (sec < 0 || fsec < 0) s += '-';
        s += appendSeconds(sec, fsec, false) + 'S';
      }
      return s;
    }
    case 'sql_standard': {
      const hasNeg = year < 0 || mon < 0 || mday < 0 || hour < 0n || min < 0 || sec < 0 || fsec < 0;
      const hasPos = year > 0 || mon > 0 || mday > 0 || hour > 0n || min > 0 || sec > 0 || fsec > 0;
      const hasYm = year !== 0 || mon !== 0;
      const hasDt = mday !== 0 || hour !== 0n || min !== 0 || sec !== 0 || fsec !== 0;
      const std = !(hasNeg && hasPos) && !(hasYm && hasDt);
      if (!hasNeg && !hasPos) return '0';
      if (!std) {
        const ys = year < 0 || mon < 0 ? '-' : '+';
        const ds = mday < 0 ? '-' : '+';
        const ss = hour < 0n || min < 0 || sec < 0 || fsec < 0 ? '-' : '+';
        return `${ys}${Math.abs(year)}-${Math.abs(mon)} ${ds}${Math.abs(mday)} ${ss}${absBig(hour)}:${pad2(Math.abs(min))}:${appendSeconds(sec, fsec, true)}`;
      }
      const sign = hasNeg ? '-' : '';
      if (hasYm) return `${sign}${Math.abs(year)}-${Math.abs(mon)}`;
      const tail = `${absBig(hour)}:${pad2(Math.abs(min))}:${appendSeconds(sec, fsec, true)}`;
      if (mday !== 0) return `${sign}${Math.abs(mday)} ${tail}`;
      return sign + tail;
    }
    case 'postgres_verbose': {
      let s = '@';
      let isZero = true;
      let isBefore = false;
      const part = (value: number | bigint, unit: string) => {
        if (value === 0 || value === 0n) return;
        let v = BigInt(value);
        if (isZero) {
          isBefore = v < 0n;
          v = absBig(v);
        } else if (isBefore) {
          v = -v;
        }
        s += ` ${v} ${unit}${v === 1n ? '' : 's'}`;
        isZero = false;
      };
      part(year, 'year');
      part(mon, 'mon');
      part(mday, 'day');
      part(hour, 'hour');
      part(min, 'min');
      if (sec !== 0 || fsec !== 0) {
        s += ' ';
        if (sec < 0 || (sec === 0 && fsec < 0)) {
          if (isZero) isBefore = true;
          else if (!isBefore) s += '-';
        } else if (isBefore) {
          s += '-';
        }
        s += appendSeconds(sec, fsec, false);
        s += ` sec${Math.abs(sec) !== 1 || fsec !== 0 ? 's' : ''}`;
        isZero = false;
      }
      if (isZero) s += ' 0';
      if (isBefore) s += ' ago';
      return s;
    }
    default: {
      let s = '';
      let isZero = true;
      let isBefore = false;
      const part = (value: number, unit: string) => {
        if (value === 0) return;
        s += `${isZero ? '' : ' '}${isBefore && value > 0 ? '+' : ''}${value} ${unit}${value !== 1 ? 's' : ''}`;
        isBefore = value < 0;
        isZero = false;
      };
      part(year, 'year');
      part(mon, 'mon');
      part(mday, 'day');
      if (isZero || hour !== 0n || min !== 0 || sec !== 0 || fsec !== 0) {
        const minus = hour < 0n || min < 0 || sec < 0 || fsec < 0;
        s += `${isZero ? '' : ' '}${minus ? '-' : isBefore ? '+' : ''}${pad2(absBig(hour))}:${pad2(Math.abs(min))}:${appendSeconds(sec, fsec, true)}`;
      }
      return s;
    }
  }
}

// ---- input --------------------------------------------------------------------------

/** struct pg_itm_in: what the decoder accumulates. */
interface ItmIn {
  usec: bigint;
  mday: number;
  mon: number;
  year: number;
}

function overflow(): DtError {
  return new DtError(DtErr.FieldOverflow);
}

function addInt32(a: number, b: number): number {
  const r = a + b;
  if (r > INT32_MAX || r < INT32_MIN || !Number.isFinite(r)) throw overflow();
  return r;
}

function addUsec(itm: ItmIn, v: bigint): void {
  const r = itm.usec + v;
  if (r > INT64_MAX || r < INT64_MIN) throw overflow();
  itm.usec = r;
}

function adjustFractMicroseconds(frac: number, scale: number, itm: ItmIn): void {
  if (frac === 0) return;
  frac *= scale;
  let usec = Math.trunc(frac);
  frac -= usec;
  if (frac > 0.5) usec++;
  else if (frac < -0.5) usec--;
  addUsec(itm, BigInt(usec));
}

function adjustFractDays(frac: number, scale: number, itm: ItmIn): void {
  if (frac === 0) return;
  frac *= scale;
  const extra = Math.trunc(frac);
  itm.mday = addInt32(itm.mday, extra);
  frac -= extra;
  adjustFractMicroseconds(frac, 86400e6, itm);
}

function adjustFractYears(frac: number, scale: number, itm: ItmIn): void {
  const extra = Math.round(frac * scale * 12); // rint; exact halves cannot occur for sane input
  itm.mon = addInt32(itm.mon, extra);
}

function adjustMicroseconds(val: bigint, fval: number, scale: number, itm: ItmIn): void {
  const v = val * BigInt(scale);
  if (v > INT64_MAX || v < INT64_MIN) throw overflow();
  addUsec(itm, v);
  adjustFractMicroseconds(fval, scale, itm);
}

function adjustDays(val: bigint, scale: number, itm: ItmIn): void {
  const v = val * BigInt(scale);
  if (v > BigInt(INT32_MAX) || v < BigInt(INT32_MIN)) throw overflow();
  itm.mday = addInt32(itm.mday, Number(v));
}

function adjustMonths(val: bigint, itm: ItmIn): void {
  if (val > BigInt(INT32_MAX) || val < BigInt(INT32_MIN)) throw overflow();
  itm.mon = addInt32(itm.mon, Number(val));
}

function adjustYears(val: bigint, scale: number, itm: ItmIn): void {
  const v = val * BigInt(scale);
  if (v > BigInt(INT32_MAX) || v < BigInt(INT32_MIN)) throw overflow();
  itm.year = addInt32(itm.year, Number(v));
}

type Unit =
  | 'us'
  | 'ms'
  | 'second'
  | 'minute'
  | 'hour'
  | 'day'
  | 'week'
  | 'month'
  | 'year'
  | 'decade'
  | 'century'
  | 'millennium';

/** deltatktbl: interval unit words. */
const UNITS = new Map<string, Unit>();
const addUnits = (u: Unit, names: string[]) => names.forEach((n) => UNITS.set(n, u));
addUnits('us', ['microsecond', 'microseconds', 'microsecon', 'us', 'usec', 'usecs', 'useconds']);
addUnits('ms', ['millisecond', 'milliseconds', 'millisecon', 'ms', 'msec', 'msecs', 'mseconds']);
addUnits('second', ['second', 'seconds', 's', 'sec', 'secs']);
addUnits('minute', ['minute', 'minutes', 'm', 'min', 'mins']);
addUnits('hour', ['hour', 'hours', 'h', 'hr', 'hrs']);
addUnits('day', ['day', 'days', 'd']);
addUnits('week', ['week', 'weeks', 'w']);
addUnits('month', ['month', 'months', 'mon', 'mons']);
addUnits('year', ['year', 'years', 'y', 'yr', 'yrs']);
addUnits('decade', ['decade', 'decades', 'dec', 'decs']);
addUnits('century', ['century', 'centuries', 'c', 'cent']);
addUnits('millennium', ['millennium', 'millennia', 'mil', 'mils']);

const UNIT_BIT: Record<Unit, number> = {
  us: 1 << 0,
  ms: 1 << 1,
  second: 1 << 2,
  minute: 1 << 3,
  hour: 1 << 4,
  day: 1 << 5,
  week: 1 << 6,
  month: 1 << 7,
  year: 1 << 8,
  decade: 1 << 9,
  century: 1 << 10,
  millennium: 1 << 11,
};
const ALL_SECS = UNIT_BIT.second | UNIT_BIT.ms | UNIT_BIT.us;
const TIME_BITS = UNIT_BIT.hour | UNIT_BIT.minute | ALL_SECS;

/** ParseFraction: "." digits → double (strtod). */
function parseFractionNumber(s: string): number {
  if (!/^\.\d*$/.test(s)) throw new DtError(DtErr.BadFormat);
  return s === '.' ? 0 : Number('0' + s);
}

function decodeInterval(fields: string[], ftypes: Ft[], intervalStyle: string): ItmIn {
  const itm: ItmIn = { usec: 0n, mday: 0, mon: 0, year: 0 };
  let fmask = 0;
  let isBefore = false;
  // null: no unit seen yet (a bare number is seconds); 'none': after 'ago', a number is an error.
  let type: Unit | 'none' | null = null;
  const nf = fields.length;

  // SQL standard sign rule: with IntervalStyle sql_standard, a leading '-' applies to all fields.
  let forceNegative = false;
  if (intervalStyle.toLowerCase() === 'sql_standard' && nf > 0 && fields[0][0] === '-') {
    forceNegative = true;
    for (let i = 1; i < nf; i++) {
      if (fields[i][0] === '-' || fields[i][0] === '+') {
        forceNegative = false;
        break;
      }
    }
  }

  for (let i = nf - 1; i >= 0; i--) {
    let field = fields[i];
    let tmask: number;
    const ft = ftypes[i];
    if (ft === Ft.Time) {
      const tm = { hour: 0, min: 0, sec: 0, fsec: 0 };
      tmask = decodeTimeForInterval(field, tm, itm, false, forceNegative);
      type = 'day';
    } else if (ft === Ft.Tz && field.slice(1).includes(':') && tryTimeForInterval(field.slice(1))) {
      tmask = decodeTimeForInterval(
        field.slice(1),
        { hour: 0, min: 0, sec: 0, fsec: 0 },
        itm,
        field[0] === '-',
        forceNegative,
      );
      type = 'day';
    } else if (ft === Ft.Tz || ft === Ft.Date || ft === Ft.Number) {
      if (type === null) type = 'second';
      const m = /^([+-]?\d+)(.*)$/.exec(field);
      let val: bigint;
      let rest: string;
      if (m) {
        val = BigInt(m[1]);
        rest = m[2];
      } else if (field[0] === '.' || ((field[0] === '-' || field[0] === '+') && field[1] === '.')) {
        // "strtoi64" of ".5" reads nothing: value 0, the rest is the fraction.
        val = 0n;
        rest = field[0] === '.' ? field : field.slice(1);
      } else {
        throw new DtError(DtErr.BadFormat);
      }
      if (val > INT64_MAX || val < INT64_MIN) throw overflow();
      let fval: number;
      if (rest[0] === '-') {
        const m2 = /^-(\d+)$/.exec(rest);
        if (!m2) throw new DtError(DtErr.BadFormat);
        let val2 = Number(m2[1]);
        if (val2 >= 12) throw overflow();
        type = 'month';
        if (field[0] === '-') val2 = -val2;
        val = val * 12n + BigInt(val2);
        fval = 0;
      } else if (rest[0] === '.') {
        fval = parseFractionNumber(rest);
        if (field[0] === '-') fval = -fval;
      } else if (rest === '') {
        fval = 0;
      } else {
        throw new DtError(DtErr.BadFormat);
      }
      if (forceNegative) {
        if (val > 0n) val = -val;
        if (fval > 0) fval = -fval;
      }
      switch (type) {
        case 'us':
          adjustMicroseconds(val, fval, 1, itm);
          tmask = UNIT_BIT.us;
          break;
        case 'ms':
          adjustMicroseconds(val, fval, 1000, itm);
          tmask = UNIT_BIT.ms;
          break;
        case 'second':
          adjustMicroseconds(val, fval, 1e6, itm);
          tmask = fval === 0 ? UNIT_BIT.second : ALL_SECS;
          break;
        case 'minute':
          adjustMicroseconds(val, fval, 60e6, itm);
          tmask = UNIT_BIT.minute;
          break;
        case 'hour':
          adjustMicroseconds(val, fval, 3600e6, itm);
          tmask = UNIT_BIT.hour;
          type = 'day';
          break;
        case 'day':
          adjustDays(val, 1, itm);
          adjustFractMicroseconds(fval, 86400e6, itm);
          tmask = UNIT_BIT.day;
          break;
        case 'week':
          adjustDays(val, 7, itm);
          adjustFractDays(fval, 7, itm);
          tmask = UNIT_BIT.week;
          break;
        case 'month':
          adjustMonths(val, itm);
          adjustFractDays(fval, 30, itm);
          tmask = UNIT_BIT.month;
          break;
        case 'year':
          adjustYears(val, 1, itm);
          adjustFractYears(fval, 1, itm);
          tmask = UNIT_BIT.year;
          break;
        case 'decade':
          adjustYears(val, 10, itm);
          adjustFractYears(fval, 10, itm);
          tmask = UNIT_BIT.decade;
          break;
        case 'century':
          adjustYears(val, 100, itm);
          adjustFractYears(fval, 100, itm);
          tmask = UNIT_BIT.century;
          break;
        case 'millennium':
          adjustYears(val, 1000, itm);
          adjustFractYears(fval, 1000, itm);
          tmask = UNIT_BIT.millennium;
          break;
        default:
          throw new DtError(DtErr.BadFormat);
      }
    } else if (ft === Ft.String || ft === Ft.Special) {
      field = field.toLowerCase();
      if (field === 'ago') {
        isBefore = true;
        type = 'none';
        continue;
      }
      if (field === 'at' || field === 'on') continue;
      const u = UNITS.get(field);
      if (u === undefined) throw new DtError(DtErr.BadFormat);
      type = u;
      continue;
    } else {
      throw new DtError(DtErr.BadFormat);
    }
    if (tmask & fmask) throw new DtError(DtErr.BadFormat);
    fmask |= tmask;
  }
  if (fmask === 0) throw new DtError(DtErr.BadFormat);
  if (isBefore) {
    itm.usec = -itm.usec;
    itm.mday = -itm.mday;
    itm.mon = -itm.mon;
    itm.year = -itm.year;
  }
  return itm;
}

function tryTimeForInterval(s: string): boolean {
  try {
    decodeTime(s, { hour: 0, min: 0, sec: 0, fsec: 0 });
    return true;
  } catch {
    return false; // not a time: the field is read as a signed number instead
  }
}

/** DecodeTimeForInterval: hh:mm[:ss[.f]] with an unbounded hour, added to usec. */
function decodeTimeForInterval(
  s: string,
  tm: { hour: number; min: number; sec: number; fsec: number },
  itm: ItmIn,
  negate: boolean,
  forceNegative: boolean,
): number {
  // The hour of an interval may exceed int32 in PostgreSQL 15 only via units; hh: stays int32.
  decodeTime(s, tm);
  let us =
    BigInt(tm.hour) * 3_600_000_000n +
    BigInt(tm.min) * 60_000_000n +
    BigInt(tm.sec) * 1_000_000n +
    BigInt(tm.fsec);
  if (negate) us = -us;
  if (forceNegative && us > 0n) us = -us;
  addUsec(itm, us);
  return TIME_BITS;
}

/** DecodeISO8601Interval: P[nY][nM][nW][nD][T[nH][nM][nS]]. */
function decodeIso8601(str: string): ItmIn {
  const itm: ItmIn = { usec: 0n, mday: 0, mon: 0, year: 0 };
  if (str.length < 2 || str[0] !== 'P') throw new DtError(DtErr.BadFormat);
  // ISO 8601 4.4.3.3 alternative format: PYYYY-MM-DD[Thh:mm:ss] or PYYYYMMDD[Thhmmss].
  const alt = /^P(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2}):?(\d{2}(?:\.\d*)?))?$/.exec(str);
  if (alt) {
    adjustYears(BigInt(alt[1]), 1, itm);
    adjustMonths(BigInt(alt[2]), itm);
    adjustDays(BigInt(alt[3]), 1, itm);
    if (alt[4] !== undefined) {
      adjustMicroseconds(BigInt(alt[4]), 0, 3600e6, itm);
      adjustMicroseconds(BigInt(alt[5]), 0, 60e6, itm);
      const secs = Number(alt[6]);
      adjustMicroseconds(BigInt(Math.trunc(secs)), secs - Math.trunc(secs), 1e6, itm);
    }
    return itm;
  }
  let i = 1;
  let datepart = true;
  while (i < str.length) {
    if (str[i] === 'T') {
      datepart = false;
      i++;
      continue;
    }
    const m = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(str.slice(i));
    if (!m || !/[\d.-]/.test(str[i])) throw new DtError(DtErr.BadFormat);
    const num = Number(m[0]);
    if (!Number.isFinite(num) || Math.abs(num) > 9.2e18) throw overflow();
    const ipart = Math.trunc(num);
    const val = BigInt(ipart);
    const fval = num - ipart;
    i += m[0].length;
    const unit = str[i++];
    if (datepart) {
      switch (unit) {
        case 'Y':
          adjustYears(val, 1, itm);
          adjustFractYears(fval, 1, itm);
          break;
        case 'M':
          adjustMonths(val, itm);
          adjustFractDays(fval, 30, itm);
          break;
        case 'W':
          adjustDays(val, 7, itm);
          adjustFractDays(fval, 7, itm);
          break;
        case 'D':
          adjustDays(val, 1, itm);
          adjustFractMicroseconds(fval, 86400e6, itm);
          break;
        default:
          throw new DtError(DtErr.BadFormat);
      }
    } else {
      switch (unit) {
        case 'H':
          adjustMicroseconds(val, fval, 3600e6, itm);
          break;
        case 'M':
          adjustMicroseconds(val, fval, 60e6, itm);
          break;
        case 'S':
          adjustMicroseconds(val, fval, 1e6, itm);
          break;
        default:
          throw new DtError(DtErr.BadFormat);
      }
    }
  }
  return itm;
}

/** interval_in. */
export function parseInterval(str: string, intervalStyle = 'postgres'): Interval {
  let itm: ItmIn;
  try {
    try {
      const { fields, ftypes } = tokenize(str);
      itm = decodeInterval(fields, ftypes, intervalStyle);
    } catch (e) {
      if (!(e instanceof DtError) || e.code !== DtErr.BadFormat) throw e;
      itm = decodeIso8601(str);
    }
  } catch (e) {
    if (e instanceof DtError && e.code === DtErr.FieldOverflow)
      dateTimeParseError(new DtError(DtErr.IntervalOverflow), str, 'interval');
    return dateTimeParseError(e, str, 'interval');
  }
  const months = itm.year * 12 + itm.mon;
  if (months > INT32_MAX || months < INT32_MIN) {
    throw new SqlError(SqlState.datetimeFieldOverflow, 'interval out of range');
  }
  return new Interval(months, itm.mday, itm.usec);
}
