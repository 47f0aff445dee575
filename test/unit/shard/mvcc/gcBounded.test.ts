/**
 * A GC pass over a large range with little to delete must not run as one long
 * synchronous loop: under pgbench -i -s 10 such passes held a shard's event loop for
 * seconds at a time (38% of its CPU) and RPCs timed out behind them.
 */
import { expect } from 'chai';
import { commit, gc, prewrite, rollback } from '../../../../shard/mvcc';
import { MemEngine } from './memEngine';
import { apply, k, ts, v } from './helpers';

const NOW = 10_000;

describe('GC work per call is bounded by entries examined', () => {
  it('stops after scanLimit versions even with nothing to delete, and a resumed pass covers every key', () => {
    const e = new MemEngine();
    const keys = Array.from({ length: 500 }, (_, i) => `key${String(i).padStart(4, '0')}`);
    const write = (key: string, startTs: bigint): void => {
      apply(
        e,
        prewrite(
          e,
          {
            mutations: [{ key: k(key), op: 'put', value: v(key) }],
            primary: k(key),
            startTs,
            ttlMs: 3000,
            forUpdateTs: 0n,
          },
          NOW,
        ),
      );
      apply(e, commit(e, { keys: [k(key)], startTs, commitTs: startTs + 1n }, NOW));
    };
    keys.forEach((key) => write(key, ts(100)));
    write('key0499', ts(200)); // the last key has one shadowed version to delete

    const first = gc(
      e,
      { safePoint: ts(1000), start: k(''), end: null, limit: 1000, scanLimit: 100 },
      NOW,
    );
    expect(first.result.deleted).to.equal(0);
    expect(first.result.resumeKey?.toString(), 'resumes after 100 keys').to.equal('key0100');
    let start: Buffer | null = first.result.resumeKey;
    let calls = 1;
    let deleted = 0;
    while (start !== null) {
      const out = gc(
        e,
        { safePoint: ts(1000), start, end: null, limit: 1000, scanLimit: 100 },
        NOW,
      );
      apply(e, out);
      deleted += out.result.deleted;
      start = out.result.resumeKey;
      calls++;
      expect(calls).to.be.below(20);
    }
    expect(calls).to.equal(5);
    expect(deleted, 'the shadowed version at the end was still found').to.equal(1);
  });

  it('makes progress when the versions of one key alone fill the scan budget and it has a rollback record', () => {
    // A hot key (a pgbench branch row) keeps thousands of versions above the safe point;
    // a pass used to resume at that same key forever once its `w` records were reached.
    const e = new MemEngine();
    const key = k('hot');
    for (let i = 0; i < 30; i++) {
      const startTs = ts(100 + 2 * i);
      apply(
        e,
        prewrite(
          e,
          {
            mutations: [{ key, op: 'put', value: v(String(i)) }],
            primary: key,
            startTs,
            ttlMs: 3000,
            forUpdateTs: 0n,
          },
          NOW,
        ),
      );
      apply(e, commit(e, { keys: [key], startTs, commitTs: startTs + 1n }, NOW));
    }
    apply(e, rollback(e, { keys: [key], startTs: ts(500) }, NOW));
    apply(e, rollback(e, { keys: [k('later')], startTs: ts(501) }, NOW));
    let start: Buffer | null = k('');
    let calls = 0;
    while (start !== null) {
      const out = gc(e, { safePoint: ts(50), start, end: null, limit: 1000, scanLimit: 5 }, NOW);
      apply(e, out);
      start = out.result.resumeKey;
      calls++;
      expect(calls, 'the pass resumes at the same key forever').to.be.below(10);
    }
  });
});
