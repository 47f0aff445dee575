/**
 * The last line of range ownership on a shard: every batch the MVCC layer (and TRUNCATE)
 * writes passes through here, is checked key by key against the range table at the moment
 * it is handed to the engine, and is counted while it is in flight.
 *
 * Why at the engine and not (only) in the RPC handlers: a request checks its (rangeId,
 * epoch) when it arrives, but may write much later — after waiting for latches, or for
 * another transaction's lock (lock waits are asynchronous and can last seconds). Had the
 * range been frozen for a move meanwhile, and its data copied to the new owner, that write
 * would land on the old copy and be lost. Here the check and the in-flight count happen in
 * the same synchronous step as the engine call, so:
 *
 *   - after the range table adopts a freeze, no new write into the frozen span starts;
 *   - drain() resolves once every write that started before it has finished;
 *
 * hence "adopt the frozen map, then drain" guarantees the span is still for good, and a
 * woken lock waiter re-checks ownership simply by writing (it gets "retry later").
 *
 * Deletes of data versions and commit/rollback records (`d`, `w` families) are let through
 * wherever they are: only GC issues them (the transaction actions delete locks only), and
 * GC drops nothing a reader at or above the safe point can see, so doing it on either copy
 * of a moving range changes no answer. Non-MVCC keys (the `m` metadata family) are not
 * range data and pass too.
 */
import type { KvEngine, WriteBatch, WriteOptions } from './storage/kvEngine';
import { ForwardingEngine } from './storage/forwardingEngine';
import { DATA_PREFIX, LOCK_PREFIX, WRITE_PREFIX } from './mvcc/keys';
import { retryLaterError } from './rangeTable';

export interface OwnershipView {
  writableEngineKey(key: Buffer): boolean;
}

export class FencedEngine extends ForwardingEngine {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    inner: KvEngine,
    private readonly ownership: OwnershipView,
  ) {
    super(inner);
  }

  /** Throws "retry later" if any op of the batch writes where this shard may not write now. */
  check(batch: WriteBatch): void {
    for (const op of batch.ops) {
      const f = op.key[0];
      if (f === DATA_PREFIX || f === WRITE_PREFIX) {
        if (op.type === 'del') continue; // GC (see the file comment)
      } else if (f !== LOCK_PREFIX) {
        continue;
      }
      if (!this.ownership.writableEngineKey(op.key))
        throw retryLaterError(
          'the key is not writable on this shard now (its range is moving or moved); retry later',
        );
    }
  }

  override write(batch: WriteBatch, options?: WriteOptions): Promise<void> {
    try {
      this.check(batch);
    } catch (err) {
      return Promise.reject(err);
    }
    const p = this.inner.write(batch, options);
    // One reaction per write, settled or failed alike (the caller sees p's own outcome).
    const untrack = (): void => {
      this.inFlight.delete(p);
    };
    this.inFlight.add(p);
    p.then(untrack, untrack);
    return p;
  }

  /** Resolves when every write handed to the engine before this call has finished. */
  async drain(): Promise<void> {
    await Promise.all([...this.inFlight].map((p) => p.catch(() => undefined)));
  }

  get writesInFlight(): number {
    return this.inFlight.size;
  }
}
