import { expect } from 'chai';
import { SafePointKeeper } from '../../../meta/safePoint';
import { silentLogger } from '../../../common/logger';

const ts = (ms: number): bigint => BigInt(ms) << 18n;

function keeper(
  clock: { now: number },
  state: { sp: bigint; leader: boolean; shards?: number[]; term?: number },
): SafePointKeeper {
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
    shards: () => state.shards ?? [],
    term: () => state.term ?? 1,
    staleLockMs: 20_000,
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

  describe('with shards reporting their oldest lock', () => {
    it('never passes a lock a shard holds, even after every proxy forgot its transaction', async () => {
      const clock = { now: 1_000_000 };
      const state = { sp: 0n, leader: true, shards: [1, 2] };
      const k = keeper(clock, state);
      k.reportShard(1, null);
      k.reportShard(2, ts(600_000)); // a dead coordinator's secondary lock
      await k.tick();
      expect(state.sp).to.equal(ts(600_000));
      // The shard stays silent (down): its report stands, so the lock's record is kept.
      clock.now += 120_000;
      k.reportShard(1, null);
      await k.tick();
      expect(state.sp).to.equal(ts(600_000));
      // Resolved: the next heartbeat says so, and the safe point moves on.
      k.reportShard(2, null);
      await k.tick();
      expect(state.sp).to.equal(ts(clock.now - 10_000));
    });

    it('moves nothing until every registered shard has reported in this term', async () => {
      const clock = { now: 1_000_000 };
      const state = { sp: ts(100_000), leader: true, shards: [1, 2], term: 3 };
      const k = keeper(clock, state);
      k.reportShard(1, null);
      await k.tick();
      expect(state.sp, 'shard 2 unheard').to.equal(ts(100_000));
      k.reportShard(2, null);
      await k.tick();
      expect(state.sp).to.equal(ts(990_000));
      // A later term: reports heard before it no longer count (they may be stale).
      state.term = 5;
      clock.now += 10_000;
      await k.tick();
      expect(state.sp).to.equal(ts(990_000));
      k.reportShard(1, null);
      k.reportShard(2, ts(995_000));
      await k.tick();
      expect(state.sp).to.equal(ts(995_000));
    });

    it('names the shards whose oldest lock is older than staleLockMs', () => {
      const clock = { now: 1_000_000 };
      const state = { sp: 0n, leader: true, shards: [1, 2, 3], term: 2 };
      const k = keeper(clock, state);
      k.reportShard(1, ts(970_000)); // 30 s old
      k.reportShard(2, ts(990_000)); // 10 s old: its transaction may well be running
      k.reportShard(3, null);
      expect(k.staleLockShards()).to.deep.equal([1]);
      state.term = 3;
      expect(k.staleLockShards(), 'reports of an earlier term').to.deep.equal([]);
    });
  });
});
