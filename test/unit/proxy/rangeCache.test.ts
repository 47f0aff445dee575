import { expect } from 'chai';
import { RangeCache } from '../../../proxy/rangeCache';
import type { MetaClient } from '../../../common/clients/metaClient';
import type { RangeDescriptor } from '../../../common/catalog/schema';

const k = (hex: string): Buffer => Buffer.from(hex, 'hex');

function cacheWith(ranges: RangeDescriptor[]): RangeCache {
  const meta = {
    ranges: async () => ({ version: 2, ranges, shards: [{ id: 1, address: 'a:1', name: 's1' }] }),
  } as unknown as MetaClient;
  return new RangeCache(meta);
}

describe('proxy range cache', () => {
  const ranges: RangeDescriptor[] = [
    { id: 3, startKey: k('20'), endKey: k('30'), shardId: 1, epoch: 1 },
    { id: 1, startKey: k(''), endKey: k('10'), shardId: 1, epoch: 1 },
    { id: 2, startKey: k('10'), endKey: k('20'), shardId: 1, epoch: 4 },
    { id: 4, startKey: k('30'), endKey: null, shardId: 1, epoch: 1 },
  ];

  it('finds the range of any key by binary search, bounds inclusive at start', async () => {
    const cache = cacheWith(ranges);
    await cache.refresh();
    expect(cache.lookup(k(''))?.id).to.equal(1);
    expect(cache.lookup(k('0fff'))?.id).to.equal(1);
    expect(cache.lookup(k('10'))?.id).to.equal(2);
    expect(cache.lookup(k('1fffff'))?.id).to.equal(2);
    expect(cache.lookup(k('20'))?.id).to.equal(3);
    expect(cache.lookup(k('ffffffff'))?.id).to.equal(4);
    expect(cache.shardAddress(1)).to.equal('a:1');
  });

  it('lists exactly the ranges overlapping a span', async () => {
    const cache = cacheWith(ranges);
    await cache.refresh();
    expect(cache.overlapping(k('15'), k('20')).map((r) => r.id)).to.deep.equal([2]);
    expect(cache.overlapping(k('15'), k('2001')).map((r) => r.id)).to.deep.equal([2, 3]);
    expect(cache.overlapping(k('05'), null).map((r) => r.id)).to.deep.equal([1, 2, 3, 4]);
  });
});
