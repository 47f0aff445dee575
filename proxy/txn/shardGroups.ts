/**
 * Sends transaction RPCs to shards by key: keys are grouped by the shard that owns their
 * range, one request per shard naming every range it touches (so one shard's part of a
 * commit is one atomic batch there). A RANGE_STALE answer refreshes the range cache and
 * regroups that part, invisibly to the caller, a bounded number of times.
 */
import { SqlError, SqlState } from '../../common/errors';
import type { RangeDescriptor } from '../../common/catalog/schema';
import type { ShardClients } from '../../common/clients/shardClients';
import { withBuffers } from '../../common/codec';
import type { RangeCache } from '../rangeCache';
import { StaleRetry, isRangeStale, isRetryLater } from '../shardRouter';

export interface ShardGroup<T> {
  readonly shardId: number;
  readonly address: string;
  readonly ranges: Array<[number, number]>;
  readonly items: T[];
}

export class TxnShardRpc {
  constructor(
    readonly ranges: RangeCache,
    private readonly clients: ShardClients,
  ) {}

  private async rangeOf(key: Buffer): Promise<RangeDescriptor> {
    let r = this.ranges.lookup(key);
    if (r === undefined || this.ranges.shardAddress(r.shardId) === undefined) {
      await this.ranges.refresh();
      r = this.ranges.lookup(key);
    }
    if (r === undefined)
      throw new SqlError(SqlState.internalError, `no range covers key ${key.toString('hex')}`);
    return r;
  }

  /** Groups items by owning shard, keys ordered as given. */
  async group<T>(items: readonly T[], keyOf: (item: T) => Buffer): Promise<Array<ShardGroup<T>>> {
    const groups = new Map<number, ShardGroup<T>>();
    for (const item of items) {
      const r = await this.rangeOf(keyOf(item));
      let g = groups.get(r.shardId);
      if (!g) {
        g = {
          shardId: r.shardId,
          address: this.ranges.shardAddress(r.shardId) as string,
          ranges: [],
          items: [],
        };
        groups.set(r.shardId, g);
      }
      if (!g.ranges.some(([id]) => id === r.id)) g.ranges.push([r.id, r.epoch]);
      g.items.push(item);
    }
    return [...groups.values()];
  }

  /** Calls method on the shard owning key (one range). */
  async onKey<R>(
    key: Buffer,
    method: string,
    body: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<R> {
    // RANGE_STALE: refresh and retry; "retry later" (a moving range) after a pause.
    const retry = new StaleRetry();
    for (;;) {
      const r = await this.rangeOf(key);
      try {
        const result = await this.clients
          .get(this.ranges.shardAddress(r.shardId) as string)
          .call<R>(method, { ...body, ranges: [[r.id, r.epoch]] }, { timeoutMs });
        return withBuffers(result) as R;
      } catch (err) {
        if (!(await retry.pause(err))) throw err;
        await this.ranges.refresh();
      }
    }
  }

  /**
   * Calls method once on exactly this group, with no regrouping: a RANGE_STALE answer is
   * the caller's to handle (a 1PC must stay one batch on one shard, so after a range moved
   * the caller decides afresh between 1PC and 2PC).
   */
  async sendGroup<R>(
    g: ShardGroup<unknown>,
    method: string,
    body: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<R> {
    const result = await this.clients
      .get(g.address)
      .call<R>(method, { ...body, ranges: g.ranges }, { timeoutMs });
    return withBuffers(result) as R;
  }

  /**
   * Like perShard, but one shard group at a time, groups ordered by their first item's key
   * (pessimistic locks: a global acquisition order prevents cross-shard wait cycles).
   */
  async perShardInOrder<T, R>(
    items: readonly T[],
    keyOf: (item: T) => Buffer,
    call: (
      send: (method: string, body: Record<string, unknown>, timeoutMs?: number) => Promise<R>,
      group: ShardGroup<T>,
    ) => Promise<R>,
  ): Promise<Array<{ group: ShardGroup<T>; result: R }>> {
    const groups = await this.group(items, keyOf);
    groups.sort((a, b) => Buffer.compare(keyOf(a.items[0]), keyOf(b.items[0])));
    const out: Array<{ group: ShardGroup<T>; result: R }> = [];
    for (const g of groups) {
      const results = await this.perShard(g.items, keyOf, call);
      out.push(...results);
      // Stop at the first group that did not lock: the caller resolves, then retries all.
      if (results.some(({ result }) => (result as { kind?: string }).kind !== 'ok')) break;
    }
    return out;
  }

  /**
   * Runs `call` once per shard group of items (in parallel), regrouping after RANGE_STALE.
   * Returns each group's result with the group.
   */
  async perShard<T, R>(
    items: readonly T[],
    keyOf: (item: T) => Buffer,
    call: (
      send: (method: string, body: Record<string, unknown>, timeoutMs?: number) => Promise<R>,
      group: ShardGroup<T>,
    ) => Promise<R>,
  ): Promise<Array<{ group: ShardGroup<T>; result: R }>> {
    const out: Array<{ group: ShardGroup<T>; result: R }> = [];
    let pending: readonly T[] = items;
    const policy = new StaleRetry();
    while (pending.length > 0) {
      const groups = await this.group(pending, keyOf);
      const retry: T[] = [];
      const staleErrors: unknown[] = [];
      await Promise.all(
        groups.map(async (g) => {
          const send = (
            method: string,
            body: Record<string, unknown>,
            timeoutMs?: number,
          ): Promise<R> =>
            this.clients
              .get(g.address)
              .call<R>(method, { ...body, ranges: g.ranges }, { timeoutMs })
              .then((r) => withBuffers(r) as R);
          try {
            out.push({ group: g, result: await call(send, g) });
          } catch (err) {
            if (!isRangeStale(err)) throw err;
            staleErrors.push(err);
            retry.push(...g.items);
          }
        }),
      );
      if (retry.length > 0) {
        // One pause per round; a moving range ("retry later") sets the pace.
        const err = staleErrors.find(isRetryLater) ?? staleErrors[0];
        if (!(await policy.pause(err))) throw err;
        await this.ranges.refresh();
      }
      pending = retry;
    }
    return out;
  }
}
