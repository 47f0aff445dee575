/**
 * Merges children (memtables, L0 tables, levels) into one stream in internal-key order,
 * forward or backward; the direction is fixed at creation (a user iterator never turns).
 * The valid children sit in a binary heap keyed by their current entry, so a step costs
 * O(log children) comparisons (a compaction may merge a dozen L0 tables and more).
 */
import { type InternalIterator, compareIters } from './internalIterator';

export class MergingIterator {
  private heap: InternalIterator[] = [];
  private readonly sign: number;

  constructor(
    private readonly children: InternalIterator[],
    reverse: boolean,
  ) {
    this.sign = reverse ? -1 : 1;
  }

  private less(a: InternalIterator, b: InternalIterator): boolean {
    return this.sign * compareIters(a, b) < 0;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = h.length;
    const x = h[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(h[r], h[l]) ? r : l;
      if (!this.less(h[c], x)) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = x;
  }

  private rebuild(): void {
    this.heap = this.children.filter((c) => c.valid());
    for (let i = (this.heap.length >>> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** The child holding the current entry, or null at the end. */
  current(): InternalIterator | null {
    return this.heap.length > 0 ? this.heap[0] : null;
  }

  seekToFirst(): void {
    for (const c of this.children) c.seekToFirst();
    this.rebuild();
  }
  seekToLast(): void {
    for (const c of this.children) c.seekToLast();
    this.rebuild();
  }
  seek(userKey: Buffer, seq: number): void {
    for (const c of this.children) c.seek(userKey, seq);
    this.rebuild();
  }
  seekForPrev(userKey: Buffer, seq: number): void {
    for (const c of this.children) c.seekForPrev(userKey, seq);
    this.rebuild();
  }
  /** Steps in the iterator's direction. */
  step(): void {
    const h = this.heap;
    const top = h[0];
    if (this.sign < 0) top.prev();
    else top.next();
    if (!top.valid()) {
      const last = h.pop() as InternalIterator;
      if (h.length === 0) return;
      h[0] = last;
    }
    this.siftDown(0);
  }
  close(): void {
    for (const c of this.children) c.close();
    this.heap = [];
  }
}
