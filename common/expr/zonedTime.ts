/**
 * timestamptz ↔ the session's wall clock for the date/time functions (extract, date_part,
 * date_trunc, to_char, make_timestamptz). PostgreSQL breaks a timestamptz into fields in the
 * session TimeZone (timestamp2tm with session_timezone), and builds one from local fields
 * with DetermineTimeZoneOffset; both use the zone rules timestamptz output already uses
 * (common/types/timezone.ts), so DST transitions agree with what the client is shown.
 */
import { UNIX_TO_PG_SECONDS } from '../types/calendar';
import { offsetAtTimestamp } from '../types/datetime';
import { timestampToTm } from '../types/datetimeArith';
import { localOffset } from '../types/datetimeParse';
import { sessionZone, type Zone } from '../types/timezone';

/** The zone an evaluation runs in: the session TimeZone, or UTC for internal work. */
export function zoneOf(timeZone: string | undefined): Zone {
  return sessionZone(timeZone ?? 'UTC');
}

/** A timestamptz as the wall clock in `zone` (µs since 2000-01-01 local) and its offset. */
export function toLocal(us: bigint, zone: Zone): { local: bigint; offset: number } {
  const offset = offsetAtTimestamp(us, zone);
  return { local: us + BigInt(offset) * 1_000_000n, offset };
}

/**
 * The offset (seconds east) of a local wall-clock time (DetermineTimeZoneOffset): in a
 * spring-forward gap and a fall-back overlap PostgreSQL picks the later UTC instant.
 */
export function offsetOfLocal(local: bigint, zone: Zone): number {
  return zone.fixedOffset ?? localOffset(timestampToTm(local), zone);
}

/** A local wall-clock time in `zone` as a timestamptz (timestamp2timestamptz, unchecked). */
export function fromLocal(local: bigint, zone: Zone): bigint {
  return local - BigInt(offsetOfLocal(local, zone)) * 1_000_000n;
}

/** The zone's abbreviation in effect at a timestamptz (what TZ prints: EST, EDT, +0530). */
export function abbrevAt(us: bigint, zone: Zone): string {
  const secs = us / 1_000_000n - (us % 1_000_000n < 0n ? 1n : 0n);
  return zone.abbrevAt(Number(secs) + UNIX_TO_PG_SECONDS);
}
