/**
 * What a reader or writer does on meeting another transaction's lock (Percolator
 * recovery, DESIGN.md "Recovery without a coordinator log"): ask the lock's primary for
 * the transaction's fate, then roll the lock forward (committed) or back (rolled back, or
 * expired — checkTxnStatus rolls an expired primary back on the spot). A live lock whose
 * min_commit_ts the reader pushed past its own timestamp can simply be read through.
 */
import { lockExpired } from '../../shard/mvcc';
import type { CheckTxnStatusResult, Lock, ResolveLocksResult } from '../../shard/mvcc';
import type { TxnShardRpc } from './shardGroups';

export interface ResolveOutcome {
  /** Start timestamps of live transactions whose locks the caller may read through. */
  readonly bypass: bigint[];
  /** True if some lock is still live and must be waited out. */
  readonly mustWait: boolean;
}

export class LockResolver {
  constructor(
    private readonly rpc: TxnShardRpc,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves what can be resolved; callerTs is the reader's timestamp (or the writer's start_ts). */
  async resolve(locks: readonly Lock[], callerTs: bigint): Promise<ResolveOutcome> {
    const bypass: bigint[] = [];
    let mustWait = false;
    // One status check per transaction, however many of its locks we met.
    const byTxn = new Map<bigint, Lock[]>();
    for (const lock of locks) {
      const list = byTxn.get(lock.startTs) ?? [];
      list.push(lock);
      byTxn.set(lock.startTs, list);
    }
    await Promise.all(
      [...byTxn.values()].map(async (txnLocks) => {
        const first = txnLocks[0];
        const status = await this.rpc.onKey<CheckTxnStatusResult>(
          first.primary,
          'txn.checkTxnStatus',
          {
            primary: first.primary,
            startTs: first.startTs,
            callerStartTs: callerTs,
            rollbackIfNotExist: lockExpired(first, this.now()),
          },
        );
        if (status.kind === 'committed' || status.kind === 'rolledBack') {
          const commitTs = status.kind === 'committed' ? status.commitTs : 0n;
          await this.rpc.perShard(
            txnLocks,
            (l) => l.key,
            (send, g) =>
              send('txn.resolveLocks', {
                keys: g.items.map((l) => l.key),
                startTs: first.startTs,
                commitTs,
              }) as Promise<ResolveLocksResult>,
          );
        } else if (status.kind === 'locked' && status.minCommitTsPushed) {
          bypass.push(first.startTs);
        } else {
          // Live and not pushable (a prewrite racing its commit), or not found yet.
          mustWait = true;
        }
      }),
    );
    return { bypass, mustWait };
  }
}
