/**
 * Deadlock detection across shards (DESIGN.md "Transactions": a wait-for graph on a
 * designated node). Every shard's lock waits report their edge waiter → holder to one
 * detector: the registered shard with the lowest id hosts the graph (`deadlock.detect`,
 * `deadlock.cleanUp`); the others reach it by RPC. A cycle whose waits sit on different
 * shards (T1 waits on shard A for T2, T2 waits on shard B for T1) is then seen whole, and
 * the transaction whose wait closes it gets 40P01 at once, as on one shard (TiKV's
 * requester policy: the victim is the caller, so no cross-shard cancel is needed).
 *
 * When the detector is unreachable the wait is not failed: lock_timeout still bounds it
 * (LockWaiters logs the failure). Edges a dead shard never cleaned up are pruned by age.
 */
import type { RpcHandler } from '../common/rpc';
import { withBuffers } from '../common/codec';
import type { ShardClients } from '../common/clients/shardClients';
import { WaitForGraph } from './mvcc';
import type { Deadlock, DeadlockDetectorClient, TxnId } from './mvcc';

/** Waits never last longer than a lock_timeout; an edge this old was left behind. */
const EDGE_MAX_AGE_MS = 120_000;
const DETECT_TIMEOUT_MS = 2_000;

export interface DetectorRoute {
  /** The detector's address, or undefined when this shard is the detector (or none is known yet). */
  readonly remote: () => string | undefined;
}

export class ClusterDeadlockDetector implements DeadlockDetectorClient {
  readonly graph = new WaitForGraph('requester');
  private lastPrune = 0;

  constructor(
    private readonly route: DetectorRoute,
    private readonly clients: ShardClients,
    private readonly now: () => number = Date.now,
  ) {}

  detect(waiter: TxnId, holder: TxnId, key: Buffer): Promise<Deadlock | null> | Deadlock | null {
    const address = this.route.remote();
    if (address === undefined) return this.detectHere(waiter, holder, key);
    return this.clients
      .get(address)
      .call<unknown>('deadlock.detect', { waiter, holder, key }, { timeoutMs: DETECT_TIMEOUT_MS })
      .then((r) => (r === null ? null : (withBuffers(r) as Deadlock)));
  }

  cleanUp(waiter: TxnId, holder: TxnId): void {
    const address = this.route.remote();
    if (address === undefined) {
      this.graph.removeEdge(waiter, holder);
      return;
    }
    // Sent on the same connection after its detect, so it cannot overtake it; a lost one
    // is pruned by age.
    void this.clients
      .get(address)
      .call('deadlock.cleanUp', { waiter, holder }, { timeoutMs: DETECT_TIMEOUT_MS })
      .catch(() => undefined);
  }

  /** Runs the graph here (this shard is the detector). */
  detectHere(waiter: TxnId, holder: TxnId, key: Buffer): Deadlock | null {
    const now = this.now();
    if (now - this.lastPrune > EDGE_MAX_AGE_MS / 4) {
      this.lastPrune = now;
      this.graph.prune(now - EDGE_MAX_AGE_MS);
    }
    return this.graph.addEdge(waiter, holder, key, now);
  }

  handlers(): Array<[string, RpcHandler]> {
    return [
      [
        'deadlock.detect',
        (raw) => {
          const b = withBuffers(raw) as { waiter: bigint; holder: bigint; key: Buffer };
          return this.detectHere(BigInt(b.waiter), BigInt(b.holder), b.key);
        },
      ],
      [
        'deadlock.cleanUp',
        (raw) => {
          const b = raw as { waiter: bigint; holder: bigint };
          this.graph.removeEdge(BigInt(b.waiter), BigInt(b.holder));
          return null;
        },
      ],
    ];
  }
}
