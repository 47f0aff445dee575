/**
 * Lock waiters that know which user key each waits on, so that a range moving away can end
 * their waits. A transaction waiting here for a lock in a range that is then frozen (or
 * handed to another shard) would otherwise wait for a release that never comes on this
 * shard — the holder's commit goes to the new owner — and only notice at the lock's TTL.
 * Ended with "retry later", the waiter's proxy retries the lock request where the range
 * now lives (shard/writeFence.ts refuses it here in any case).
 */
import type { RpcError } from '../common/errors';
import { LockWaiters } from './mvcc';
import type { WaitOutcome } from './mvcc/lockWaiters';
import type { Lock } from './mvcc/types';
import type { TxnId } from './mvcc/deadlock';

export class RangeLockWaiters extends LockWaiters {
  /** One entry per wait in progress: the waiting transaction and the user key. */
  private readonly waits = new Set<{ readonly waiter: TxnId; readonly key: Buffer }>();

  override wait(waiterTs: TxnId, holder: Lock, untilMs: number): Promise<WaitOutcome> {
    const entry = { waiter: waiterTs, key: holder.key };
    this.waits.add(entry);
    const p = super.wait(waiterTs, holder, untilMs);
    const done = (): void => {
      this.waits.delete(entry);
    };
    p.then(done, done);
    return p;
  }

  /** Ends, with `error`, every wait on a key `writable` says this shard no longer writes. */
  endWaitsOutside(writable: (userKey: Buffer) => boolean, error: () => RpcError): number {
    const victims = new Set<TxnId>();
    for (const w of this.waits) if (!writable(w.key)) victims.add(w.waiter);
    let n = 0;
    for (const v of victims) n += this.cancel(v, error());
    return n;
  }
}
