/**
 * pg_sleep, pg_sleep_for, pg_sleep_until (PostgreSQL's misc.c / system_functions.sql).
 *
 * Expressions are evaluated synchronously, and a sleep must not block the event loop (every
 * other session of the proxy runs on it). So a sleep works like pg_advisory_lock's wait
 * (statementHooks.ts): the call records how long to sleep and throws SleepNeeded; the
 * statement sleeps outside evaluation — cancellably, so a CancelRequest or
 * statement_timeout wakes it at once — and then runs again, this time passing over the
 * calls that have already slept (calls are counted in evaluation order, which a re-run
 * repeats: same parameters, same statement time). A FROM-less `SELECT pg_sleep(n)` runs
 * twice and sleeps once; `SELECT pg_sleep(x) FROM t` re-runs once per row.
 */
import { SqlError, SqlState } from '../../common/errors';
import type { Datum } from '../../common/types/datum';
import { timestamptzPlusInterval } from '../../common/types/datetimeArith';
import { parseInterval, type Interval } from '../../common/types/interval';
import { sessionZone } from '../../common/types/timezone';
import type { CatalogRuntime } from './runtime';

/** Thrown by a sleeping call; the statement sleeps `ms`, then runs again. */
export class SleepNeeded extends Error {
  constructor(readonly ms: number) {
    super('pg_sleep needs the statement to wait');
  }
}

/** void's one value: PostgreSQL's void_out prints '' (and void_send sends no bytes). */
export const VOID: Datum = '';

const EPOCH_2000_MS = Date.UTC(2000, 0, 1);

interface Progress {
  /** Sleeps finished by earlier runs of the statement. */
  readonly done: number;
  /** Sleeping calls met so far in this run. */
  calls: number;
}

const progress = new WeakMap<CatalogRuntime, Progress>();

/** A re-run after `done` sleeps: its first `done` sleeping calls return at once. */
export function resumeAfterSleeps(rt: CatalogRuntime, done: number): void {
  progress.set(rt, { done, calls: 0 });
}

/** One sleeping call of ms milliseconds (≤ 0: none, as pg_sleep does). */
function sleepCall(ms: number, rt: CatalogRuntime): Datum {
  if (!(ms > 0)) return VOID; // nothing to wait (NaN too: PostgreSQL returns at once)
  let p = progress.get(rt);
  if (p === undefined) {
    p = { done: 0, calls: 0 };
    progress.set(rt, p);
  }
  if (p.calls++ < p.done) return VOID;
  throw new SleepNeeded(ms);
}

export function pgSleep(seconds: number, rt: CatalogRuntime): Datum {
  if (seconds === Infinity)
    throw new SqlError(SqlState.invalidParameterValue, 'pg_sleep: sleep time out of range');
  return sleepCall(seconds * 1000, rt);
}

/** pg_sleep_for(interval): until now() + interval on the calendar (months and days included). */
export function pgSleepFor(arg: Interval | string, rt: CatalogRuntime): Datum {
  // The expression layer does not parse interval literals yet (common/expr parseValue keeps
  // the text): read the text here as interval_in would.
  const iv =
    typeof arg === 'string'
      ? parseInterval(arg, rt.session.setting('IntervalStyle') ?? 'postgres')
      : arg;
  const nowUs = BigInt(Date.now() - EPOCH_2000_MS) * 1000n;
  const zone = sessionZone(rt.session.setting('TimeZone') ?? 'UTC');
  const until = timestamptzPlusInterval(nowUs, iv, zone);
  return sleepCall(Number(until - nowUs) / 1000, rt);
}

/** pg_sleep_until(timestamptz): microseconds since 2000-01-01 UTC. */
export function pgSleepUntil(ts: bigint, rt: CatalogRuntime): Datum {
  return sleepCall(Number(ts / 1000n) + EPOCH_2000_MS - Date.now(), rt);
}
