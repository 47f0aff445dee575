/**
 * A byte-bounded cache of verified data blocks. Each table reader keeps its cached blocks
 * in an array indexed by block number (a hit is one array load, no hashing); the cache
 * itself only keeps the eviction order. Eviction is CLOCK-like ("second chance"): a hit
 * sets a flag; eviction takes entries oldest first, giving flagged ones another round.
 */
export class CacheEntry {
  hot = false;
  dead = false;
  constructor(
    readonly block: Buffer,
    readonly slots: (CacheEntry | undefined)[],
    readonly index: number,
  ) {}
}

export class BlockCache {
  private queue: CacheEntry[] = [];
  private head = 0;
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(readonly capacity: number) {}

  /** Caches block as slots[index] (the owning reader's array). */
  insert(slots: (CacheEntry | undefined)[], index: number, block: Buffer): void {
    if (block.length > this.capacity) return;
    const e = new CacheEntry(block, slots, index);
    slots[index] = e;
    this.queue.push(e);
    this.bytes += block.length;
    this.evict();
  }

  private evict(): void {
    let budget = (this.queue.length - this.head) * 2;
    while (this.bytes > this.capacity && this.head < this.queue.length && budget-- > 0) {
      const e = this.queue[this.head++];
      if (e.dead) continue;
      if (e.hot) {
        e.hot = false;
        this.queue.push(e);
        continue;
      }
      e.dead = true;
      this.bytes -= e.block.length;
      if (e.slots[e.index] === e) e.slots[e.index] = undefined;
    }
    // Reclaim the consumed front of the queue now and then (amortized O(1)).
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Drops the blocks of a reader whose file is gone. */
  dropAll(slots: (CacheEntry | undefined)[]): void {
    for (let i = 0; i < slots.length; i++) {
      const e = slots[i];
      if (e !== undefined && !e.dead) {
        e.dead = true;
        this.bytes -= e.block.length;
      }
      slots[i] = undefined;
    }
  }

  get usedBytes(): number {
    return this.bytes;
  }
}
