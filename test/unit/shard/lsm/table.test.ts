import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlockCache } from '../../../../shard/lsm/blockCache';
import { BlockBuilder } from '../../../../shard/lsm/blockBuilder';
import { BlockIter } from '../../../../shard/lsm/blockIter';
import { TYPE_DELETION, TYPE_VALUE, makeInternalKey } from '../../../../shard/lsm/dbformat';
import { LsmCorruptionError } from '../../../../shard/lsm/errors';
import { FilterKeyHashes } from '../../../../shard/lsm/filterPolicy';
import { TableBuilder } from '../../../../shard/lsm/tableBuilder';
import { TableIterator } from '../../../../shard/lsm/tableIterator';
import { type GetResult, TableReader } from '../../../../shard/lsm/tableReader';
import { key, rmDir, tempDir } from './helpers';

const opts = { blockSize: 512, restartInterval: 4, bloomBitsPerKey: 10 };

function buildTable(dir: string, number: number, n: number): number {
  const t = new TableBuilder(path.join(dir, `${String(number).padStart(6, '0')}.sst`), opts);
  for (let i = 0; i < n; i++) {
    const ik = makeInternalKey(key(i * 2), 1000 + i, i % 10 === 9 ? TYPE_DELETION : TYPE_VALUE);
    const v = Buffer.from(`value-${i}`);
    t.add(ik, 0, ik.length, v, 0, v.length);
  }
  return t.finish().size;
}

describe('lsm blocks and tables', () => {
  let dir = '';
  beforeEach(() => (dir = tempDir('table')));
  afterEach(() => rmDir(dir));

  it('a block seeks and walks with prefix compression and restarts', () => {
    const bb = new BlockBuilder(3);
    const keys = [];
    for (let i = 0; i < 50; i++) {
      const ik = makeInternalKey(key(i * 10), 5, TYPE_VALUE);
      keys.push(ik);
      bb.add(ik, 0, ik.length, Buffer.from(`v${i}`), 0, `v${i}`.length);
    }
    const block = Buffer.from(bb.finish());
    const it = new BlockIter();
    it.reset(block, 'b', 0);
    let n = 0;
    for (it.seekToFirst(); it.valid(); it.next()) {
      expect(it.key.subarray(0, it.keyLen).equals(keys[n])).to.equal(true);
      n++;
    }
    expect(n).to.equal(50);
    const target = makeInternalKey(key(255), 5, TYPE_VALUE);
    it.seek(target, 0, target.length);
    expect(it.value().toString()).to.equal('v26');
    it.prev();
    expect(it.value().toString()).to.equal('v25');
    it.seekForPrev(target, 0, target.length);
    expect(it.value().toString()).to.equal('v25');
    it.seekToLast();
    expect(it.value().toString()).to.equal('v49');
  });

  it('a table answers gets (values, deletions, absent keys) and iterates both ways', () => {
    const size = buildTable(dir, 1, 1000);
    const r = TableReader.open(dir, 1, size, new BlockCache(1 << 20));
    expect(r.blockCount).to.be.greaterThan(10);
    const out: GetResult = { state: undefined, value: undefined };
    const lookup = (i: number): string | undefined => {
      out.state = undefined;
      const k = key(i);
      if (
        !r.get(k, makeInternalKey(k, 2 ** 48 - 1, TYPE_VALUE), out, new FilterKeyHashes().reset(k))
      )
        return 'absent';
      return out.state === 'deleted' ? 'deleted' : out.value?.toString();
    };
    expect(lookup(0)).to.equal('value-0');
    expect(lookup(1000)).to.equal('value-500');
    expect(lookup(18)).to.equal('deleted');
    expect(lookup(1)).to.equal('absent');
    expect(lookup(5000)).to.equal('absent');
    const it = new TableIterator(r, null);
    let n = 0;
    for (it.seekToFirst(); it.valid(); it.next()) n++;
    expect(n).to.equal(1000);
    n = 0;
    for (it.seekToLast(); it.valid(); it.prev()) n++;
    expect(n).to.equal(1000);
    it.seek(key(501), 2 ** 48 - 1);
    expect(it.ukey.subarray(0, it.ukeyLen).equals(key(502))).to.equal(true);
    it.seekForPrev(key(501), 0);
    expect(it.ukey.subarray(0, it.ukeyLen).equals(key(500))).to.equal(true);
    r.close();
  });

  it('writes through a temp name: no .tmp file is left, the file is complete', () => {
    buildTable(dir, 3, 10);
    expect(fs.readdirSync(dir)).to.deep.equal(['000003.sst']);
  });

  it('a flipped byte in a data block is reported with file and offset, never returned', () => {
    const size = buildTable(dir, 2, 1000);
    const file = path.join(dir, '000002.sst');
    const data = fs.readFileSync(file);
    const r0 = TableReader.open(dir, 2, size, null);
    const blockOff = r0.blockOffsets[3];
    r0.close();
    data[blockOff + 20] ^= 0x01;
    fs.writeFileSync(file, data);
    const r = TableReader.open(dir, 2, size, null);
    const it = new TableIterator(r, null);
    expect(() => {
      for (it.seekToFirst(); it.valid(); it.next());
    })
      .to.throw(LsmCorruptionError)
      .that.satisfies((e: LsmCorruptionError) => e.file === '000002.sst' && e.offset === blockOff);
    r.close();
  });

  it('a damaged footer or index fails at open with the offset', () => {
    const size = buildTable(dir, 4, 200);
    const file = path.join(dir, '000004.sst');
    const data = fs.readFileSync(file);
    const bad = Buffer.from(data);
    bad[size - 3] ^= 0xff; // magic
    fs.writeFileSync(file, bad);
    expect(() => TableReader.open(dir, 4, size, null)).to.throw(LsmCorruptionError, /magic/);
    const bad2 = Buffer.from(data);
    bad2[size - 40 - 10] ^= 0xff; // inside the index block
    fs.writeFileSync(file, bad2);
    expect(() => TableReader.open(dir, 4, size, null)).to.throw(LsmCorruptionError, /000004\.sst/);
  });
});
