/**
 * A GC pass over a large range with little to delete must not run as one long
 * synchronous loop: under pgbench -i -s 10 such passes held a shard's event loop for
 * seconds at a time (38% of its CPU) and RPCs timed out behind them.
 */
import { expect } from 'chai';
import { commit, gc, prewrite } from '../../../../shard/mvcc';
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
});
