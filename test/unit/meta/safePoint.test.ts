import { expect } from 'chai';
import { SafePointKeeper } from '../../../meta/safePoint';
import { silentLogger } from '../../../common/logger';

const ts = (ms: number): bigint => BigInt(ms) << 18n;

function keeper(clock: { now: number }, state: { sp: bigint; leader: boolean }): SafePointKeeper {
  return new SafePointKeeper({
    now: () => clock.now,
    lifeTimeMs: 10_000,
    reportTtlMs: 30_000,
    current: () => state.sp,
    isLeader: () => state.leader,
    propose: async (t) => {
      state.sp = t > state.sp ? t : state.sp;
    },
    logger: silentLogger(),
  });
}

describe('GC safe point rule', () => {
  it('trails now by gc_life_time when no transaction is older', async () => {
    const clock = { now: 1_000_000 };
    const state = { sp: 0n, leader: true };
    const k = keeper(clock, state);
    k.report('p1', null);
    k.report('p2', ts(999_000)); // younger than the life time: does not hold it back
    await k.tick();
    expect(state.sp).to.equal(ts(990_000));
  });

  it('never passes the oldest active transaction a proxy reported', async () => {
    const clock = { now: 1_000_000 };
    const state = { sp: 0n, leader: true };
    const k = keeper(clock, state);
    k.report('p1', ts(500_000));
    await k.tick();
    expect(state.sp).to.equal(ts(500_000));
    clock.now += 20_000;
    k.report('p1', ts(500_000)); // still running
    await k.tick();
    expect(state.sp).to.equal(ts(500_000));
  });

  it('forgets a proxy that stopped reporting, and never moves backwards', async () => {
    const clock = { now: 1_000_000 };
    const state = { sp: 0n, leader: true };
    const k = keeper(clock, state);
    k.report('gone', ts(400_000));
    await k.tick();
    expect(state.sp).to.equal(ts(400_000));
    clock.now += 31_000; // past reportTtlMs without a report
    await k.tick();
    expect(state.sp).to.equal(ts(1_021_000));
    k.report('late', ts(100_000)); // an old snapshot reported late cannot pull it back
    await k.tick();
    expect(state.sp).to.equal(ts(1_021_000));
  });

  it('only the leader proposes', async () => {
    const state = { sp: 0n, leader: false };
    const k = keeper({ now: 1_000_000 }, state);
    await k.tick();
    expect(state.sp).to.equal(0n);
  });
});
