import { expect } from 'chai';
import { FencedEngine } from '../../../shard/writeFence';
import { LockIndexedEngine } from '../../../shard/lockIndex';
import { silentLogger } from '../../../common/logger';
import { WriteBatch } from '../../../shard/storage/kvEngine';
import { MemEngine } from './mvcc/memEngine';

/** An engine with the LSM's point seek, counting its use. */
class SeekingEngine extends MemEngine {
  seeks = 0;
  firstInRange(gte: Buffer, lte: Buffer): [Buffer, Buffer] | undefined {
    this.seeks++;
    const it = this.iterator({ gte, lte });
    return it.next();
  }
}

describe('shard engine decorators', () => {
  it("keep the engine's point seek through the lock index and the write fence (the MVCC read hot path)", async () => {
    const inner = new SeekingEngine();
    await inner.write(new WriteBatch().put(Buffer.from('d1'), Buffer.from('v')));
    const stacked = new FencedEngine(LockIndexedEngine.over(inner, silentLogger()), {
      writableEngineKey: () => true,
    });
    const found = stacked.firstInRange(Buffer.from('d0'), Buffer.from('d9'));
    expect(found?.[1].toString()).to.equal('v');
    expect(inner.seeks).to.equal(1);
  });
});
