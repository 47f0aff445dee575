import { expect } from 'chai';
import fc from 'fast-check';
import { SpilledKeys } from '../../../../proxy/txn/spill';

const hex = (b: Buffer): string => b.toString('hex');

describe('SpilledKeys (packed runs of a spilled transaction’s keys)', () => {
  it('answers membership, op and range overlap like a plain map, over many spills', () => {
    fc.assert(
      fc.property(
        // Distinct keys (a spilled key is never spilled again), cut into spills of any size.
        fc.uniqueArray(fc.uint8Array({ minLength: 0, maxLength: 6 }), {
          maxLength: 300,
          selector: (k) => Buffer.from(k).toString('hex'),
        }),
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 6 }), { maxLength: 40 }),
        (raw, cuts, probes) => {
          const keys = raw.map((k) => Buffer.from(k));
          const model = new Map<string, 'put' | 'del'>();
          const s = new SpilledKeys();
          let at = 0;
          for (const cut of cuts) {
            const part = keys
              .slice(at, at + cut)
              .map((key, i) => ({ key, del: (at + i) % 3 === 0 }));
            at += part.length;
            s.spills++;
            s.add(part);
            for (const e of part) model.set(hex(e.key), e.del ? 'del' : 'put');
          }
          expect(s.count).to.equal(model.size);
          expect(s.spills).to.equal(cuts.length);
          for (const k of [...keys, ...probes.map((p) => Buffer.from(p))])
            expect(s.get(k), hex(k)).to.equal(model.get(hex(k)));
          const sorted = [...model.keys()].map((h) => Buffer.from(h, 'hex')).sort(Buffer.compare);
          for (let i = 0; i + 1 < probes.length; i += 2) {
            const [a, b] = [Buffer.from(probes[i]), Buffer.from(probes[i + 1])].sort(
              Buffer.compare,
            );
            const want = sorted.some((k) => Buffer.compare(k, a) >= 0 && Buffer.compare(k, b) < 0);
            expect(s.overlaps(a, b), `[${hex(a)}, ${hex(b)})`).to.equal(want);
            expect(s.overlaps(a, null)).to.equal(sorted.some((k) => Buffer.compare(k, a) >= 0));
          }
          const listed = [...s.slices(7)].flat();
          expect(listed.map(hex).sort()).to.deep.equal([...model.keys()].sort());
          for (const slice of s.slices(7)) expect(slice.length).to.be.within(1, 7);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('holds a few bytes per key beyond the key itself', () => {
    const s = new SpilledKeys();
    const keyOf = (i: number): Buffer => {
      const k = Buffer.alloc(14);
      k.write('t', 0);
      k.writeUInt32BE(7, 1);
      k.write('r', 5);
      k.writeBigUInt64BE(BigInt(i), 6);
      return k;
    };
    const n = 200_000;
    for (let i = 0; i < n; i += 1000)
      s.add(Array.from({ length: 1000 }, (_, j) => ({ key: keyOf(i + j), del: false })));
    expect(s.count).to.equal(n);
    // Keys, offsets and ops (19 B), hash index slots of 8 B at ≥ 35% load (≤ 23 B).
    expect(s.bytes).to.be.at.most(n * (14 + 5 + 23));
    let found = 0;
    for (let i = 0; i < 1000; i++) if (s.get(keyOf(n + i)) !== undefined) found++;
    expect(found).to.equal(0);
    expect(s.get(keyOf(123_456))).to.equal('put');
    expect(s.get(keyOf(n))).to.equal(undefined);
  });
});
