import { expect } from 'chai';
import fc from 'fast-check';
import {
  compareBytes,
  cursor,
  getVarint,
  putVarint,
  varintLength,
} from '../../../../shard/lsm/coding';
import { crc32 } from '../../../../shard/lsm/checksum';
import {
  compareInternal,
  makeInternalKey,
  TYPE_DELETION,
  TYPE_VALUE,
} from '../../../../shard/lsm/dbformat';
import { bloomHash, bloomMayContain, buildBloom } from '../../../../shard/lsm/bloom';

describe('lsm codecs', () => {
  it('the checksum is CRC-32 (IEEE) and chains', () => {
    // The CRC catalogue's check value: CRC-32("123456789") = 0xCBF43926.
    expect(crc32(Buffer.from('123456789'))).to.equal(0xcbf43926);
    const data = Buffer.from('hello, sharddb write-ahead log');
    expect(crc32(data, 7, data.length, crc32(data, 0, 7))).to.equal(crc32(data));
  });

  it('varints round-trip up to 2^53', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        const buf = Buffer.alloc(10);
        const end = putVarint(buf, 0, n);
        expect(end).to.equal(varintLength(n));
        expect(getVarint(buf, 0, end)).to.equal(n);
        expect(cursor.next).to.equal(end);
        expect(getVarint(buf, 0, end - 1)).to.equal(-1);
      }),
    );
  });

  it('compareBytes agrees with Buffer.compare', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ maxLength: 80 }), (a, c) => {
        expect(Math.sign(compareBytes(a, c))).to.equal(
          Buffer.compare(Buffer.from(a), Buffer.from(c)),
        );
      }),
    );
  });

  it('internal keys order by user key, then newest sequence first', () => {
    const a1 = makeInternalKey(Buffer.from('a'), 1, TYPE_VALUE);
    const a9 = makeInternalKey(Buffer.from('a'), 9, TYPE_DELETION);
    const ab = makeInternalKey(Buffer.from('ab'), 100, TYPE_VALUE);
    const sorted = [ab, a1, a9].sort(compareInternal);
    expect(sorted).to.deep.equal([a9, a1, ab]);
  });

  it('bloom filter has no false negatives and few false positives', () => {
    const n = 5000;
    const hashes = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const k = Buffer.from(`key-${i}`);
      hashes[i] = bloomHash(k, 0, k.length);
    }
    const f = buildBloom(hashes, n, 10);
    for (let i = 0; i < n; i++) {
      const k = Buffer.from(`key-${i}`);
      expect(bloomMayContain(f, k, 0, k.length)).to.equal(true);
    }
    let fp = 0;
    for (let i = 0; i < 10000; i++) {
      const k = Buffer.from(`other-${i}`);
      if (bloomMayContain(f, k, 0, k.length)) fp++;
    }
    expect(fp / 10000).to.be.lessThan(0.03);
  });
});
