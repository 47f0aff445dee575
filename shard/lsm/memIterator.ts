/** Internal iterator over a memtable (see memtable.ts on why walking during inserts is safe). */
import type { InternalIterator } from './internalIterator';
import type { MemNode, Memtable } from './memtable';

const EMPTY = Buffer.alloc(0);

export class MemIterator implements InternalIterator {
  ukey: Buffer = EMPTY;
  ukeyLen = 0;
  seq = 0;
  type = 0;
  private node: MemNode | null = null;

  constructor(private readonly mem: Memtable) {}

  private set(n: MemNode | null): void {
    this.node = n;
    if (n !== null) {
      this.ukey = n.key;
      this.ukeyLen = n.key.length;
      this.seq = n.seq;
      this.type = n.type;
    }
  }

  valid(): boolean {
    return this.node !== null;
  }
  value(): Buffer {
    return (this.node as MemNode).value;
  }
  seekToFirst(): void {
    this.set(this.mem.first());
  }
  seekToLast(): void {
    this.set(this.mem.last());
  }
  seek(userKey: Buffer, seq: number): void {
    this.set(this.mem.seek(userKey, seq));
  }
  seekForPrev(userKey: Buffer, seq: number): void {
    // The last node ≤ (key, seq) is the one before the first node > (key, seq), and the
    // first node > (key, seq) is the first node ≥ (key, seq − 1) (sequences sort descending).
    const after = this.mem.seek(userKey, seq - 1);
    this.set(after === null ? this.mem.last() : after.prev);
  }
  next(): void {
    this.set((this.node as MemNode).next[0]);
  }
  prev(): void {
    this.set((this.node as MemNode).prev);
  }
  close(): void {
    this.node = null;
  }
}
