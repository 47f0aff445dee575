import { expect } from 'chai';
import { TimestampOracle, physicalOf } from '../../../meta/tso';

/** A TSO over a fake clock and a fake persisted mark whose persistence the test controls. */
function harness(startMs: number, persistedMs = 0) {
  const env = {
    now: startMs,
    mark: persistedMs,
    persists: [] as number[],
    serving: true,
    pending: [] as Array<() => void>,
  };
  const tso = new TimestampOracle({
    now: () => env.now,
    highWater: () => env.mark,
    persistHighWater: (ms) => {
      env.persists.push(ms);
      return new Promise<void>((resolve) =>
        env.pending.push(() => {
          env.mark = Math.max(env.mark, ms);
          resolve();
        }),
      );
    },
    assertServing: () => {
      if (!env.serving) throw new Error('not serving');
    },
  });
  const commit = (): void => {
    for (const f of env.pending.splice(0)) f();
  };
  return { env, tso, commit };
}

describe('TimestampOracle', () => {
  it('starts above the persisted mark even when the clock is behind it, and stays below its own mark', async () => {
    const { env, tso, commit } = harness(1000, 50_000);
    const started = tso.start();
    commit();
    await started;
    const ts = await tso.next(1);
    expect(physicalOf(ts)).to.equal(50_000);
    expect(env.mark).to.be.greaterThan(50_000);
  });

  it('hands out strictly increasing, non-overlapping blocks, synchronously while the mark allows', async () => {
    const { env, tso, commit } = harness(10_000);
    const started = tso.start();
    commit();
    await started;
    let last = -1n;
    for (let i = 0; i < 2000; i++) {
      if (i % 100 === 0) env.now += 1; // the clock moves sometimes; many calls per millisecond
      const count = 1 + (i % 300);
      const ts = tso.next(count);
      expect(typeof ts, 'hot path answers without a promise').to.equal('bigint');
      expect((ts as bigint) > last).to.equal(true);
      last = (ts as bigint) + BigInt(count - 1);
      commit();
    }
  });

  it('waits for a renewed mark rather than pass the persisted one', async () => {
    const { env, tso, commit } = harness(10_000);
    const started = tso.start();
    commit();
    await started;
    env.now = env.mark + 500; // the clock ran past the mark
    const pending = tso.next(1);
    expect(pending).to.be.instanceOf(Promise);
    let done = false;
    void (pending as Promise<bigint>).then(() => (done = true));
    await Promise.resolve();
    expect(done, 'not before the new mark is persisted').to.equal(false);
    commit();
    const ts = await pending;
    expect(physicalOf(ts)).to.be.lessThan(env.mark);
  });

  it('refuses once it may no longer serve (assertServing)', async () => {
    const { env, tso, commit } = harness(10_000);
    const started = tso.start();
    commit();
    await started;
    env.serving = false;
    expect(() => tso.next(1)).to.throw('not serving');
  });
});
