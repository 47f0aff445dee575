/**
 * One SQL transaction at the key level (DESIGN.md "Transactions", TiDB's model):
 * snapshot reads at a TSO timestamp, pessimistic locks taken at statement time, writes
 * buffered here (so the session reads its own writes), and at commit either one 1PC
 * request when every write lands on one shard, or Percolator 2PC with the first locked
 * key as primary. The SQL layer turns rows into keys and calls this.
 */
import { RpcError, RpcErrorCode, SqlError, SqlState } from '../../common/errors';
import type {
  AcquirePessimisticLockResult,
  CommitResult,
  GetResult,
  Lock,
  Mutation,
  OnePhaseCommitResult,
  PrewriteResult,
  RollbackResult,
  ScanResult,
} from '../../shard/mvcc';
import type { ShardGroup, TxnShardRpc } from './shardGroups';
import { StaleRetry, isRangeStale } from '../shardRouter';
import type { ActiveTransactions } from './activeTransactions';
import type { LockResolver } from './lockResolver';
import { race, sleepFor, type StatementCancel } from './statementCancel';
import { ENTRY_OVERHEAD_BYTES, SpilledKeys, spillHooks, spillThreshold } from './spill';

/** A pause no cancel cuts short: settling a commit's outcome must run to its end. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

export interface TxnDeps {
  readonly rpc: TxnShardRpc;
  readonly resolver: LockResolver;
  readonly timestamp: () => Promise<bigint>;
  /** Open transactions' start_ts, reported to meta to hold the GC safe point back. */
  readonly active?: ActiveTransactions;
}

export interface TxnOptions {
  readonly isolation: IsolationLevel;
  readonly lockTimeoutMs?: number;
  readonly readOnly?: boolean;
}

/** Lock TTL: how long after a coordinator dies before others may resolve its locks. */
export const LOCK_TTL_MS = 5_000;
const HEARTBEAT_MS = 2_000;
const MAX_RESOLVE_ROUNDS = 200;
/**
 * Mutations per prewrite/commit request: a large transaction (COPY, a backfill) is sent in
 * pieces so no request outlives its deadline; 2PC needs no atomicity across them (the
 * primary's commit is the commit point). A 1PC must be one batch, so larger single-shard
 * transactions take 2PC.
 */
const CHUNK = 2048;
const BIG_TIMEOUT_MS = 60_000;
/** The shard's lock wait when the session sets no lock_timeout (shard/mvcc DEFAULT_LOCK_TIMEOUT_MS). */
const DEFAULT_LOCK_WAIT_MS = 10_000;
/** What a lock request abandoned by a cancel answers for the shards it never reached. */
const GAVE_UP: AcquirePessimisticLockResult = { kind: 'locked', locks: [] };

/** Runs fn over items in chunks, in order; stops at the first result that is not ok. */
async function chunked<T, R extends { kind: string }>(
  items: readonly T[],
  fn: (part: T[]) => Promise<R>,
): Promise<R> {
  let last: R | undefined;
  for (let i = 0; i < items.length; i += CHUNK) {
    last = await fn(items.slice(i, i + CHUNK));
    if (last.kind !== 'ok') return last;
  }
  return last as R;
}

/** How long a coordinator keeps asking a primary whose commit call went unanswered. */
const AMBIGUOUS_COMMIT_RETRY_MS = 10_000;
/** PostgreSQL's statement_completion_unknown: the COMMIT may or may not have taken effect. */
const STATEMENT_COMPLETION_UNKNOWN = '40003';

/**
 * A failed call that may still have been applied: the peer went away or did not answer in
 * time (or failed inside its handler). Every other failure is an answer given before
 * anything was written (a stale range, a malformed request, a full queue).
 */
function maybeApplied(err: unknown): boolean {
  return (
    err instanceof RpcError &&
    (
      [RpcErrorCode.unavailable, RpcErrorCode.deadlineExceeded, RpcErrorCode.internal] as string[]
    ).includes(err.code)
  );
}

/** 'insert': an optimistic put that must find no visible value at commit (→ DuplicateKeyError). */
type Buffered = { readonly op: 'put' | 'insert'; readonly value: Buffer } | { readonly op: 'del' };

/** What one buffered write costs the proxy (the spill check's running count). */
function entryBytes(key: Buffer, w: Buffered): number {
  return key.length + (w.op === 'del' ? 0 : w.value.length) + ENTRY_OVERHEAD_BYTES;
}

/** Spilled keys are committed and rolled back this many at a time (bounded request sets). */
const SPILL_SLICE = 16 * CHUNK;

/**
 * A read or write of a key this transaction already prewrote by spilling (spillIfLarge):
 * shard reads do not return a transaction's own prewritten values, and a second prewrite
 * of a key is taken for a retry and ignored, so either would silently give a wrong
 * answer. Refused instead (0A000); spillIfLarge's comment gives the whole rule.
 */
function spilledRowsError(): SqlError {
  return new SqlError(
    SqlState.featureNotSupported,
    'cannot access rows written earlier in this transaction by a COPY too large to keep in memory',
    {
      detail:
        'A large COPY FROM sends its rows to the shards before commit; this transaction cannot read or change them again until it commits.',
      hint: 'Commit the transaction after the COPY, then read or change the copied rows.',
    },
  );
}

/** What a plan fragment needs to read as this transaction reads (shard/txnFragment.ts). */
export interface ReadOptions {
  readonly ts: bigint;
  readonly txnStartTs: bigint;
  readonly bypassLocks: readonly bigint[];
}

export class DuplicateKeyError extends Error {
  constructor(readonly key: Buffer) {
    super('duplicate key');
  }
}

function serializationFailure(detail: string): SqlError {
  return new SqlError(
    SqlState.serializationFailure,
    'could not serialize access due to concurrent update',
    { detail },
  );
}

export class Transaction {
  /** Buffered writes by key (hex): what the session has written but not committed. */
  private readonly writes = new Map<string, { key: Buffer; w: Buffered }>();
  /** Keys this transaction holds pessimistic locks on (hex), including lock-only keys. */
  private readonly locked = new Map<string, Buffer>();
  private primary: Buffer | null = null;
  private forUpdateTs: bigint;
  private statementTs: bigint;
  /**
   * READ COMMITTED: the running statement has not taken its snapshot yet. It is taken at
   * its first read (snapshot()), not when it starts: a statement that only locks by
   * primary key (lock-first UPDATE, which works on the newest version anyway) or only
   * inserts never needs one, which saves a TSO round trip per such statement.
   */
  private snapshotOwed = false;
  private snapshotting: Promise<void> | null = null;
  private readonly bypass: bigint[] = [];
  private state: 'active' | 'committed' | 'aborted' = 'active';
  private heartbeat: NodeJS.Timeout | null = null;
  /** The running statement's cancel (bindStatement), observed by every wait below. */
  private cancel: StatementCancel | undefined;
  /** lock_timeout as the running statement sees it (SET inside a block applies at once). */
  private lockTimeoutMs: number | undefined;
  /**
   * Keys whose lock request was abandoned by a cancel while the shard still held it in a
   * wait queue: the shard may grant it later, so rollback covers them (its rollback record
   * also stops a grant that has not happened yet).
   */
  private readonly abandoned = new Map<string, Buffer>();
  /** Approximate bytes held in `writes`, kept per write so the spill check is O(1). */
  private buffered = 0;
  /** Keys prewritten early by spillIfLarge (a large COPY); null until the first spill. */
  private spilled: SpilledKeys | null = null;
  /** Savepoint marks taken after a spill, with the spill count then (see rollbackTo). */
  private markSpills: WeakMap<object, number> | null = null;
  /** ROLLBACK TO could not undo spilled rows: this transaction can only roll back now. */
  private doomed: SqlError | null = null;

  private constructor(
    private readonly deps: TxnDeps,
    readonly options: TxnOptions,
    readonly startTs: bigint,
  ) {
    this.forUpdateTs = startTs;
    this.statementTs = startTs;
    this.lockTimeoutMs = options.lockTimeoutMs;
  }

  /**
   * A statement starts running in this transaction: its cancel ends every wait (lock
   * queues, lock resolution backoff, reads) with 57014, and its lock_timeout applies.
   * Commit and rollback never run under a statement's cancel (unbind before them).
   */
  bindStatement(cancel: StatementCancel | undefined, lockTimeoutMs?: number): void {
    this.cancel = cancel;
    if (lockTimeoutMs !== undefined)
      this.lockTimeoutMs = lockTimeoutMs > 0 ? lockTimeoutMs : undefined;
  }

  static async begin(deps: TxnDeps, options: TxnOptions): Promise<Transaction> {
    const txn = new Transaction(deps, options, await deps.timestamp());
    deps.active?.add(txn.startTs);
    return txn;
  }

  /** Every way a transaction ends goes through here, so its GC hold is always released. */
  private finish(state: 'committed' | 'aborted'): void {
    if (this.state === 'active') this.deps.active?.remove(this.startTs);
    this.state = state;
  }

  get isActive(): boolean {
    return this.state === 'active';
  }

  get hasWrites(): boolean {
    return this.writes.size > 0 || this.locked.size > 0 || this.spilled !== null;
  }

  /**
   * Called at the start of each statement: READ COMMITTED reads each statement at a new
   * snapshot; REPEATABLE READ (and SERIALIZABLE, run as RR for now) keep start_ts.
   */
  async beginStatement(): Promise<void> {
    if (this.options.isolation === 'read committed') {
      this.snapshotOwed = true;
      this.snapshotting = null;
    }
  }

  /**
   * Takes the running statement's snapshot if it has none yet (READ COMMITTED); every read
   * calls it first. A timestamp drawn now is as good a statement snapshot as one drawn at
   * the statement's start: PostgreSQL's READ COMMITTED only promises that a statement sees
   * what committed before it began, and nothing this statement did precedes its first read.
   */
  snapshot(): Promise<void> {
    if (!this.snapshotOwed) return Promise.resolve();
    if (this.snapshotting === null) {
      const taking: Promise<void> = race(this.deps.timestamp(), this.cancel).then(
        (ts) => {
          if (this.snapshotting !== taking) return; // a newer statement began meanwhile
          this.statementTs = ts;
          // Locks check conflicts against the statement's snapshot (PostgreSQL's RC: a row
          // changed after it is waited for and re-read, not an error).
          if (ts > this.forUpdateTs) this.forUpdateTs = ts;
          this.snapshotOwed = false;
        },
        (err: unknown) => {
          if (this.snapshotting === taking) this.snapshotting = null;
          throw err;
        },
      );
      this.snapshotting = taking;
    }
    return this.snapshotting;
  }

  /**
   * The read timestamp, own start_ts and resolved-lock bypass list, for fragment reads;
   * the caller has awaited snapshot().
   */
  readOptions(): ReadOptions {
    return { ts: this.statementTs, txnStartTs: this.startTs, bypassLocks: this.bypass };
  }

  /** Buffered writes with keys in [start, end), sorted; null value = delete. */
  ownWritesIn(start: Buffer, end: Buffer | null): Array<[Buffer, Buffer | null]> {
    if (this.spilled !== null && this.spilled.overlaps(start, end)) throw spilledRowsError();
    const out: Array<[Buffer, Buffer | null]> = [];
    for (const { key, w } of this.writes.values()) {
      if (Buffer.compare(key, start) < 0 || (end !== null && Buffer.compare(key, end) >= 0))
        continue;
      out.push([key, w.op === 'del' ? null : w.value]);
    }
    return out.sort((a, b) => Buffer.compare(a[0], b[0]));
  }

  /** The buffered write of key: undefined if none, null if a delete. */
  ownWrite(key: Buffer): Buffer | null | undefined {
    if (this.spilled !== null) this.refuseSpilled(key);
    const own = this.writes.get(key.toString('hex'));
    return own === undefined ? undefined : own.w.op === 'del' ? null : own.w.value;
  }

  /** Writes this transaction made: buffered, and spilled to the shards (spillIfLarge). */
  get writeCount(): number {
    return this.writes.size + (this.spilled?.count ?? 0);
  }

  isLocked(key: Buffer): boolean {
    return this.locked.has(key.toString('hex'));
  }

  /** A read met these locks: resolve them (or wait a little) before reading again. */
  async resolveForRead(locks: readonly Lock[], round: number): Promise<void> {
    await this.meetLocks(locks, round);
  }

  /** The timestamp reads of the current statement use. */
  get readTs(): bigint {
    return this.statementTs;
  }

  private active(): void {
    if (this.state !== 'active')
      throw new SqlError(SqlState.invalidTransactionState, `transaction is ${this.state}`);
  }

  // --- reads -------------------------------------------------------------------------

  async get(key: Buffer): Promise<Buffer | undefined> {
    this.active();
    if (this.spilled !== null) this.refuseSpilled(key);
    const own = this.writes.get(key.toString('hex'));
    // Unreachable from SQL: SQL reads own writes via ownWrite/ownWritesIn, which see 'insert'; only tests call get/scan.
    if (own) return own.w.op === 'put' ? own.w.value : undefined;
    await this.snapshot();
    for (let round = 0; ; round++) {
      const r = await this.deps.rpc.onKey<GetResult>(key, 'txn.get', {
        key,
        ts: this.readTs,
        txnStartTs: this.startTs,
        bypassLocks: this.bypass,
      });
      if (r.kind === 'ok') return r.value;
      this.cancel?.check();
      await this.meetLocks(r.locks, round);
    }
  }

  /**
   * Every visible (key, value) in [start, end) in key order, merged with this
   * transaction's own buffered writes. Calls onRow for each; stops early if it returns false.
   */
  async scan(
    start: Buffer,
    end: Buffer,
    onRow: (key: Buffer, value: Buffer) => boolean | void,
  ): Promise<void> {
    this.active();
    if (this.spilled !== null && this.spilled.overlaps(start, end)) throw spilledRowsError();
    await this.snapshot();
    const own = [...this.writes.values()]
      .filter(({ key }) => Buffer.compare(key, start) >= 0 && Buffer.compare(key, end) < 0)
      .sort((a, b) => Buffer.compare(a.key, b.key));
    let ownIdx = 0;
    let stopped = false;
    const emitOwnUpTo = (limit: Buffer | null): void => {
      while (
        !stopped &&
        ownIdx < own.length &&
        (limit === null || Buffer.compare(own[ownIdx].key, limit) < 0)
      ) {
        const { key, w } = own[ownIdx++];
        // Skips 'insert' like get() does; unreachable from SQL (it reads via ownWritesIn).
        if (w.op === 'put' && onRow(key, w.value) === false) stopped = true;
      }
    };
    let cursor = start;
    let round = 0;
    while (!stopped && Buffer.compare(cursor, end) < 0) {
      this.cancel?.check();
      const r = await this.deps.rpc.onKey<ScanResult>(cursor, 'txn.scan', {
        start: cursor,
        end,
        ts: this.readTs,
        limit: 1000,
        txnStartTs: this.startTs,
        bypassLocks: this.bypass,
      });
      if (r.kind !== 'ok') {
        await this.meetLocks(r.locks, round++);
        continue;
      }
      round = 0;
      for (const [key, value] of r.entries) {
        emitOwnUpTo(key);
        if (stopped) return;
        if (this.writes.has(key.toString('hex'))) continue; // our own write shadows it (emitted above)
        if (onRow(key, value) === false) return;
      }
      if (r.more && r.entries.length > 0) {
        cursor = Buffer.concat([r.entries[r.entries.length - 1][0], Buffer.from([0])]);
      } else {
        // This range is done: continue from the range's end (the next range, if any).
        const range = this.deps.rpc.ranges.lookup(cursor);
        if (!range || range.endKey === null || Buffer.compare(range.endKey, end) >= 0) break;
        cursor = range.endKey;
      }
    }
    emitOwnUpTo(null);
  }

  private async meetLocks(locks: readonly Lock[], round: number): Promise<void> {
    if (round >= MAX_RESOLVE_ROUNDS) {
      throw new SqlError(
        SqlState.lockNotAvailable,
        'could not read: rows stayed locked by other transactions',
      );
    }
    const outcome = await race(this.deps.resolver.resolve(locks, this.readTs), this.cancel);
    this.bypass.push(...outcome.bypass);
    if (outcome.mustWait) await sleepFor(Math.min(5 * (round + 1), 100), this.cancel);
  }

  // --- writes ------------------------------------------------------------------------

  /**
   * Takes pessimistic locks on keys (INSERT/UPDATE/DELETE rows, SELECT FOR UPDATE).
   * shouldNotExist: the keys must have no visible value (INSERT) → DuplicateKeyError.
   * Waits for other transactions' locks up to lock_timeout (55P03); deadlocks → 40P01.
   */
  async lock(
    keys: readonly Buffer[],
    opts: {
      shouldNotExist?: boolean;
      nowait?: boolean;
      returnValues?: boolean;
      /** READ COMMITTED lock-first: lock the newest version, whenever it committed. */
      latest?: boolean;
    } = {},
  ): Promise<Map<string, Buffer | undefined> | undefined> {
    this.active();
    const values = opts.returnValues === true ? new Map<string, Buffer | undefined>() : undefined;
    // Sorted, and taken shard by shard in that order (below): two statements locking
    // overlapping keys on several shards then queue instead of deadlocking, which per-shard
    // deadlock detection could not see.
    const fresh = keys
      .filter((k) => values !== undefined || !this.locked.has(k.toString('hex')))
      .sort(Buffer.compare);
    if (fresh.length === 0) return values;
    const choosingPrimary = this.primary === null;
    if (this.primary === null) this.primary = fresh[0];
    try {
      await this.lockRounds(fresh, this.primary, opts, values);
    } catch (err) {
      // The primary must be a key we hold: if this first lock failed entirely (NOWAIT,
      // SKIP LOCKED, a timeout caught by a savepoint), the next lock chooses again.
      if (choosingPrimary && this.locked.size === 0) this.primary = null;
      throw err;
    }
    this.startHeartbeat();
    return values;
  }

  private async lockRounds(
    fresh: readonly Buffer[],
    primary: Buffer,
    opts: { shouldNotExist?: boolean; nowait?: boolean; latest?: boolean },
    values: Map<string, Buffer | undefined> | undefined,
  ): Promise<void> {
    const latest = opts.latest === true && this.options.isolation === 'read committed';
    for (let round = 0; ; round++) {
      if (this.options.isolation === 'read committed' && round > 0)
        this.forUpdateTs = await race(this.deps.timestamp(), this.cancel);
      const forUpdateTs = this.forUpdateTs;
      const lockTimeoutMs = this.lockTimeoutMs;
      let gaveUp = false;
      const pending = this.deps.rpc.perShardInOrder<Buffer, AcquirePessimisticLockResult>(
        fresh,
        (k) => k,
        (send, g) =>
          gaveUp
            ? // Abandoned: lock no further shard (perShardInOrder stops at a result not ok).
              Promise.resolve(GAVE_UP)
            : (send(
                'txn.lock',
                {
                  keys: g.items,
                  primary,
                  startTs: this.startTs,
                  forUpdateTs,
                  ttlMs: LOCK_TTL_MS,
                  shouldNotExist: opts.shouldNotExist === true,
                  returnValues: values !== undefined,
                  latest,
                  lockTimeoutMs,
                  nowait: opts.nowait === true,
                },
                // The shard may hold the request while it waits in the key's queue (lock_timeout).
                (lockTimeoutMs ?? DEFAULT_LOCK_WAIT_MS) + 5_000,
              ) as Promise<AcquirePessimisticLockResult>),
      );
      let results: Array<{ group: { items: Buffer[] }; result: AcquirePessimisticLockResult }>;
      try {
        results = await race(pending, this.cancel);
      } catch (err) {
        if (this.cancel !== undefined && err === this.cancel.reason) {
          gaveUp = true;
          this.abandon(fresh, pending, forUpdateTs);
        }
        throw err;
      }
      let retry = false;
      for (const { group, result } of results) {
        if (result.kind === 'ok') {
          // We now hold a version committed after for_update_ts: commit above it.
          if (result.latestCommitTs !== undefined && result.latestCommitTs > this.forUpdateTs)
            this.forUpdateTs = result.latestCommitTs;
          group.items.forEach((k, i) => {
            this.locked.set(k.toString('hex'), k);
            values?.set(k.toString('hex'), result.values?.[i]);
          });
          continue;
        }
        if (result.kind === 'alreadyExists') throw new DuplicateKeyError(result.key);
        if (result.kind === 'writeConflict') {
          // RR: a row changed after our snapshot → 40001. RC: lock again at a newer ts.
          if (this.options.isolation !== 'read committed') {
            throw serializationFailure(
              `key ${result.key.toString('hex')} was committed at ${result.conflictCommitTs} after this transaction's snapshot`,
            );
          }
          retry = true;
          continue;
        }
        if (result.kind === 'txnRolledBack') {
          throw serializationFailure(
            'this transaction was rolled back by another session while it waited (its locks had expired)',
          );
        }
        if (result.kind === 'locked') {
          // An expired holder's lock: resolve it, then try again.
          await this.meetLocks(result.locks, round);
          retry = true;
          continue;
        }
        throw new SqlError(
          SqlState.internalError,
          `unexpected lock result ${(result as { kind: string }).kind}`,
        );
      }
      if (!retry) break;
      if (round > MAX_RESOLVE_ROUNDS)
        throw new SqlError(SqlState.lockNotAvailable, 'could not obtain lock');
    }
  }

  /**
   * A cancel stopped waiting for a lock request the shard still holds in its queue. The
   * statement fails now (PostgreSQL's cancel ends a lock wait at once); what the request
   * gets later is undone here: granted keys this transaction has not locked since are
   * released (pessimistic rollback, which leaves no record, so a later statement of the
   * same transaction may lock them again). Until it settles, rollback covers the keys.
   */
  private abandon(
    keys: readonly Buffer[],
    pending: Promise<Array<{ group: { items: Buffer[] }; result: AcquirePessimisticLockResult }>>,
    forUpdateTs: bigint,
  ): void {
    for (const k of keys) {
      const hex = k.toString('hex');
      if (!this.locked.has(hex)) this.abandoned.set(hex, k);
    }
    const settle = (): void => {
      for (const k of keys) this.abandoned.delete(k.toString('hex'));
    };
    pending
      .then(async (results) => {
        const granted = results
          .filter(({ result }) => result.kind === 'ok')
          .flatMap(({ group }) => group.items)
          .filter((k) => !this.locked.has(k.toString('hex')));
        if (granted.length > 0) await this.pessimisticRollback(granted, forUpdateTs);
        settle();
      })
      // A request that failed holds nothing; a release that failed leaves a lock that its
      // primary's fate resolves (this transaction's end, or TTL expiry).
      .catch(settle);
  }

  /** Buffers an optimistic insert: committed only if the key has no visible value then. */
  insert(key: Buffer, value: Buffer): void {
    this.active();
    if (this.spilled !== null) this.refuseSpilled(key);
    const hex = key.toString('hex');
    const w: Buffered = { op: 'insert', value };
    this.account(this.writes.get(hex), key, w);
    this.writes.set(hex, { key, w });
  }

  /** Buffers a put of an already locked key (or an autocommit blind write). */
  put(key: Buffer, value: Buffer): void {
    this.active();
    if (this.spilled !== null) this.refuseSpilled(key);
    const hex = key.toString('hex');
    const prev = this.writes.get(hex);
    // A put over our own optimistic insert keeps the insert's uniqueness check.
    const op = prev?.w.op === 'insert' ? 'insert' : 'put';
    const w: Buffered = { op, value };
    this.account(prev, key, w);
    this.writes.set(hex, { key, w });
  }

  del(key: Buffer): void {
    this.active();
    if (this.spilled !== null) this.refuseSpilled(key);
    const hex = key.toString('hex');
    const prev = this.writes.get(hex);
    // Deleting our own not-yet-committed optimistic insert leaves nothing to write.
    if (prev?.w.op === 'insert' && !this.locked.has(hex)) {
      this.writes.delete(hex);
      this.buffered -= entryBytes(prev.key, prev.w);
    } else {
      const w: Buffered = { op: 'del' };
      this.account(prev, key, w);
      this.writes.set(hex, { key, w });
    }
  }

  /** Whether this transaction holds a row lock on key (taken by an earlier statement). */
  holdsLock(key: Buffer): boolean {
    return this.locked.has(key.toString('hex'));
  }

  /**
   * Gives back row locks a statement took but did not use: INSERT … ON CONFLICT DO
   * NOTHING's skipped rows, which PostgreSQL never locks. Never the primary (its lock is
   * the transaction's record until commit), a key this transaction writes, or anything
   * once the transaction spilled (its locks then name spilled state).
   */
  async release(keys: readonly Buffer[]): Promise<void> {
    this.active();
    if (this.spilled !== null) return;
    const free: Buffer[] = [];
    for (const k of keys) {
      const hex = k.toString('hex');
      if (!this.locked.has(hex) || this.writes.has(hex)) continue;
      if (this.primary !== null && this.primary.equals(k)) continue;
      this.locked.delete(hex);
      free.push(k);
    }
    if (free.length > 0) await this.pessimisticRollback(free, this.forUpdateTs);
  }

  /** Releases this transaction's pessimistic locks on keys taken at or before forUpdateTs. */
  private async pessimisticRollback(keys: readonly Buffer[], forUpdateTs: bigint): Promise<void> {
    await this.deps.rpc.perShard(
      keys,
      (k) => k,
      (send, g) =>
        send('txn.pessimisticRollback', {
          keys: g.items,
          startTs: this.startTs,
          forUpdateTs,
        }) as Promise<{ kind: string }>,
    );
  }

  /** A mark for ROLLBACK TO SAVEPOINT: the buffered writes as they are now. */
  savepoint(): Map<string, { key: Buffer; w: Buffered }> {
    const mark = new Map(this.writes);
    if (this.spilled !== null) (this.markSpills ??= new WeakMap()).set(mark, this.spilled.spills);
    return mark;
  }

  rollbackTo(mark: Map<string, { key: Buffer; w: Buffered }>): void {
    // Rows spilled since the mark are prewritten on the shards and cannot be taken back
    // one by one (a rollback record would also refuse their keys for good): refuse, and
    // make sure this transaction can only roll back, never commit them.
    if (this.spilled !== null && (this.markSpills?.get(mark) ?? 0) !== this.spilled.spills) {
      this.doomed = new SqlError(
        SqlState.featureNotSupported,
        'cannot roll back to a savepoint set before a COPY too large to keep in memory',
        {
          detail:
            'The COPY already sent its rows to the shards; the transaction must be rolled back.',
          hint: 'Run ROLLBACK.',
        },
      );
      throw this.doomed;
    }
    this.writes.clear();
    for (const [k, v] of mark) this.writes.set(k, v);
    this.buffered = 0;
    for (const { key, w } of this.writes.values()) this.buffered += entryBytes(key, w);
    // Locks taken since the mark stay until the end, as PostgreSQL keeps row locks.
  }

  /** The running size of the buffered writes after key's entry goes from prev to w. */
  private account(prev: { key: Buffer; w: Buffered } | undefined, key: Buffer, w: Buffered): void {
    this.buffered += entryBytes(key, w) - (prev === undefined ? 0 : entryBytes(prev.key, prev.w));
  }

  private refuseSpilled(key: Buffer): void {
    if ((this.spilled as SpilledKeys).get(key) !== undefined) throw spilledRowsError();
  }

  // --- commit / rollback ---------------------------------------------------------------

  private mutations(): Mutation[] {
    const out: Mutation[] = [];
    for (const { key, w } of this.writes.values())
      out.push(w.op === 'del' ? { key, op: 'del' } : { key, op: w.op, value: w.value });
    for (const [hex, key] of this.locked) if (!this.writes.has(hex)) out.push({ key, op: 'lock' });
    return out;
  }

  /** Commits; resolves with the commit timestamp (or start_ts for a read-only transaction). */
  async commit(): Promise<bigint> {
    this.active();
    if (this.spilled !== null) return this.commitSpilled();
    this.stopHeartbeat();
    const mutations = this.mutations();
    if (mutations.length === 0) {
      this.finish('committed');
      return this.startTs;
    }
    try {
      const commitTs = await this.commitMutations(mutations);
      this.finish('committed');
      return commitTs;
    } catch (err) {
      this.finish('aborted');
      // An unknown outcome leaves every lock to the resolvers, which settle the
      // transaction from the primary's record (commitPrimary says why).
      if (err instanceof SqlError && err.code === STATEMENT_COMPLETION_UNKNOWN) throw err;
      await this.cleanup().catch(() => undefined); // best effort: TTL expiry resolves what is left
      throw err;
    }
  }

  private pessimisticFlags(mutations: readonly Mutation[]): boolean[] {
    return mutations.map((m) => this.locked.has(m.key.toString('hex')));
  }

  /**
   * 1PC when every mutation lands on one shard, else 2PC. A 1PC refused with RANGE_STALE
   * (a range split, moved or froze under it) wrote nothing: decide again from a fresh
   * range map, since the keys may now span two shards, where two separate 1PCs would
   * commit the halves at different timestamps (a snapshot could see one without the other).
   */
  private async commitMutations(mutations: Mutation[]): Promise<bigint> {
    const retry = new StaleRetry();
    for (;;) {
      const groups = await this.deps.rpc.group(mutations, (m) => m.key);
      if (groups.length !== 1 || mutations.length > CHUNK) return this.twoPhase(mutations);
      try {
        // No TSO call: the shard commits above every read it served, above our locks'
        // min_commit_ts and above for_update_ts (onePhaseCommit.ts; TiKV's 1PC max_ts rule),
        // which keeps an autocommit write at one round trip after its start timestamp.
        const base = this.forUpdateTs > this.startTs ? this.forUpdateTs : this.startTs;
        return await this.onePhase(groups[0], base + 1n);
      } catch (err) {
        if (!(await retry.pause(err))) throw err;
        await this.deps.rpc.ranges.refresh();
      }
    }
  }

  /**
   * Commits a group's keys in one request at commitTs or above (the shard may go higher:
   * onePhaseCommit.ts), waiting out other transactions' locks. RANGE_STALE is thrown to
   * the caller (nothing was written); an unanswered call is settled by settleOnePhase.
   */
  private async onePhase(group: ShardGroup<Mutation>, commitTs: bigint): Promise<bigint> {
    for (let round = 0; ; round++) {
      let result: OnePhaseCommitResult;
      try {
        result = await this.deps.rpc.sendGroup<OnePhaseCommitResult>(group, 'txn.onePhaseCommit', {
          mutations: group.items,
          startTs: this.startTs,
          forUpdateTs: this.forUpdateTs,
          pessimistic: this.pessimisticFlags(group.items),
          commitTs,
        });
      } catch (err) {
        if (!maybeApplied(err)) throw err;
        return this.settleOnePhase(group.items, err);
      }
      if (result.kind === 'ok') return result.commitTs;
      if (result.kind !== 'locked') await this.insertConflict(result);
      if (result.kind !== 'locked') this.commitFailure(result);
      await this.meetLocks(result.locks, round);
    }
  }

  /**
   * A 1PC call that went unanswered may have committed. Roll back: the rollback refuses
   * (txnCommitted, with the commit_ts) if the 1PC was applied, and otherwise leaves
   * rollback records that make a late 1PC fail — so its answer is the outcome. Asked
   * until AMBIGUOUS_COMMIT_RETRY_MS; with no answer by then, 40003 as in commitPrimary.
   */
  private async settleOnePhase(mutations: readonly Mutation[], cause: unknown): Promise<bigint> {
    const askUntil = Date.now() + AMBIGUOUS_COMMIT_RETRY_MS;
    const keys = mutations.map((m) => m.key);
    for (let round = 0; ; round++) {
      try {
        const results = await this.deps.rpc.perShard<Buffer, RollbackResult>(
          keys,
          (k) => k,
          (send, g) =>
            send('txn.rollback', {
              keys: g.items,
              startTs: this.startTs,
            }) as Promise<RollbackResult>,
        );
        const committed = results.find(({ result }) => result.kind === 'txnCommitted');
        if (committed !== undefined) return (committed.result as { commitTs: bigint }).commitTs;
        throw serializationFailure(
          `the transaction was rolled back: its commit went unanswered (${(cause as Error).message})`,
        );
      } catch (err) {
        if (!maybeApplied(err)) throw err;
        if (Date.now() >= askUntil) {
          throw new SqlError(
            STATEMENT_COMPLETION_UNKNOWN,
            'the commit outcome is unknown: the shard did not answer',
            { detail: (cause as Error).message },
          );
        }
        await sleep(Math.min(50 * (round + 1), 500));
      }
    }
  }

  /**
   * An optimistic 'insert' that met a version committed after start_ts: if the key now
   * has a value, the client should see a duplicate key (23505, as PostgreSQL reports a
   * concurrent insert of the same key), not a serialization failure.
   */
  private async insertConflict(result: { kind: string; key?: Buffer }): Promise<void> {
    if (result.kind !== 'writeConflict' || result.key === undefined) return;
    const key = result.key;
    if (this.writes.get(key.toString('hex'))?.w.op !== 'insert') return;
    const r = await this.deps.rpc.onKey<GetResult>(key, 'txn.get', {
      key,
      ts: await this.deps.timestamp(),
      txnStartTs: this.startTs,
      bypassLocks: this.bypass,
    });
    if (r.kind === 'ok' && r.value !== undefined) throw new DuplicateKeyError(key);
  }

  /** Turns a failed commit step into the error the client sees. */
  private commitFailure(result: { kind: string; key?: Buffer }): never {
    if (result.kind === 'alreadyExists') throw new DuplicateKeyError(result.key as Buffer);
    if (result.kind === 'writeConflict')
      throw serializationFailure(
        'a row was changed by a concurrent transaction after this one started',
      );
    if (result.kind === 'txnRolledBack')
      throw serializationFailure(
        'the transaction was rolled back by another session (its locks expired)',
      );
    if (result.kind === 'lockNotFound')
      // Pessimistic locks are written without fsync (shard/mvcc/store.ts): a shard that
      // restarted may have lost one, and then another transaction may have changed the row.
      throw serializationFailure(
        'a row lock of this transaction was lost (its shard restarted); retry the transaction',
      );
    throw new SqlError(SqlState.internalError, `commit failed: ${result.kind}`);
  }

  /**
   * Percolator 2PC in which the primary's shard commits its part by 1PC: the other shards
   * prewrite (beside the commit timestamp's TSO call), then the primary's shard checks and
   * commits every key it holds in one atomic batch at commit_ts — which is the commit
   * point, as the primary's commit record is in plain Percolator, because that batch holds
   * the primary — and then the other shards commit. One request and one fsync fewer than
   * prewriting the primary's shard too (TPC-B: 9 → 8 shard requests per transaction).
   *
   * Why it is safe:
   *   - A resolver that meets a secondary lock asks the primary (checkTxnStatus). Before the
   *     1PC the primary holds our pessimistic lock (alive: wait or push its min_commit_ts,
   *     which the 1PC honours) or nothing (an optimistic primary: notFound, the resolver
   *     waits; once the secondary's TTL has run out it writes a rollback record on the
   *     primary, and the 1PC then fails with txnRolledBack — the transaction aborts whole).
   *   - After the 1PC the primary has a commit record: resolvers roll secondaries forward.
   *   - commit_ts: at least the TSO value and every prewrite's min_commit_ts (as in
   *     commitPrimary), and the 1PC raises it above every read its shard served (the max_ts
   *     rule, onePhaseCommit.ts), which stands in for the primary shard's prewrite lock.
   * A range that moved or split under the primary's shard answers RANGE_STALE, having
   * written nothing: its keys then take the plain path (prewrite, commit the primary).
   */
  private async twoPhase(mutations: Mutation[]): Promise<bigint> {
    const primary = this.primary ?? mutations[0].key;
    this.primary = primary;
    const groups = await this.deps.rpc.group(mutations, (m) => m.key);
    // The primary's shard, unless its part needs more than one request (then: plain path).
    const found = groups.find((g) => g.items.some((m) => m.key.equals(primary)));
    const home = found !== undefined && found.items.length <= CHUNK ? found : undefined;
    const others = groups.filter((g) => g !== home).flatMap((g) => g.items);
    // The commit timestamp's TSO call runs beside the prewrites rather than after them
    // (TiDB does the same for async commit and 1PC): every lock's min_commit_ts is above
    // the reads its shard served before it (MvccStore.prewrite), so no reader that missed
    // a lock can have a start_ts at or above commit_ts. The TSO value, taken after every
    // statement's locks, keeps commit_ts at or above what any earlier commit was acked
    // with, so a transaction that starts after this one is acknowledged still sees it.
    const tso = this.deps.timestamp();
    let minCommitTs: bigint;
    try {
      // Phase 1: prewrite the other shards (each shard's part is one atomic batch).
      minCommitTs = await this.prewriteAll(others, primary, () => LOCK_TTL_MS);
    } catch (err) {
      tso.catch(() => undefined);
      throw err;
    }
    const ts = await tso;
    let floorTs = ts > minCommitTs ? ts : minCommitTs;
    // Phase 2: the commit point.
    let commitTs = home === undefined ? undefined : await this.commitHome(home, floorTs);
    let secondaries = others.map((m) => m.key);
    if (commitTs === undefined) {
      // The plain path: every key prewritten, the primary's commit record is the point.
      if (home !== undefined) {
        const m = await this.prewriteAll(home.items, primary, () => LOCK_TTL_MS);
        if (m > floorTs) floorTs = m;
      }
      commitTs = await this.commitPrimary(primary, floorTs);
      secondaries = mutations.filter((m) => !m.key.equals(primary)).map((m) => m.key);
    }
    // Secondaries: the transaction is committed once the primary is; a failure here is
    // recovered by whoever meets their locks (rolled forward from the primary's record).
    // Awaited rather than left to the background: the next transaction of a hot row would
    // otherwise meet the lock and pay a status check (measured: TPC-B 77 → 47 tps).
    await this.commitKeys(secondaries, commitTs).catch(() => undefined);
    return commitTs;
  }

  /**
   * The primary's shard commits its keys by 1PC at floorTs or above (twoPhase says why
   * that is the commit point). Resolves with commit_ts, or undefined when the range map
   * moved under the group (nothing was written: the caller takes the plain path). An
   * unanswered call may have committed: settled as a lone 1PC is, through a rollback of
   * the group's keys, whose answer is the outcome (settleOnePhase).
   */
  private async commitHome(
    home: ShardGroup<Mutation>,
    floorTs: bigint,
  ): Promise<bigint | undefined> {
    try {
      return await this.onePhase(home, floorTs);
    } catch (err) {
      if (!isRangeStale(err)) throw err;
      await this.deps.rpc.ranges.refresh();
      return undefined;
    }
  }

  /**
   * Commits the primary key: the transaction's commit point. A call that fails without an
   * answer (the shard died, the connection dropped, the deadline passed) may or may not
   * have been applied. Rolling back then, as other failures do, would write rollback
   * records over the secondaries of a transaction whose primary did commit: half of it
   * applied, for good (the bank test under kill -9 found this). So ask again — commit is
   * idempotent, and a resolver that rolled the expired primary back meanwhile makes the
   * answer definite (txnRolledBack) — and if no answer comes in time, report 40003
   * (statement_completion_unknown, as CockroachDB does) and leave every lock to the
   * resolvers, which roll the rest forward or back from the primary's record.
   */
  private async commitPrimary(primary: Buffer, firstCommitTs?: bigint): Promise<bigint> {
    let commitTs = firstCommitTs ?? (await this.deps.timestamp());
    const askUntil = Date.now() + AMBIGUOUS_COMMIT_RETRY_MS;
    let unanswered: unknown = null;
    for (let round = 0; ; round++) {
      let r: CommitResult;
      try {
        r = await this.deps.rpc.onKey<CommitResult>(primary, 'txn.commit', {
          keys: [primary],
          startTs: this.startTs,
          commitTs,
        });
      } catch (err) {
        if (!maybeApplied(err)) throw err;
        unanswered = err;
        if (Date.now() >= askUntil) {
          throw new SqlError(
            STATEMENT_COMPLETION_UNKNOWN,
            'the commit outcome is unknown: the shard holding the commit point did not answer',
            { detail: `${(err as Error).message}; the transaction is settled by lock resolution` },
          );
        }
        await sleep(Math.min(50 * (round + 1), 500));
        continue;
      }
      if (r.kind === 'ok') return commitTs;
      // After an unanswered call the lock is still there only if that call was not applied.
      if (r.kind === 'commitTsExpired' && round < 10 + (unanswered === null ? 0 : 100)) {
        commitTs = await this.deps.timestamp();
        continue;
      }
      this.commitFailure(r);
    }
  }

  async rollback(): Promise<void> {
    if (this.state !== 'active') return;
    this.finish('aborted');
    this.stopHeartbeat();
    await this.cleanup();
  }

  /** Releases our locks (pessimistic or prewritten) with rollback records. */
  private async cleanup(): Promise<void> {
    if (this.spilled !== null) await this.rollbackSpilled();
    const keys = [...this.locked.values()];
    for (const { key } of this.writes.values())
      if (!this.locked.has(key.toString('hex'))) keys.push(key);
    // Keys whose lock request a cancel abandoned were never ours: their rollback records
    // only stop a late grant (which abandon() also undoes), so nobody waits on them. The
    // ROLLBACK or the cancelled statement's error answers without this durable write,
    // as PostgreSQL's cancel of a lock wait answers at once; on a busy disk the write's
    // fsync took hundreds of milliseconds.
    const neverHeld: Buffer[] = [];
    for (const [hex, key] of this.abandoned)
      if (!this.locked.has(hex) && !this.writes.has(hex)) neverHeld.push(key);
    if (neverHeld.length > 0) void this.rollbackKeys(neverHeld).catch(() => undefined);
    await this.rollbackKeys(keys);
  }

  private startHeartbeat(): void {
    if (this.heartbeat !== null || this.primary === null) return;
    const primary = this.primary;
    this.heartbeat = setInterval(() => {
      void this.deps.rpc
        .onKey(primary, 'txn.heartBeat', {
          primary,
          startTs: this.startTs,
          adviseTtlMs: this.ttlFromNow(),
        })
        .catch(() => undefined); // a missed heartbeat only shortens the lock's life
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  // --- spilling a large COPY to the shards before commit ---------------------------------

  /** Approximate bytes of buffered writes the proxy holds for this transaction now. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** How often this transaction spilled (0: never; its writes are all buffered). */
  get spillCount(): number {
    return this.spilled?.spills ?? 0;
  }

  /** The op key was spilled with ('put' for puts and inserts), undefined if not spilled. */
  spilledOp(key: Buffer): 'put' | 'del' | undefined {
    return this.spilled === null ? undefined : this.spilled.get(key);
  }

  /**
   * When the buffered writes have grown past the spill threshold (spill.ts), prewrites
   * them to the shards now (Percolator phase 1, ahead of commit) and drops them from
   * memory, keeping only their keys (SpilledKeys). COPY FROM calls this between batches,
   * and nothing else does: a COPY only inserts keys it has never written before (a
   * repeated one is a 23505 the caller finds with spilledOp), so no later write of the
   * statement needs a spilled value. After a spill the transaction stays correct by
   * refusing (0A000) what it could not answer right — a read of a key range holding
   * spilled keys (shard reads do not show a transaction its own prewritten values), a
   * second write of a spilled key (a second prewrite of a key is ignored as a retry), and
   * ROLLBACK TO a savepoint set before the spill — and commits by 2PC (never 1PC), the
   * primary then every secondary, spilled ones included. Rollback rolls them back; a
   * proxy that dies leaves locks that its primary's TTL (kept alive by the heartbeat
   * until then) hands to the lock resolvers, which roll them back.
   */
  async spillIfLarge(): Promise<boolean> {
    spillHooks.onCheck?.(this.buffered, this.spillCount);
    if (this.buffered < spillThreshold() || this.state !== 'active' || this.writes.size === 0)
      return false;
    const entries = [...this.writes.values()];
    const mutations: Mutation[] = entries.map(({ key, w }) =>
      w.op === 'del' ? { key, op: 'del' } : { key, op: w.op, value: w.value },
    );
    if (this.primary === null) this.primary = mutations[0].key;
    const primary = this.primary;
    // Counted before anything is sent: if this spill fails half way, some keys are
    // prewritten already, and a savepoint set before must not be returned to either.
    const spilled = (this.spilled ??= new SpilledKeys());
    spilled.spills++;
    let rest = mutations;
    if (this.heartbeat === null) {
      // The primary's lock must exist, and stay alive, before any secondary's: whoever
      // meets an expired secondary asks the primary, and a primary with neither a lock
      // nor a record is rolled back on the spot (checkTxnStatus rollbackIfNotExist).
      const own = mutations.find((m) => m.key.equals(primary));
      if (own !== undefined) {
        await this.prewriteAll([own], primary, this.ttlFromNow);
        rest = mutations.filter((m) => m !== own);
      }
      this.startHeartbeat();
    }
    await this.prewriteAll(rest, primary, this.ttlFromNow);
    spilled.add(entries.map(({ key, w }) => ({ key, del: w.op === 'del' })));
    // Their pessimistic locks are prewrite locks now: commit must not prewrite them again.
    for (const { key } of entries) this.locked.delete(key.toString('hex'));
    this.writes.clear();
    this.buffered = 0;
    return true;
  }

  /** Milliseconds since start_ts: lock TTLs count from it (shard/mvcc lockExpiresAtMs). */
  private ageMs(): number {
    return Math.max(0, Number(BigInt(Date.now()) - (this.startTs >> 18n)));
  }

  private readonly ttlFromNow = (): number => this.ageMs() + LOCK_TTL_MS;

  /**
   * Phase 1: prewrites every mutation (each shard's part one atomic batch per chunk),
   * resolving other transactions' locks and retrying until all are written. ttlMs is asked
   * each round: a spill counts it from now (ttlFromNow), since a long COPY's locks would
   * otherwise be born expired (the TTL counts from start_ts) and a reader meeting one
   * before the next heartbeat could roll the transaction back.
   */
  /** Resolves with the largest min_commit_ts the prewrites reported. */
  private async prewriteAll(
    mutations: Mutation[],
    primary: Buffer,
    ttl: () => number,
  ): Promise<bigint> {
    let minCommitTs = 0n;
    let pending = mutations;
    for (let round = 0; pending.length > 0; round++) {
      const ttlMs = ttl();
      const results = await this.deps.rpc.perShard<Mutation, PrewriteResult>(
        pending,
        (m) => m.key,
        (send, g) =>
          chunked(
            g.items,
            (part) =>
              send(
                'txn.prewrite',
                {
                  mutations: part,
                  primary,
                  startTs: this.startTs,
                  ttlMs,
                  forUpdateTs: this.forUpdateTs,
                  pessimistic: this.pessimisticFlags(part),
                },
                BIG_TIMEOUT_MS,
              ) as Promise<PrewriteResult>,
          ),
      );
      const retry: Mutation[] = [];
      for (const { group, result } of results) {
        if (result.kind === 'ok') {
          if (result.minCommitTs > minCommitTs) minCommitTs = result.minCommitTs;
          continue;
        }
        if (result.kind !== 'locked') await this.insertConflict(result);
        if (result.kind !== 'locked') this.commitFailure(result);
        await this.meetLocks(result.locks, round);
        retry.push(...group.items);
      }
      pending = retry;
    }
    return minCommitTs;
  }

  /**
   * Commit after a spill: always 2PC. The buffered rest is prewritten, then the primary
   * committed (the commit point) with the heartbeat still running, then every secondary,
   * the spilled ones a slice at a time. After the commit point a failure only leaves
   * locks that resolvers roll forward from the primary's record, as in twoPhase.
   */
  private async commitSpilled(): Promise<bigint> {
    const spilled = this.spilled as SpilledKeys;
    const primary = this.primary as Buffer; // chosen by the first spill at the latest
    let rest: Mutation[];
    let commitTs: bigint;
    try {
      if (this.doomed !== null) throw this.doomed;
      rest = this.mutations();
      if (rest.length > 0) await this.prewriteAll(rest, primary, this.ttlFromNow);
      commitTs = await this.commitPrimary(primary);
    } catch (err) {
      this.stopHeartbeat();
      this.finish('aborted');
      if (err instanceof SqlError && err.code === STATEMENT_COMPLETION_UNKNOWN) throw err;
      await this.cleanup().catch(() => undefined); // best effort: TTL expiry resolves what is left
      throw err;
    }
    this.stopHeartbeat();
    this.finish('committed');
    const notPrimary = (k: Buffer): boolean => !k.equals(primary);
    try {
      await this.commitKeys(rest.map((m) => m.key).filter(notPrimary), commitTs);
      for (const keys of spilled.slices(SPILL_SLICE))
        await this.commitKeys(keys.filter(notPrimary), commitTs);
    } catch {
      // Committed at the primary already: readers roll the rest forward from its record.
    }
    return commitTs;
  }

  private commitKeys(keys: readonly Buffer[], commitTs: bigint): Promise<void> {
    // Never the primary: these commits need no fsync (MvccStore.commit).
    return this.sendKeys('txn.commit', keys, { commitTs, secondary: true });
  }

  /**
   * Rolls back the spilled keys, the primary first: once its rollback record is written,
   * whoever meets any other lock of this transaction resolves it at once.
   */
  private async rollbackSpilled(): Promise<void> {
    const spilled = this.spilled as SpilledKeys;
    if (this.primary !== null) await this.rollbackKeys([this.primary]);
    for (const keys of spilled.slices(SPILL_SLICE)) await this.rollbackKeys(keys);
  }

  private rollbackKeys(keys: readonly Buffer[]): Promise<void> {
    return this.sendKeys('txn.rollback', keys, {});
  }

  /** One of this transaction's key-list actions, per shard and in chunks. */
  private async sendKeys(
    method: 'txn.commit' | 'txn.rollback',
    keys: readonly Buffer[],
    body: Record<string, unknown>,
  ): Promise<void> {
    if (keys.length === 0) return;
    await this.deps.rpc.perShard(
      keys,
      (k) => k,
      (send, g) =>
        chunked(
          g.items,
          (part) =>
            send(
              method,
              { ...body, keys: part, startTs: this.startTs },
              BIG_TIMEOUT_MS,
            ) as Promise<{ kind: string }>,
        ),
    );
  }
}
