/**
 * pg_sleep, pg_sleep_for, pg_sleep_until (PostgreSQL's misc.c / system_functions.sql).
 *
 * Expressions are evaluated synchronously and a sleep must not block the event loop (every
 * other session of the proxy runs on it), so a sleep is an asynchronous catalog call
 * (runtime.ts callAsync): the statement sleeps outside evaluation, then evaluates again
 * with the call answered. The sleep wakes at once with 57014 when the statement's cancel
 * fires (CancelRequest, statement_timeout, pg_cancel_backend). A FROM-less
 * `SELECT pg_sleep(n)` evaluates twice and sleeps once; `SELECT pg_sleep(x) FROM t` once
 * more per row.
 */
import { SqlError, SqlState } from '../../common/errors';
import type { Datum } from '../../common/types/datum';
import { timestamptzPlusInterval } from '../../common/types/datetimeArith';
import { parseInterval, type Interval } from '../../common/types/interval';
import { sessionZone } from '../../common/types/timezone';
import { sleepFor } from '../txn/statementCancel';
import { callAsync, type CatalogRuntime } from './runtime';

/** void's one value: PostgreSQL's void_out prints '' (and void_send sends no bytes). */
export const VOID: Datum = '';

const EPOCH_2000_MS = Date.UTC(2000, 0, 1);

/**
 * One sleeping call. Its length is computed when the call is made (`ms()`), never on the
 * re-runs: callAsync answers the n-th call of each run with the n-th kept result, so every
 * run must make the same calls — a deadline that has passed by the re-run must not skip one.
 */
function sleepCall(ms: () => number, rt: CatalogRuntime): Datum {
  const cancel = rt.cancel;
  return callAsync(rt, async () => {
    // ≤ 0 or NaN: no wait, as pg_sleep does (still a cancellation point).
    await sleepFor(ms(), cancel);
    return VOID;
  });
}

export function pgSleep(seconds: number, rt: CatalogRuntime): Datum {
  if (seconds === Infinity)
    throw new SqlError(SqlState.invalidParameterValue, 'pg_sleep: sleep time out of range');
  // A constant argument: no sleep is no call on every run alike.
  if (!(seconds > 0)) return VOID;
  return sleepCall(() => seconds * 1000, rt);
}

/** pg_sleep_for(interval): until now + interval on the calendar (months and days included). */
export function pgSleepFor(arg: Interval | string, rt: CatalogRuntime): Datum {
  // The expression layer does not parse interval literals yet (common/expr parseValue keeps
  // the text): read the text here as interval_in would.
  const iv =
    typeof arg === 'string'
      ? parseInterval(arg, rt.session.setting('IntervalStyle') ?? 'postgres')
      : arg;
  const zone = sessionZone(rt.session.setting('TimeZone') ?? 'UTC');
  return sleepCall(() => {
    const nowUs = BigInt(Date.now() - EPOCH_2000_MS) * 1000n;
    return Number(timestamptzPlusInterval(nowUs, iv, zone) - nowUs) / 1000;
  }, rt);
}

/** pg_sleep_until(timestamptz): microseconds since 2000-01-01 UTC. */
export function pgSleepUntil(ts: bigint, rt: CatalogRuntime): Datum {
  return sleepCall(() => Number(ts / 1000n) + EPOCH_2000_MS - Date.now(), rt);
}
