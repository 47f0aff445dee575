/**
 * Walks the entries of one block (format in blockBuilder.ts / FORMAT.md "Block"). The
 * current key is rebuilt in a scratch buffer (`key[0, keyLen)`); the value is a range of
 * the block (`data[valOff, valOff + valLen)`). Malformed bytes throw LsmCorruptionError.
 */
import { copyBytes, cursor, getVarint } from './coding';
import { compareInternalRange } from './dbformat';
import { LsmCorruptionError } from './errors';

export class BlockIter {
  key: Buffer = Buffer.allocUnsafe(64);
  keyLen = 0;
  valOff = 0;
  valLen = 0;
  /** Offset of the current entry; equals restartsOff when past the end. */
  cur = 0;
  private nextOff = 0;
  private restartsOff = 0;
  private numRestarts = 0;
  private data: Buffer = Buffer.alloc(0);
  private file = '';
  private baseOffset = 0;

  /** Points the iterator at a block; file and baseOffset name it in errors. */
  reset(data: Buffer, file: string, baseOffset: number): void {
    this.data = data;
    this.file = file;
    this.baseOffset = baseOffset;
    if (data.length < 4) this.corrupt(0, 'block too short');
    this.numRestarts = data.readUInt32LE(data.length - 4);
    this.restartsOff = data.length - 4 - 4 * this.numRestarts;
    if (this.numRestarts === 0 || this.restartsOff < 0)
      this.corrupt(data.length - 4, 'bad restart count');
    this.cur = this.restartsOff;
    this.nextOff = this.restartsOff;
  }

  private corrupt(off: number, what: string): never {
    throw new LsmCorruptionError(this.file, this.baseOffset + off, what);
  }

  valid(): boolean {
    return this.cur < this.restartsOff;
  }

  private restartPoint(i: number): number {
    return this.data.readUInt32LE(this.restartsOff + 4 * i);
  }

  /** Decodes the entry at off into key/value, given the previous key in the scratch. */
  private parseAt(off: number): void {
    const d = this.data;
    const limit = this.restartsOff;
    const shared = getVarint(d, off, limit);
    const unshared = shared < 0 ? -1 : getVarint(d, cursor.next, limit);
    const vlen = unshared < 0 ? -1 : getVarint(d, cursor.next, limit);
    const p = cursor.next;
    if (vlen < 0 || shared > this.keyLen || p + unshared + vlen > limit)
      this.corrupt(off, 'bad block entry');
    const klen = shared + unshared;
    if (this.key.length < klen) {
      const k = Buffer.allocUnsafe(klen * 2);
      this.key.copy(k, 0, 0, shared);
      this.key = k;
    }
    copyBytes(d, p, p + unshared, this.key, shared);
    this.keyLen = klen;
    this.valOff = p + unshared;
    this.valLen = vlen;
    this.cur = off;
    this.nextOff = this.valOff + vlen;
  }

  seekToFirst(): void {
    this.keyLen = 0;
    if (this.restartsOff === 0) {
      this.cur = 0;
      return;
    }
    this.parseAt(0);
  }

  next(): void {
    if (this.nextOff >= this.restartsOff) {
      this.cur = this.restartsOff;
      this.nextOff = this.restartsOff;
      return;
    }
    this.parseAt(this.nextOff);
  }

  seekToLast(): void {
    this.seekToRestart(this.numRestarts - 1);
    if (!this.valid()) return;
    while (this.nextOff < this.restartsOff) this.parseAt(this.nextOff);
  }

  private seekToRestart(i: number): void {
    this.keyLen = 0;
    const off = this.restartPoint(i);
    if (off >= this.restartsOff) {
      this.cur = this.restartsOff;
      return;
    }
    this.parseAt(off);
  }

  /** Steps to the entry before the current one (or invalid when at the first). */
  prev(): void {
    const original = this.cur;
    let r = this.numRestarts - 1;
    while (r >= 0 && this.restartPoint(r) >= original) r--;
    if (r < 0) {
      this.cur = this.restartsOff;
      this.nextOff = this.restartsOff;
      return;
    }
    this.seekToRestart(r);
    while (this.nextOff < original) this.parseAt(this.nextOff);
  }

  /** Positions at the first entry ≥ target[tStart,tEnd) (internal order), or invalid. */
  seek(target: Buffer, tStart: number, tEnd: number): void {
    const d = this.data;
    let left = 0;
    let right = this.numRestarts - 1;
    while (left < right) {
      const mid = (left + right + 1) >>> 1;
      const off = this.restartPoint(mid);
      const shared = getVarint(d, off, this.restartsOff);
      const unshared = getVarint(d, cursor.next, this.restartsOff);
      getVarint(d, cursor.next, this.restartsOff);
      const p = cursor.next;
      if (shared !== 0 || unshared < 0 || p + unshared > this.restartsOff)
        this.corrupt(off, 'bad restart entry');
      if (compareInternalRange(d, p, p + unshared, target, tStart, tEnd) < 0) left = mid;
      else right = mid - 1;
    }
    this.seekToRestart(left);
    while (this.valid() && compareInternalRange(this.key, 0, this.keyLen, target, tStart, tEnd) < 0)
      this.next();
  }

  /** Positions at the last entry ≤ target, or invalid. */
  seekForPrev(target: Buffer, tStart: number, tEnd: number): void {
    this.seek(target, tStart, tEnd);
    if (!this.valid()) {
      this.seekToLast();
      return;
    }
    if (compareInternalRange(this.key, 0, this.keyLen, target, tStart, tEnd) > 0) this.prev();
  }

  value(): Buffer {
    return this.data.subarray(this.valOff, this.valOff + this.valLen);
  }

  blockData(): Buffer {
    return this.data;
  }
}
