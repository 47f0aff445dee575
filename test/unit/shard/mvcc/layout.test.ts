import { expect } from 'chai';
import fc from 'fast-check';
import {
  DATA_PREFIX,
  LOCK_PREFIX,
  dataKey,
  familyBounds,
  lockKey,
  tsOfKey,
  userKeyOf,
  writeKey,
} from '../../../../shard/mvcc/keys';
import {
  decodeLock,
  decodeVersion,
  encodeLock,
  encodeVersion,
} from '../../../../shard/mvcc/records';
import type { Lock } from '../../../../shard/mvcc';

const bytes = fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a));
const stamp = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });

describe('mvcc layout', () => {
  it('round-trips user keys and timestamps through data, write and lock keys', () => {
    fc.assert(
      fc.property(bytes, stamp, (key, t) => {
        expect(userKeyOf(dataKey(key, t), 8).equals(key)).to.equal(true);
        expect(tsOfKey(dataKey(key, t))).to.equal(t);
        expect(userKeyOf(writeKey(key, t), 8).equals(key)).to.equal(true);
        expect(userKeyOf(lockKey(key), 0).equals(key)).to.equal(true);
      }),
    );
  });

  it('orders data keys by user key, then newest timestamp first', () => {
    fc.assert(
      fc.property(bytes, stamp, bytes, stamp, (a, ta, b, tb) => {
        const byUser = Buffer.compare(a, b);
        const engine = Buffer.compare(dataKey(a, ta), dataKey(b, tb));
        if (byUser !== 0) expect(engine).to.equal(byUser);
        else expect(engine).to.equal(ta === tb ? 0 : ta > tb ? -1 : 1);
      }),
    );
  });

  it('puts every version of a key inside [esc(a), esc(b)) exactly when a ≤ key < b', () => {
    fc.assert(
      fc.property(bytes, bytes, bytes, stamp, (a, b, key, t) => {
        const { gte, lt } = familyBounds(DATA_PREFIX, a, b);
        const dk = dataKey(key, t);
        const inside = Buffer.compare(dk, gte) >= 0 && Buffer.compare(dk, lt) < 0;
        expect(inside).to.equal(Buffer.compare(key, a) >= 0 && Buffer.compare(key, b) < 0);
        const lk = lockKey(key);
        const lb = familyBounds(LOCK_PREFIX, a, null);
        expect(Buffer.compare(lk, lb.gte) >= 0 && Buffer.compare(lk, lb.lt) < 0).to.equal(
          Buffer.compare(key, a) >= 0,
        );
      }),
    );
  });

  it('escapes zero bytes so that a key and its extensions keep their order', () => {
    const a = Buffer.from([0x61]);
    const a0 = Buffer.from([0x61, 0x00]);
    const a00 = Buffer.from([0x61, 0x00, 0x00]);
    expect(lockKey(a).toString('hex')).to.equal('6c610001');
    expect(lockKey(a0).toString('hex')).to.equal('6c6100ff0001');
    expect(Buffer.compare(dataKey(a, 0n), dataKey(a0, 0xffffffffffffffffn))).to.equal(-1);
    expect(Buffer.compare(dataKey(a0, 0n), dataKey(a00, 0xffffffffffffffffn))).to.equal(-1);
  });

  it('round-trips locks and versions', () => {
    const lock: Lock = {
      key: Buffer.from('k'),
      kind: 'prewrite',
      op: 'put',
      primary: Buffer.from([0, 1, 2]),
      startTs: 123n,
      forUpdateTs: 456n,
      minCommitTs: 789n,
      ttlMs: 3000,
      value: Buffer.from('value'),
    };
    const back = decodeLock(lock.key, encodeLock(lock));
    expect({
      ...back,
      primary: back.primary.toString('hex'),
      value: back.value?.toString(),
    }).to.deep.equal({
      ...lock,
      primary: '000102',
      value: 'value',
    });
    const pess = decodeLock(
      lock.key,
      encodeLock({ ...lock, kind: 'pessimistic', op: 'none', value: undefined }),
    );
    expect(pess.kind).to.equal('pessimistic');
    expect(pess.value).to.equal(undefined);
    expect(decodeVersion(9n, encodeVersion(5n, Buffer.from('x')))).to.deep.include({
      commitTs: 9n,
      startTs: 5n,
    });
    expect(decodeVersion(9n, encodeVersion(5n, undefined)).value).to.equal(undefined);
    expect(decodeVersion(9n, encodeVersion(5n, Buffer.alloc(0))).value?.length).to.equal(0);
  });
});
