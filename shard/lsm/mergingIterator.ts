/**
 * Merges children (memtables, L0 tables, levels) into one stream in internal-key order,
 * forward or backward; the direction is fixed at creation (a user iterator never turns).
 * Children are few (≤ ~20), so a linear pick of the smallest (largest) child is cheaper
 * than maintaining a heap.
 */
import { type InternalIterator, compareIters } from './internalIterator';

export class MergingIterator {
  private cur: InternalIterator | null = null;

  constructor(
    private readonly children: InternalIterator[],
    private readonly reverse: boolean,
  ) {}

  private pick(): void {
    let best: InternalIterator | null = null;
    const ch = this.children;
    if (!this.reverse) {
      for (let i = 0; i < ch.length; i++) {
        const c = ch[i];
        if (c.valid() && (best === null || compareIters(c, best) < 0)) best = c;
      }
    } else {
      for (let i = 0; i < ch.length; i++) {
        const c = ch[i];
        if (c.valid() && (best === null || compareIters(c, best) > 0)) best = c;
      }
    }
    this.cur = best;
  }

  /** The child holding the current entry, or null at the end. */
  current(): InternalIterator | null {
    return this.cur;
  }

  seekToFirst(): void {
    for (const c of this.children) c.seekToFirst();
    this.pick();
  }
  seekToLast(): void {
    for (const c of this.children) c.seekToLast();
    this.pick();
  }
  seek(userKey: Buffer, seq: number): void {
    for (const c of this.children) c.seek(userKey, seq);
    this.pick();
  }
  seekForPrev(userKey: Buffer, seq: number): void {
    for (const c of this.children) c.seekForPrev(userKey, seq);
    this.pick();
  }
  /** Steps in the iterator's direction. */
  step(): void {
    const c = this.cur as InternalIterator;
    if (this.reverse) c.prev();
    else c.next();
    this.pick();
  }
  close(): void {
    for (const c of this.children) c.close();
    this.cur = null;
  }
}
