import { expect } from 'chai';
import { LsmCorruptionError } from '../../../../shard/lsm/errors';
import { makeRecord, readLog } from '../../../../shard/lsm/logFormat';
import { WriteBatch } from '../../../../shard/storage/kvEngine';
import { decodeBatch, encodeBatchRecord } from '../../../../shard/lsm/writeBatchCodec';

function logOf(n: number): { data: Buffer; offsets: number[] } {
  const recs = [];
  const offsets = [];
  let off = 0;
  for (let i = 0; i < n; i++) {
    const r = makeRecord(1, Buffer.from(`payload number ${i} `.repeat(3)));
    offsets.push(off);
    off += r.length;
    recs.push(r);
  }
  return { data: Buffer.concat(recs), offsets };
}

describe('lsm log records', () => {
  it('reads back every record', () => {
    const { data } = logOf(5);
    const r = readLog('x.log', data, true);
    expect(r.records.map((x) => x.payload.toString())).to.deep.equal(
      [0, 1, 2, 3, 4].map((i) => `payload number ${i} `.repeat(3)),
    );
    expect(r.tornTail).to.equal(false);
  });

  it('cuts a torn tail (a partial last record) at the last good record', () => {
    const { data, offsets } = logOf(5);
    for (const cut of [1, 5, 9, 20]) {
      const r = readLog('x.log', data.subarray(0, data.length - cut), true);
      expect(r.records).to.have.length(4);
      expect(r.tornTail).to.equal(true);
      expect(r.validEnd).to.equal(offsets[4]);
    }
    // zeros after the end (preallocated or unwritten pages) are a torn tail too
    const r = readLog('x.log', Buffer.concat([data, Buffer.alloc(100)]), true);
    expect(r.records).to.have.length(5);
  });

  it('reports a corrupted record in the middle with file and offset', () => {
    const { data, offsets } = logOf(5);
    const bad = Buffer.from(data);
    bad[offsets[2] + 12] ^= 0x40;
    expect(() => readLog('000007.log', bad, true))
      .to.throw(LsmCorruptionError)
      .with.property('offset', offsets[2]);
    try {
      readLog('000007.log', bad, true);
    } catch (e) {
      expect((e as LsmCorruptionError).file).to.equal('000007.log');
      expect((e as Error).message)
        .to.contain('000007.log')
        .and.contain(String(offsets[2]));
    }
  });

  it('a flipped byte in the last, complete record is damage, not a torn tail', () => {
    const { data, offsets } = logOf(3);
    const bad = Buffer.from(data);
    bad[offsets[2] + 15] ^= 0x02;
    expect(() => readLog('b.log', bad, true))
      .to.throw(LsmCorruptionError)
      .with.property('offset', offsets[2]);
  });

  it('a corrupted length field in the middle is not mistaken for a torn tail', () => {
    const { data, offsets } = logOf(5);
    const bad = Buffer.from(data);
    bad.writeUInt32LE(0x7fffff, offsets[1]);
    expect(() => readLog('a.log', bad, true))
      .to.throw(LsmCorruptionError)
      .with.property('offset', offsets[1]);
  });

  it('write batches round-trip through a WAL record', () => {
    const batch = new WriteBatch()
      .put(Buffer.from('a'), Buffer.from('1'))
      .del(Buffer.from('b'))
      .put(Buffer.from(''), Buffer.alloc(300, 7));
    const rec = encodeBatchRecord(42, batch);
    const got: [string, number, number, string][] = [];
    const last = decodeBatch(rec, 9, rec.length, {
      add: (k, seq, type, v) => got.push([k.toString(), seq, type, v.toString('hex').slice(0, 4)]),
    });
    expect(last).to.equal(44);
    expect(got).to.deep.equal([
      ['a', 42, 1, '31'],
      ['b', 43, 0, ''],
      ['', 44, 1, '0707'],
    ]);
    expect(decodeBatch(rec, 9, rec.length - 1, { add: () => undefined })).to.equal(-1);
  });
});
