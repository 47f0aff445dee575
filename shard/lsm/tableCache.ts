/**
 * Open table readers, bounded by the open-file budget. A reader an iterator holds (refs > 0)
 * is never closed under it: eviction removes it from the map, and the last release closes it.
 */
import { BlockCache } from './blockCache';
import { TableReader } from './tableReader';

export class TableCache {
  private readonly readers = new Map<number, TableReader>();

  constructor(
    private readonly dir: string,
    private readonly maxOpenFiles: number,
    readonly blockCache: BlockCache | null,
  ) {}

  /** A reader for a short synchronous use (no await between get and the last read). */
  get(number: number, size: number): TableReader {
    let r = this.readers.get(number);
    if (r === undefined) {
      r = TableReader.open(this.dir, number, size, this.blockCache);
      this.readers.set(number, r);
      if (this.readers.size > this.maxOpenFiles) this.evictSome();
    }
    return r;
  }

  /** A reader pinned until release(): for iterators that live across event-loop turns. */
  acquire(number: number, size: number): TableReader {
    const r = this.get(number, size);
    r.refs++;
    return r;
  }

  release(r: TableReader): void {
    r.refs--;
    if (r.refs === 0 && r.evicted) r.close();
  }

  private evictSome(): void {
    for (const [n, r] of this.readers) {
      if (this.readers.size <= this.maxOpenFiles) return;
      this.readers.delete(n);
      // A reader that leaves the map takes its cached blocks with it.
      r.dropCached();
      r.evicted = true;
      if (r.refs === 0) r.close();
    }
  }

  /** The file is gone from every live version: close it and drop its blocks. */
  forget(number: number): void {
    const r = this.readers.get(number);
    if (r !== undefined) {
      this.readers.delete(number);
      r.dropCached();
      r.evicted = true;
      if (r.refs === 0) r.close();
    }
  }

  closeAll(): void {
    for (const r of this.readers.values()) r.close();
    this.readers.clear();
  }

  get openCount(): number {
    return this.readers.size;
  }
}
