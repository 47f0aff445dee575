import { expect } from 'chai';
import { TimestampOracle, physicalOf } from '../../../meta/tso';

/** A TSO over a fake clock and a fake durable high-water mark. */
function oracle(clock: { now: number }, store: { hwm: number; persists: number }): TimestampOracle {
  return new TimestampOracle({
    now: () => clock.now,
    highWater: () => store.hwm,
    persistHighWater: async (ms) => {
      store.persists++;
      store.hwm = Math.max(store.hwm, ms);
    },
  });
}

describe('timestamp oracle: ordering across restarts and concurrency', () => {
  it('hands out strictly increasing timestamps, also within one millisecond', async () => {
    const clock = { now: 1_000_000 };
    const store = { hwm: 0, persists: 0 };
    const tso = oracle(clock, store);
    await tso.start();
    let last = -1n;
    for (let i = 0; i < 5000; i++) {
      const ts = await tso.next();
      expect(ts > last).to.equal(true);
      last = ts;
    }
  });

  it('never repeats a timestamp after a restart, even when the clock went backwards', async () => {
    const clock = { now: 5_000_000 };
    const store = { hwm: 0, persists: 0 };
    const first = oracle(clock, store);
    await first.start();
    let last = 0n;
    for (let i = 0; i < 100; i++) last = await first.next();
    clock.now -= 60_000; // a new leader whose clock is a minute behind
    const second = oracle(clock, store);
    await second.start();
    const next = await second.next();
    expect(next > last).to.equal(true);
    expect(physicalOf(next)).to.be.at.least(physicalOf(last));
  });

  it('gives concurrent callers distinct timestamps while the high-water mark renews', async () => {
    const clock = { now: 1_000 };
    const store = { hwm: 0, persists: 0 };
    const tso = oracle(clock, store);
    await tso.start();
    clock.now = store.hwm + 10; // past the mark: every caller must wait for a renewal
    const all = await Promise.all(Array.from({ length: 200 }, (_, i) => tso.next(1 + (i % 3))));
    expect(new Set(all.map(String)).size).to.equal(all.length);
    // Batches of count n own [ts, ts + n): no two batches overlap.
    const spans = all
      .map((ts, i) => [ts, ts + BigInt(1 + (i % 3))] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : 1));
    for (let i = 1; i < spans.length; i++) expect(spans[i][0] >= spans[i - 1][1]).to.equal(true);
  });

  it('moves to the next millisecond when the logical counter is used up', async () => {
    const clock = { now: 2_000_000 };
    const store = { hwm: 0, persists: 0 };
    const tso = oracle(clock, store);
    await tso.start();
    const a = await tso.next(200_000);
    const b = await tso.next(200_000);
    expect(physicalOf(b)).to.equal(physicalOf(a) + 1);
    expect(b >= a + 200_000n).to.equal(true);
  });

  it('rejects nonsense counts', async () => {
    const tso = oracle({ now: 1 }, { hwm: 0, persists: 0 });
    await tso.start();
    expect(() => tso.next(0)).to.throw(RangeError);
  });
});
