/**
 * Builds one SSTable block (FORMAT.md "Block"): prefix-compressed entries
 *   [shared varint][unshared varint][valueLen varint][key bytes after the shared prefix][value]
 * with a restart point (an entry stored with shared = 0) every `restartInterval` entries,
 * then the restart offsets (u32 LE each) and their count (u32 LE). Keys must be added in
 * increasing internal-key order.
 */
import { copyBytes, putVarint } from './coding';

export class BlockBuilder {
  private buf: Buffer;
  private len = 0;
  private restarts: number[] = [0];
  private counter = 0;
  private lastKey: Buffer;
  private lastKeyLen = 0;
  entries = 0;

  constructor(
    private readonly restartInterval: number,
    initialCapacity = 8192,
  ) {
    this.buf = Buffer.allocUnsafe(initialCapacity);
    this.lastKey = Buffer.allocUnsafe(256);
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + extra));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** Adds key[kStart,kEnd) with value[vStart,vEnd). */
  add(
    key: Uint8Array,
    kStart: number,
    kEnd: number,
    value: Uint8Array,
    vStart: number,
    vEnd: number,
  ): void {
    const klen = kEnd - kStart;
    const vlen = vEnd - vStart;
    let shared = 0;
    if (this.counter < this.restartInterval) {
      const max = Math.min(this.lastKeyLen, klen);
      while (shared < max && this.lastKey[shared] === key[kStart + shared]) shared++;
    } else {
      this.restarts.push(this.len);
      this.counter = 0;
    }
    const unshared = klen - shared;
    this.ensure(15 + unshared + vlen);
    let off = putVarint(this.buf, this.len, shared);
    off = putVarint(this.buf, off, unshared);
    off = putVarint(this.buf, off, vlen);
    copyBytes(key, kStart + shared, kEnd, this.buf, off);
    off += unshared;
    copyBytes(value, vStart, vEnd, this.buf, off);
    off += vlen;
    this.len = off;
    if (this.lastKey.length < klen) this.lastKey = Buffer.allocUnsafe(klen * 2);
    copyBytes(key, kStart + shared, kEnd, this.lastKey, shared);
    this.lastKeyLen = klen;
    this.counter++;
    this.entries++;
  }

  /** Bytes the block will take once finished. */
  estimatedSize(): number {
    return this.len + 4 * this.restarts.length + 4;
  }

  empty(): boolean {
    return this.entries === 0;
  }

  /** The last key added (a view into a scratch buffer, valid until the next add). */
  lastKeyView(): Buffer {
    return this.lastKey.subarray(0, this.lastKeyLen);
  }

  /** Appends the restart array; returns the block's bytes (a view, valid until reset). */
  finish(): Buffer {
    this.ensure(4 * this.restarts.length + 4);
    let off = this.len;
    for (const r of this.restarts) {
      this.buf.writeUInt32LE(r, off);
      off += 4;
    }
    this.buf.writeUInt32LE(this.restarts.length, off);
    off += 4;
    return this.buf.subarray(0, off);
  }

  reset(): void {
    this.len = 0;
    this.restarts = [0];
    this.counter = 0;
    this.lastKeyLen = 0;
    this.entries = 0;
  }
}
