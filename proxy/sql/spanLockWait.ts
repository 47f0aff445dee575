/**
 * TRUNCATE waits for the writers before it, as PostgreSQL's ACCESS EXCLUSIVE lock makes it
 * do: its span delete that meets another transaction's lock (sql.deleteSpan answers
 * { locked }) waits here until that transaction commits or rolls back (or its lock
 * expires and is rolled back), then deletes. lock_timeout bounds the wait (55P03) and the
 * statement's cancel or statement_timeout ends it (57014).
 *
 * Not yet: such a wait is not in the deadlock detector's graph. A block that wrote rows
 * another session waits on, then TRUNCATEs a table that session has locked, waits until
 * one of them is cancelled or times out, where PostgreSQL would answer 40P01.
 */
import { SqlError, SqlState } from '../../common/errors';
import type { Lock } from '../../shard/mvcc';
import type { LockResolver } from '../txn/lockResolver';
import { race, sleepFor, type StatementCancel } from '../txn/statementCancel';

const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 200;

export interface SpanLockWait {
  readonly resolver: LockResolver;
  readonly cancel?: StatementCancel;
  /** lock_timeout in ms; undefined or 0 waits as long as the statement may run. */
  readonly lockTimeoutMs?: number;
}

/** Runs attempt until it no longer meets locks; between tries, resolves or waits them out. */
export async function untilUnlocked<T>(
  wait: SpanLockWait,
  attempt: () => Promise<{ locked: readonly Lock[] } | T>,
): Promise<T> {
  const deadline =
    wait.lockTimeoutMs !== undefined && wait.lockTimeoutMs > 0
      ? Date.now() + wait.lockTimeoutMs
      : Infinity;
  let pollMs = FIRST_POLL_MS;
  for (;;) {
    const result = await attempt();
    if (!isLocked(result)) return result;
    // Committed, rolled back or expired holders are settled here; a live one is waited out.
    // 0n: a writer's check, which never pushes the holder's commit timestamp.
    const outcome = await race(wait.resolver.resolve(result.locked, 0n), wait.cancel);
    if (!outcome.mustWait && outcome.bypass.length === 0) continue;
    if (Date.now() >= deadline)
      throw new SqlError(SqlState.lockNotAvailable, 'canceling statement due to lock timeout');
    await sleepFor(Math.min(pollMs, Math.max(1, deadline - Date.now())), wait.cancel);
    pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
  }
}

function isLocked(r: unknown): r is { locked: readonly Lock[] } {
  return typeof r === 'object' && r !== null && Array.isArray((r as { locked?: unknown }).locked);
}
