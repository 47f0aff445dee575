import { expect } from 'chai';
import fc from 'fast-check';
import { TYPE_DELETION, TYPE_VALUE } from '../../../../shard/lsm/dbformat';
import { MemIterator } from '../../../../shard/lsm/memIterator';
import { POLICY_MVCC, filterKeyEnd } from '../../../../shard/lsm/filterPolicy';
import { Memtable, type MemGetResult, type MemNode } from '../../../../shard/lsm/memtable';
import { dataKey, lockKey, writeKey } from '../../../../shard/mvcc/keys';
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

  it('indexed by MVCC filter key: inserts and prefix seeks agree with a model (fast-check)', () => {
    // A few rows' versions (data and write families, timestamps in any order), their lock
    // keys, and rows whose encodings share long prefixes: the next version of a key here
    // takes the indexed insert, anything else the descent; seekInPrefix must answer what
    // seek answers, or null exactly when no node shares the target's filter key.
    const rows = [b('row-1'), b('row-2'), b('row-10'), Buffer.from([0x72, 0, 1]), b('r')];
    const keyArb = fc.tuple(
      fc.integer({ min: 0, max: rows.length - 1 }),
      fc.constantFrom('data', 'write', 'lock'),
      fc.integer({ min: 1, max: 12 }),
    );
    const make = ([r, family, ts]: [number, string, number]): Buffer =>
      family === 'lock'
        ? lockKey(rows[r])
        : family === 'data'
          ? dataKey(rows[r], BigInt(ts))
          : writeKey(rows[r], BigInt(ts));
    const label = (n: MemNode | null): string =>
      n === null ? 'none' : `${n.key.toString('hex')}@${n.seq}`;
    fc.assert(
      fc.property(
        fc.array(keyArb, { maxLength: 80 }),
        fc.array(fc.tuple(keyArb, fc.integer({ min: 0, max: 90 })), { maxLength: 40 }),
        (adds, seeks) => {
          const m = new Memtable(1, POLICY_MVCC);
          const model = adds.map((k, i) => ({ k: make(k), seq: i + 1 }));
          model.forEach((e) => m.add(e.k, e.seq, TYPE_VALUE, b('')));
          model.sort((x, y) => Buffer.compare(x.k, y.k) || y.seq - x.seq);
          const got: string[] = [];
          const it = new MemIterator(m);
          for (it.seekToFirst(); it.valid(); it.next())
            got.push(`${it.ukey.toString('hex')}@${it.seq}`);
          expect(got).to.deep.equal(model.map((e) => `${e.k.toString('hex')}@${e.seq}`));
          const filterKey = (k: Buffer): string =>
            k.toString('hex', 0, filterKeyEnd(POLICY_MVCC, k, 0, k.length));
          for (const [k, seq] of seeks) {
            const target = make(k);
            const want = model.find(
              (e) => Buffer.compare(e.k, target) > 0 || (e.k.equals(target) && e.seq <= seq),
            );
            const wantSeek = want === undefined ? 'none' : `${want.k.toString('hex')}@${want.seq}`;
            expect(label(m.seek(target, seq))).to.equal(wantSeek);
            const shared = model.some((e) => filterKey(e.k) === filterKey(target));
            expect(label(m.seekInPrefix(target, seq))).to.equal(shared ? wantSeek : 'none');
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
