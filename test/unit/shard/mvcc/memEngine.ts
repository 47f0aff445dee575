/**
 * A small in-memory KvEngine for the MVCC tests: a sorted array with binary search.
 * Snapshots copy the array (the tests' data is small); writes can be held back
 * (`holdWrites`) so a test can interleave other work while a batch is "in flight".
 */
import type {
  IteratorOptions,
  KvEngine,
  KvIterator,
  KvSnapshot,
  WriteBatch,
  WriteOptions,
} from '../../../../shard/storage/kvEngine';

type Entry = [Buffer, Buffer];

function lowerBound(entries: readonly Entry[], key: Buffer): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (Buffer.compare(entries[mid][0], key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function iterate(entries: readonly Entry[], o: IteratorOptions): KvIterator {
  let lo = 0;
  let hi = entries.length; // exclusive
  if (o.gte) lo = lowerBound(entries, o.gte);
  else if (o.gt) {
    lo = lowerBound(entries, o.gt);
    if (lo < entries.length && entries[lo][0].equals(o.gt)) lo++;
  }
  if (o.lt) hi = lowerBound(entries, o.lt);
  else if (o.lte) {
    hi = lowerBound(entries, o.lte);
    if (hi < entries.length && entries[hi][0].equals(o.lte)) hi++;
  }
  let i = o.reverse === true ? hi - 1 : lo;
  return {
    next: () => {
      if (o.reverse === true) return i >= lo ? entries[i--] : undefined;
      return i < hi ? entries[i++] : undefined;
    },
    close: () => undefined,
  };
}

export class MemEngine implements KvEngine {
  entries: Entry[] = [];
  writes = 0;
  /** When set, write() waits for this promise before applying. */
  gate: Promise<void> | undefined;

  get(key: Buffer): Buffer | undefined {
    const i = lowerBound(this.entries, key);
    return i < this.entries.length && this.entries[i][0].equals(key)
      ? this.entries[i][1]
      : undefined;
  }

  iterator(options: IteratorOptions = {}): KvIterator {
    return iterate(this.entries.slice(), options);
  }

  snapshot(): KvSnapshot {
    const copy = this.entries.slice();
    return {
      get: (key) => {
        const i = lowerBound(copy, key);
        return i < copy.length && copy[i][0].equals(key) ? copy[i][1] : undefined;
      },
      iterator: (options = {}) => iterate(copy, options),
      release: () => undefined,
    };
  }

  /** The sync flag of every write, in order (what a real engine would have fsynced). */
  readonly syncs: boolean[] = [];

  async write(batch: WriteBatch, options?: WriteOptions): Promise<void> {
    this.syncs.push(options?.sync ?? true);
    if (this.gate) await this.gate;
    this.applyNow(batch);
  }

  applyNow(batch: WriteBatch): void {
    this.writes++;
    for (const op of batch.ops) {
      const i = lowerBound(this.entries, op.key);
      const found = i < this.entries.length && this.entries[i][0].equals(op.key);
      if (op.type === 'put') {
        if (found) this.entries[i] = [op.key, op.value];
        else this.entries.splice(i, 0, [op.key, op.value]);
      } else if (found) this.entries.splice(i, 1);
    }
  }

  approximateSize(start: Buffer, end: Buffer): number {
    let n = 0;
    for (const [k, v] of this.entries)
      if (Buffer.compare(k, start) >= 0 && Buffer.compare(k, end) < 0) n += k.length + v.length;
    return n;
  }

  async compactRange(): Promise<void> {}
  async checkpoint(): Promise<void> {}
  async close(): Promise<void> {}
}
