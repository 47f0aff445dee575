import { expect } from 'chai';
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
});
