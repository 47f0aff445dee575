/**
 * The one place a statement's writes are collected before they reach the transaction:
 * puts (optionally "must not exist", for primary and unique keys) and deletes. At the end
 * of the statement, flush() takes the pessimistic locks the writes need (INSERT's keys
 * with shouldNotExist → 23505; every other written key plainly) and buffers the writes in
 * the session's Transaction (DESIGN.md "Transactions": locks at statement time, values
 * buffered until commit). An implicit (autocommit) transaction's INSERT skips the locks and
 * buffers optimistic 'insert' mutations instead: its commit is then a single 1PC request
 * that also checks uniqueness. Without a session transaction (internal work such as DDL
 * backfills), the writes commit in a transaction of their own.
 */
import { SqlError, SqlState } from '../../common/errors';
import { DuplicateKeyError, Transaction } from '../txn/transaction';
import type { ExecContext, StatementTxn } from './context';

/** One collected write (drain() hands them out to callers that apply writes themselves). */
export interface Op {
  readonly key: Buffer;
  readonly value: Buffer | null;
  readonly mustNotExist: boolean;
  readonly conflict?: () => SqlError;
  /** A key no one else can write (a new hidden rowid from a sequence): needs no lock. */
  readonly fresh?: boolean;
}

function conflictOf(op: Op): SqlError {
  return op.conflict
    ? op.conflict()
    : new SqlError(SqlState.uniqueViolation, 'duplicate key value violates unique constraint');
}

/** Turns a DuplicateKeyError of key into the constraint's own 23505 message. */
export function duplicateKeyToSql(err: unknown, conflicts: Map<string, () => SqlError>): unknown {
  if (!(err instanceof DuplicateKeyError)) return err;
  const make = conflicts.get(err.key.toString('hex'));
  return make
    ? make()
    : new SqlError(SqlState.uniqueViolation, 'duplicate key value violates unique constraint');
}

export class WriteBuffer {
  private ops: Op[] = [];

  put(key: Buffer, value: Buffer, mustNotExist = false, conflict?: () => SqlError): void {
    this.ops.push({ key, value, mustNotExist, conflict });
  }

  /** A put of a key unique by construction (a new rowid): neither checked nor locked. */
  putFresh(key: Buffer, value: Buffer): void {
    this.ops.push({ key, value, mustNotExist: false, fresh: true });
  }

  del(key: Buffer): void {
    this.ops.push({ key, value: null, mustNotExist: false });
  }

  get size(): number {
    return this.ops.length;
  }

  /**
   * Hands out the collected writes and empties the buffer, for a caller that applies them
   * to a transaction itself (ALTER TABLE's row rewrite, rewriteRows.ts).
   */
  drain(): readonly Op[] {
    const ops = this.ops;
    this.ops = [];
    return ops;
  }

  /**
   * Locks and buffers every collected write in the statement's transaction.
   * `insertOnly`: the statement only inserts new rows (plain INSERT), so an implicit
   * transaction may use optimistic 'insert' mutations.
   */
  async flush(ctx: ExecContext, insertOnly = false): Promise<void> {
    const ops = this.ops;
    this.ops = [];
    if (ops.length === 0) return;
    if (ctx.txn !== undefined) {
      await applyOps(ctx.txn, ops, insertOnly && ctx.txn.implicit);
      return;
    }
    if (ctx.txnDeps === undefined)
      throw new SqlError(SqlState.internalError, 'no transaction layer configured');
    const own: StatementTxn = {
      txn: await Transaction.begin(ctx.txnDeps, { isolation: 'read committed' }),
      implicit: false,
      conflicts: new Map(),
    };
    try {
      // Internal work (DDL backfills, re-keying) takes no row locks: its writes are
      // checked against its start timestamp at commit (optimistic), saving a round trip
      // per shard and a lock record per row.
      await applyOps(own, ops, true);
      await own.txn.commit();
    } catch (err) {
      await own.txn.rollback().catch(() => undefined); // locks also expire by TTL
      throw duplicateKeyToSql(err, own.conflicts);
    }
  }
}

async function applyOps(st: StatementTxn, ops: readonly Op[], optimistic: boolean): Promise<void> {
  const txn = st.txn;
  // Uniqueness against this transaction's own earlier writes and this statement's other
  // rows; what is committed is checked by the shard (lock shouldNotExist, or 'insert').
  const seen = new Set<string>();
  const checked: Op[] = [];
  for (const o of ops) {
    if (!o.mustNotExist) continue;
    const hex = o.key.toString('hex');
    // A key a large COPY already spilled to the shards (Transaction.spillIfLarge) is no
    // longer buffered, and the shard takes a second prewrite of it for a retry.
    if (txn.spilledOp(o.key) === 'put') throw conflictOf(o);
    const own = txn.ownWrite(o.key);
    if (seen.has(hex) || (own !== undefined && own !== null)) throw conflictOf(o);
    seen.add(hex);
    if (own === undefined) {
      checked.push(o);
      if (o.conflict) st.conflicts.set(hex, o.conflict);
    }
  }
  const checkedKeys = new Set(checked.map((o) => o.key.toString('hex')));
  if (!optimistic) {
    if (checked.length > 0) {
      try {
        await txn.lock(
          checked.map((o) => o.key),
          { shouldNotExist: true },
        );
      } catch (err) {
        throw duplicateKeyToSql(err, st.conflicts);
      }
    }
    const rest = ops.filter(
      (o) => o.fresh !== true && !checkedKeys.has(o.key.toString('hex')) && !txn.isLocked(o.key),
    );
    if (rest.length > 0) await txn.lock(rest.map((o) => o.key));
  }
  for (const o of ops) {
    if (o.value === null) txn.del(o.key);
    else if (optimistic && checkedKeys.has(o.key.toString('hex'))) txn.insert(o.key, o.value);
    // (optimistic, unchecked puts and deletes: conflicts are caught at commit)
    else txn.put(o.key, o.value);
  }
}

/**
 * Between COPY FROM batches: lets the transaction spill its buffered writes to the shards
 * once they pass the threshold (Transaction.spillIfLarge says when that is allowed and
 * what it changes). A row found to exist on the way reports its constraint's 23505; once
 * spilled, no buffered write is left whose uniqueness commit could find violated, so the
 * statement's per-key error makers go too (they would otherwise grow with the input).
 */
export async function spillIfLarge(st: StatementTxn): Promise<void> {
  let spilled: boolean;
  try {
    spilled = await st.txn.spillIfLarge();
  } catch (err) {
    throw duplicateKeyToSql(err, st.conflicts);
  }
  if (spilled) st.conflicts.clear();
}
