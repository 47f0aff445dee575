/**
 * Sends requests to the shard that owns a key or a key span, naming (rangeId, epoch).
 * A RANGE_STALE answer (the range split, moved or merged since we cached it) refreshes the
 * range cache and retries, invisibly to the client, a bounded number of times.
 *
 * A RANGE_STALE with `retryLater` means the range is frozen while it moves to another shard
 * (meta/rangeMoves.ts): the same request will succeed once the move ends, so it is retried
 * with a short backoff for up to MOVE_WAIT_MS, also invisibly (StaleRetry).
 */
import { RpcError, RpcErrorCode, SqlError, SqlState } from '../common/errors';
import type { RangeDescriptor } from '../common/catalog/schema';
import { compareEnd } from '../common/catalog/keyspace';
import type { ShardClients } from '../common/clients/shardClients';
import type { RangeCache } from './rangeCache';

const MAX_STALE_RETRIES = 8;

/**
 * How long a statement waits out a frozen range. A move freezes writes for its copy (a
 * few ms per thousand rows) and aborts on any failure, so this is a bound for a stuck
 * mover, not a figure a healthy move comes near.
 */
export const MOVE_WAIT_MS = 30_000;

/**
 * Pause before retrying after RANGE_STALE: a shard refreshes its own range map at most
 * every 20 ms, so a retry that arrives sooner can meet the same stale view.
 */
export function staleBackoff(attempt: number): Promise<void> {
  return new Promise((resolve) =>
    setTimeout(resolve, Math.min(100, 5 * (attempt + 1) * (attempt + 1))),
  );
}

export function isRangeStale(err: unknown): err is RpcError {
  return err instanceof RpcError && err.code === RpcErrorCode.rangeStale;
}

/** RANGE_STALE from a range that is moving: retry the same request after a pause. */
export function isRetryLater(err: unknown): boolean {
  return (
    isRangeStale(err) &&
    typeof err.detail === 'object' &&
    err.detail !== null &&
    (err.detail as { retryLater?: unknown }).retryLater === true
  );
}

/**
 * The retry policy of one request after RANGE_STALE: a plain one is retried at most
 * MAX_STALE_RETRIES times (the cache was behind; one refresh normally fixes it), a
 * "retry later" one for up to MOVE_WAIT_MS with a backoff of 2 → 50 ms. The caller
 * refreshes its range cache after each pause (the move may have ended meanwhile).
 */
export class StaleRetry {
  private stale = 0;
  private frozen = 0;
  private frozenSince = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Pauses and resolves true when err is worth retrying; false to give up (rethrow it). */
  async pause(err: unknown): Promise<boolean> {
    if (!isRangeStale(err)) return false;
    if (isRetryLater(err)) {
      if (this.frozen === 0) this.frozenSince = this.now();
      else if (this.now() - this.frozenSince > MOVE_WAIT_MS)
        throw new SqlError(
          SqlState.serializationFailure,
          `could not serialize access: a range stayed frozen for a move longer than ${MOVE_WAIT_MS} ms`,
          { detail: err.message },
        );
      const ms = Math.min(50, 2 << Math.min(this.frozen, 5));
      this.frozen++;
      await new Promise((resolve) => setTimeout(resolve, ms));
      return true;
    }
    if (this.stale >= MAX_STALE_RETRIES) return false;
    await staleBackoff(this.stale++);
    return true;
  }
}

export class ShardRouter {
  constructor(
    private readonly ranges: RangeCache,
    private readonly clients: ShardClients,
  ) {}

  private async route(key: Buffer): Promise<RangeDescriptor> {
    let r = this.ranges.lookup(key);
    if (r === undefined || this.ranges.shardAddress(r.shardId) === undefined) {
      await this.ranges.refresh();
      r = this.ranges.lookup(key);
    }
    if (r === undefined)
      throw new SqlError(SqlState.internalError, `no range covers key ${key.toString('hex')}`);
    return r;
  }

  /** Calls a shard directly (admin: range moves, sizes). */
  callShard<T>(
    shardId: number,
    method: string,
    body: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<T> {
    const address = this.ranges.shardAddress(shardId);
    if (address === undefined)
      return Promise.reject(
        new SqlError(SqlState.internalError, `shard ${shardId} has no known address`),
      );
    return this.clients.get(address).call<T>(method, body, { timeoutMs });
  }

  /** Calls method on one range as cached (the caller handles RANGE_STALE). */
  sendTo<T>(r: RangeDescriptor, method: string, body: Record<string, unknown>): Promise<T> {
    return this.send<T>(r, method, body);
  }

  private send<T>(r: RangeDescriptor, method: string, body: Record<string, unknown>): Promise<T> {
    const address = this.ranges.shardAddress(r.shardId);
    if (address === undefined)
      throw new SqlError(SqlState.internalError, `shard ${r.shardId} has no known address`);
    return this.clients.get(address).call<T>(method, { ...body, rangeId: r.id, epoch: r.epoch });
  }

  /** Calls method on the range that owns key. */
  async onKey<T>(key: Buffer, method: string, body: Record<string, unknown>): Promise<T> {
    const retry = new StaleRetry();
    for (;;) {
      const r = await this.route(key);
      try {
        return await this.send<T>(r, method, body);
      } catch (err) {
        if (!(await retry.pause(err))) throw err;
        await this.ranges.refresh();
      }
    }
  }

  /**
   * Walks [start, end) range by range, calling step(range, cursor) which returns the key to
   * continue from (or null when the range is done). Splits and moves met on the way are
   * re-resolved from the cursor, so a walk that races a split neither skips nor repeats keys.
   */
  async walk(
    start: Buffer,
    end: Buffer | null,
    step: (
      send: <T>(method: string, body: Record<string, unknown>) => Promise<T>,
      cursor: Buffer,
      range: RangeDescriptor,
    ) => Promise<Buffer | null>,
  ): Promise<void> {
    let cursor = start;
    let retry = new StaleRetry();
    while (end === null || Buffer.compare(cursor, end) < 0) {
      const r = await this.route(cursor);
      let next: Buffer | null;
      try {
        next = await step((method, body) => this.send(r, method, body), cursor, r);
      } catch (err) {
        if (!(await retry.pause(err))) throw err;
        await this.ranges.refresh();
        continue;
      }
      retry = new StaleRetry();
      if (next !== null) {
        cursor = next;
      } else if (r.endKey === null || compareEnd(r.endKey, end) >= 0) {
        return;
      } else {
        cursor = r.endKey;
      }
    }
  }
}
