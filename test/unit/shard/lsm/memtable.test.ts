import { expect } from 'chai';
import fc from 'fast-check';
import { TYPE_DELETION, TYPE_VALUE } from '../../../../shard/lsm/dbformat';
import { MemIterator } from '../../../../shard/lsm/memIterator';
import { Memtable, type MemGetResult } from '../../../../shard/lsm/memtable';
import { b } from './helpers';

describe('lsm memtable', () => {
  it('answers the newest version visible at a sequence', () => {
    const m = new Memtable(1);
    m.add(b('x'), 1, TYPE_VALUE, b('v1'));
    m.add(b('x'), 5, TYPE_VALUE, b('v5'));
    m.add(b('x'), 7, TYPE_DELETION, b(''));
    m.add(b('w'), 3, TYPE_VALUE, b('w3'));
    const out: MemGetResult = { state: undefined, value: undefined };
    expect(m.get(b('x'), 0, out)).to.equal(false);
    m.get(b('x'), 4, out);
    expect(out.value?.toString()).to.equal('v1');
    m.get(b('x'), 6, out);
    expect(out.value?.toString()).to.equal('v5');
    m.get(b('x'), 100, out);
    expect(out.state).to.equal('deleted');
    expect(m.get(b('y'), 100, out)).to.equal(false);
  });

  it('iterates in internal-key order both ways, with many random inserts', () => {
    const m = new Memtable(1);
    const keys: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const k = `k${Math.floor(Math.random() * 500)}`;
      m.add(b(k), i + 1, TYPE_VALUE, b(String(i)));
      keys.push(`${k}@${i + 1}`);
    }
    const expected = keys
      .map((s) => {
        const [k, seq] = s.split('@');
        return { k, seq: Number(seq) };
      })
      .sort((x, y) => (x.k < y.k ? -1 : x.k > y.k ? 1 : y.seq - x.seq))
      .map((x) => `${x.k}@${x.seq}`);
    const it = new MemIterator(m);
    const fwd: string[] = [];
    for (it.seekToFirst(); it.valid(); it.next()) fwd.push(`${it.ukey.toString()}@${it.seq}`);
    expect(fwd).to.deep.equal(expected);
    const back: string[] = [];
    for (it.seekToLast(); it.valid(); it.prev()) back.push(`${it.ukey.toString()}@${it.seq}`);
    expect(back).to.deep.equal(expected.slice().reverse());
    it.seekForPrev(b('k250'), 0);
    expect(it.ukey.toString() <= 'k250').to.equal(true);
  });

  it('orders keys with zero bytes and shared prefixes exactly as Buffer.compare', () => {
    const keyArb = fc
      .array(fc.constantFrom(0, 1, 0xff), { maxLength: 24 })
      .map((a) => Buffer.from(a));
    fc.assert(
      fc.property(fc.array(keyArb, { minLength: 1, maxLength: 60 }), (keys) => {
        const m = new Memtable(1);
        keys.forEach((k, i) => m.add(k, i + 1, TYPE_VALUE, b('')));
        const want = keys
          .map((k, i) => ({ k, seq: i + 1 }))
          .sort((x, y) => Buffer.compare(x.k, y.k) || y.seq - x.seq)
          .map((x) => `${x.k.toString('hex')}@${x.seq}`);
        const got: string[] = [];
        const it = new MemIterator(m);
        for (it.seekToFirst(); it.valid(); it.next())
          got.push(`${it.ukey.toString('hex')}@${it.seq}`);
        expect(got).to.deep.equal(want);
        const out: MemGetResult = { state: undefined, value: undefined };
        for (const k of keys) expect(m.get(k, 1000, out)).to.equal(true);
        expect(m.get(Buffer.from([2]), 1000, out)).to.equal(false);
      }),
    );
  });

  it('a point get at any sequence agrees with a model, long shared prefixes and all (fast-check)', () => {
    // Keys longer than the node's 18-byte word prefix and equal in it, so comparisons go
    // past it; gets both at the newest sequence (the hash index) and below it (the list).
    const prefix = Buffer.from('d-table-0001-prefix-');
    const keyArb = fc.integer({ min: 0, max: 5 }).map((i) => Buffer.concat([prefix, b(String(i))]));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(keyArb, fc.boolean(), fc.string({ maxLength: 4 })), { maxLength: 60 }),
        fc.array(fc.tuple(keyArb, fc.integer({ min: 0, max: 70 })), { maxLength: 30 }),
        (adds, gets) => {
          const m = new Memtable(1);
          const model: Array<{ k: string; seq: number; del: boolean; v: string }> = [];
          adds.forEach(([k, del, v], i) => {
            m.add(k, i + 1, del ? TYPE_DELETION : TYPE_VALUE, b(del ? '' : v));
            model.push({ k: k.toString('hex'), seq: i + 1, del, v });
          });
          const out: MemGetResult = { state: undefined, value: undefined };
          for (const [k, seq] of gets) {
            const want = model
              .filter((e) => e.k === k.toString('hex') && e.seq <= seq)
              .sort((x, y) => y.seq - x.seq)[0];
            const found = m.get(k, seq, out);
            expect(found).to.equal(want !== undefined);
            if (want === undefined) continue;
            expect(out.state).to.equal(want.del ? 'deleted' : 'value');
            if (!want.del) expect(out.value?.toString()).to.equal(want.v);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
