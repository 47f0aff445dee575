/**
 * The SQL errors the MVCC layer raises, with PostgreSQL's SQLSTATEs and wording, and the
 * mapping of key-level results to the SQL error a client should see when the caller
 * cannot do better (it usually can: wait, resolve, retry).
 */
import { SqlError, SqlState } from '../../common/errors';
import type { Deadlock } from './deadlock';
import type { Timestamp } from './types';

/** lock_timeout ran out while waiting for a row lock (PostgreSQL's wording). */
export function lockTimeoutError(): SqlError {
  return new SqlError(SqlState.lockNotAvailable, 'canceling statement due to lock timeout');
}

/** NOWAIT met a row lock. */
export function lockNotAvailableError(): SqlError {
  return new SqlError(SqlState.lockNotAvailable, 'could not obtain lock on row');
}

export function deadlockError(d: Deadlock): SqlError {
  const detail = d.edges
    .map((e) => `Transaction ${e.waiter} waits for transaction ${e.holder}.`)
    .join('\n');
  return new SqlError(SqlState.deadlockDetected, 'deadlock detected', { detail });
}

export function snapshotTooOldError(ts: Timestamp, safePoint: Timestamp): SqlError {
  return new SqlError(SqlState.snapshotTooOld, 'snapshot too old', {
    detail: `Read timestamp ${ts} is below the GC safe point ${safePoint}; versions it needs may be gone.`,
    hint: 'Retry the transaction; raise gc_life_time for longer transactions.',
  });
}

/** A version was committed after the transaction's snapshot (REPEATABLE READ's rule). */
export function serializationError(detail?: string): SqlError {
  return new SqlError(
    SqlState.serializationFailure,
    'could not serialize access due to concurrent update',
    {
      detail,
    },
  );
}

/** The transaction was rolled back underneath its coordinator (its locks expired). */
export function txnAbortedError(detail?: string): SqlError {
  return new SqlError(
    SqlState.serializationFailure,
    'could not serialize access: transaction was rolled back',
    {
      detail,
      hint: 'Its locks outlived their TTL and were resolved by another transaction; retry it.',
    },
  );
}
