import { expect } from 'chai';
import { LockSweeper } from '../../../../proxy/txn/lockSweeper';
import type { TxnShardRpc } from '../../../../proxy/txn/shardGroups';
import type { LockResolver, ResolveOutcome } from '../../../../proxy/txn/lockResolver';
import type { Lock } from '../../../../shard/mvcc';
import { silentLogger } from '../../../../common/logger';

const ts = (ms: number): bigint => BigInt(ms) << 18n;

/** Two shards, one range each; locks per range; transactions dead or alive. */
function harness(clock: { now: number }) {
  const ranges = [
    { id: 1, epoch: 1, shardId: 1, startKey: Buffer.from('a'), endKey: Buffer.from('m') },
    { id: 2, epoch: 1, shardId: 2, startKey: Buffer.from('m'), endKey: null },
  ];
  const locks = new Map<number, Lock[]>([
    [1, []],
    [2, []],
  ]);
  const live = new Set<bigint>();
  const scans: Array<{ range: number; maxTs: bigint }> = [];
  const rangeOf = (key: Buffer) =>
    ranges.find(
      (r) =>
        Buffer.compare(key, r.startKey) >= 0 &&
        (r.endKey === null || Buffer.compare(key, r.endKey) < 0),
    )!;
  const rpc = {
    ranges: { refresh: async () => undefined, all: ranges },
    onKey: async (key: Buffer, method: string, body: { maxTs: bigint; limit: number }) => {
      expect(method).to.equal('txn.scanLocks');
      const r = rangeOf(key);
      scans.push({ range: r.id, maxTs: body.maxTs });
      const found = (locks.get(r.id) ?? []).filter((l) => l.startTs <= body.maxTs);
      return { locks: found.slice(0, body.limit), more: found.length > body.limit };
    },
  } as unknown as TxnShardRpc;
  const resolved: bigint[] = [];
  const resolver = {
    resolve: async (met: readonly Lock[]): Promise<ResolveOutcome> => {
      let mustWait = false;
      for (const l of met) {
        if (live.has(l.startTs)) {
          mustWait = true;
          continue;
        }
        resolved.push(l.startTs);
        for (const [id, list] of locks)
          locks.set(
            id,
            list.filter((x) => x !== l),
          );
      }
      return { bypass: [], mustWait };
    },
  } as unknown as LockResolver;
  const sweeper = new LockSweeper({
    rpc,
    resolver,
    logger: silentLogger(),
    now: () => clock.now,
    minLockAgeMs: 5_000,
    minIntervalMs: 10_000,
  });
  const lock = (range: number, key: string, startTs: bigint): void => {
    const l = { key: Buffer.from(key), startTs, primary: Buffer.from(key) } as Lock;
    locks.get(range)?.push(l);
  };
  return { sweeper, lock, live, scans, resolved, locks };
}

describe('lock sweeper (old locks that hold the GC safe point)', () => {
  it("resolves the named shards' locks older than a lock TTL, and only those", async () => {
    const clock = { now: 1_000_000 };
    const h = harness(clock);
    h.lock(1, 'b', ts(900_000)); // a dead coordinator's
    h.lock(1, 'c', ts(999_000)); // a second old: too young to touch
    h.lock(2, 'n', ts(900_000)); // on a shard meta did not name
    expect(await h.sweeper.sweep([1])).to.equal(1);
    expect(h.resolved).to.deep.equal([ts(900_000)]);
    expect(h.scans).to.deep.equal([{ range: 1, maxTs: ts(995_000) }]);
    expect(h.locks.get(2)).to.have.length(1);
  });

  it('backs off from a shard whose old lock belongs to a live transaction, and comes back when it ends', async () => {
    const clock = { now: 1_000_000 };
    const h = harness(clock);
    h.lock(1, 'b', ts(900_000));
    h.live.add(ts(900_000)); // a session holding a row lock for minutes, legitimately
    const sweeps = async (): Promise<number> => {
      const before = h.scans.length;
      h.sweeper.request([1]);
      await h.sweeper.idle();
      return h.scans.length - before;
    };
    expect(await sweeps()).to.equal(1);
    clock.now += 10_000;
    expect(await sweeps(), 'interval doubled to 20 s').to.equal(0);
    clock.now += 10_000;
    expect(await sweeps()).to.equal(1);
    clock.now += 20_000;
    expect(await sweeps(), 'interval now 40 s').to.equal(0);
    clock.now += 20_000;
    expect(await sweeps()).to.equal(1);
    // Many doublings later the interval stops growing at 16 × 10 s.
    for (let i = 0; i < 6; i++) {
      clock.now += 160_000;
      expect(await sweeps()).to.equal(1);
    }
    // The transaction ended without cleaning up (its proxy died): resolved at the next sweep,
    // and the shard is back to the base interval.
    h.live.clear();
    clock.now += 160_000;
    expect(await sweeps()).to.equal(1);
    expect(h.resolved).to.deep.equal([ts(900_000)]);
    h.lock(1, 'c', ts(1_000_000));
    clock.now += 10_000;
    expect(await sweeps(), 'base interval again').to.equal(1);
  });
});
