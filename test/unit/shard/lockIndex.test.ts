import { expect } from 'chai';
import fc from 'fast-check';
import { MvccStore } from '../../../shard/mvcc';
import { LOCK_PREFIX, lockKey } from '../../../shard/mvcc/keys';
import { encodeLock, lockStartTs } from '../../../shard/mvcc/records';
import { WriteBatch } from '../../../shard/storage/kvEngine';
import { LockIndexedEngine } from '../../../shard/lockIndex';
import { silentLogger } from '../../../common/logger';
import { MemEngine } from './mvcc/memEngine';
import { k, ts, v } from './mvcc/helpers';

/** The oldest lock and the lock count by a scan of the engine: what the index must match. */
function scanned(e: MemEngine): { oldest: bigint | null; count: number } {
  let oldest: bigint | null = null;
  let count = 0;
  for (const [key, value] of e.entries) {
    if (key[0] !== LOCK_PREFIX) continue;
    count++;
    const t = lockStartTs(value);
    if (oldest === null || t < oldest) oldest = t;
  }
  return { oldest, count };
}

const lockValue = (key: string, startTs: bigint): Buffer =>
  encodeLock({
    key: k(key),
    kind: 'prewrite',
    op: 'put',
    primary: k(key),
    startTs,
    forUpdateTs: 0n,
    minCommitTs: startTs + 1n,
    ttlMs: 3000,
    value: v('x'),
  });

describe('shard lock index (oldest lock for the GC safe point)', () => {
  it('follows pessimistic locks, prewrites, commits and rollbacks through the MVCC store', async () => {
    const mem = new MemEngine();
    const indexed = LockIndexedEngine.over(mem, silentLogger());
    const store = await MvccStore.open({ engine: indexed, now: () => 1_000 });
    const check = (oldest: bigint | null, count: number): void => {
      expect(indexed.oldestLock()).to.equal(oldest);
      expect(indexed.lockCount).to.equal(count);
      expect(scanned(mem)).to.deep.equal({ oldest, count });
    };
    check(null, 0);
    const a = ts(100);
    const b = ts(200);
    expect(
      (
        await store.acquirePessimisticLock({
          keys: [k('a1'), k('a2')],
          primary: k('a1'),
          startTs: a,
          forUpdateTs: a,
          ttlMs: 3000,
        })
      ).kind,
    ).to.equal('ok');
    check(a, 2);
    const prewriteB = await store.prewrite({
      mutations: [
        { key: k('b1'), op: 'put', value: v('1') },
        { key: k('b2'), op: 'put', value: v('2') },
      ],
      primary: k('b1'),
      startTs: b,
      ttlMs: 3000,
      forUpdateTs: 0n,
    });
    expect(prewriteB.kind).to.equal('ok');
    check(a, 4);
    // A's pessimistic locks become prewrite locks: replaced, not added.
    const prewriteA = await store.prewrite({
      mutations: [
        { key: k('a1'), op: 'put', value: v('1') },
        { key: k('a2'), op: 'del' },
      ],
      primary: k('a1'),
      startTs: a,
      ttlMs: 3000,
      forUpdateTs: a,
      pessimistic: [true, true],
    });
    expect(prewriteA.kind).to.equal('ok');
    check(a, 4);
    // A commits its primary only (its coordinator "dies"): the secondary still holds A.
    await store.commit({ keys: [k('a1')], startTs: a, commitTs: ts(300) });
    check(a, 3);
    await store.resolveLocks({ keys: [k('a2')], startTs: a, commitTs: ts(300) });
    check(b, 2);
    await store.rollback({ keys: [k('b1'), k('b2')], startTs: b });
    check(null, 0);
  });

  it('indexes the locks already in the engine when it opens (a restart)', () => {
    const mem = new MemEngine();
    mem.applyNow(
      new WriteBatch()
        .put(lockKey(k('x')), lockValue('x', ts(50)))
        .put(lockKey(k('y')), lockValue('y', ts(40)))
        .put(Buffer.from('d-not-a-lock'), Buffer.from('v')),
    );
    const indexed = LockIndexedEngine.over(mem, silentLogger());
    expect(indexed.oldestLock()).to.equal(ts(40));
    expect(indexed.lockCount).to.equal(2);
  });

  it('counts a write of a key whose earlier write is still in flight against that write', async () => {
    const mem = new MemEngine();
    const indexed = LockIndexedEngine.over(mem, silentLogger());
    await indexed.write(new WriteBatch().put(lockKey(k('x')), lockValue('x', ts(10))));
    let open!: () => void;
    mem.gate = new Promise((r) => (open = r));
    // The delete is handed to the engine but not applied when the next lock on x comes.
    const del = indexed.write(new WriteBatch().del(lockKey(k('x'))));
    const put = indexed.write(new WriteBatch().put(lockKey(k('x')), lockValue('x', ts(20))));
    expect(indexed.oldestLock()).to.equal(ts(20));
    expect(indexed.lockCount).to.equal(1);
    open();
    mem.gate = undefined;
    await Promise.all([del, put]);
    expect(indexed.oldestLock()).to.equal(ts(20));
    expect(scanned(mem)).to.deep.equal({ oldest: ts(20), count: 1 });
  });

  it('rebuilds from the engine after a failed write (the lock it would have deleted is still held)', async () => {
    const mem = new MemEngine();
    const indexed = LockIndexedEngine.over(mem, silentLogger());
    await indexed.write(new WriteBatch().put(lockKey(k('x')), lockValue('x', ts(10))));
    mem.gate = Promise.reject(new Error('disk full'));
    const failed = indexed.write(new WriteBatch().del(lockKey(k('x'))));
    await failed.catch(() => undefined);
    mem.gate = undefined;
    await new Promise((r) => setImmediate(r));
    expect(indexed.oldestLock()).to.equal(ts(10));
    expect(indexed.lockCount).to.equal(1);
  });

  it('matches a scan after any interleaving of lock writes (property)', async () => {
    const op = fc.record({
      key: fc.constantFrom('a', 'b', 'c'),
      put: fc.boolean(),
      ts: fc.integer({ min: 1, max: 5 }),
    });
    const step = fc.record({
      ops: fc.array(op, { minLength: 1, maxLength: 3 }),
      // Batches applied after this write: the rest stay in flight, as behind an fsync.
      apply: fc.integer({ min: 0, max: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 12 }), async (steps) => {
        const mem = new QueuedEngine();
        const indexed = LockIndexedEngine.over(mem, silentLogger());
        const written: Array<Promise<void>> = [];
        for (const s of steps) {
          const batch = new WriteBatch();
          for (const o of s.ops) {
            if (o.put) batch.put(lockKey(k(o.key)), lockValue(o.key, ts(o.ts)));
            else batch.del(lockKey(k(o.key)));
          }
          written.push(indexed.write(batch));
          mem.applyFirst(s.apply);
          await Promise.resolve();
        }
        mem.applyFirst(Infinity);
        await Promise.all(written);
        const truth = scanned(mem);
        expect(indexed.oldestLock()).to.equal(truth.oldest);
        expect(indexed.lockCount).to.equal(truth.count);
      }),
      { numRuns: 300 },
    );
  });
});

/** Applies writes in the order they were handed over, when the test says (an LSM's order). */
class QueuedEngine extends MemEngine {
  private readonly queue: Array<{ batch: WriteBatch; done: () => void }> = [];
  override write(batch: WriteBatch): Promise<void> {
    return new Promise((done) => this.queue.push({ batch, done }));
  }
  applyFirst(n: number): void {
    for (let i = 0; i < n && this.queue.length > 0; i++) {
      const w = this.queue.shift() as { batch: WriteBatch; done: () => void };
      this.applyNow(w.batch);
      w.done();
    }
  }
}
