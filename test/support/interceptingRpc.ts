/**
 * A TxnShardRpc whose requests sent through perShard (and so perShardInOrder) pass
 * through `intercept` first: for tests that delay, drop or lose a transaction's requests
 * to real shards.
 */
import { TxnShardRpc, type ShardGroup } from '../../proxy/txn/shardGroups';

export type Send = (
  method: string,
  body: Record<string, unknown>,
  timeoutMs?: number,
) => Promise<unknown>;

export abstract class InterceptingRpc extends TxnShardRpc {
  /** Sends (or not) one request; `send` is the real one. */
  protected abstract intercept(
    method: string,
    body: Record<string, unknown>,
    timeoutMs: number | undefined,
    send: Send,
  ): Promise<unknown>;

  override perShard<T, R>(
    items: readonly T[],
    keyOf: (item: T) => Buffer,
    call: (
      send: (method: string, body: Record<string, unknown>, timeoutMs?: number) => Promise<R>,
      group: ShardGroup<T>,
    ) => Promise<R>,
  ): Promise<Array<{ group: ShardGroup<T>; result: R }>> {
    return super.perShard(items, keyOf, (send, group) =>
      call(
        (method, body, timeoutMs) => this.intercept(method, body, timeoutMs, send) as Promise<R>,
        group,
      ),
    );
  }
}
