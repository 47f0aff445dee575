/**
 * Sends requests to the shard that owns a key or a key span, naming (rangeId, epoch).
 * A RANGE_STALE answer (the range split, moved or merged since we cached it) refreshes the
 * range cache and retries, invisibly to the client, a bounded number of times.
 */
import { RpcError, RpcErrorCode, SqlError, SqlState } from '../common/errors';
import type { RangeDescriptor } from '../common/catalog/schema';
import { compareEnd } from '../common/catalog/keyspace';
import type { ShardClients } from '../common/clients/shardClients';
import type { RangeCache } from './rangeCache';

const MAX_STALE_RETRIES = 8;

/**
 * Pause before retrying after RANGE_STALE: a shard refreshes its own range map at most
 * every 20 ms, so a retry that arrives sooner can meet the same stale view.
 */
export function staleBackoff(attempt: number): Promise<void> {
  return new Promise((resolve) =>
    setTimeout(resolve, Math.min(100, 5 * (attempt + 1) * (attempt + 1))),
  );
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
  callShard<T>(shardId: number, method: string, body: Record<string, unknown>): Promise<T> {
    const address = this.ranges.shardAddress(shardId);
    if (address === undefined)
      throw new SqlError(SqlState.internalError, `shard ${shardId} has no known address`);
    return this.clients.get(address).call<T>(method, body);
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
    for (let attempt = 0; ; attempt++) {
      const r = await this.route(key);
      try {
        return await this.send<T>(r, method, body);
      } catch (err) {
        if (
          !(err instanceof RpcError && err.code === RpcErrorCode.rangeStale) ||
          attempt >= MAX_STALE_RETRIES
        )
          throw err;
        await staleBackoff(attempt);
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
    let stale = 0;
    while (end === null || Buffer.compare(cursor, end) < 0) {
      const r = await this.route(cursor);
      let next: Buffer | null;
      try {
        next = await step((method, body) => this.send(r, method, body), cursor, r);
      } catch (err) {
        if (
          !(err instanceof RpcError && err.code === RpcErrorCode.rangeStale) ||
          ++stale > MAX_STALE_RETRIES
        )
          throw err;
        await staleBackoff(stale);
        await this.ranges.refresh();
        continue;
      }
      stale = 0;
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
