/**
 * A byte-bounded cache of verified data blocks, keyed by (file number, block offset).
 * Eviction is CLOCK-like ("second chance"): a hit only sets a flag, so the hot read path
 * does no map reordering; eviction walks from the oldest entry, re-queueing flagged ones.
 */
interface Entry {
  block: Buffer;
  hot: boolean;
}

export class BlockCache {
  private readonly map = new Map<number, Entry>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(readonly capacity: number) {}

  static key(fileNumber: number, offset: number): number {
    return fileNumber * 4294967296 + offset;
  }

  get(key: number): Buffer | undefined {
    const e = this.map.get(key);
    if (e === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    e.hot = true;
    return e.block;
  }

  set(key: number, block: Buffer): void {
    if (block.length > this.capacity) return;
    const old = this.map.get(key);
    if (old !== undefined) {
      this.bytes -= old.block.length;
      this.map.delete(key);
    }
    this.map.set(key, { block, hot: false });
    this.bytes += block.length;
    this.evict();
  }

  private evict(): void {
    let budget = this.map.size * 2;
    while (this.bytes > this.capacity && budget-- > 0) {
      const first = this.map.entries().next();
      if (first.done) return;
      const [k, e] = first.value;
      this.map.delete(k);
      if (e.hot) {
        e.hot = false;
        this.map.set(k, e);
      } else {
        this.bytes -= e.block.length;
      }
    }
  }

  /** Drops every block of a file (called when the file is deleted). */
  dropFile(fileNumber: number, size: number): void {
    if (this.map.size === 0) return;
    const lo = BlockCache.key(fileNumber, 0);
    const hi = BlockCache.key(fileNumber, size);
    for (const [k, e] of this.map) {
      if (k >= lo && k <= hi) {
        this.map.delete(k);
        this.bytes -= e.block.length;
      }
    }
  }

  get usedBytes(): number {
    return this.bytes;
  }
}
