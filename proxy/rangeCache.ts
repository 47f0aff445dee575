/**
 * The proxy's copy of the range map, sorted by start key for binary search
 * (DESIGN.md "Range map"). Refreshed from meta when a shard answers RANGE_STALE or the
 * map's version moves; lookups never call meta.
 */
import type { RangeDescriptor, ShardInfo } from '../common/catalog/schema';
import { compareEnd } from '../common/catalog/keyspace';
import type { MetaClient } from '../common/clients/metaClient';
import { singleFlight } from '../common/singleFlight';

export class RangeCache {
  private ranges: RangeDescriptor[] = [];
  private shards = new Map<number, ShardInfo>();
  private version = 0;

  constructor(private readonly meta: MetaClient) {}

  get knownVersion(): number {
    return this.version;
  }

  /** Fetches the map from meta; concurrent callers share one fetch. */
  readonly refresh = singleFlight(async (): Promise<void> => {
    const { version, ranges, shards } = await this.meta.ranges();
    if (version >= this.version) {
      this.shards = new Map(shards.map((x) => [x.id, x]));
      this.ranges = [...ranges].sort((a, b) => Buffer.compare(a.startKey, b.startKey));
      this.version = version;
    }
  });

  /** The range holding key (binary search over start keys). */
  lookup(key: Buffer): RangeDescriptor | undefined {
    const rs = this.ranges;
    let lo = 0;
    let hi = rs.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (Buffer.compare(rs[mid].startKey, key) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) return undefined;
    const r = rs[found];
    return compareEnd(key, r.endKey) < 0 ? r : undefined;
  }

  /** Ranges overlapping [start, end), in key order. */
  overlapping(start: Buffer, end: Buffer | null): RangeDescriptor[] {
    return this.ranges.filter(
      (r) =>
        compareEnd(start, r.endKey) < 0 && (end === null || Buffer.compare(r.startKey, end) < 0),
    );
  }

  shardAddress(shardId: number): string | undefined {
    return this.shards.get(shardId)?.address;
  }

  get shardIds(): number[] {
    return [...this.shards.keys()].sort((a, b) => a - b);
  }

  get all(): readonly RangeDescriptor[] {
    return this.ranges;
  }
}
