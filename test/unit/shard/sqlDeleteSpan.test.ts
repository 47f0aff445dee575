/**
 * sql.deleteSpan (TRUNCATE, DROP) and what Percolator recovery still needs of the rows it
 * deletes (shard/sqlHandlers.ts). A transaction's primary key can sit in the span while
 * its secondaries elsewhere are still locked: its coordinator died between committing
 * the primary and the secondaries. The resolver that meets a secondary asks the primary.
 */
import { expect } from 'chai';
import { MvccStore } from '../../../shard/mvcc';
import { sqlHandlers } from '../../../shard/sqlHandlers';
import type { RangeDescriptor } from '../../../common/catalog/schema';
import type { RpcHandler } from '../../../common/rpc';
import { DATA_PREFIX, WRITE_PREFIX } from '../../../shard/mvcc/keys';
import { MemEngine } from './mvcc/memEngine';

describe('shard sql.deleteSpan keeps what recovery needs', () => {
  const everything: RangeDescriptor = {
    id: 1,
    startKey: Buffer.alloc(0),
    endKey: null,
    shardId: 1,
    epoch: 1,
  } as RangeDescriptor;
  let engine: MemEngine;
  let store: MvccStore;
  let deleteSpan: RpcHandler;

  const truncateX = (): unknown =>
    deleteSpan({ start: Buffer.from('x'), end: Buffer.from('y') }, {} as never);
  const familyCount = (family: number): number =>
    engine.entries.filter(([k]) => k[0] === family).length;

  beforeEach(async () => {
    engine = new MemEngine();
    store = await MvccStore.open({ engine, now: () => 0 });
    const handlers = new Map(
      sqlHandlers({
        engine,
        rawEngine: engine,
        rangeOf: async () => everything,
        checkReadable: () => undefined,
        checkWritableNow: () => undefined,
        writableEngineKey: () => true,
        owned: () => [everything],
        refresh: async () => undefined,
        safePoint: () => store.safePoint,
      }),
    );
    deleteSpan = handlers.get('sql.deleteSpan') as RpcHandler;
  });

  /** Transaction startTs puts `primary` and `secondary`, commits only the primary. */
  async function halfCommitted(primary: Buffer, secondary: Buffer, startTs: bigint) {
    const r = await store.prewrite({
      mutations: [
        { key: primary, op: 'put', value: Buffer.from('p') },
        { key: secondary, op: 'put', value: Buffer.from('s') },
      ],
      primary,
      startTs,
      ttlMs: 1,
      forUpdateTs: 0n,
    });
    expect(r.kind).to.equal('ok');
    const c = await store.commit({ keys: [primary], startTs, commitTs: startTs + 10n });
    expect(c.kind).to.equal('ok');
  }

  it("a truncated primary still answers 'committed', so its secondary is rolled forward", async () => {
    await halfCommitted(Buffer.from('x1'), Buffer.from('z1'), 100n);
    await truncateX();
    // The row is gone for readers...
    const read = await store.get({ key: Buffer.from('x1'), ts: 1000n });
    expect(read).to.deep.equal({ kind: 'ok', value: undefined });
    // ...but the transaction's fate is not: before, the lock's expiry rolled it back.
    const status = await store.checkTxnStatus({
      primary: Buffer.from('x1'),
      startTs: 100n,
      callerStartTs: 0n,
      rollbackIfNotExist: true,
    });
    expect(status).to.deep.include({ kind: 'committed', commitTs: 110n });
  });

  it('a rollback record in the span survives, so a late prewrite of that transaction fails', async () => {
    const rb = await store.rollback({ keys: [Buffer.from('x2')], startTs: 200n });
    expect(rb.kind).to.equal('ok');
    await truncateX();
    const late = await store.prewrite({
      mutations: [{ key: Buffer.from('x2'), op: 'put', value: Buffer.from('late') }],
      primary: Buffer.from('x2'),
      startTs: 200n,
      ttlMs: 1000,
      forUpdateTs: 0n,
    });
    expect(late.kind).to.equal('txnRolledBack');
  });

  it('below the GC safe point nothing is kept, as GC would drop it anyway', async () => {
    await halfCommitted(Buffer.from('x3'), Buffer.from('z3'), 100n);
    await store.rollback({ keys: [Buffer.from('x4')], startTs: 120n });
    await store.updateSafePoint(150n);
    await truncateX();
    const inSpan = ([k]: [Buffer, Buffer]): boolean =>
      (k[0] === DATA_PREFIX || k[0] === WRITE_PREFIX) && k[1] === 'x'.charCodeAt(0);
    expect(engine.entries.filter(inSpan)).to.have.length(0);
    expect(familyCount(DATA_PREFIX)).to.equal(0);
  });
});
