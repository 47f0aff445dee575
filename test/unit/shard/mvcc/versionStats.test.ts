import { expect } from 'chai';
import { commit, gc, prewrite, versionStats } from '../../../../shard/mvcc';
import { MemEngine } from './memEngine';
import { apply, k, ts, v } from './helpers';

const NOW = 10_000;

describe('MVCC version stats', () => {
  it('counts versions per user key, locks and records, and sees GC shrink them', () => {
    const e = new MemEngine();
    const write = (key: string, n: number, commitIt = true): void => {
      const startTs = ts(n * 10);
      apply(
        e,
        prewrite(
          e,
          {
            mutations: [{ key: k(key), op: 'put', value: v(String(n)) }],
            primary: k(key),
            startTs,
            ttlMs: 3000,
            forUpdateTs: 0n,
          },
          NOW,
        ),
      );
      if (commitIt) apply(e, commit(e, { keys: [k(key)], startTs, commitTs: startTs + 1n }, NOW));
    };
    for (let n = 1; n <= 5; n++) write('a', n);
    write('a\u0000b', 6); // a key with a zero byte (escaped) is its own key
    write('b', 7);
    write('c', 8, false); // a prewrite lock, no version yet
    expect(versionStats(e, { start: Buffer.alloc(0), end: null })).to.deep.equal({
      keys: 3,
      versions: 7,
      maxVersionsPerKey: 5,
      locks: 1,
      writeRecords: 0,
    });
    expect(versionStats(e, { start: k('b'), end: null }).versions).to.equal(1);
    // GC at a safe point above every commit keeps only the newest version of each key.
    apply(e, gc(e, { safePoint: ts(1000), start: Buffer.alloc(0), end: null, limit: 100 }, NOW));
    const after = versionStats(e, { start: Buffer.alloc(0), end: null });
    expect(after.maxVersionsPerKey).to.equal(1);
    expect(after.versions).to.equal(3);
  });
});
