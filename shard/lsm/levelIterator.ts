/** Internal iterator over the disjoint, sorted files of one level ≥ 1; opens files lazily. */
import { TYPE_DELETION, TYPE_VALUE, makeInternalKey } from './dbformat';
import type { InternalIterator } from './internalIterator';
import type { TableCache } from './tableCache';
import { TableIterator } from './tableIterator';
import { Version } from './version';
import type { FileMeta } from './versionEdit';

const EMPTY = Buffer.alloc(0);

export class LevelIterator implements InternalIterator {
  ukey: Buffer = EMPTY;
  ukeyLen = 0;
  seq = 0;
  type = 0;
  private fi = -1;
  private cur: TableIterator | null = null;

  constructor(
    private readonly files: readonly FileMeta[],
    private readonly tc: TableCache,
  ) {}

  private open(fi: number): TableIterator | null {
    if (this.cur !== null) {
      this.cur.close();
      this.cur = null;
    }
    this.fi = fi;
    if (fi < 0 || fi >= this.files.length) return null;
    const f = this.files[fi];
    this.cur = new TableIterator(this.tc.acquire(f.number, f.size), this.tc);
    return this.cur;
  }

  private sync(): void {
    const c = this.cur;
    if (c !== null && c.valid()) {
      this.ukey = c.ukey;
      this.ukeyLen = c.ukeyLen;
      this.seq = c.seq;
      this.type = c.type;
    }
  }

  private forward(): void {
    while (this.cur !== null && !this.cur.valid()) {
      const next = this.open(this.fi + 1);
      if (next === null) break;
      next.seekToFirst();
    }
    this.sync();
  }

  private backward(): void {
    while (this.cur !== null && !this.cur.valid()) {
      const prev = this.open(this.fi - 1);
      if (prev === null) break;
      prev.seekToLast();
    }
    this.sync();
  }

  valid(): boolean {
    return this.cur !== null && this.cur.valid();
  }
  value(): Buffer {
    return (this.cur as TableIterator).value();
  }
  seekToFirst(): void {
    this.open(0)?.seekToFirst();
    this.forward();
  }
  seekToLast(): void {
    this.open(this.files.length - 1)?.seekToLast();
    this.backward();
  }
  seek(userKey: Buffer, seq: number): void {
    const ik = makeInternalKey(userKey, seq, TYPE_VALUE);
    this.open(Version.findFile(this.files, ik))?.seek(userKey, seq);
    this.forward();
  }
  seekForPrev(userKey: Buffer, seq: number): void {
    const ik = makeInternalKey(userKey, seq, TYPE_DELETION);
    let fi = Version.findFile(this.files, ik);
    if (fi >= this.files.length) fi = this.files.length - 1;
    this.open(fi)?.seekForPrev(userKey, seq);
    this.backward();
  }
  next(): void {
    (this.cur as TableIterator).next();
    this.forward();
  }
  prev(): void {
    (this.cur as TableIterator).prev();
    this.backward();
  }
  close(): void {
    this.open(-1);
  }
}
