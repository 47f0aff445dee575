/** Internal iterator over one SSTable: the index picks the block, a BlockIter walks it. */
import { BlockIter } from './blockIter';
import { TRAILER, TYPE_DELETION, TYPE_VALUE, makeInternalKey } from './dbformat';
import { LsmCorruptionError } from './errors';
import type { InternalIterator } from './internalIterator';
import type { TableCache } from './tableCache';
import type { TableReader } from './tableReader';

export class TableIterator implements InternalIterator {
  ukey: Buffer;
  ukeyLen = 0;
  seq = 0;
  type = 0;
  private readonly it = new BlockIter();
  private bi = -1;
  private ok = false;
  private closed = false;

  constructor(
    private readonly reader: TableReader,
    private readonly cache: TableCache | null,
  ) {
    this.ukey = this.it.key;
  }

  private load(bi: number): boolean {
    if (bi < 0 || bi >= this.reader.blockCount) {
      this.ok = false;
      return false;
    }
    this.bi = bi;
    this.it.reset(this.reader.block(bi), this.reader.fileName, this.reader.blockOffsets[bi]);
    return true;
  }

  private sync(): void {
    this.ok = this.it.valid();
    if (!this.ok) return;
    const kl = this.it.keyLen;
    const k = this.it.key;
    if (kl < TRAILER)
      throw new LsmCorruptionError(
        this.reader.fileName,
        this.reader.blockOffsets[this.bi] + this.it.cur,
        'key shorter than its trailer',
      );
    this.ukey = k;
    this.ukeyLen = kl - TRAILER;
    this.seq = k.readUIntBE(kl - 7, 6);
    this.type = k[kl - 1];
  }

  private forwardToValid(): void {
    while (!this.it.valid()) {
      if (!this.load(this.bi + 1)) return;
      this.it.seekToFirst();
    }
    this.sync();
  }

  private backwardToValid(): void {
    while (!this.it.valid()) {
      if (!this.load(this.bi - 1)) return;
      this.it.seekToLast();
    }
    this.sync();
  }

  valid(): boolean {
    return this.ok;
  }
  value(): Buffer {
    return this.it.value();
  }
  /** The current value as a range of the block (no view allocated): for compaction. */
  valueBuf(): Buffer {
    return this.it.blockData();
  }
  get valueStart(): number {
    return this.it.valOff;
  }
  get valueEnd(): number {
    return this.it.valOff + this.it.valLen;
  }
  seekToFirst(): void {
    if (!this.load(0)) return;
    this.it.seekToFirst();
    this.forwardToValid();
  }
  seekToLast(): void {
    if (!this.load(this.reader.blockCount - 1)) return;
    this.it.seekToLast();
    this.backwardToValid();
  }
  seek(userKey: Buffer, seq: number): void {
    const ik = makeInternalKey(userKey, seq, TYPE_VALUE);
    if (!this.load(this.reader.findBlock(ik, 0, ik.length))) return;
    this.it.seek(ik, 0, ik.length);
    this.forwardToValid();
  }
  seekForPrev(userKey: Buffer, seq: number): void {
    const ik = makeInternalKey(userKey, seq, TYPE_DELETION);
    const bi = this.reader.findBlock(ik, 0, ik.length);
    if (bi >= this.reader.blockCount) {
      this.seekToLast();
      return;
    }
    this.load(bi);
    this.it.seekForPrev(ik, 0, ik.length);
    this.backwardToValid();
  }
  next(): void {
    this.it.next();
    this.forwardToValid();
  }
  prev(): void {
    this.it.prev();
    this.backwardToValid();
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ok = false;
    if (this.cache !== null) this.cache.release(this.reader);
  }
}
