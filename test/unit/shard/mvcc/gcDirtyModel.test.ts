/**
 * Model test of the GC pass that looks only at written, due keys (gcDirtyKeys.ts): random
 * writes, deletes, rollbacks, safe-point moves, restarts and passes (some with a commit
 * landing in the middle), with sets small enough to overflow. After every pass, a pass over every key at the same safe point
 * finds nothing left to delete; after every step, every key that GC will have work on
 * later is held, due no later than that work; and reads at and above the safe point see
 * what the model says every committed write left.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { MvccStore, gc } from '../../../../shard/mvcc';
import {
  DATA_PREFIX,
  WRITE_PREFIX,
  dataKey,
  physicalMs,
  tsOfKey,
} from '../../../../shard/mvcc/keys';
import { MemEngine } from './memEngine';
import { k, str, ts, v } from './helpers';

const NOW = 10_000;
const KEYS = ['a', 'b', 'c', 'd'];

type Cmd =
  | { readonly t: 'put' | 'del' | 'rollback'; readonly key: number }
  | { readonly t: 'safePoint'; readonly by: number }
  | { readonly t: 'pass'; readonly scanLimit: number; readonly writeDuring: number | null }
  | { readonly t: 'restart' };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('put' as const), key: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('del' as const), key: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('rollback' as const), key: fc.nat(3) }) },
  {
    weight: 2,
    // In TSO logical units too: due times are rounded to the millisecond.
    arbitrary: fc.record({
      t: fc.constant('safePoint' as const),
      by: fc.integer({ min: 1, max: 60 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('pass' as const),
      scanLimit: fc.integer({ min: 1, max: 6 }),
      writeDuring: fc.option(fc.nat(3)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('restart' as const) }) },
);

/** Committed versions per key, oldest first: [commitTs, value (undefined: deleted)]. */
type Model = Map<string, Array<[bigint, string | undefined]>>;

function visibleAt(model: Model, key: string, at: bigint): string | undefined {
  let out: string | undefined;
  for (const [c, value] of model.get(key) ?? []) if (c <= at) out = value;
  return out;
}

/** esc(key) as latin1 (gcDirtyKeys.ts names keys so). */
const partOf = (key: string): string => {
  const d = dataKey(k(key), 0n);
  return d.toString('latin1', 1, d.length - 8);
};

/**
 * The smallest safe point above `after` at which a GC of `key` alone would delete
 * something, found by trying every timestamp at which the outcome can change (its
 * versions' commit_ts, its records' start_ts + 1): independent of how passes track keys.
 */
function firstGcWork(e: MemEngine, key: string, after: bigint): bigint | undefined {
  const d = dataKey(k(key), 0n);
  const part = d.subarray(1, d.length - 8);
  const candidates: bigint[] = [];
  for (const [x] of e.entries) {
    if (x.length !== part.length + 9 || !x.subarray(1, -8).equals(part)) continue;
    if (x[0] === DATA_PREFIX) candidates.push(tsOfKey(x));
    else if (x[0] === WRITE_PREFIX) candidates.push(tsOfKey(x) + 1n);
  }
  candidates.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const end = Buffer.concat([k(key), Buffer.from([0])]);
  for (const at of candidates) {
    if (at <= after) continue;
    const out = gc(e, { safePoint: at, start: k(key), end, limit: 1e9 }, NOW);
    if (out.result.deleted > 0) return at;
  }
  return undefined;
}

describe('GC pass over written keys against a model', () => {
  it('leaves nothing a full pass would delete, and every read at or above the safe point intact', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(cmd, { minLength: 5, maxLength: 40 }),
        // Room for 1 to 5 of the 4 keys: small sets overflow.
        fc.integer({ min: 1, max: 5 }),
        async (cmds, maxGcDirtyKeys) => {
          const e = new MemEngine();
          let store = await MvccStore.open({ engine: e, now: () => NOW, maxGcDirtyKeys });
          const model: Model = new Map();
          let clockMs = 100;
          let n = 0;
          // Safe point in TSO units; the logical part makes it land inside milliseconds.
          let safePoint = ts(99);
          await store.updateSafePoint(safePoint);

          const txn = async (key: string, kind: 'put' | 'del' | 'rollback'): Promise<void> => {
            clockMs += 2;
            const startTs = ts(clockMs, 7);
            const value = `${key}${n++}`;
            const p = await store.prewrite({
              mutations: [
                kind === 'del'
                  ? { key: k(key), op: 'del' }
                  : { key: k(key), op: 'put', value: v(value) },
              ],
              primary: k(key),
              startTs,
              ttlMs: 3000,
              forUpdateTs: 0n,
            });
            expect(p.kind).to.equal('ok');
            if (kind === 'rollback') {
              expect((await store.rollback({ keys: [k(key)], startTs })).kind).to.equal('ok');
              return;
            }
            const commitTs = ts(clockMs + 1, 3);
            expect((await store.commit({ keys: [k(key)], startTs, commitTs })).kind).to.equal('ok');
            const list = model.get(key) ?? [];
            list.push([commitTs, kind === 'del' ? undefined : value]);
            model.set(key, list);
          };

          for (const c of cmds) {
            switch (c.t) {
              case 'put':
              case 'del':
              case 'rollback':
                await txn(KEYS[c.key], c.t);
                break;
              case 'safePoint': {
                // Never past the clock (the oldest transaction would be newer), in steps of
                // a fraction of a millisecond.
                const next = safePoint + BigInt(c.by) * 50_000n;
                safePoint = next < ts(clockMs + 2) ? next : ts(clockMs + 2);
                await store.updateSafePoint(safePoint);
                break;
              }
              case 'restart':
                store = await MvccStore.open({ engine: e, now: () => NOW, maxGcDirtyKeys });
                break;
              case 'pass': {
                const running = store.gcPass({ scanLimit: c.scanLimit, batchLimit: 2 });
                if (c.writeDuring !== null) await txn(KEYS[c.writeDuring], 'put');
                await running;
                const full = gc(
                  e,
                  { safePoint: store.safePoint, start: Buffer.alloc(0), end: null, limit: 1e9 },
                  NOW,
                );
                expect(full.result.deleted, 'garbage the pass missed').to.equal(0);
                break;
              }
            }
            // Every key GC will have work on later is held, due no later than that work.
            for (const key of KEYS) {
              const firstWork = firstGcWork(e, key, store.safePoint);
              if (firstWork === undefined) continue;
              if (store.gcDirty.fullPassAtMs <= physicalMs(firstWork)) continue; // a full pass covers it
              const held = store.gcDirty.dueMsOf(partOf(key));
              expect(held, `${key} is not held`).to.not.equal(undefined);
              expect(held, `${key} held past its first garbage`).to.be.at.most(
                physicalMs(firstWork),
              );
            }
            const at = [store.safePoint, ts(clockMs + 2)];
            for (const key of KEYS)
              for (const t of at) {
                const r = await store.get({ key: k(key), ts: t });
                expect(r.kind).to.equal('ok');
                expect(r.kind === 'ok' ? str(r.value) : 'locked').to.equal(
                  visibleAt(model, key, t),
                );
              }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
