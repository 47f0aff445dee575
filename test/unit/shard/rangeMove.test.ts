/**
 * The shard's side of a range move without a network: the range table's write spans and
 * seals, the write fence (a write already handed to the engine is drained, a later one is
 * refused), and lock waits ended when their range freezes.
 */
import { expect } from 'chai';
import type { RangeDescriptor } from '../../../common/catalog/schema';
import { RpcError, RpcErrorCode } from '../../../common/errors';
import { RangeTable } from '../../../shard/rangeTable';
import { FencedEngine } from '../../../shard/writeFence';
import { RangeLockWaiters } from '../../../shard/rangeLockWaiters';
import { MvccStore } from '../../../shard/mvcc';
import { dataKey, lockKey, metaKey, writeKey } from '../../../shard/mvcc/keys';
import { WriteBatch } from '../../../shard/storage/kvEngine';
import { MemEngine } from './mvcc/memEngine';
import { errorOf, k, ts, v } from './mvcc/helpers';

const ME = 1;

function range(
  id: number,
  start: string,
  end: string | null,
  extra: Partial<RangeDescriptor> = {},
): RangeDescriptor {
  return {
    id,
    startKey: k(start),
    endKey: end === null ? null : k(end),
    shardId: ME,
    epoch: 1,
    ...extra,
  };
}

/** Ranges [ , c) on another shard, [c, m) and [m, ∞) here; [m, ∞) frozen when asked. */
function map(frozen: boolean): RangeDescriptor[] {
  return [
    range(1, '', 'c', { shardId: 2 }),
    range(2, 'c', 'm'),
    frozen ? range(3, 'm', null, { epoch: 2, moving: { toShard: 2 } }) : range(3, 'm', null),
  ];
}

function isRetryLater(err: unknown): boolean {
  return (
    err instanceof RpcError &&
    (err.detail as { retryLater?: boolean } | undefined)?.retryLater === true
  );
}

/** Resolves once `p` settled or `turns` macrotask turns passed; says which. */
async function settledWithin(p: Promise<unknown>, turns = 5): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < turns && !settled; i++) await new Promise((r) => setImmediate(r));
  return settled;
}

describe('shard range moves: range table, write fence, lock waits', () => {
  it('writes land only in owned ranges that are not frozen, bounds exact', () => {
    const t = new RangeTable(() => ME);
    t.update(1, map(false));
    for (const [key, ok] of [
      ['b', false],
      ['c', true],
      ['lzz', true],
      ['m', true],
      ['zzz', true],
    ] as const) {
      expect(t.writableEngineKey(dataKey(k(key), 5n)), key).to.equal(ok);
      expect(t.writableEngineKey(lockKey(k(key))), key).to.equal(ok);
      expect(t.writableEngineKey(writeKey(k(key), 5n)), key).to.equal(ok);
    }
    t.update(2, map(true));
    expect(t.writableEngineKey(lockKey(k('m')))).to.equal(false);
    expect(t.writableEngineKey(lockKey(k('zzz')))).to.equal(false);
    expect(t.writableEngineKey(lockKey(k('d')))).to.equal(true);
    const frozen = t.lookup(3, 2) as RangeDescriptor;
    expect(isRetryLater(errorSync(() => t.checkWritable(frozen)))).to.equal(true);
    t.checkReadable(frozen); // reads go on until the seal
  });

  it('a seal stops reads of a frozen range until its epoch moves; a restart seals frozen ranges', () => {
    const t = new RangeTable(() => ME);
    t.update(1, map(false));
    expect(t.seal(3, 1), 'not frozen: no seal').to.equal(false);
    t.update(2, map(true));
    expect(t.seal(3, 2)).to.equal(true);
    expect(
      isRetryLater(errorSync(() => t.checkReadable(t.lookup(3, 2) as RangeDescriptor))),
    ).to.equal(true);
    const restarted = new RangeTable(() => ME);
    restarted.update(2, map(true));
    expect(
      isRetryLater(
        errorSync(() => restarted.checkReadable(restarted.lookup(3, 2) as RangeDescriptor)),
      ),
    ).to.equal(true);
    // Aborted: unfrozen at epoch 3, readable and writable again.
    t.update(3, [...map(false).slice(0, 2), range(3, 'm', null, { epoch: 3 })]);
    t.checkReadable(t.lookup(3, 3) as RangeDescriptor);
    expect(t.writableEngineKey(lockKey(k('m')))).to.equal(true);
  });

  it('the fence drains writes handed over before a freeze and refuses the ones after', async () => {
    const t = new RangeTable(() => ME);
    t.update(1, map(false));
    const mem = new MemEngine();
    const fence = new FencedEngine(mem, t);
    let open = (): void => undefined;
    mem.gate = new Promise<void>((r) => (open = r));
    const early = fence.write(new WriteBatch().put(dataKey(k('p'), 10n), v('before')));
    t.update(2, map(true)); // the freeze is adopted while that write is in flight
    const drained = fence.drain();
    expect(await settledWithin(drained)).to.equal(false);
    const late = await errorOf(fence.write(new WriteBatch().put(dataKey(k('q'), 11n), v('after'))));
    expect(isRetryLater(late)).to.equal(true);
    open();
    await drained;
    await early;
    expect(mem.get(dataKey(k('p'), 10n))?.toString()).to.equal('before');
    expect(mem.get(dataKey(k('q'), 11n))).to.equal(undefined);
    // GC's deletes of versions and records, and metadata keys, are not range writes.
    mem.gate = undefined;
    await fence.write(
      new WriteBatch()
        .del(dataKey(k('p'), 10n))
        .del(writeKey(k('p'), 3n))
        .put(metaKey('x'), v('1')),
    );
    expect(mem.get(dataKey(k('p'), 10n))).to.equal(undefined);
    // A lock's removal is a transaction's write: refused while frozen.
    expect(
      isRetryLater(await errorOf(fence.write(new WriteBatch().del(lockKey(k('p')))))),
    ).to.equal(true);
  });

  it('a transaction that waited for a lock across the freeze neither writes nor keeps waiting', async () => {
    const t = new RangeTable(() => ME);
    t.update(1, map(false));
    const mem = new MemEngine();
    const waiters = new RangeLockWaiters();
    const store = await MvccStore.open({ engine: new FencedEngine(mem, t), waiters });
    const lock = (startTs: bigint) => ({
      keys: [k('p')],
      primary: k('p'),
      startTs,
      forUpdateTs: startTs,
      ttlMs: 60_000,
    });
    const now = BigInt(Date.now());
    expect((await store.acquirePessimisticLock(lock(ts(Number(now))))).kind).to.equal('ok');
    const waiting = store.acquirePessimisticLock(lock(ts(Number(now) + 1)), {
      lockTimeoutMs: 10_000,
    });
    expect(await settledWithin(waiting)).to.equal(false);
    t.update(2, map(true));
    const ended = waiters.endWaitsOutside(
      (key) => t.writableEngineKey(lockKey(key)),
      () => new RpcError(RpcErrorCode.rangeStale, 'moving', { retryLater: true }),
    );
    expect(ended).to.equal(1);
    expect(isRetryLater(await errorOf(waiting))).to.equal(true);
    // And a lock taken now, on a free key of the frozen range, is refused by the fence.
    const fresh = await errorOf(
      store.acquirePessimisticLock({
        ...lock(ts(Number(now) + 2)),
        keys: [k('q')],
        primary: k('q'),
      }),
    );
    expect(isRetryLater(fresh)).to.equal(true);
    // Waits on keys still writable here are left alone.
    expect(
      waiters.endWaitsOutside(
        () => true,
        () => new RpcError(RpcErrorCode.rangeStale, 'x'),
      ),
    ).to.equal(0);
  });
});

function errorSync(fn: () => void): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}
