/**
 * The background GC pass looks only at keys written since they were last looked at and
 * due at the safe point (gcDirtyKeys.ts): its cost follows what was written, not the size
 * of the shard (a full pass over 200 000 pgbench rows cost a third of a shard's CPU).
 */
import { expect } from 'chai';
import { MvccStore } from '../../../../shard/mvcc';
import { DATA_PREFIX, WRITE_PREFIX, dataKey } from '../../../../shard/mvcc/keys';
import { encodeVersion } from '../../../../shard/mvcc/records';
import { WriteBatch } from '../../../../shard/storage/kvEngine';
import { MemEngine } from './memEngine';
import { k, str, ts, v } from './helpers';

const NOW = 10_000;
const KEYSPACE = 5000;
const name = (i: number): string => `row${String(i).padStart(5, '0')}`;

/** KEYSPACE keys with one version each at ts(100), written before the store opened. */
function loadedEngine(): MemEngine {
  const e = new MemEngine();
  const batch = new WriteBatch();
  for (let i = 0; i < KEYSPACE; i++)
    batch.put(dataKey(k(name(i)), ts(100)), encodeVersion(ts(99), v(`v0-${i}`)));
  e.applyNow(batch);
  return e;
}

/** A transaction through the store (so the store sees the write as a shard would). */
async function write(
  store: MvccStore,
  keys: string[],
  startMs: number,
  value: string | undefined,
): Promise<void> {
  const startTs = ts(startMs);
  const mutations = keys.map((key) =>
    value === undefined
      ? { key: k(key), op: 'del' as const }
      : { key: k(key), op: 'put' as const, value: v(value) },
  );
  const p = await store.prewrite({
    mutations,
    primary: k(keys[0]),
    startTs,
    ttlMs: 3000,
    forUpdateTs: 0n,
  });
  expect(p.kind).to.equal('ok');
  const c = await store.commit({ keys: keys.map(k), startTs, commitTs: ts(startMs + 1) });
  expect(c.kind).to.equal('ok');
}

const versions = (e: MemEngine, key: string): number => {
  const prefix = dataKey(k(key), 0n).subarray(0, -8);
  return e.entries.filter(
    ([x]) => x.length === prefix.length + 8 && x.subarray(0, -8).equals(prefix),
  ).length;
};
const family = (e: MemEngine, f: number) => e.entries.filter(([x]) => x[0] === f).length;

async function read(store: MvccStore, key: string, at: bigint): Promise<string | undefined> {
  const r = await store.get({ key: k(key), ts: at });
  if (r.kind !== 'ok') throw new Error(`${key} is locked`);
  return str(r.value);
}

describe('GC pass over the keys written since the last look', () => {
  it('after a full first pass, looks at only the keys written and removes their old versions', async () => {
    const e = loadedEngine();
    const store = await MvccStore.open({ engine: e, now: () => NOW });
    await store.updateSafePoint(ts(200));
    const first = await store.gcPass();
    expect(first.full, 'nothing is known from before the store opened').to.equal(true);
    expect(first.examined).to.equal(KEYSPACE);
    expect(first.deleted).to.equal(0);
    expect(store.gcDirty.size, 'one version per key: nothing to look at later').to.equal(0);

    const written = [7, 1234, 2500, 4999].map(name);
    for (const [i, key] of written.entries()) await write(store, [key], 300 + 10 * i, `new-${i}`);
    await store.updateSafePoint(ts(1000));
    const second = await store.gcPass();
    expect(second.full).to.equal(false);
    expect(second.examined).to.equal(written.length);
    expect(second.deleted).to.equal(written.length);
    for (const [i, key] of written.entries()) {
      expect(versions(e, key)).to.equal(1);
      expect(await read(store, key, ts(1000))).to.equal(`new-${i}`);
    }
    expect(versions(e, name(8))).to.equal(1);
    expect(await read(store, name(8), ts(1000))).to.equal('v0-8');
    expect(store.gcDirty.size).to.equal(0);

    const third = await store.gcPass();
    expect([third.full, third.examined, third.deleted]).to.deep.equal([false, 0, 0]);
  });

  it('keeps a key with versions above the safe point for a later pass, which cleans it once the safe point passes them', async () => {
    const e = loadedEngine();
    const store = await MvccStore.open({ engine: e, now: () => NOW });
    await store.updateSafePoint(ts(200));
    await store.gcPass();
    const key = name(42);
    await write(store, [key], 300, 'a'); // commit 301
    await write(store, [key], 400, 'b'); // commit 401
    await write(store, [key], 500, 'c'); // commit 501
    expect(versions(e, key)).to.equal(4);

    // The safe point is below every new version: nothing is due, nothing looked at.
    expect((await store.gcPass()).examined).to.equal(0);
    expect(store.gcDirty.size).to.equal(1);

    // Between 401 and 501: versions up to the one at 401 are shadowed except it.
    await store.updateSafePoint(ts(450));
    const mid = await store.gcPass();
    expect([mid.examined, mid.deleted]).to.deep.equal([1, 2]);
    expect(versions(e, key)).to.equal(2);
    expect(await read(store, key, ts(450))).to.equal('b');
    expect(store.gcDirty.size, 'the version at 401 becomes garbage at 501').to.equal(1);
    expect((await store.gcPass()).examined, 'not due again until then').to.equal(0);

    await store.updateSafePoint(ts(600));
    const last = await store.gcPass();
    expect([last.examined, last.deleted]).to.deep.equal([1, 1]);
    expect(versions(e, key)).to.equal(1);
    expect(await read(store, key, ts(600))).to.equal('c');
    expect(store.gcDirty.size).to.equal(0);
  });

  it('removes tombstones and rollback records once the safe point passes them', async () => {
    const e = loadedEngine();
    const store = await MvccStore.open({ engine: e, now: () => NOW });
    await store.updateSafePoint(ts(200));
    await store.gcPass();
    await write(store, [name(1)], 300, undefined); // delete at 301
    // A transaction that locked and rolled back: a rollback record at start_ts 310.
    const lock = await store.prewrite({
      mutations: [{ key: k(name(2)), op: 'put', value: v('x') }],
      primary: k(name(2)),
      startTs: ts(310),
      ttlMs: 3000,
      forUpdateTs: 0n,
    });
    expect(lock.kind).to.equal('ok');
    expect((await store.rollback({ keys: [k(name(2))], startTs: ts(310) })).kind).to.equal('ok');
    expect(family(e, WRITE_PREFIX)).to.equal(1);

    await store.updateSafePoint(ts(305));
    const r1 = await store.gcPass();
    expect(r1.examined).to.equal(1); // the deleted key; the record is not due yet
    expect(versions(e, name(1)), 'tombstone and the put it shadows are gone').to.equal(0);
    expect(await read(store, name(1), ts(305))).to.equal(undefined);

    await store.updateSafePoint(ts(311));
    const r2 = await store.gcPass();
    expect([r2.examined, r2.deleted]).to.deep.equal([1, 1]);
    expect(family(e, WRITE_PREFIX)).to.equal(0);
    expect(store.gcDirty.size).to.equal(0);
    expect(family(e, DATA_PREFIX)).to.equal(KEYSPACE - 1);
  });

  it('falls back to one full pass when the safe point reaches the first key it could not hold', async () => {
    const e = loadedEngine();
    const store = await MvccStore.open({ engine: e, now: () => NOW, maxGcDirtyKeys: 5 });
    await store.updateSafePoint(ts(200));
    await store.gcPass();
    const early = Array.from({ length: 5 }, (_, i) => name(i * 100));
    const late = Array.from({ length: 3 }, (_, i) => name(3000 + i * 100));
    await write(store, early, 300, 'n'); // due 301
    await write(store, late, 400, 'n'); // due 401: no room
    expect(store.gcDirty.overflows).to.equal(1);
    expect(store.gcDirty.size).to.equal(5);

    // Before the safe point reaches the keys it dropped, passes stay small.
    await store.updateSafePoint(ts(350));
    const before = await store.gcPass();
    expect([before.full, before.examined, before.deleted]).to.deep.equal([false, 5, 5]);
    // Then one full pass stands for them…
    await store.updateSafePoint(ts(450));
    const r = await store.gcPass();
    expect(r.full).to.equal(true);
    expect(r.examined).to.equal(KEYSPACE);
    expect(r.deleted, 'every old version of the keys it could not hold').to.equal(late.length);
    for (const key of late) expect(versions(e, key)).to.equal(1);
    // …and it is back to following writes.
    await write(store, [name(3)], 500, 'm');
    await store.updateSafePoint(ts(600));
    const after = await store.gcPass();
    expect([after.full, after.examined, after.deleted]).to.deep.equal([false, 1, 1]);
  });

  it('after a write to every key (an index build), holds them without falling back to a full pass at every pass', async () => {
    const e = loadedEngine();
    const store = await MvccStore.open({ engine: e, now: () => NOW, maxGcDirtyKeys: 1000 });
    await store.updateSafePoint(ts(200));
    await store.gcPass();
    for (let i = 0; i < KEYSPACE; i += 500)
      await write(
        store,
        Array.from({ length: 500 }, (_, j) => name(i + j)),
        300 + i / 100,
        'r',
      );
    // Passes while the safe point is below those writes look at nothing.
    for (let sp = 210; sp < 300; sp += 30) {
      await store.updateSafePoint(ts(sp));
      const r = await store.gcPass();
      expect([r.full, r.examined]).to.deep.equal([false, 0]);
    }
    await store.updateSafePoint(ts(400));
    const full = await store.gcPass();
    expect([full.full, full.deleted]).to.deep.equal([true, KEYSPACE]);
    await store.updateSafePoint(ts(410));
    const next = await store.gcPass();
    expect([next.full, next.examined]).to.deep.equal([false, 0]);
  });

  it('looks at every key in the first pass after a restart, and after a range is copied in', async () => {
    const e = loadedEngine();
    const store = await MvccStore.open({ engine: e, now: () => NOW });
    await store.updateSafePoint(ts(200));
    await store.gcPass();
    await write(store, [name(5)], 300, 'x');
    // Restart before any pass saw the write: the new store knows nothing of it.
    const reopened = await MvccStore.open({ engine: e, now: () => NOW });
    await reopened.updateSafePoint(ts(400));
    const r = await reopened.gcPass();
    expect([r.full, r.examined, r.deleted]).to.deep.equal([true, KEYSPACE, 1]);
    expect(await read(reopened, name(5), ts(400))).to.equal('x');
    expect((await reopened.gcPass()).full).to.equal(false);

    // A range copied in from another shard bypasses the store (sql.ingest); its hand-over
    // raises the max read ts, and the next pass covers everything again.
    const copied = new WriteBatch();
    copied.put(dataKey(k('zz-moved'), ts(150)), encodeVersion(ts(149), v('old')));
    copied.put(dataKey(k('zz-moved'), ts(250)), encodeVersion(ts(249), v('new')));
    e.applyNow(copied);
    reopened.raiseMaxReadTs(ts(500));
    const moved = await reopened.gcPass();
    expect([moved.full, moved.deleted]).to.deep.equal([true, 1]);
    expect(await read(reopened, 'zz-moved', ts(500))).to.equal('new');
  });

  it('records a write that lands while a pass is running, for the next pass', async () => {
    const e = loadedEngine();
    const store = await MvccStore.open({ engine: e, now: () => NOW });
    await store.updateSafePoint(ts(200));
    await store.gcPass();
    const keys = Array.from({ length: 50 }, (_, i) => name(i));
    for (const key of keys) await write(store, [key], 300, 'a');
    await store.updateSafePoint(ts(400));
    // Small batches: the pass yields between them, and a commit gets in.
    const pass = store.gcPass({ scanLimit: 4 });
    await write(store, [name(3), name(4000)], 420, 'b');
    const r = await pass;
    expect(r.examined).to.equal(50);
    await store.updateSafePoint(ts(500));
    const next = await store.gcPass();
    expect(next.examined).to.equal(2);
    expect(versions(e, name(3))).to.equal(1);
    expect(versions(e, name(4000))).to.equal(1);
    expect(await read(store, name(3), ts(500))).to.equal('b');
  });
});
