/**
 * The user-facing iterator: over a merge of every source, shows for each user key the
 * newest version with sequence ≤ the iterator's snapshot, hides deletions, and applies the
 * bounds (pushed down as the first seek). See KvIterator in shard/storage/kvEngine.ts.
 */
import type { IteratorOptions, KvIterator } from '../storage/kvEngine';
import { compareRange, copyBytes } from './coding';
import { MAX_SEQ, TYPE_VALUE } from './dbformat';
import type { MergingIterator } from './mergingIterator';

/** A copy of k[0, len): the iterator's key buffers are scratch space, reused on the next step. */
function copyKey(k: Buffer, len: number): Buffer {
  const out = Buffer.allocUnsafe(len);
  copyBytes(k, 0, len, out, 0);
  return out;
}

export class DbIterator implements KvIterator {
  private started = false;
  private done = false;
  private readonly lower: Buffer | undefined;
  private readonly lowerInclusive: boolean;
  private readonly upper: Buffer | undefined;
  private readonly upperInclusive: boolean;
  private readonly reverse: boolean;

  constructor(
    private readonly merged: MergingIterator,
    private readonly seq: number,
    options: IteratorOptions,
    private readonly onClose: () => void,
  ) {
    this.reverse = options.reverse === true;
    if (options.gte !== undefined) {
      this.lower = options.gte;
      this.lowerInclusive = true;
    } else {
      this.lower = options.gt;
      this.lowerInclusive = false;
    }
    if (options.lte !== undefined) {
      this.upper = options.lte;
      this.upperInclusive = true;
    } else {
      this.upper = options.lt;
      this.upperInclusive = false;
    }
  }

  private start(): void {
    this.started = true;
    if (!this.reverse) {
      if (this.lower !== undefined) this.merged.seek(this.lower, MAX_SEQ);
      else this.merged.seekToFirst();
    } else if (this.upper !== undefined) {
      // lte: the last entry of any version of upper; lt: the last entry before all of them.
      this.merged.seekForPrev(this.upper, this.upperInclusive ? 0 : MAX_SEQ);
    } else {
      this.merged.seekToLast();
    }
  }

  private aboveUpper(k: Buffer, len: number): boolean {
    if (this.upper === undefined) return false;
    const c = compareRange(k, 0, len, this.upper, 0, this.upper.length);
    return this.upperInclusive ? c > 0 : c >= 0;
  }

  private belowLower(k: Buffer, len: number): boolean {
    if (this.lower === undefined) return false;
    const c = compareRange(k, 0, len, this.lower, 0, this.lower.length);
    return this.lowerInclusive ? c < 0 : c <= 0;
  }

  next(): [key: Buffer, value: Buffer] | undefined {
    if (this.done) return undefined;
    if (!this.started) this.start();
    const r = this.reverse ? this.prevEntry() : this.nextEntry();
    if (r === undefined) this.close();
    return r;
  }

  private nextEntry(): [Buffer, Buffer] | undefined {
    const m = this.merged;
    for (;;) {
      const c = m.current();
      if (c === null) return undefined;
      if (c.seq > this.seq || this.belowLower(c.ukey, c.ukeyLen)) {
        m.step();
        continue;
      }
      if (this.aboveUpper(c.ukey, c.ukeyLen)) return undefined;
      // c is the newest visible version of its user key; skip the older ones after it.
      const key = copyKey(c.ukey, c.ukeyLen);
      const isValue = c.type === TYPE_VALUE;
      const value = isValue ? c.value() : undefined;
      m.step();
      for (;;) {
        const d = m.current();
        if (d === null || compareRange(d.ukey, 0, d.ukeyLen, key, 0, key.length) !== 0) break;
        m.step();
      }
      if (value !== undefined) return [key, value];
    }
  }

  private prevEntry(): [Buffer, Buffer] | undefined {
    const m = this.merged;
    for (;;) {
      const c = m.current();
      if (c === null) return undefined;
      if (this.belowLower(c.ukey, c.ukeyLen)) return undefined;
      if (this.aboveUpper(c.ukey, c.ukeyLen)) {
        m.step();
        continue;
      }
      // Backward, a user key's versions come oldest first: the last one with a visible
      // sequence is the newest version the snapshot sees.
      const key = copyKey(c.ukey, c.ukeyLen);
      let found = false;
      let isValue = false;
      let value: Buffer | undefined;
      for (;;) {
        const d = m.current();
        if (d === null || compareRange(d.ukey, 0, d.ukeyLen, key, 0, key.length) !== 0) break;
        if (d.seq <= this.seq) {
          found = true;
          isValue = d.type === TYPE_VALUE;
          value = isValue ? d.value() : undefined;
        }
        m.step();
      }
      if (found && isValue) return [key, value as Buffer];
    }
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    this.merged.close();
    this.onClose();
  }
}
