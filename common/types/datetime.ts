/**
 * date, time, timestamp and timestamptz text I/O (DateStyle ISO output; MDY/DMY/YMD input
 * order), with PostgreSQL 15's messages (DateTimeParseError, date_in, timestamp_in, ...).
 *
 * Representations (datum.ts): date = days since 2000-01-01 (±Infinity for ±infinity);
 * time = µs since midnight; timestamp/timestamptz = bigint µs since 2000-01-01 00:00 UTC
 * with ±infinity as the int64 extremes.
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
  SAFE_US,
  splitTimestamp,
  TIMESTAMP_NOBEGIN,
  TIMESTAMP_NOEND,
  UNIX_TO_PG_SECONDS,
} from './calendar';
import {
  decodeDateTime,
  dateOrderOf,
  DtErr,
  outputStyleOf,
  DtError,
  localOffset,
  ZoneNotRecognized,
  type Tm,
  type Decoded,
} from './datetimeParse';
import { sessionZone, type Zone } from './timezone';

export interface DateTimeSettings {
  readonly dateStyle: string;
  readonly timeZone: string;
}

/** Raises what DateTimeParseError raises for a decoder failure. */
export function dateTimeParseError(e: unknown, str: string, typeName: string): never {
  if (e instanceof ZoneNotRecognized) {
    throw new SqlError(SqlState.invalidParameterValue, `time zone "${e.name}" not recognized`);
  }
  if (!(e instanceof DtError)) throw e;
  switch (e.code) {
    case DtErr.FieldOverflow:
      throw new SqlError(
        SqlState.datetimeFieldOverflow,
        `date/time field value out of range: "${str}"`,
      );
    case DtErr.MdFieldOverflow:
      throw new SqlError(
        SqlState.datetimeFieldOverflow,
        `date/time field value out of range: "${str}"`,
        {
          hint: 'Perhaps you need a different "datestyle" setting.',
        },
      );
    case DtErr.IntervalOverflow:
      throw new SqlError('22015', `interval field value out of range: "${str}"`);
    case DtErr.TzDispOverflow:
      throw new SqlError('22009', `time zone displacement out of range: "${str}"`);
    default:
      throw new SqlError(
        SqlState.invalidDatetimeFormat,
        `invalid input syntax for type ${typeName}: "${str}"`,
      );
  }
}

function decode(str: string, s: DateTimeSettings, typeName: string, timeOnly: boolean): Decoded {
  try {
    return decodeDateTime(
      str,
      { order: dateOrderOf(s.dateStyle), zone: sessionZone(s.timeZone), nowMs: Date.now() },
      timeOnly,
    );
  } catch (e) {
    return dateTimeParseError(e, str, typeName);
  }
}

// ---- output -------------------------------------------------------------------------

function pad(n: number, w: number): string {
  const s = String(n);
  return s.length >= w ? s : '0'.repeat(w - s.length) + s;
}

function ymd(year: number, month: number, day: number): string {
  return `${pad(year > 0 ? year : -(year - 1), 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** Seconds with the fraction, trailing zeros dropped (AppendSeconds with fillzeros). */
function secondsText(sec: number, fsec: number): string {
  let s = pad(sec, 2);
  if (fsec !== 0) s += '.' + pad(fsec, 6).replace(/0+$/, '');
  return s;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function yearText(year: number): string {
  return pad(year > 0 ? year : -(year - 1), 4);
}

/** EncodeDateOnly for a DateStyle. */
function dateText(year: number, month: number, day: number, dateStyle: string): string {
  const dmy = dateOrderOf(dateStyle) === 'DMY';
  switch (outputStyleOf(dateStyle)) {
    case 'SQL':
      return (
        (dmy ? `${pad(day, 2)}/${pad(month, 2)}` : `${pad(month, 2)}/${pad(day, 2)}`) +
        '/' +
        yearText(year)
      );
    case 'GERMAN':
      return `${pad(day, 2)}.${pad(month, 2)}.${yearText(year)}`;
    case 'POSTGRES':
      return (
        (dmy ? `${pad(day, 2)}-${pad(month, 2)}` : `${pad(month, 2)}-${pad(day, 2)}`) +
        '-' +
        yearText(year)
      );
    default:
      return ymd(year, month, day);
  }
}

export function formatDate(days: number, dateStyle = 'ISO, MDY'): string {
  if (days === Infinity) return 'infinity';
  if (days === -Infinity) return '-infinity';
  const d = j2date(days + POSTGRES_EPOCH_JDATE);
  return dateText(d.year, d.month, d.day, dateStyle) + (d.year <= 0 ? ' BC' : '');
}

export function formatTime(us: number): string {
  const h = Math.floor(us / 3600e6);
  const m = Math.floor((us % 3600e6) / 60e6);
  const s = Math.floor((us % 60e6) / 1e6);
  return `${pad(h, 2)}:${pad(m, 2)}:${secondsText(s, us % 1e6)}`;
}

/**
 * EncodeDateTime: the local date and time `local` (µs since 2000) in a DateStyle, with the
 * zone (numeric offset for ISO, abbreviation otherwise) when `tz` is given.
 */
function dateTimeText(
  local: bigint,
  dateStyle: string,
  tz?: { offset: number; abbrev: () => string },
): string {
  const { days, time } = splitTimestamp(local);
  const jd = days + POSTGRES_EPOCH_JDATE;
  const d = j2date(jd);
  const bc = d.year <= 0 ? ' BC' : '';
  const style = outputStyleOf(dateStyle);
  if (style === 'ISO') {
    return `${ymd(d.year, d.month, d.day)} ${formatTime(time)}${tz ? formatOffset(tz.offset) : ''}${bc}`;
  }
  if (style === 'POSTGRES') {
    const dmy = dateOrderOf(dateStyle) === 'DMY';
    const dow = DAYS[(((jd + 1) % 7) + 7) % 7];
    const md = dmy
      ? `${pad(d.day, 2)} ${MONTHS[d.month - 1]}`
      : `${MONTHS[d.month - 1]} ${pad(d.day, 2)}`;
    return `${dow} ${md} ${formatTime(time)} ${yearText(d.year)}${tz ? ' ' + tz.abbrev() : ''}${bc}`;
  }
  return `${dateText(d.year, d.month, d.day, dateStyle)} ${formatTime(time)}${tz ? ' ' + tz.abbrev() : ''}${bc}`;
}

export function formatTimestamp(us: bigint, dateStyle = 'ISO, MDY'): string {
  if (us === TIMESTAMP_NOEND) return 'infinity';
  if (us === TIMESTAMP_NOBEGIN) return '-infinity';
  return dateTimeText(us, dateStyle);
}

/** EncodeTimezone: +hh, +hh:mm or +hh:mm:ss (offset in seconds east). */
export function formatOffset(east: number): string {
  const a = Math.abs(east);
  const h = Math.floor(a / 3600);
  const m = Math.floor((a % 3600) / 60);
  const s = a % 60;
  const sign = east >= 0 ? '+' : '-';
  if (s !== 0) return `${sign}${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}`;
  if (m !== 0) return `${sign}${pad(h, 2)}:${pad(m, 2)}`;
  return `${sign}${pad(h, 2)}`;
}

function utcSecondsOf(us: bigint): number {
  if (us <= SAFE_US && us >= -SAFE_US) return Math.floor(Number(us) / 1e6) + UNIX_TO_PG_SECONDS;
  const secs = Number(us / 1_000_000n) + UNIX_TO_PG_SECONDS;
  return us < 0n && us % 1_000_000n !== 0n ? secs - 1 : secs;
}

/** The zone's offset (seconds east) at a timestamp (µs since 2000). */
export function offsetAtTimestamp(us: bigint, zone: Zone): number {
  return zone.offsetAt(utcSecondsOf(us));
}

export function formatTimestamptz(us: bigint, timeZone: string, dateStyle = 'ISO, MDY'): string {
  if (us === TIMESTAMP_NOEND) return 'infinity';
  if (us === TIMESTAMP_NOBEGIN) return '-infinity';
  const zone = sessionZone(timeZone);
  const off = offsetAtTimestamp(us, zone);
  return dateTimeText(us + BigInt(off) * 1_000_000n, dateStyle, {
    offset: off,
    abbrev: () => zone.abbrevAt(utcSecondsOf(us)),
  });
}

// ---- input --------------------------------------------------------------------------

/**
 * The ISO form clients send (YYYY-MM-DD[ |T]HH:MM:SS[.ffffff][Z|±HH[[:]MM]]) read without the
 * general decoder. Anything unusual (other forms, out-of-range fields, 24:00, leap seconds,
 * more than 6 fraction digits, year 0) returns null and takes the general path, which
 * also produces the errors.
 */
const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

function fastIso(str: string): { tm: Tm; tz: number | null } | null {
  const m = ISO_RE.exec(str);
  if (!m) return null;
  const year = +m[1];
  const mon = +m[2];
  const mday = +m[3];
  if (year < 1 || mon < 1 || mon > 12 || mday < 1 || mday > daysInMonth(year, mon)) return null;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let fsec = 0;
  if (m[4] !== undefined) {
    hour = +m[4];
    min = +m[5];
    sec = +m[6];
    if (hour > 23 || min > 59 || sec > 59) return null;
    if (m[7] !== undefined) fsec = +(m[7] + '000000'.slice(m[7].length));
  }
  let tz: number | null = null;
  if (m[8] !== undefined) tz = 0;
  else if (m[9] !== undefined) {
    const h = +m[10];
    const mi = m[11] === undefined ? 0 : +m[11];
    if (h > 15 || mi > 59) return null;
    tz = (m[9] === '-' ? -1 : 1) * (h * 3600 + mi * 60);
  }
  return { tm: { year, mon, mday, hour, min, sec, fsec, yday: 0 }, tz };
}

function tmMicros(tm: Tm): bigint {
  const days = date2j(tm.year, tm.mon, tm.mday) - POSTGRES_EPOCH_JDATE;
  const time = ((tm.hour * 60 + tm.min) * 60 + tm.sec) * 1e6 + tm.fsec;
  // Exact in a double within ±285 years of 2000; beyond, in bigint.
  if (days > -104_000 && days < 104_000) return BigInt(days * 86_400_000_000 + time);
  return BigInt(days) * 86_400_000_000n + BigInt(time);
}

function tmToTimestamp(d: Decoded): bigint | null {
  const tm = d.tm;
  if (!isValidJulian(tm.year, tm.mon)) return null;
  const days = date2j(tm.year, tm.mon, tm.mday) - POSTGRES_EPOCH_JDATE;
  const time = ((tm.hour * 60 + tm.min) * 60 + tm.sec) * 1e6 + tm.fsec;
  return BigInt(days) * 86_400_000_000n + BigInt(time);
}

export function parseDate(str: string, s: DateTimeSettings): number {
  if (str.length === 10) {
    const f = fastIso(str);
    if (f !== null) return date2j(f.tm.year, f.tm.mon, f.tm.mday) - POSTGRES_EPOCH_JDATE;
  }
  const d = decode(str, s, 'date', false);
  switch (d.dtype) {
    case 'epoch':
      return 10957 * -1;
    case 'infinity':
      return Infinity;
    case '-infinity':
      return -Infinity;
  }
  const tm = d.tm;
  const outOfRange = () =>
    new SqlError(SqlState.datetimeFieldOverflow, `date out of range: "${str}"`);
  if (!isValidJulian(tm.year, tm.mon)) throw outOfRange();
  const days = date2j(tm.year, tm.mon, tm.mday) - POSTGRES_EPOCH_JDATE;
  if (!isValidDate(days)) throw outOfRange();
  return days;
}

export function parseTime(str: string, s: DateTimeSettings): number {
  const d = decode(str, s, 'time', true);
  const tm = d.tm;
  return ((tm.hour * 60 + tm.min) * 60 + tm.sec) * 1e6 + tm.fsec;
}

function special(d: Decoded): bigint | null {
  switch (d.dtype) {
    case 'epoch':
      return -BigInt(UNIX_TO_PG_SECONDS) * 1_000_000n;
    case 'infinity':
      return TIMESTAMP_NOEND;
    case '-infinity':
      return TIMESTAMP_NOBEGIN;
  }
  return null;
}

export function parseTimestamp(str: string, s: DateTimeSettings): bigint {
  const f = fastIso(str);
  if (f !== null) return tmMicros(f.tm); // a zone in a timestamp literal is ignored
  const d = decode(str, s, 'timestamp', false);
  const sp = special(d);
  if (sp !== null) return sp;
  const t = tmToTimestamp(d);
  if (t === null || !isValidTimestamp(t)) {
    throw new SqlError(SqlState.datetimeFieldOverflow, `timestamp out of range: "${str}"`);
  }
  return t;
}

export function parseTimestamptz(str: string, s: DateTimeSettings): bigint {
  const f = fastIso(str);
  if (f !== null) {
    const off = f.tz ?? localOffset(f.tm, sessionZone(s.timeZone));
    return tmMicros(f.tm) - BigInt(off) * 1_000_000n;
  }
  const d = decode(str, s, 'timestamp with time zone', false);
  const sp = special(d);
  if (sp !== null) return sp;
  let t = tmToTimestamp(d);
  if (t !== null) t -= BigInt(d.tzOffset ?? 0) * 1_000_000n;
  if (t === null || !isValidTimestamp(t)) {
    throw new SqlError(SqlState.datetimeFieldOverflow, `timestamp out of range: "${str}"`);
  }
  return t;
}
