import { expect } from 'chai';
import pino from 'pino';
import { GcRunner } from '../../../shard/gcRunner';
import { MvccStore } from '../../../shard/mvcc';
import { waitFor } from '../../support/waitFor';
import { MemEngine } from './mvcc/memEngine';
import { ts } from './mvcc/helpers';

/** A store whose background passes are counted. */
async function countingStore(): Promise<{ store: MvccStore; passes: () => number }> {
  const store = await MvccStore.open({ engine: new MemEngine(), now: () => 10_000 });
  let passes = 0;
  const gcPass = store.gcPass.bind(store);
  store.gcPass = async (options) => {
    passes++;
    return gcPass(options);
  };
  return { store, passes: () => passes };
}

describe('GcRunner', () => {
  it('applies every safe point at once but runs at most one background pass per interval', async () => {
    const { store, passes } = await countingStore();
    const runner = new GcRunner(store, new MemEngine(), pino({ level: 'silent' }), 60_000);
    runner.advance(ts(1000));
    await waitFor('passes() === 1', () => passes() === 1, 2000);
    for (let i = 1; i <= 5; i++) {
      runner.advance(ts(1000 + i));
      await waitFor(
        'store.safePoint === ts(1000 + i)',
        () => store.safePoint === ts(1000 + i),
        2000,
      );
    }
    await runner.idle();
    expect(passes()).to.equal(1); // the next pass waits for the interval
    await runner.close();
  });

  it('runs the owed pass when the interval has passed', async () => {
    const { store, passes } = await countingStore();
    const runner = new GcRunner(store, new MemEngine(), pino({ level: 'silent' }), 50);
    runner.advance(ts(1000));
    await waitFor('passes() === 1', () => passes() === 1, 2000);
    runner.advance(ts(1001));
    await waitFor('passes() === 2', () => passes() === 2, 2000);
    expect(store.safePoint).to.equal(ts(1001));
    await runner.close();
  });
});
