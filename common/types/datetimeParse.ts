/**
 * Date/time literal parsing, a port of the structure of PostgreSQL's ParseDateTime (split
 * into typed fields) and DecodeDateTime / DecodeTimeOnly / DecodeDate / DecodeNumber /
 * DecodeNumberField / DecodeTime / DecodeTimezone (src/backend/utils/adt/datetime.c), so
 * that the same inputs are accepted and rejected with the same error class.
 */
import {
  date2j,
  daysInMonth,
  j2date,
  rint,
  UNIX_EPOCH_JDATE,
  POSTGRES_EPOCH_JDATE,
} from './calendar';
import { findZone, TZ_ABBREVS, type Zone } from './timezone';

/** Field types from ParseDateTime. */
export const enum Ft {
  Number,
  String,
  Date,
  Time,
  Tz,
  Special,
}

/** Decoder failures, mapped to SQLSTATE/messages by the caller (DateTimeParseError). */
export const enum DtErr {
  BadFormat = 1,
  FieldOverflow,
  MdFieldOverflow,
  IntervalOverflow,
  TzDispOverflow,
}

export class DtError {
  constructor(readonly code: DtErr) {}
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlpha = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
const isAlnum = (c: string | undefined): boolean => isDigit(c) || isAlpha(c);
const isSpace = (c: string | undefined): boolean => c !== undefined && ' \t\n\r\v\f'.includes(c);
const isPunct = (c: string): boolean => {
  const k = c.charCodeAt(0);
  return (
    (k >= 33 && k <= 47) || (k >= 58 && k <= 64) || (k >= 91 && k <= 96) || (k >= 123 && k <= 126)
  );
};

/** ParseDateTime. Throws DtError. */
export function tokenize(str: string): { fields: string[]; ftypes: Ft[] } {
  const fields: string[] = [];
  const ftypes: Ft[] = [];
  let i = 0;
  const n = str.length;
  while (i < n) {
    const c = str[i];
    if (isSpace(c)) {
      i++;
      continue;
    }
    let f = '';
    let t: Ft;
    if (isDigit(c)) {
      while (isDigit(str[i])) f += str[i++];
      if (str[i] === ':') {
        t = Ft.Time;
        f += str[i++];
        while (isDigit(str[i]) || str[i] === ':' || str[i] === '.') f += str[i++];
      } else if (str[i] === '-' || str[i] === '/' || str[i] === '.') {
        const delim = str[i];
        f += str[i++];
        if (isDigit(str[i])) {
          t = delim === '.' ? Ft.Number : Ft.Date;
          while (isDigit(str[i])) f += str[i++];
          if (str[i] === delim) {
            t = Ft.Date;
            f += str[i++];
            while (isDigit(str[i]) || str[i] === delim) f += str[i++];
          }
        } else {
          t = Ft.Date;
          while (isAlnum(str[i]) || str[i] === delim) f += str[i++].toLowerCase();
        }
      } else {
        t = Ft.Number;
      }
    } else if (c === '.') {
      f += str[i++];
      while (isDigit(str[i])) f += str[i++];
      t = Ft.Number;
    } else if (isAlpha(c)) {
      t = Ft.String;
      while (isAlpha(str[i])) f += str[i++].toLowerCase();
      let isDate = false;
      const nx = str[i];
      if (nx === '-' || nx === '/' || nx === '.') isDate = true;
      else if (nx === '+' || isDigit(nx)) isDate = !KEYWORDS.has(f);
      if (isDate) {
        t = Ft.Date;
        do {
          f += str[i++].toLowerCase();
        } while (
          i < n &&
          (str[i] === '+' ||
            str[i] === '-' ||
            str[i] === '/' ||
            str[i] === '_' ||
            str[i] === '.' ||
            str[i] === ':' ||
            isAlnum(str[i]))
        );
      }
    } else if (c === '+' || c === '-') {
      f += str[i++];
      while (isSpace(str[i])) i++;
      if (isDigit(str[i])) {
        t = Ft.Tz;
        f += str[i++];
        while (isDigit(str[i]) || str[i] === ':' || str[i] === '.' || str[i] === '-') f += str[i++];
      } else if (isAlpha(str[i])) {
        t = Ft.Special;
        while (isAlpha(str[i])) f += str[i++].toLowerCase();
      } else {
        throw new DtError(DtErr.BadFormat);
      }
    } else if (isPunct(c)) {
      i++;
      continue;
    } else {
      throw new DtError(DtErr.BadFormat);
    }
    fields.push(f);
    ftypes.push(t);
  }
  return { fields, ftypes };
}

// Field mask bits (DTK_M in PostgreSQL).
const M = {
  year: 1 << 0,
  month: 1 << 1,
  day: 1 << 2,
  hour: 1 << 3,
  minute: 1 << 4,
  second: 1 << 5,
  ms: 1 << 6,
  us: 1 << 7,
  tz: 1 << 8,
  doy: 1 << 9,
  dow: 1 << 10,
  ampm: 1 << 11,
  adbc: 1 << 12,
  dtz: 1 << 13,
  reserv: 1 << 14,
};
const DATE_M = M.year | M.month | M.day;
const TIME_M = M.hour | M.minute | M.second | M.ms | M.us;

type Tok =
  | { kind: 'month'; val: number }
  | { kind: 'dow' }
  | { kind: 'ampm'; pm: boolean }
  | { kind: 'adbc'; bc: boolean }
  | {
      kind: 'reserv';
      val: 'epoch' | 'infinity' | '-infinity' | 'now' | 'today' | 'tomorrow' | 'yesterday' | 'zulu';
    }
  | { kind: 'julian' }
  | { kind: 'isotime' }
  | { kind: 'ignore' };

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_FULL = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/** datetktbl: the reserved words of date/time input. */
const KEYWORDS = new Map<string, Tok>();
MONTHS.forEach((m, i) => KEYWORDS.set(m, { kind: 'month', val: i + 1 }));
MONTH_FULL.forEach((m, i) => KEYWORDS.set(m, { kind: 'month', val: i + 1 }));
KEYWORDS.set('sept', { kind: 'month', val: 9 });
for (const d of [
  'sun',
  'sunday',
  'mon',
  'monday',
  'tue',
  'tues',
  'tuesday',
  'wed',
  'wednesday',
  'thu',
  'thur',
  'thurs',
  'thursday',
  'fri',
  'friday',
  'sat',
  'saturday',
]) {
  KEYWORDS.set(d, { kind: 'dow' });
}
KEYWORDS.set('am', { kind: 'ampm', pm: false });
KEYWORDS.set('pm', { kind: 'ampm', pm: true });
KEYWORDS.set('ad', { kind: 'adbc', bc: false });
KEYWORDS.set('bc', { kind: 'adbc', bc: true });
for (const r of [
  'epoch',
  'infinity',
  '-infinity',
  'now',
  'today',
  'tomorrow',
  'yesterday',
] as const) {
  KEYWORDS.set(r, { kind: 'reserv', val: r });
}
KEYWORDS.set('allballs', { kind: 'reserv', val: 'zulu' });
KEYWORDS.set('zulu', { kind: 'reserv', val: 'zulu' });
KEYWORDS.set('j', { kind: 'julian' });
KEYWORDS.set('jd', { kind: 'julian' });
KEYWORDS.set('julian', { kind: 'julian' });
KEYWORDS.set('t', { kind: 'isotime' });
KEYWORDS.set('at', { kind: 'ignore' });
KEYWORDS.set('on', { kind: 'ignore' });

export type DateOrder = 'MDY' | 'DMY' | 'YMD';

const orderCache = new Map<string, DateOrder>();
const styleCache = new Map<string, OutputStyle>();

export function dateOrderOf(dateStyle: string): DateOrder {
  let o = orderCache.get(dateStyle);
  if (o === undefined) {
    o = computeDateOrder(dateStyle);
    if (orderCache.size > 64) orderCache.clear();
    orderCache.set(dateStyle, o);
  }
  return o;
}

function computeDateOrder(dateStyle: string): DateOrder {
  const s = dateStyle.toUpperCase();
  if (s.includes('YMD')) return 'YMD';
  if (s.includes('DMY') || s.includes('EURO')) return 'DMY';
  if (s.includes('MDY') || s.includes('US') || s.includes('NONEURO')) return 'MDY';
  // check_datestyle: German implies DMY unless an order is given.
  return s.includes('GERMAN') ? 'DMY' : 'MDY';
}

export type OutputStyle = 'ISO' | 'SQL' | 'POSTGRES' | 'GERMAN';

/** The output part of DateStyle ('ISO, MDY' → ISO). */
export function outputStyleOf(dateStyle: string): OutputStyle {
  let o = styleCache.get(dateStyle);
  if (o === undefined) {
    o = computeOutputStyle(dateStyle);
    if (styleCache.size > 64) styleCache.clear();
    styleCache.set(dateStyle, o);
  }
  return o;
}

function computeOutputStyle(dateStyle: string): OutputStyle {
  const s = dateStyle.toUpperCase();
  if (s.includes('SQL')) return 'SQL';
  if (s.includes('POSTGRES')) return 'POSTGRES';
  if (s.includes('GERMAN')) return 'GERMAN';
  return 'ISO';
}

/** The broken-down result of decoding (struct pg_tm + fsec + tz). */
export interface Tm {
  year: number;
  mon: number;
  mday: number;
  hour: number;
  min: number;
  sec: number;
  fsec: number;
  yday: number;
}

export type DType = 'date' | 'epoch' | 'infinity' | '-infinity';

export interface Decoded {
  dtype: DType;
  tm: Tm;
  /** Seconds EAST of UTC, when the literal fixed the zone (or the session zone decided it). */
  tzOffset: number | null;
  /** Whether the literal itself carried a zone. */
  hadTz: boolean;
}

interface Ctx {
  readonly order: DateOrder;
  readonly zone: Zone;
  readonly nowMs: number;
}

function strtoint(s: string): { val: number; rest: string } | null {
  const m = /^[ \t\n\r\v\f]*([+-]?\d+)/.exec(s);
  if (!m) return null;
  const v = Number(m[1]);
  if (!Number.isSafeInteger(v) || v > 2147483647 || v < -2147483648)
    throw new DtError(DtErr.FieldOverflow);
  return { val: v, rest: s.slice(m[0].length) };
}

/** ParseFractionalSecond: ".123" → µs via rint(frac * 1e6). */
function parseFraction(s: string): number {
  if (!/^\.\d*$/.test(s) || s === '.') {
    if (s === '.') return 0;
    throw new DtError(DtErr.BadFormat);
  }
  return rint(Number('0' + s) * 1e6);
}

function newTm(): Tm {
  return { year: 0, mon: 0, mday: 0, hour: 0, min: 0, sec: 0, fsec: 0, yday: 0 };
}

interface St {
  tm: Tm;
  fmask: number;
  is2digits: boolean;
  haveTextMonth: boolean;
}

/** DecodeTime: hh:mm[:ss[.fff]] or mm:ss.fff. Returns the mask. */
export function decodeTime(
  str: string,
  tm: { hour: number; min: number; sec: number; fsec: number },
): number {
  const h = strtoint(str);
  if (!h || h.rest[0] !== ':') throw new DtError(DtErr.BadFormat);
  const mi = strtoint(h.rest.slice(1));
  if (!mi) throw new DtError(DtErr.BadFormat);
  tm.hour = h.val;
  tm.min = mi.val;
  let rest = mi.rest;
  if (rest === '') {
    tm.sec = 0;
    tm.fsec = 0;
  } else if (rest[0] === '.') {
    tm.fsec = parseFraction(rest);
    tm.sec = tm.min;
    tm.min = tm.hour;
    tm.hour = 0;
  } else if (rest[0] === ':') {
    const s = strtoint(rest.slice(1));
    if (!s) throw new DtError(DtErr.BadFormat);
    tm.sec = s.val;
    rest = s.rest;
    if (rest === '') tm.fsec = 0;
    else if (rest[0] === '.') tm.fsec = parseFraction(rest);
    else throw new DtError(DtErr.BadFormat);
  } else {
    throw new DtError(DtErr.BadFormat);
  }
  if (
    tm.hour < 0 ||
    tm.min < 0 ||
    tm.min > 59 ||
    tm.sec < 0 ||
    tm.sec > 60 ||
    tm.fsec < 0 ||
    tm.fsec > 1e6
  ) {
    throw new DtError(DtErr.FieldOverflow);
  }
  return TIME_M;
}

/** DecodeTimezone: +hh, +hhmm, +hh:mm, +hh:mm:ss → seconds EAST of UTC. */
export function decodeTimezone(str: string): number {
  if (str[0] !== '+' && str[0] !== '-') throw new DtError(DtErr.BadFormat);
  const h = strtoint(str.slice(1));
  if (!h) throw new DtError(DtErr.BadFormat);
  let hr = h.val;
  let min = 0;
  let sec = 0;
  let rest = h.rest;
  if (rest[0] === ':') {
    const m = strtoint(rest.slice(1));
    if (!m) throw new DtError(DtErr.BadFormat);
    min = m.val;
    rest = m.rest;
    if (rest[0] === ':') {
      const s = strtoint(rest.slice(1));
      if (!s) throw new DtError(DtErr.BadFormat);
      sec = s.val;
      rest = s.rest;
    }
  } else if (rest === '' && str.length > 3) {
    min = hr % 100;
    hr = Math.trunc(hr / 100);
  }
  if (hr < 0 || hr > 15 || min < 0 || min >= 60 || sec < 0 || sec >= 60)
    throw new DtError(DtErr.TzDispOverflow);
  let tz = (hr * 60 + min) * 60 + sec;
  if (str[0] === '-') tz = -tz;
  if (rest !== '') throw new DtError(DtErr.BadFormat);
  return tz;
}

/** DecodeNumberField: run-together yyyymmdd, hhmmss, hhmm, with an optional fraction. */
function decodeNumberField(str: string, fmask: number, st: St): number {
  const tm = st.tm;
  const dot = str.indexOf('.');
  if (dot >= 0) {
    const frac = str.slice(dot);
    if (frac.length > 1) {
      if (!/^\.\d+$/.test(frac)) throw new DtError(DtErr.BadFormat);
      tm.fsec = rint(Number('0' + frac) * 1e6);
    } else {
      tm.fsec = 0;
    }
    str = str.slice(0, dot);
  } else if ((fmask & DATE_M) !== DATE_M) {
    if (str.length >= 6) {
      const len = str.length;
      tm.mday = Number(str.slice(len - 2));
      tm.mon = Number(str.slice(len - 4, len - 2));
      tm.year = Number(str.slice(0, len - 4));
      if (len - 4 === 2) st.is2digits = true;
      return DATE_M;
    }
  }
  if ((fmask & TIME_M) !== TIME_M) {
    if (str.length === 6) {
      tm.sec = Number(str.slice(4));
      tm.min = Number(str.slice(2, 4));
      tm.hour = Number(str.slice(0, 2));
      return TIME_M;
    } else if (str.length === 4) {
      tm.sec = 0;
      tm.min = Number(str.slice(2));
      tm.hour = Number(str.slice(0, 2));
      return TIME_M;
    }
  }
  throw new DtError(DtErr.BadFormat);
}

/** DecodeNumber: one numeric field whose meaning depends on what came before. */
function decodeNumber(str: string, fmask: number, st: St, order: DateOrder): number {
  const tm = st.tm;
  const flen = str.length;
  const r = strtoint(str);
  if (!r || /^[ \t\n\r\v\f]/.test(str)) throw new DtError(DtErr.BadFormat);
  const val = r.val;
  if (r.rest[0] === '.') {
    if (str.indexOf('.') > 2) return decodeNumberField(str, fmask | DATE_M, st);
    tm.fsec = parseFraction(r.rest);
  } else if (r.rest !== '') {
    throw new DtError(DtErr.BadFormat);
  }
  if (flen === 3 && (fmask & DATE_M) === M.year && val >= 1 && val <= 366) {
    tm.yday = val;
    return M.doy | M.month | M.day;
  }
  let tmask: number;
  switch (fmask & DATE_M) {
    case 0:
      if (flen >= 3 || order === 'YMD') {
        tmask = M.year;
        tm.year = val;
      } else if (order === 'DMY') {
        tmask = M.day;
        tm.mday = val;
      } else {
        tmask = M.month;
        tm.mon = val;
      }
      break;
    case M.year:
      tmask = M.month;
      tm.mon = val;
      break;
    case M.month:
      if (st.haveTextMonth) {
        if (flen >= 3 || order === 'YMD') {
          tmask = M.year;
          tm.year = val;
        } else {
          tmask = M.day;
          tm.mday = val;
        }
      } else {
        tmask = M.day;
        tm.mday = val;
      }
      break;
    case M.year | M.month:
      if (st.haveTextMonth && flen >= 3 && st.is2digits) {
        tmask = M.day;
        tm.mday = tm.year;
        tm.year = val;
        st.is2digits = false;
      } else {
        tmask = M.day;
        tm.mday = val;
      }
      break;
    case M.day:
      tmask = M.month;
      tm.mon = val;
      break;
    case M.month | M.day:
      tmask = M.year;
      tm.year = val;
      break;
    case DATE_M:
      return decodeNumberField(str, fmask, st);
    default:
      throw new DtError(DtErr.BadFormat);
  }
  if (tmask === M.year) st.is2digits = flen <= 2;
  return tmask;
}

/** DecodeDate: a date field such as 2000-01-02, 1/2/2000, 2000-jan-02. */
function decodeDate(str: string, st: St, order: DateOrder): number {
  const parts: string[] = [];
  let i = 0;
  while (i < str.length) {
    while (i < str.length && !isAlnum(str[i])) i++;
    if (i >= str.length) throw new DtError(DtErr.BadFormat);
    let f = '';
    if (isDigit(str[i])) while (isDigit(str[i])) f += str[i++];
    else if (isAlpha(str[i])) while (isAlpha(str[i])) f += str[i++];
    if (i < str.length) i++; // the separator right after a field is consumed
    parts.push(f);
  }
  let fmask = st.fmask;
  let tmask = 0;
  const rest: (string | null)[] = [...parts];
  for (let k = 0; k < rest.length; k++) {
    const f = rest[k] as string;
    if (isAlpha(f[0])) {
      const tok = KEYWORDS.get(f.toLowerCase());
      if (tok && tok.kind === 'ignore') continue;
      if (!tok || tok.kind !== 'month') throw new DtError(DtErr.BadFormat);
      st.tm.mon = tok.val;
      st.haveTextMonth = true;
      if (fmask & M.month) throw new DtError(DtErr.BadFormat);
      fmask |= M.month;
      tmask |= M.month;
      rest[k] = null;
    }
  }
  for (const f of rest) {
    if (f === null) continue;
    if (f.length === 0) throw new DtError(DtErr.BadFormat);
    const dmask = decodeNumber(f, fmask, st, order);
    if (fmask & dmask) throw new DtError(DtErr.BadFormat);
    fmask |= dmask;
    tmask |= dmask;
  }
  if ((fmask & ~(M.doy | M.tz)) !== DATE_M) throw new DtError(DtErr.BadFormat);
  return tmask;
}

/** ValidateDate. */
function validateDate(
  fmask: number,
  isjulian: boolean,
  is2digits: boolean,
  bc: boolean,
  tm: Tm,
): void {
  if (fmask & M.year) {
    if (isjulian) {
      // tm.year is already right
    } else if (bc) {
      if (tm.year <= 0) throw new DtError(DtErr.FieldOverflow);
      tm.year = -(tm.year - 1);
    } else if (is2digits) {
      if (tm.year < 0) throw new DtError(DtErr.FieldOverflow);
      if (tm.year < 70) tm.year += 2000;
      else if (tm.year < 100) tm.year += 1900;
    } else if (tm.year <= 0) {
      throw new DtError(DtErr.FieldOverflow);
    }
  }
  if (fmask & M.doy) {
    const d = j2date(date2j(tm.year, 1, 1) + tm.yday - 1);
    tm.year = d.year;
    tm.mon = d.month;
    tm.mday = d.day;
  }
  if (fmask & M.month && (tm.mon < 1 || tm.mon > 12)) throw new DtError(DtErr.MdFieldOverflow);
  if (fmask & M.day && (tm.mday < 1 || tm.mday > 31)) throw new DtError(DtErr.MdFieldOverflow);
  if ((fmask & DATE_M) === DATE_M && tm.mday > daysInMonth(tm.year, tm.mon))
    throw new DtError(DtErr.FieldOverflow);
}

function timeOverflows(h: number, m: number, s: number, fsec: number): boolean {
  if (h < 0 || h > 24 || m < 0 || m >= 60 || s < 0 || s > 60 || fsec < 0 || fsec > 1e6) return true;
  return ((h * 60 + m) * 60 + s) * 1e6 + fsec > 86400e6;
}

/**
 * DecodeDateTime (timeOnly = false) or DecodeTimeOnly (timeOnly = true).
 * The zone offset is resolved against ctx.zone when the literal names none.
 */
export function decodeDateTime(str: string, ctx: Ctx, timeOnly: boolean): Decoded {
  const { fields, ftypes } = tokenize(str);
  const st: St = { tm: newTm(), fmask: 0, is2digits: false, haveTextMonth: false };
  const tm = st.tm;
  let dtype: DType = 'date';
  let tz: number | null = null;
  let namedTz: Zone | null = null;
  let isjulian = false;
  let bc = false;
  let mer: 'am' | 'pm' | null = null;
  let ptype: 'julian' | 'time' | null = null;
  const nf = fields.length;

  for (let i = 0; i < nf; i++) {
    const f = fields[i];
    let tmask = 0;
    switch (ftypes[i]) {
      case Ft.Date:
        if (ptype === 'julian') {
          throw new DtError(DtErr.BadFormat);
        } else if ((st.fmask & DATE_M) === DATE_M || ptype !== null || timeOnly) {
          if (isDigit(f[0]) || ptype !== null) {
            if ((st.fmask & TIME_M) === TIME_M && !timeOnly) throw new DtError(DtErr.BadFormat);
            if (timeOnly && !isDigit(f[0])) throw new DtError(DtErr.BadFormat);
            // DecodeTimeOnly accepts a date only first, before a time or with a date last.
            if (
              timeOnly &&
              i === 0 &&
              nf >= 2 &&
              (ftypes[nf - 1] === Ft.Date || ftypes[1] === Ft.Time) &&
              ptype === null
            ) {
              tmask = decodeDate(f, st, ctx.order);
              break;
            }
            const dash = f.indexOf('-');
            if (dash < 0) throw new DtError(DtErr.BadFormat);
            tz = decodeTimezone(f.slice(dash));
            // A run-together time with a zone (hhmmss-zz); DecodeTimeOnly reads it as a time.
            tmask =
              decodeNumberField(f.slice(0, dash), timeOnly ? st.fmask | DATE_M : st.fmask, st) |
              M.tz;
            ptype = null;
          } else {
            namedTz = zoneByName(f);
            tmask = M.tz;
          }
        } else {
          tmask = decodeDate(f, st, ctx.order);
        }
        break;
      case Ft.Time:
        if (ptype !== null) {
          if (ptype !== 'time') throw new DtError(DtErr.BadFormat);
          ptype = null;
        }
        tmask = decodeTime(f, tm);
        if (timeOverflows(tm.hour, tm.min, tm.sec, tm.fsec)) throw new DtError(DtErr.FieldOverflow);
        break;
      case Ft.Tz:
        tz = decodeTimezone(f);
        tmask = M.tz;
        break;
      case Ft.Number:
        if (ptype !== null) {
          if (ptype === 'julian') {
            const r = /^(\d+)(\.\d*)?$/.exec(f);
            if (!r) throw new DtError(DtErr.BadFormat);
            const jd = Number(r[1]);
            if (jd < 0 || jd > 2147483647) throw new DtError(DtErr.FieldOverflow);
            const d = j2date(jd);
            tm.year = d.year;
            tm.mon = d.month;
            tm.mday = d.day;
            isjulian = true;
            if (r[2] !== undefined && r[2].length > 1) {
              let t = Number('0' + r[2]) * 86400;
              tm.hour = Math.trunc(t / 3600);
              t -= tm.hour * 3600;
              tm.min = Math.trunc(t / 60);
              t -= tm.min * 60;
              tm.sec = Math.trunc(t);
              tm.fsec = rint((t - tm.sec) * 1e6);
              tmask = DATE_M | TIME_M;
            } else {
              tmask = DATE_M;
            }
          } else {
            tmask = decodeNumberField(f, st.fmask | DATE_M, st);
            if (tmask !== TIME_M) throw new DtError(DtErr.BadFormat);
          }
          ptype = null;
        } else {
          const dot = f.indexOf('.');
          if (timeOnly) {
            if (dot >= 0 && (st.fmask & DATE_M) !== DATE_M && dot <= 2) {
              tmask = decodeNumber(f, st.fmask, st, ctx.order);
            } else if (f.length >= 4 || dot >= 0) {
              tmask = decodeNumberField(f, st.fmask | DATE_M, st);
            } else {
              tmask = decodeNumber(f, st.fmask, st, ctx.order);
            }
          } else if (dot >= 0 && !(st.fmask & DATE_M)) {
            tmask = decodeDate(f, st, ctx.order);
          } else if (dot >= 0 && dot > 2) {
            tmask = decodeNumberField(f, st.fmask, st);
          } else if (f.length >= 6 && (!(st.fmask & DATE_M) || !(st.fmask & TIME_M))) {
            tmask = decodeNumberField(f, st.fmask, st);
          } else {
            tmask = decodeNumber(f, st.fmask, st, ctx.order);
          }
        }
        break;
      case Ft.String:
      case Ft.Special: {
        const abbrev = TZ_ABBREVS.get(f);
        if (abbrev) {
          tz = abbrev.offset;
          tmask = abbrev.dst ? M.dtz | M.tz : M.tz;
          break;
        }
        const tok = KEYWORDS.get(f);
        if (!tok) {
          // An all-alpha word may still be a zone name (UTC, Japan); else a syntax error.
          namedTz = findZone(f);
          if (namedTz === null) throw new DtError(DtErr.BadFormat);
          tmask = M.tz;
          break;
        }
        switch (tok.kind) {
          case 'ignore':
            continue;
          case 'reserv':
            switch (tok.val) {
              case 'zulu':
                tmask = TIME_M | M.tz;
                tm.hour = tm.min = tm.sec = 0;
                tz = 0;
                break;
              case 'now': {
                tmask = DATE_M | TIME_M | M.tz;
                const nowUs = BigInt(ctx.nowMs) * 1000n;
                setFromUnixMicros(tm, nowUs, ctx.zone);
                tz = ctx.zone.offsetAt(ctx.nowMs / 1000);
                break;
              }
              case 'today':
              case 'tomorrow':
              case 'yesterday': {
                tmask = DATE_M;
                const local = setFromUnixMicros(newTm(), BigInt(ctx.nowMs) * 1000n, ctx.zone);
                const delta = tok.val === 'today' ? 0 : tok.val === 'tomorrow' ? 1 : -1;
                const d = j2date(date2j(local.year, local.mon, local.mday) + delta);
                tm.year = d.year;
                tm.mon = d.month;
                tm.mday = d.day;
                break;
              }
              default:
                // epoch/infinity: the caller ignores tm for these (no date fields to validate).
                tmask = TIME_M | M.tz;
                dtype = tok.val;
            }
            if (timeOnly && tok.val !== 'zulu' && tok.val !== 'now')
              throw new DtError(DtErr.BadFormat);
            break;
          case 'month':
            tmask = M.month;
            if (
              st.fmask & M.month &&
              !st.haveTextMonth &&
              !(st.fmask & M.day) &&
              tm.mon >= 1 &&
              tm.mon <= 31
            ) {
              tm.mday = tm.mon;
              tmask = M.day;
            }
            st.haveTextMonth = true;
            tm.mon = tok.val;
            break;
          case 'dow':
            tmask = M.dow;
            break;
          case 'ampm':
            tmask = M.ampm;
            mer = tok.pm ? 'pm' : 'am';
            break;
          case 'adbc':
            tmask = M.adbc;
            bc = tok.bc;
            break;
          case 'julian':
            tmask = 0;
            ptype = 'julian';
            break;
          case 'isotime':
            tmask = 0;
            if ((st.fmask & DATE_M) !== DATE_M && !timeOnly) throw new DtError(DtErr.BadFormat);
            if (
              i >= nf - 1 ||
              (ftypes[i + 1] !== Ft.Number &&
                ftypes[i + 1] !== Ft.Time &&
                ftypes[i + 1] !== Ft.Date)
            ) {
              throw new DtError(DtErr.BadFormat);
            }
            ptype = 'time';
            break;
        }
        break;
      }
      default:
        throw new DtError(DtErr.BadFormat);
    }
    if (tmask & st.fmask) throw new DtError(DtErr.BadFormat);
    st.fmask |= tmask;
  }

  if (!timeOnly) validateDate(st.fmask, isjulian, st.is2digits, bc, tm);
  if (mer !== null && tm.hour > 12) throw new DtError(DtErr.FieldOverflow);
  if (mer === 'am' && tm.hour === 12) tm.hour = 0;
  else if (mer === 'pm' && tm.hour !== 12) tm.hour += 12;

  if (timeOnly) {
    if ((st.fmask & TIME_M) === 0) throw new DtError(DtErr.BadFormat);
    // A zone with DST needs a date to know its offset.
    if (namedTz !== null) {
      if (namedTz.fixedOffset !== null) tz = namedTz.fixedOffset;
      else if ((st.fmask & DATE_M) !== DATE_M) throw new DtError(DtErr.BadFormat);
      else tz = localOffset(tm, namedTz);
    }
    if (
      tm.hour < 0 ||
      tm.min < 0 ||
      tm.min > 59 ||
      tm.sec < 0 ||
      tm.sec > 60 ||
      tm.hour > 24 ||
      (tm.hour === 24 && (tm.min > 0 || tm.sec > 0 || tm.fsec > 0)) ||
      tm.fsec < 0 ||
      tm.fsec > 1e6
    ) {
      throw new DtError(DtErr.FieldOverflow);
    }
    return { dtype, tm, tzOffset: tz, hadTz: tz !== null || namedTz !== null };
  }

  const hadTz = (st.fmask & M.tz) !== 0;
  if (dtype === 'date') {
    if ((st.fmask & DATE_M) !== DATE_M) throw new DtError(DtErr.BadFormat);
    if (namedTz !== null) tz = localOffset(tm, namedTz);
    if (!hadTz) tz = localOffset(tm, ctx.zone);
  }
  return { dtype, tm, tzOffset: tz, hadTz };
}

function zoneByName(name: string): Zone {
  const z = findZone(name);
  if (z === null) throw new ZoneNotRecognized(name);
  return z;
}

/** `time zone "%s" not recognized` (22023), raised by the caller. */
export class ZoneNotRecognized {
  constructor(readonly name: string) {}
}

/** Seconds since the Unix epoch of a local wall-clock time read as UTC. */
function tmAsUtcSeconds(tm: Tm): number {
  const days = date2j(tm.year, tm.mon, tm.mday) - UNIX_EPOCH_JDATE;
  return days * 86400 + tm.hour * 3600 + tm.min * 60 + tm.sec;
}

/**
 * DetermineTimeZoneOffset: the offset (seconds east) in effect for a local time in `zone`.
 * In a spring-forward gap PostgreSQL takes the offset from before the transition, and in a
 * fall-back overlap the one from after it: in both cases the later UTC instant.
 */
export function localOffset(tm: Tm, zone: Zone): number {
  const L = tmAsUtcSeconds(tm);
  const cands = new Set([zone.offsetAt(L - 86400), zone.offsetAt(L), zone.offsetAt(L + 86400)]);
  let best: number | null = null;
  let bestAny: number | null = null;
  for (const o of cands) {
    if (bestAny === null || o < bestAny) bestAny = o;
    if (zone.offsetAt(L - o) === o && (best === null || o < best)) best = o;
  }
  return (best ?? bestAny) as number;
}

/** Fills tm with the local wall-clock of a Unix-epoch µs instant in `zone`. */
function setFromUnixMicros(tm: Tm, us: bigint, zone: Zone): Tm {
  const secs = Number(us / 1_000_000n);
  const local = us + BigInt(zone.offsetAt(secs)) * 1_000_000n;
  let day = local / 86_400_000_000n;
  let t = local % 86_400_000_000n;
  if (t < 0n) {
    t += 86_400_000_000n;
    day -= 1n;
  }
  const d = j2date(Number(day) + UNIX_EPOCH_JDATE);
  tm.year = d.year;
  tm.mon = d.month;
  tm.mday = d.day;
  const tt = Number(t);
  tm.hour = Math.floor(tt / 3600e6);
  tm.min = Math.floor((tt % 3600e6) / 60e6);
  tm.sec = Math.floor((tt % 60e6) / 1e6);
  tm.fsec = tt % 1e6;
  return tm;
}

export { POSTGRES_EPOCH_JDATE };
