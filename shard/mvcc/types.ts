/**
 * The MVCC layer's data types: locks, mutations, and the results every action can return.
 * Failures a caller must act on (wait, resolve, retry, report) are result variants, not
 * exceptions, so the RPC layer can forward them as data; exceptions are for bad requests
 * and for SQL errors that end the statement (lock timeout, deadlock, snapshot too old).
 */
import type { WriteBatch } from '../storage/kvEngine';

/** A TSO timestamp: `physical_ms << 18 | logical` (meta/tso.ts). */
export type Timestamp = bigint;

/**
 * `pessimistic`: taken at statement time (INSERT/UPDATE/DELETE, SELECT FOR UPDATE); does
 * not block readers. `prewrite`: the first phase of commit, carrying what will be written;
 * blocks readers whose timestamp is at or past its minCommitTs.
 */
export type LockKind = 'pessimistic' | 'prewrite';

/** What a prewrite lock will write: a value, a delete, or nothing (a lock-only key). */
export type LockOp = 'put' | 'del' | 'lock' | 'none';

export interface Lock {
  readonly key: Buffer;
  readonly kind: LockKind;
  readonly op: LockOp;
  /** The transaction's primary key: its commit record decides the transaction's fate. */
  readonly primary: Buffer;
  readonly startTs: Timestamp;
  /** The timestamp conflicts were checked at (pessimistic transactions); 0n if optimistic. */
  readonly forUpdateTs: Timestamp;
  /** The commit timestamp must be at least this (readers push it on the primary). */
  readonly minCommitTs: Timestamp;
  /** Milliseconds after physicalMs(startTs) when the lock may be resolved by others. */
  readonly ttlMs: number;
  /** For op 'put': the value to write. */
  readonly value?: Buffer;
}

/**
 * One write of a transaction. 'insert' is a put that fails with alreadyExists if the key
 * has a visible value (PRIMARY KEY / UNIQUE on INSERT); 'lock' writes nothing (SELECT FOR
 * UPDATE keys) but is committed like the others.
 */
export interface Mutation {
  readonly key: Buffer;
  readonly op: 'put' | 'del' | 'lock' | 'insert';
  readonly value?: Buffer;
}

/** A committed version of a user key. */
export interface Version {
  readonly commitTs: Timestamp;
  readonly startTs: Timestamp;
  /** undefined for a delete (tombstone). */
  readonly value: Buffer | undefined;
}

/** What a key's history says about one transaction. */
export type TxnRecord =
  | { readonly kind: 'committed'; readonly commitTs: Timestamp }
  | { readonly kind: 'rolledBack' }
  | { readonly kind: 'none' };

// ---- results shared by several actions -------------------------------------------------

/** Keys held by other transactions: wait (pessimistic) or resolve them (reads, prewrite). */
export interface LockedResult {
  readonly kind: 'locked';
  readonly locks: readonly Lock[];
}

/** A version committed after the transaction's start_ts / for_update_ts (→ 40001 in RR). */
export interface WriteConflictResult {
  readonly kind: 'writeConflict';
  readonly key: Buffer;
  readonly conflictStartTs: Timestamp;
  readonly conflictCommitTs: Timestamp;
}

/** An 'insert' (or shouldNotExist lock) met a visible value (→ 23505). */
export interface AlreadyExistsResult {
  readonly kind: 'alreadyExists';
  readonly key: Buffer;
}

/** This transaction was rolled back on this key (by a resolver): a late request fails. */
export interface TxnRolledBackResult {
  readonly kind: 'txnRolledBack';
  readonly key: Buffer;
}

/** This transaction already committed this key (a request arrived after its commit). */
export interface TxnCommittedResult {
  readonly kind: 'txnCommitted';
  readonly key: Buffer;
  readonly commitTs: Timestamp;
}

/** Neither a lock of this transaction nor any record of it on the key. */
export interface LockNotFoundResult {
  readonly kind: 'lockNotFound';
  readonly key: Buffer;
}

/** commit_ts is below the lock's min_commit_ts: get a newer one and commit again. */
export interface CommitTsExpiredResult {
  readonly kind: 'commitTsExpired';
  readonly key: Buffer;
  readonly minCommitTs: Timestamp;
}

/** The output of a write action: apply `writes` atomically, then report `result`. */
export interface ActionOutput<R> {
  readonly writes: WriteBatch;
  readonly result: R;
}
