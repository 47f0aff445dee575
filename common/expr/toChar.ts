/**
 * to_char(timestamp / timestamptz, text) as PostgreSQL 15's DCH_to_char (formatting.c),
 * in the C locale (lc_time = C: English names, so TM only drops the padding). The
 * template is scanned left to right: an FM / TM prefix, the longest keyword that matches
 * exactly (case matters: MONTH, Month, month), an optional TH / th / SP suffix; text in
 * double quotes is copied (backslash quotes the next character), and so is anything else.
 * A date argument reaches here as the timestamptz of its local midnight, as PostgreSQL
 * resolves to_char(date, text) to to_char(timestamptz, text).
 */
import { SqlError, SqlState } from '../errors';
import { date2j } from '../types/calendar';
import { dateParts, isoWeek } from './dateFields';

/** The zone fields of a timestamptz (tm_gmtoff and tzn); null for a timestamp. */
export interface ZoneFields {
  /** Seconds east of UTC. */
  readonly offset: number;
  readonly abbrev: string;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const ROMAN = ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X', 'XI', 'XII'];

/** DCH_keywords: the lower-case spellings that differ in output are listed apart. */
const KEYWORDS: readonly string[] = [
  ...['A.D.', 'A.M.', 'AD', 'AM', 'B.C.', 'BC', 'CC', 'DAY', 'DDD', 'DD', 'DY', 'Day', 'Dy'],
  ...['D', 'FF1', 'FF2', 'FF3', 'FF4', 'FF5', 'FF6', 'FX', 'HH24', 'HH12', 'HH', 'IDDD', 'ID'],
  ...['IW', 'IYYY', 'IYY', 'IY', 'I', 'J', 'MI', 'MM', 'MONTH', 'MON', 'MS', 'Month', 'Mon'],
  ...['OF', 'P.M.', 'PM', 'Q', 'RM', 'SSSSS', 'SSSS', 'SS', 'TZH', 'TZM', 'TZ', 'US', 'WW'],
  ...['W', 'Y,YYY', 'YYYY', 'YYY', 'YY', 'Y', 'a.d.', 'a.m.', 'ad', 'am', 'b.c.', 'bc', 'cc'],
  ...['day', 'ddd', 'dd', 'dy', 'd', 'ff1', 'ff2', 'ff3', 'ff4', 'ff5', 'ff6', 'fx', 'hh24'],
  ...['hh12', 'hh', 'iddd', 'id', 'iw', 'iyyy', 'iyy', 'iy', 'i', 'j', 'mi', 'mm', 'month'],
  ...['mon', 'ms', 'of', 'p.m.', 'pm', 'q', 'rm', 'sssss', 'ssss', 'ss', 'tzh', 'tzm', 'tz'],
  ...['us', 'ww', 'w', 'y,yyy', 'yyyy', 'yyy', 'yy', 'y'],
];
/** Longest first, so HH24 wins over HH and Y,YYY over Y (index_seq_search's order). */
const BY_LENGTH = [...KEYWORDS].sort((a, b) => b.length - a.length);

function matchKeyword(fmt: string, i: number): string | null {
  for (const k of BY_LENGTH) if (fmt.startsWith(k, i)) return k;
  return null;
}

/** sprintf("%0*d", width, n): zero padding after the sign. */
function zpad(n: number, width: number): string {
  const digits = String(Math.abs(n));
  const sign = n < 0 ? '-' : '';
  return sign + digits.padStart(Math.max(0, width - sign.length), '0');
}

/** get_th: the ordinal suffix of the number just printed (teens take TH). */
function ordinal(num: string, upper: boolean): string {
  const last = num[num.length - 1];
  if (last === undefined || last < '0' || last > '9')
    throw new SqlError(SqlState.invalidTextRepresentation, `"${num}" is not a number`);
  const teen = num.length > 1 && num[num.length - 2] === '1';
  const th = teen ? 'th' : last === '1' ? 'st' : last === '2' ? 'nd' : last === '3' ? 'rd' : 'th';
  return upper ? th.toUpperCase() : th;
}

/** Cased name: MONTH → upper, Month → as is, month → lower. */
function cased(keyword: string, name: string): string {
  if (keyword === keyword.toUpperCase()) return name.toUpperCase();
  if (keyword === keyword.toLowerCase()) return name.toLowerCase();
  return name;
}

/** PostgreSQL's display year: no year 0 (ADJUST_YEAR: 1 BC prints as 1). */
function adjustYear(astronomical: number): number {
  return astronomical <= 0 ? 1 - astronomical : astronomical;
}

/**
 * Formats the wall-clock time `local` (µs since 2000-01-01) with `fmt`. `zone` gives TZ, OF,
 * TZH and TZM for a timestamptz; a timestamp has none (TZ prints nothing, OF +00).
 */
export function toCharTimestamp(local: bigint, zone: ZoneFields | null, fmt: string): string {
  const p = dateParts(local);
  const fsec = p.frac % 1_000_000;
  const sec = Math.floor(p.frac / 1_000_000);
  let iso: { week: number; year: number } | undefined;
  const isoOf = (): { week: number; year: number } => (iso ??= isoWeek(p.y, p.mo, p.d));
  const offset = zone?.offset ?? 0;
  let out = '';
  let i = 0;
  while (i < fmt.length) {
    // One prefix: FM (fill mode: no padding) or TM (translation mode: names unpadded in C).
    const prefix = fmt.slice(i, i + 2);
    const fm = prefix === 'FM' || prefix === 'fm';
    const tm = prefix === 'TM' || prefix === 'tm';
    const j = fm || tm ? i + 2 : i;
    const kw = matchKeyword(fmt, j);
    if (kw === null) {
      // Not a keyword: a prefix before it is dropped as PostgreSQL does, the rest is literal.
      if (j >= fmt.length) break;
      i = j;
      const c = fmt[i];
      if (c === '"') {
        i++;
        while (i < fmt.length && fmt[i] !== '"') {
          if (fmt[i] === '\\' && i + 1 < fmt.length) i++;
          out += fmt[i++];
        }
        i++; // the closing quote
      } else if (c === '\\' && fmt[i + 1] === '"') {
        out += '"';
        i += 2;
      } else {
        out += c;
        i++;
      }
      continue;
    }
    i = j + kw.length;
    let suffix = '';
    const two = fmt.slice(i, i + 2);
    if (two === 'TH' || two === 'th' || two === 'SP' || two === 'sp') {
      suffix = two;
      i += 2;
    }
    const th = (s: string): string =>
      suffix === 'TH' || suffix === 'th' ? s + ordinal(s, suffix === 'TH') : s;
    /** "%0*d" with the width FM drops; fixed: a width FM keeps (MS, US, FFn). */
    const num = (n: number, width: number): string => th(zpad(n, fm ? 0 : width));
    const fixed = (n: number, width: number): string => th(zpad(n, width));
    const name = (s: string): string => (fm || tm ? s : s.padEnd(9, ' '));
    const upper = kw.toUpperCase();
    const lowerForm = kw !== kw.toUpperCase();
    switch (upper) {
      case 'A.D.':
      case 'B.C.':
        out += cased(kw, p.y <= 0 ? 'B.C.' : 'A.D.');
        break;
      case 'AD':
      case 'BC':
        out += lowerForm ? (p.y <= 0 ? 'bc' : 'ad') : p.y <= 0 ? 'BC' : 'AD';
        break;
      case 'A.M.':
      case 'P.M.':
        out += cased(kw, p.h >= 12 ? 'P.M.' : 'A.M.');
        break;
      case 'AM':
      case 'PM':
        out += lowerForm ? (p.h >= 12 ? 'pm' : 'am') : p.h >= 12 ? 'PM' : 'AM';
        break;
      case 'CC': {
        const c = p.y > 0 ? Math.trunc((p.y - 1) / 100) + 1 : Math.trunc(p.y / 100) - 1;
        out += c >= -99 && c <= 99 ? num(c, c >= 0 ? 2 : 3) : num(c, 0);
        break;
      }
      case 'DAY':
        out += name(cased(kw, DAYS[p.dow]));
        break;
      case 'DY':
        out += cased(kw, DAYS[p.dow].slice(0, 3));
        break;
      case 'DDD':
        out += num(p.doy, 3);
        break;
      case 'DD':
        out += num(p.d, 2);
        break;
      case 'D':
        out += num(p.dow + 1, 0);
        break;
      case 'ID':
        out += num(p.dow === 0 ? 7 : p.dow, 0);
        break;
      case 'FF1':
      case 'FF2':
      case 'FF3':
      case 'FF4':
      case 'FF5':
      case 'FF6': {
        const digits = Number(upper[2]);
        out += fixed(Math.floor(fsec / 10 ** (6 - digits)), digits);
        break;
      }
      case 'MS':
        out += fixed(Math.floor(fsec / 1000), 3);
        break;
      case 'US':
        out += fixed(fsec, 6);
        break;
      case 'FX':
        break;
      case 'HH':
      case 'HH12':
        out += num(p.h % 12 === 0 ? 12 : p.h % 12, 2);
        break;
      case 'HH24':
        out += num(p.h, 2);
        break;
      case 'MI':
        out += num(p.mi, 2);
        break;
      case 'SS':
        out += num(sec, 2);
        break;
      case 'SSSS':
      case 'SSSSS':
        out += num(p.h * 3600 + p.mi * 60 + sec, 0);
        break;
      case 'IDDD': {
        const week1 = date2j(isoOf().year, 1, 4);
        const monday = week1 - (((week1 % 7) + 7) % 7);
        out += num(date2j(p.y, p.mo, p.d) - monday + 1, 3);
        break;
      }
      case 'IW':
        out += num(isoOf().week, 2);
        break;
      case 'IYYY':
        out += num(adjustYear(isoOf().year), 4);
        break;
      case 'IYY':
        out += num(adjustYear(isoOf().year) % 1000, 3);
        break;
      case 'IY':
        out += num(adjustYear(isoOf().year) % 100, 2);
        break;
      case 'I':
        out += num(adjustYear(isoOf().year) % 10, 1);
        break;
      case 'J':
        out += num(date2j(p.y, p.mo, p.d), 0);
        break;
      case 'MM':
        out += num(p.mo, 2);
        break;
      case 'MONTH':
        out += name(cased(kw, MONTHS[p.mo - 1]));
        break;
      case 'MON':
        out += cased(kw, MONTHS[p.mo - 1].slice(0, 3));
        break;
      case 'Q':
        out += num(Math.floor((p.mo - 1) / 3) + 1, 0);
        break;
      case 'RM': {
        const r = ROMAN[p.mo - 1];
        out += (lowerForm ? r.toLowerCase() : r).padEnd(fm ? 0 : 4, ' ');
        break;
      }
      case 'TZ':
        if (zone !== null) out += lowerForm ? zone.abbrev.toLowerCase() : zone.abbrev;
        break;
      case 'TZH':
        out += (offset >= 0 ? '+' : '-') + zpad(Math.floor(Math.abs(offset) / 3600), 2);
        break;
      case 'TZM':
        out += zpad(Math.floor((Math.abs(offset) % 3600) / 60), 2);
        break;
      case 'OF': {
        const a = Math.abs(offset);
        out += (offset >= 0 ? '+' : '-') + zpad(Math.floor(a / 3600), fm ? 0 : 2);
        if (a % 3600 !== 0) out += ':' + zpad(Math.floor((a % 3600) / 60), 2);
        break;
      }
      case 'WW':
        out += num(Math.floor((p.doy - 1) / 7) + 1, 2);
        break;
      case 'W':
        out += num(Math.floor((p.d - 1) / 7) + 1, 0);
        break;
      case 'Y,YYY': {
        const y = adjustYear(p.y);
        out += th(`${Math.trunc(y / 1000)},${zpad(y % 1000, 3)}`);
        break;
      }
      case 'YYYY':
        out += num(adjustYear(p.y), 4);
        break;
      case 'YYY':
        out += num(adjustYear(p.y) % 1000, 3);
        break;
      case 'YY':
        out += num(adjustYear(p.y) % 100, 2);
        break;
      case 'Y':
        out += num(adjustYear(p.y) % 10, 1);
        break;
    }
  }
  return out;
}
