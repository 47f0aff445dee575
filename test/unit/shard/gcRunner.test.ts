import { expect } from 'chai';
import { GcRunner } from '../../../shard/gcRunner';
import type { MvccStore } from '../../../shard/mvcc';
import type { KvEngine } from '../../../shard/storage/kvEngine';
import { silentLogger } from '../../../common/logger';
import { waitFor } from '../../support/waitFor';

describe('shard GC runner', () => {
  it('spaces passes by a multiple of the last pass duration, and collects the newest safe point', async () => {
    let offset = 0; // the fake clock runs ahead of the real one by each pass's "duration"
    const passes: bigint[] = [];
    let safePoint = 0n;
    const store = {
      get safePoint() {
        return safePoint;
      },
      updateSafePoint: async (sp: bigint) => {
        safePoint = sp;
      },
      gc: async () => {
        passes.push(safePoint);
        offset += 100; // a pass that took 100 ms
        return 0;
      },
    } as unknown as MvccStore; // only what GcRunner calls
    const runner = new GcRunner(store, {} as KvEngine, silentLogger(), () => Date.now() + offset);
    runner.advance(10n);
    await runner.idle();
    expect(passes).to.deep.equal([10n]);
    const after = Date.now();
    runner.advance(20n);
    runner.advance(30n);
    await runner.idle();
    expect(passes, 'no pass right after the last one').to.deep.equal([10n]);
    await waitFor('the next pass', () => passes.length === 2, 3000, 10);
    expect(Date.now() - after, 'waited about 4 × 100 ms').to.be.at.least(300);
    expect(passes[1], 'one pass at the newest safe point').to.equal(30n);
    await runner.close();
    runner.advance(40n);
    expect(passes).to.have.length(2);
  });
});
