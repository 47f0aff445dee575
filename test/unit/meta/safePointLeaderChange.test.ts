import { expect } from 'chai';
import { SafePointKeeper } from '../../../meta/safePoint';
import { silentLogger } from '../../../common/logger';

const ts = (ms: number): bigint => BigInt(ms) << 18n;

describe('GC safe point after a meta leader change', () => {
  it('a new leader waits to hear the proxies before it moves the safe point past an old transaction', async () => {
    const clock = { now: 1_000_000 };
    const state = { sp: ts(400_000), leader: false };
    // This node becomes leader; the old leader knew of a transaction started at 500 000,
    // far older than gc_life_time, which its proxy reports every 2 s.
    const k = new SafePointKeeper({
      now: () => clock.now,
      lifeTimeMs: 10_000,
      reportTtlMs: 30_000,
      current: () => state.sp,
      isLeader: () => state.leader,
      propose: async (t) => {
        state.sp = t > state.sp ? t : state.sp;
      },
      logger: silentLogger(),
      leaderWarmupMs: 5_000,
      shards: () => [],
      term: () => 1,
    });
    state.leader = true;
    await k.tick(); // no report heard yet: now − gc_life_time would pass the transaction
    expect(state.sp).to.equal(ts(400_000));
    clock.now += 2_000;
    k.report('proxy1', ts(500_000));
    await k.tick();
    expect(state.sp, 'still listening').to.equal(ts(400_000));
    clock.now += 4_000;
    k.report('proxy1', ts(500_000));
    await k.tick();
    expect(state.sp, 'held at the reported transaction').to.equal(ts(500_000));
    // Losing and regaining leadership starts the wait again.
    state.leader = false;
    await k.tick();
    state.leader = true;
    k.report('proxy1', null);
    clock.now += 1_000;
    await k.tick();
    expect(state.sp).to.equal(ts(500_000));
    clock.now += 5_000;
    await k.tick();
    expect(state.sp).to.equal(ts(clock.now - 10_000));
  });
});
