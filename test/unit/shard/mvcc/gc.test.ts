import { expect } from 'chai';
import {
  commit,
  createGcFilter,
  gc,
  get,
  MvccStore,
  prewrite,
  rollback,
} from '../../../../shard/mvcc';
import type { Mutation } from '../../../../shard/mvcc';
import { SqlError, SqlState } from '../../../../common/errors';
import { DATA_PREFIX, WRITE_PREFIX } from '../../../../shard/mvcc/keys';
import { MemEngine } from './memEngine';
import { apply, errorOf, k, str, ts, v } from './helpers';

const NOW = 10_000;

function committed(
  e: MemEngine,
  key: string,
  value: string | undefined,
  startTs: bigint,
  commitTs: bigint,
): void {
  const m: Mutation =
    value === undefined ? { key: k(key), op: 'del' } : { key: k(key), op: 'put', value: v(value) };
  expect(
    apply(
      e,
      prewrite(e, { mutations: [m], primary: k(key), startTs, ttlMs: 3000, forUpdateTs: 0n }, NOW),
    ).kind,
  ).to.equal('ok');
  expect(apply(e, commit(e, { keys: [k(key)], startTs, commitTs }, NOW)).kind).to.equal('ok');
}

const read = (e: MemEngine, key: string, at: bigint) => {
  const r = get(e, { key: k(key), ts: at });
  return r.kind === 'ok' ? str(r.value) : 'LOCKED';
};

const familyCount = (e: MemEngine, family: number) =>
  e.entries.filter(([key]) => key[0] === family).length;

describe('mvcc gc', () => {
  let e: MemEngine;
  beforeEach(() => {
    e = new MemEngine();
    // a: versions at 1001, 1003, 1005, 1007; b: put 1001, delete 1003; c: put 1009 only.
    committed(e, 'a', 'a1', ts(1000), ts(1001));
    committed(e, 'a', 'a2', ts(1002), ts(1003));
    committed(e, 'a', 'a3', ts(1004), ts(1005));
    committed(e, 'a', 'a4', ts(1006), ts(1007));
    committed(e, 'b', 'b1', ts(1000), ts(1001));
    committed(e, 'b', undefined, ts(1002), ts(1003));
    committed(e, 'c', 'c1', ts(1008), ts(1009));
    apply(e, rollback(e, { keys: [k('a')], startTs: ts(1004, 5) }, NOW));
    apply(e, rollback(e, { keys: [k('a')], startTs: ts(1008, 5) }, NOW));
  });

  it('keeps the newest version at or below the safe point and everything above it', () => {
    const before = [ts(1005), ts(1006), ts(1007), ts(1010)].map((t) =>
      ['a', 'b', 'c'].map((key) => read(e, key, t)),
    );
    apply(e, gc(e, { safePoint: ts(1005), start: k(''), end: null, limit: 100 }, NOW));
    // a: a1 and a2 are shadowed by a3 (1005 ≤ safe point) and gone; a3 and a4 stay.
    expect(familyCount(e, DATA_PREFIX)).to.equal(3);
    const after = [ts(1005), ts(1006), ts(1007), ts(1010)].map((t) =>
      ['a', 'b', 'c'].map((key) => read(e, key, t)),
    );
    expect(after).to.deep.equal(before);
    expect(read(e, 'a', ts(1005))).to.equal('a3');
    // b's delete at 1003 and the put it shadows are gone; reads at or above the safe point agree.
    expect(read(e, 'b', ts(1005))).to.equal(undefined);
    // Rollback records below the safe point are gone, the one above stays.
    expect(familyCount(e, WRITE_PREFIX)).to.equal(1);
  });

  it('works in bounded batches that resume on a key boundary', () => {
    let start: Buffer | null = k('');
    let rounds = 0;
    while (start !== null) {
      const out = gc(e, { safePoint: ts(1100), start, end: null, limit: 1 }, NOW);
      expect(out.writes.length).to.be.at.most(4); // a's three shadowed versions, then one record
      apply(e, out);
      start = out.result.resumeKey;
      rounds++;
      expect(rounds).to.be.below(10);
    }
    expect(rounds).to.be.greaterThan(1);
    expect(familyCount(e, DATA_PREFIX)).to.equal(2); // a4, c1
    expect(familyCount(e, WRITE_PREFIX)).to.equal(0);
  });

  it('bounds the entries one step looks at, so a clean shard does not stall its thread', () => {
    // 200 clean keys (one version each): nothing to delete, yet a step stops at scanLimit.
    for (let i = 0; i < 200; i++)
      committed(e, `k${String(i).padStart(3, '0')}`, 'x', ts(1010), ts(1011));
    const first = gc(
      e,
      { safePoint: ts(1100), start: k(''), end: null, limit: 1000, scanLimit: 50 },
      NOW,
    );
    expect(first.result.resumeKey).to.not.equal(null);
    let start: Buffer | null = k('');
    let steps = 0;
    while (start !== null) {
      const out = gc(e, { safePoint: ts(1100), start, end: null, limit: 1000, scanLimit: 50 }, NOW);
      apply(e, out);
      start = out.result.resumeKey;
      steps++;
      expect(steps).to.be.below(20);
    }
    expect(steps).to.be.at.least(4); // 200+ entries in steps of ~50
    expect(familyCount(e, DATA_PREFIX)).to.equal(202); // a4, c1 and the 200 clean keys
  });

  it('as a compaction filter drops a tombstone only at the bottom level', () => {
    const run = (bottommost: boolean) => {
      const f = createGcFilter(ts(1005), { bottommost });
      return e.entries
        .filter(([key, value]) => f.keep(key, value))
        .filter(([key]) => key[0] === DATA_PREFIX).length;
    };
    // a: keeps a3, a4; b: keeps the tombstone above the last level, nothing at the bottom; c: c1.
    expect(run(false)).to.equal(4);
    expect(run(true)).to.equal(3);
  });

  it('refuses reads and new locks below the safe point with snapshot too old, after a restart too', async () => {
    const store = await MvccStore.open({ engine: e, now: () => NOW });
    await store.updateSafePoint(ts(1005));
    await store.updateSafePoint(ts(1003)); // never moves back
    expect(store.safePoint).to.equal(ts(1005));
    const deleted = await store.gc();
    expect(deleted).to.be.greaterThan(0);
    const err = await store.get({ key: k('a'), ts: ts(1004) }).then(
      () => null,
      (x: unknown) => x,
    );
    expect(err).to.be.instanceOf(SqlError);
    expect((err as SqlError).code).to.equal(SqlState.snapshotTooOld);
    expect((err as SqlError).message).to.equal('snapshot too old');
    expect(
      (
        (await errorOf(
          store.scan({ start: k(''), end: null, ts: ts(1000), limit: 10 }),
        )) as SqlError
      ).code,
    ).to.equal(SqlState.snapshotTooOld);
    const r = await store.get({ key: k('a'), ts: ts(1005) });
    expect(r.kind === 'ok' && str(r.value)).to.equal('a3');
    const reopened = await MvccStore.open({ engine: e, now: () => NOW });
    expect(reopened.safePoint).to.equal(ts(1005));
    const lockErr = await reopened
      .prewrite({
        mutations: [{ key: k('z'), op: 'put' }],
        primary: k('z'),
        startTs: ts(1004),
        ttlMs: 3000,
        forUpdateTs: 0n,
      })
      .then(
        () => null,
        (x: unknown) => x,
      );
    expect((lockErr as SqlError).code).to.equal(SqlState.snapshotTooOld);
  });
});
