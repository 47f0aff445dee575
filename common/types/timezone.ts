/**
 * Time zones for timestamptz: the session TimeZone (an IANA name, resolved through Intl,
 * or a fixed offset) and the zone names and abbreviations allowed inside literals.
 *
 * Offsets here are seconds EAST of UTC (PostgreSQL's internal tz is seconds west).
 */
import { SqlError, SqlState } from '../errors';

export interface Zone {
  readonly name: string;
  /** The offset when the zone never changes it (a fixed-offset zone), else null. */
  readonly fixedOffset: number | null;
  /** UTC offset in seconds east of Greenwich at the instant `utcSeconds` since 1970. */
  offsetAt(utcSeconds: number): number;
  /** The zone abbreviation in effect then, as PostgreSQL prints it in the SQL/Postgres/German DateStyles. */
  abbrevAt(utcSeconds: number): string;
}

/** tzdb's numeric abbreviation for an offset: +03, -0230. */
export function numericAbbrev(east: number): string {
  const a = Math.abs(east);
  const h = Math.floor(a / 3600);
  const m = Math.floor((a % 3600) / 60);
  return (
    (east < 0 ? '-' : '+') + String(h).padStart(2, '0') + (m ? String(m).padStart(2, '0') : '')
  );
}

class FixedZone implements Zone {
  constructor(
    readonly name: string,
    private readonly offset: number,
    private readonly abbrev: string = numericAbbrev(offset),
  ) {}
  abbrevAt(): string {
    return this.abbrev;
  }
  get fixedOffset(): number {
    return this.offset;
  }
  offsetAt(): number {
    return this.offset;
  }
}

/** Gregorian calendar repeats every 400 years (146097 days): DST rules do too. */
const CYCLE_SECONDS = 146097 * 86400;
/** Intl (ICU) handles these instants well: 1800-01-01 .. 200000-01-01. */
const MIN_SAFE = Date.UTC(1800, 0, 1) / 1000;
const MAX_SAFE = 6.249e12; // about year 200000

class IanaZone implements Zone {
  readonly fixedOffset = null;
  private readonly fmt: Intl.DateTimeFormat;
  private readonly cache = new Map<number, number>();
  constructor(readonly name: string) {
    this.fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
  }

  offsetAt(utcSeconds: number): number {
    let t = Math.floor(utcSeconds);
    // Before the first transition every zone is on its LMT offset (tzdata starts after 1800).
    if (t < MIN_SAFE) t = MIN_SAFE;
    while (t > MAX_SAFE) t -= CYCLE_SECONDS;
    // Transitions happen on whole minutes; cache by 15-minute bucket (bounded map).
    const key = Math.floor(t / 900);
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const off = this.compute(key * 900);
    // A bucket that straddles a transition is not cached.
    if (this.compute(key * 900 + 899) !== off) return this.compute(t);
    if (this.cache.size > 20000) this.cache.clear();
    this.cache.set(key, off);
    return off;
  }

  private readonly abbrevs = new Map<string, string>();

  abbrevAt(utcSeconds: number): string {
    const off = this.offsetAt(utcSeconds);
    // Local mean time offsets are not whole minutes; tzdb calls them LMT.
    if (off % 60 !== 0) return 'LMT';
    const year = new Date(
      Math.max(MIN_SAFE, Math.min(MAX_SAFE, utcSeconds)) * 1000,
    ).getUTCFullYear();
    const std = Math.min(
      this.offsetAt(Date.UTC(year, 0, 1) / 1000),
      this.offsetAt(Date.UTC(year, 6, 1) / 1000),
    );
    const dst = off > std;
    const key = `${off}:${dst}`;
    let a = this.abbrevs.get(key);
    if (a === undefined) {
      a = abbrevFor(this.name, off, dst, utcSeconds);
      this.abbrevs.set(key, a);
    }
    return a;
  }

  private compute(t: number): number {
    const parts = this.fmt.formatToParts(new Date(t * 1000));
    let y = 0;
    let mo = 0;
    let d = 0;
    let h = 0;
    let mi = 0;
    let s = 0;
    let bc = false;
    for (const p of parts) {
      switch (p.type) {
        case 'year':
          y = Number(p.value);
          break;
        case 'month':
          mo = Number(p.value);
          break;
        case 'day':
          d = Number(p.value);
          break;
        case 'hour':
          h = Number(p.value);
          break;
        case 'minute':
          mi = Number(p.value);
          break;
        case 'second':
          s = Number(p.value);
          break;
        case 'era':
          bc = p.value.startsWith('B');
          break;
      }
    }
    if (bc) y = 1 - y;
    const dt = new Date(0);
    dt.setUTCFullYear(y, mo - 1, d);
    dt.setUTCHours(h, mi, s, 0);
    return Math.round(dt.getTime() / 1000 - t);
  }
}

/** tzdb abbreviations (standard, daylight) that Intl's English locales do not give. */
const KNOWN_ABBREVS: Record<string, [string, string]> = {
  'Asia/Shanghai': ['CST', 'CDT'],
  'Asia/Chongqing': ['CST', 'CDT'],
  'Asia/Taipei': ['CST', 'CDT'],
  PRC: ['CST', 'CDT'],
  'Asia/Tokyo': ['JST', 'JDT'],
  Japan: ['JST', 'JDT'],
  'Asia/Seoul': ['KST', 'KDT'],
  'Asia/Hong_Kong': ['HKT', 'HKST'],
  'Asia/Jerusalem': ['IST', 'IDT'],
  Israel: ['IST', 'IDT'],
  'Europe/Moscow': ['MSK', 'MSD'],
  'Asia/Karachi': ['PKT', 'PKST'],
  'Asia/Jakarta': ['WIB', 'WIB'],
  'Pacific/Auckland': ['NZST', 'NZDT'],
  NZ: ['NZST', 'NZDT'],
  'Europe/Dublin': ['GMT', 'IST'],
  'Europe/Lisbon': ['WET', 'WEST'],
  Portugal: ['WET', 'WEST'],
  'Africa/Cairo': ['EET', 'EEST'],
  'Africa/Lagos': ['WAT', 'WAT'],
  'Africa/Nairobi': ['EAT', 'EAT'],
  'Asia/Manila': ['PST', 'PDT'],
};

const ABBREV_LOCALES = ['en-US', 'en-GB', 'en-AU', 'en-IN', 'en-ZA'];

function abbrevFor(zone: string, off: number, dst: boolean, utcSeconds: number): string {
  const known = KNOWN_ABBREVS[zone];
  if (known) return known[dst ? 1 : 0];
  const when = new Date(Math.max(MIN_SAFE, Math.min(MAX_SAFE, utcSeconds)) * 1000);
  for (const locale of ABBREV_LOCALES) {
    const name = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: 'short' })
      .formatToParts(when)
      .find((p) => p.type === 'timeZoneName')?.value;
    // Intl falls back to "GMT+1"-style names where CLDR has no abbreviation.
    if (name && /^[A-Z]{2,5}$/.test(name) && (name !== 'GMT' || off === 0)) return name;
  }
  return numericAbbrev(off);
}

const zoneCache = new Map<string, Zone | null>();

function tryIana(name: string): Zone | null {
  try {
    const canonical = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions()
      .timeZone;
    return new IanaZone(canonical);
  } catch {
    // Intl rejects unknown names with a RangeError: not a zone.
    return null;
  }
}

/**
 * A zone by name, as `SET TIME ZONE` accepts it: an IANA name (case-insensitive), UTC/GMT,
 * an ISO offset '+03' / '-05:30' (east positive), or a POSIX 'UTC+3' (west positive).
 * Returns null when the name is unknown.
 */
export function findZone(name: string): Zone | null {
  const cached = zoneCache.get(name);
  if (cached !== undefined) return cached;
  let z: Zone | null;
  const lower = name.toLowerCase();
  if (
    lower === 'utc' ||
    lower === 'gmt' ||
    lower === 'z' ||
    lower === 'zulu' ||
    lower === 'etc/utc' ||
    lower === 'uct' ||
    lower === 'universal'
  ) {
    z = new FixedZone('UTC', 0, lower === 'gmt' ? 'GMT' : 'UTC');
  } else {
    const iso = /^([+-])(\d{1,2})(?::?(\d{2}))?(?::(\d{2}))?$/.exec(name);
    const posix = /^([a-z]{3,}|<[^>]+>)([+-]?)(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?$/i.exec(name);
    if (iso) {
      const secs = Number(iso[2]) * 3600 + Number(iso[3] ?? 0) * 60 + Number(iso[4] ?? 0);
      z = new FixedZone(name, iso[1] === '-' ? -secs : secs);
    } else if (posix && !/^(etc)$/i.test(posix[1])) {
      const secs = Number(posix[3]) * 3600 + Number(posix[4] ?? 0) * 60 + Number(posix[5] ?? 0);
      // POSIX: positive means west of Greenwich.
      z = new FixedZone(
        name,
        posix[2] === '-' ? secs : -secs,
        posix[1].replace(/[<>]/g, '').toUpperCase(),
      );
    } else {
      z = tryIana(name);
    }
  }
  if (zoneCache.size > 1000) zoneCache.clear();
  zoneCache.set(name, z);
  return z;
}

/** The session zone; an unknown name is an error (22023), as SET TIME ZONE reports it. */
export function sessionZone(name: string): Zone {
  const z = findZone(name);
  if (z === null) {
    throw new SqlError(
      SqlState.invalidParameterValue,
      `invalid value for parameter "TimeZone": "${name}"`,
    );
  }
  return z;
}

/**
 * Time zone abbreviations accepted inside literals (a subset of PostgreSQL's 'Default'
 * timezone_abbreviations set): seconds east of UTC, and whether it is a daylight-time one.
 */
export const TZ_ABBREVS: ReadonlyMap<string, { offset: number; dst: boolean }> = new Map(
  (
    [
      ['utc', 0, false],
      ['ut', 0, false],
      ['gmt', 0, false],
      ['z', 0, false],
      ['zulu', 0, false],
      ['est', -5, false],
      ['edt', -4, true],
      ['cst', -6, false],
      ['cdt', -5, true],
      ['mst', -7, false],
      ['mdt', -6, true],
      ['pst', -8, false],
      ['pdt', -7, true],
      ['akst', -9, false],
      ['akdt', -8, true],
      ['hst', -10, false],
      ['ast', -4, false],
      ['adt', -3, true],
      ['nst', -3.5, false],
      ['ndt', -2.5, true],
      ['wet', 0, false],
      ['west', 1, true],
      ['bst', 1, true],
      ['cet', 1, false],
      ['cest', 2, true],
      ['met', 1, false],
      ['mest', 2, true],
      ['eet', 2, false],
      ['eest', 3, true],
      ['ist', 2, false],
      ['msk', 3, false],
      ['jst', 9, false],
      ['kst', 9, false],
      ['hkt', 8, false],
      ['sgt', 8, false],
      ['awst', 8, false],
      ['acst', 9.5, false],
      ['acdt', 10.5, true],
      ['aest', 10, false],
      ['aedt', 11, true],
      ['nzst', 12, false],
      ['nzdt', 13, true],
    ] as const
  ).map(([n, h, dst]) => [n, { offset: Math.round(h * 3600), dst }]),
);
