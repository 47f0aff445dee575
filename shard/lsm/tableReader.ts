/**
 * Reads one SSTable synchronously (reads are synchronous by the KvEngine contract): the
 * footer, filter and index are loaded and verified at open; data blocks are read with
 * pread on demand, checksum-verified, and kept in the block cache.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bloomMayContainHash, bloomMayContain } from './bloom';
import { type BlockCache, CacheEntry } from './blockCache';
import { BlockIter } from './blockIter';
import { compareRange, cursor, getVarint } from './coding';
import { crc32 } from './checksum';
import { TRAILER, TYPE_DELETION, compareInternalRange } from './dbformat';
import { LsmCorruptionError } from './errors';
import { tableFileName } from './fileNames';
import {
  type FilterKeyHashes,
  POLICY_WHOLE_KEY,
  type PrefixProbe,
  filterKeyEnd,
  knownPolicy,
} from './filterPolicy';
import {
  BLOCK_TRAILER,
  FOOTER_POLICY_OFFSET,
  FOOTER_SIZE,
  TABLE_FORMAT_VERSION,
  TABLE_FORMAT_VERSION_POLICY,
  TABLE_MAGIC,
} from './tableFormat';

const READ_AHEAD = 256 * 1024;

/**
 * Blocks bound for the block cache are carved out of 1 MiB slabs instead of one
 * ArrayBuffer each: a cache miss then costs no allocation beyond a view, and the GC
 * tracks a few large buffers instead of thousands of 4 KiB ones. The cache evicts in
 * roughly insertion order, so a slab's blocks leave together and the slab is freed.
 */
const SLAB = 1 << 20;
let slab: Buffer = Buffer.alloc(0);
let slabOff = 0;
function allocBlock(n: number): Buffer {
  if (n > SLAB >>> 4) return Buffer.allocUnsafe(n);
  if (slabOff + n > slab.length) {
    slab = Buffer.allocUnsafeSlow(SLAB);
    slabOff = 0;
  }
  const b = slab.subarray(slabOff, slabOff + n);
  slabOff += (n + 7) & ~7;
  return b;
}

/** Bytes buf[off, off+6) ∩ [off, end) as a big-endian number, zero-padded (exact in a double). */
function wordAt(buf: Uint8Array, off: number, end: number): number {
  let w = 0;
  for (let i = 0; i < 6; i++) w = w * 256 + (off + i < end ? buf[off + i] : 0);
  return w;
}

export interface GetResult {
  state: 'value' | 'deleted' | undefined;
  value: Buffer | undefined;
}

export class TableReader {
  readonly fileName: string;
  /** Last internal key of each data block, in order. */
  readonly indexKeys: Buffer[] = [];
  readonly blockOffsets: number[] = [];
  readonly blockSizes: number[] = [];
  private filter: Buffer = Buffer.alloc(0);
  /** The policy the filter was built with (footer); -1: unknown to this code, filter unused. */
  private policy = POLICY_WHOLE_KEY;
  /** Bytes every index key's user key starts with, and the 6 bytes after them as numbers. */
  private commonPrefix = 0;
  private indexWords = new Float64Array(0);
  private readonly cached: (CacheEntry | undefined)[] = [];
  private readonly scratchIter = new BlockIter();
  /** Iterators and cache slots holding this reader; the fd closes when it reaches 0 after eviction. */
  refs = 0;
  evicted = false;
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly number: number,
    readonly size: number,
    private readonly fd: number,
    private readonly cache: BlockCache | null,
  ) {
    this.fileName = tableFileName(number);
  }

  static open(dir: string, number: number, size: number, cache: BlockCache | null): TableReader {
    const file = path.join(dir, tableFileName(number));
    const fd = fs.openSync(file, 'r');
    const t = new TableReader(dir, number, size, fd, cache);
    try {
      t.load();
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
    return t;
  }

  private corrupt(off: number, what: string): never {
    throw new LsmCorruptionError(this.fileName, off, what);
  }

  private load(): void {
    const actual = fs.fstatSync(this.fd).size;
    if (actual !== this.size) this.corrupt(0, `file size ${actual}, manifest says ${this.size}`);
    if (this.size < FOOTER_SIZE) this.corrupt(0, 'file shorter than a footer');
    const footerOff = this.size - FOOTER_SIZE;
    const footer = this.readRaw(footerOff, FOOTER_SIZE);
    if (!footer.subarray(32, 40).equals(TABLE_MAGIC))
      this.corrupt(footerOff + 32, 'bad table magic');
    if (footer.readUInt32LE(28) !== crc32(footer, 0, 28))
      this.corrupt(footerOff, 'footer checksum mismatch');
    const version = footer.readUInt32LE(24);
    if (version === TABLE_FORMAT_VERSION_POLICY) {
      const p = footer[FOOTER_POLICY_OFFSET];
      // A policy a later version added: the table is readable, its filter just unusable.
      this.policy = knownPolicy(p) ? p : -1;
    } else if (version !== TABLE_FORMAT_VERSION) {
      this.corrupt(footerOff + 24, 'unknown table format version');
    }
    const indexOff = footer.readUIntLE(0, 6);
    const indexSize = footer.readUInt32LE(8);
    const filterOff = footer.readUIntLE(12, 6);
    const filterSize = footer.readUInt32LE(20);
    if (
      indexOff + indexSize + BLOCK_TRAILER > footerOff ||
      filterOff + filterSize + BLOCK_TRAILER > footerOff
    ) {
      this.corrupt(footerOff, 'footer points past the end of the file');
    }
    this.filter = this.readVerified(filterOff, filterSize);
    const index = this.readVerified(indexOff, indexSize);
    const it = new BlockIter();
    it.reset(index, this.fileName, indexOff);
    for (it.seekToFirst(); it.valid(); it.next()) {
      this.indexKeys.push(Buffer.from(it.key.subarray(0, it.keyLen)));
      const v = it.value();
      const off = getVarint(v, 0, v.length);
      const sz = off < 0 ? -1 : getVarint(v, cursor.next, v.length);
      if (sz < 0 || off + sz + BLOCK_TRAILER > footerOff)
        this.corrupt(indexOff + it.cur, 'bad block handle in index');
      this.blockOffsets.push(off);
      this.blockSizes.push(sz);
    }
    const n = this.indexKeys.length;
    if (n > 0) {
      const first = this.indexKeys[0];
      const last = this.indexKeys[n - 1];
      const max = Math.min(first.length, last.length) - TRAILER;
      let cp = 0;
      while (cp < max && first[cp] === last[cp]) cp++;
      this.commonPrefix = cp;
      this.indexWords = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const k = this.indexKeys[i];
        this.indexWords[i] = wordAt(k, cp, k.length - TRAILER);
      }
    }
    this.cached.length = n;
  }

  /** Without a block cache (compaction inputs) blocks are read ahead in 256 KiB chunks. */
  private ra: Buffer | null = null;
  private raOff = 0;

  private readRaw(offset: number, length: number): Buffer {
    if (this.cache === null && length < READ_AHEAD) {
      if (
        this.ra === null ||
        offset < this.raOff ||
        offset + length > this.raOff + this.ra.length
      ) {
        const n = Math.min(READ_AHEAD, this.size - offset);
        this.ra = this.readExact(offset, Math.max(n, length));
        this.raOff = offset;
      }
      return this.ra.subarray(offset - this.raOff, offset - this.raOff + length);
    }
    return this.readExact(offset, length);
  }

  private readExact(offset: number, length: number): Buffer {
    const buf = this.cache !== null ? allocBlock(length) : Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, buf, done, length - done, offset + done);
      if (n === 0) this.corrupt(offset + done, 'unexpected end of file');
      done += n;
    }
    return buf;
  }

  /** Reads a block and checks its trailer; returns the block bytes without the trailer. */
  private readVerified(offset: number, size: number): Buffer {
    const raw = this.readRaw(offset, size + BLOCK_TRAILER);
    if (raw[size] !== 0) this.corrupt(offset + size, 'unknown block type');
    const want = raw.readUInt32LE(size + 1);
    if (crc32(raw, 0, size + 1) !== want) this.corrupt(offset, 'block checksum mismatch');
    return raw.subarray(0, size);
  }

  /** Data block i, from the cache or the file. */
  block(i: number): Buffer {
    const cache = this.cache;
    if (cache === null) return this.readVerified(this.blockOffsets[i], this.blockSizes[i]);
    const e = this.cached[i];
    if (e !== undefined) {
      cache.hits++;
      e.hot = true;
      return e.block;
    }
    cache.misses++;
    const b = this.readVerified(this.blockOffsets[i], this.blockSizes[i]);
    cache.insert(this.cached, i, b);
    return b;
  }

  /** Releases this table's cached blocks (its file is gone). */
  dropCached(): void {
    this.cache?.dropAll(this.cached);
  }

  /**
   * Index of the first block whose last key is ≥ target, or blockCount when none. Every
   * index key shares the table's common prefix (they are sorted); the 6 user-key bytes
   * after it are kept as numbers (indexWords), so most steps of the binary search compare
   * two numbers. Zero padding keeps number order consistent with byte order: unequal
   * numbers order the keys the same way; equal ones fall back to the full comparison.
   */
  findBlock(target: Buffer, tStart: number, tEnd: number): number {
    const keys = this.indexKeys;
    const n = keys.length;
    if (n === 0) return 0;
    const cp = this.commonPrefix;
    const tUserEnd = tEnd - TRAILER;
    const pre = compareRange(target, tStart, Math.min(tStart + cp, tUserEnd), keys[0], 0, cp);
    if (pre < 0) return 0;
    if (pre > 0) return n;
    const tw = wordAt(target, tStart + cp, tUserEnd);
    const words = this.indexWords;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const w = words[mid];
      let c: number;
      if (w !== tw) c = w < tw ? -1 : 1;
      else {
        const k = keys[mid];
        c = compareInternalRange(k, 0, k.length, target, tStart, tEnd);
      }
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get blockCount(): number {
    return this.indexKeys.length;
  }

  /** The filter policy id the table's filter was built with (-1: unknown, not used). */
  get filterPolicy(): number {
    return this.policy;
  }

  /** May the table hold key? False means certainly not (the filter, under the table's policy). */
  mayContain(key: Buffer): boolean {
    if (this.policy < 0) return true;
    return bloomMayContain(this.filter, key, 0, filterKeyEnd(this.policy, key, 0, key.length));
  }

  /**
   * May the table hold a key within the probe's bounds? Only a table built with the probe's
   * policy can say no; any other is read.
   */
  prefixMayMatch(probe: PrefixProbe): boolean {
    return this.policy !== probe.policy || bloomMayContainHash(this.filter, probe.hash);
  }

  /**
   * Looks up lookupKey (= userKey + trailer(snapshotSeq, VALUE)): the first entry at or
   * after it, if it has the same user key, is the newest version visible to the snapshot.
   * `hashes` holds userKey's filter-key hashes (computed once for every table a get probes).
   */
  get(userKey: Buffer, lookupKey: Buffer, out: GetResult, hashes: FilterKeyHashes): boolean {
    if (this.policy >= 0 && !bloomMayContainHash(this.filter, hashes.hash(this.policy)))
      return false;
    let bi = this.findBlock(lookupKey, 0, lookupKey.length);
    const it = this.scratchIter;
    while (bi < this.indexKeys.length) {
      it.reset(this.block(bi), this.fileName, this.blockOffsets[bi]);
      it.seek(lookupKey, 0, lookupKey.length);
      if (it.valid()) {
        const klen = it.keyLen;
        if (compareRange(it.key, 0, klen - TRAILER, userKey, 0, userKey.length) !== 0) return false;
        if (it.key[klen - 1] === TYPE_DELETION) {
          out.state = 'deleted';
          out.value = undefined;
        } else {
          out.state = 'value';
          out.value = it.value();
        }
        return true;
      }
      bi++;
    }
    return false;
  }

  /**
   * Positions this reader's scratch iterator (the one get() uses) at the first entry ≥
   * lookupKey in internal order and returns it, or null past the table's end. Valid until
   * the next get or seekScratch on this reader: for a synchronous point seek that reads
   * the entry at once (LsmEngine.firstInRange), with no iterator allocated.
   */
  seekScratch(lookupKey: Buffer): BlockIter | null {
    let bi = this.findBlock(lookupKey, 0, lookupKey.length);
    const it = this.scratchIter;
    while (bi < this.indexKeys.length) {
      it.reset(this.block(bi), this.fileName, this.blockOffsets[bi]);
      it.seek(lookupKey, 0, lookupKey.length);
      if (it.valid()) return it;
      bi++;
    }
    return null;
  }

  /** Approximate byte offset in the file where ikey would be. */
  approximateOffsetOf(ikey: Buffer): number {
    const bi = this.findBlock(ikey, 0, ikey.length);
    if (bi >= this.blockOffsets.length) return this.size;
    return this.blockOffsets[bi];
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}
