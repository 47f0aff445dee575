/**
 * Which ranges this shard owns, at which epochs, as last learned from meta. Every request
 * names (rangeId, epoch); a mismatch is answered RANGE_STALE so the proxy refreshes its
 * range cache and retries (DESIGN.md "Range map").
 *
 * A range being moved away (descriptor.moving, meta/rangeMoves.ts) is still owned, but
 * frozen: writes to it are answered RANGE_STALE with `retryLater`, so the proxy waits for
 * the move to end instead of failing. Reads are still served until the mover *seals* the
 * range just before it hands ownership over (reads then wait too; see seal()).
 *
 * The table also answers, per engine key, whether a write may land here now
 * (writableEngineKey): shard/writeFence.ts asks it for every batch, so a write that passed
 * the ownership check before a freeze, or waited for a lock across it, cannot land after.
 */
import { RpcError, RpcErrorCode } from '../common/errors';
import type { RangeDescriptor } from '../common/catalog/schema';
import { keyInRange } from '../common/catalog/keyspace';
import { DATA_PREFIX, LOCK_PREFIX, WRITE_PREFIX, familyBounds } from './mvcc/keys';

/** The detail of a RANGE_STALE that means "this range is moving: retry the same request later". */
export interface StaleDetail {
  readonly rangeId: number;
  readonly knownEpoch: number | null;
  readonly retryLater?: boolean;
}

interface Span {
  readonly gte: Buffer;
  readonly lt: Buffer;
}

export class RangeTable {
  private owned = new Map<number, RangeDescriptor>();
  private version = 0;
  /** Engine-key spans (all MVCC families) of owned, unfrozen ranges, sorted by gte. */
  private writable: Span[] = [];
  /** Frozen ranges whose reads are refused too: rangeId → the frozen epoch. */
  private sealed = new Map<number, number>();
  private loaded = false;

  constructor(private readonly shardId: () => number) {}

  get knownVersion(): number {
    return this.version;
  }

  update(version: number, ranges: readonly RangeDescriptor[]): void {
    if (version < this.version) return;
    const me = this.shardId();
    this.owned = new Map(ranges.filter((r) => r.shardId === me).map((r) => [r.id, r]));
    this.version = version;
    const spans: Span[] = [];
    for (const r of this.owned.values()) {
      if (r.moving) continue;
      for (const f of [DATA_PREFIX, LOCK_PREFIX, WRITE_PREFIX])
        spans.push(familyBounds(f, r.startKey, r.endKey));
    }
    this.writable = spans.sort((a, b) => Buffer.compare(a.gte, b.gte));
    // A seal lasts while the range stays frozen at the sealed epoch (finish or abort bump
    // it). After a restart the seals are forgotten, so every range found frozen at the first
    // load is sealed: this shard may have sealed it before, and a read served now could
    // miss a write the new owner accepts (see seal()).
    for (const [id, epoch] of this.sealed) {
      const r = this.owned.get(id);
      if (!r || !r.moving || r.epoch !== epoch) this.sealed.delete(id);
    }
    if (!this.loaded) {
      this.loaded = true;
      for (const r of this.owned.values()) if (r.moving) this.sealed.set(r.id, r.epoch);
    }
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
    const detail: StaleDetail = { rangeId, knownEpoch: r?.epoch ?? null };
    return new RpcError(
      RpcErrorCode.rangeStale,
      r
        ? `range ${rangeId} is at epoch ${r.epoch}, not ${epoch}`
        : `range ${rangeId} is not on this shard`,
      detail,
    );
  }

  /**
   * Stops serving reads of a frozen range (rangeId at epoch). The mover seals the source
   * before it hands the range over, then gives the new owner a timestamp taken after the
   * seal as its lowest 1PC commit bound, so no read served here can miss a commit there.
   */
  seal(rangeId: number, epoch: number): boolean {
    const r = this.lookup(rangeId, epoch);
    if (!r || !r.moving) return false;
    this.sealed.set(rangeId, epoch);
    return true;
  }

  /** Throws "retry later" unless the range takes writes now (it is not being moved). */
  checkWritable(r: RangeDescriptor): void {
    if (r.moving) throw movingError(r, 'frozen for a move');
  }

  /** Throws "retry later" if the range's reads are sealed for the hand-over of a move. */
  checkReadable(r: RangeDescriptor): void {
    if (this.sealed.get(r.id) === r.epoch) throw movingError(r, 'being handed over');
  }

  /** Whether an engine key of an MVCC family lies in an owned range that takes writes. */
  writableEngineKey(key: Buffer): boolean {
    const spans = this.writable;
    let lo = 0;
    let hi = spans.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (Buffer.compare(spans[mid].gte, key) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && Buffer.compare(key, spans[found].lt) < 0;
  }

  /** Throws RANGE_STALE unless every key lies in the range. */
  checkKeys(range: RangeDescriptor, keys: Iterable<Buffer>): void {
    for (const key of keys) {
      if (!keyInRange(key, range.startKey, range.endKey)) {
        const detail: StaleDetail = { rangeId: range.id, knownEpoch: range.epoch };
        throw new RpcError(RpcErrorCode.rangeStale, `key outside range ${range.id}`, detail);
      }
    }
  }
}

/** RANGE_STALE with retryLater: the same request will succeed once the move ends. */
export function movingError(r: RangeDescriptor, what: string): RpcError {
  return retryLaterError(
    `range ${r.id} is ${what} to shard ${r.moving?.toShard ?? '?'}; retry later`,
    r.id,
    r.epoch,
  );
}

/** RANGE_STALE with retryLater, for a key whose range moves or moved away from this shard. */
export function retryLaterError(
  message: string,
  rangeId = -1,
  epoch: number | null = null,
): RpcError {
  const detail: StaleDetail = { rangeId, knownEpoch: epoch, retryLater: true };
  return new RpcError(RpcErrorCode.rangeStale, message, detail);
}
