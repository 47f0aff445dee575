/**
 * Which ranges this shard owns, at which epochs, as last learned from meta. Every request
 * names (rangeId, epoch); a mismatch is answered RANGE_STALE so the proxy refreshes its
 * range cache and retries (DESIGN.md "Range map").
 */
import { RpcError, RpcErrorCode } from '../common/errors';
import type { RangeDescriptor } from '../common/catalog/schema';
import { keyInRange } from '../common/catalog/keyspace';

export class RangeTable {
  private owned = new Map<number, RangeDescriptor>();
  private version = 0;

  constructor(private readonly shardId: () => number) {}

  get knownVersion(): number {
    return this.version;
  }

  update(version: number, ranges: readonly RangeDescriptor[]): void {
    if (version < this.version) return;
    const me = this.shardId();
    this.owned = new Map(ranges.filter((r) => r.shardId === me).map((r) => [r.id, r]));
    this.version = version;
  }

  get ranges(): RangeDescriptor[] {
    return [...this.owned.values()];
  }

  /** The owned range, or undefined if (rangeId, epoch) is not what we own. */
  lookup(rangeId: number, epoch: number): RangeDescriptor | undefined {
    const r = this.owned.get(rangeId);
    return r !== undefined && r.epoch === epoch ? r : undefined;
  }

  stale(rangeId: number, epoch: number): RpcError {
    const r = this.owned.get(rangeId);
    return new RpcError(
      RpcErrorCode.rangeStale,
      r
        ? `range ${rangeId} is at epoch ${r.epoch}, not ${epoch}`
        : `range ${rangeId} is not on this shard`,
      { rangeId, knownEpoch: r?.epoch ?? null },
    );
  }

  /** Throws RANGE_STALE unless every key lies in the range. */
  checkKeys(range: RangeDescriptor, keys: Iterable<Buffer>): void {
    for (const key of keys) {
      if (!keyInRange(key, range.startKey, range.endKey)) {
        throw new RpcError(RpcErrorCode.rangeStale, `key outside range ${range.id}`, {
          rangeId: range.id,
          knownEpoch: range.epoch,
        });
      }
    }
  }
}
