/**
 * Writes one SSTable (layout in tableFormat.ts / FORMAT.md) to `<name>.tmp`, then fsyncs and
 * renames it, so a table file that exists under its final name is always complete.
 * Entries must come in increasing internal-key order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlockBuilder } from './blockBuilder';
import { bloomHash, buildBloom } from './bloom';
import { copyBytes, putVarint } from './coding';
import { crc32 } from './checksum';
import { TRAILER } from './dbformat';
import { TEMP_SUFFIX, fsyncDir } from './fileNames';
import { POLICY_WHOLE_KEY, filterKeyEnd } from './filterPolicy';
import {
  BLOCK_TRAILER,
  FOOTER_POLICY_OFFSET,
  FOOTER_SIZE,
  TABLE_FORMAT_VERSION,
  TABLE_FORMAT_VERSION_POLICY,
  TABLE_MAGIC,
} from './tableFormat';

export interface TableOptions {
  readonly blockSize: number;
  readonly restartInterval: number;
  readonly bloomBitsPerKey: number;
  /** Filter policy id (filterPolicy.ts); absent: whole keys. Plain data: jobs carry it to workers. */
  readonly filterPolicy?: number;
}

export interface BuiltTable {
  readonly size: number;
  readonly entries: number;
  readonly smallest: Buffer;
  readonly largest: Buffer;
}

const OUT_CHUNK = 256 * 1024;

export class TableBuilder {
  private readonly fd: number;
  private readonly tmpPath: string;
  private readonly data: BlockBuilder;
  private readonly index: BlockBuilder;
  private out = Buffer.allocUnsafe(OUT_CHUNK);
  private outLen = 0;
  private offset = 0;
  private hashes = new Uint32Array(1024);
  private lastFilterKey = Buffer.allocUnsafe(64);
  private lastFilterKeyLen = -1;
  private readonly policy: number;
  private smallest: Buffer | undefined;
  private largest = Buffer.allocUnsafe(0);
  entries = 0;
  private readonly handleScratch = Buffer.allocUnsafe(20);

  constructor(
    readonly filePath: string,
    private readonly opts: TableOptions,
  ) {
    this.policy = opts.filterPolicy ?? POLICY_WHOLE_KEY;
    this.tmpPath = filePath + TEMP_SUFFIX;
    this.fd = fs.openSync(this.tmpPath, 'w');
    this.data = new BlockBuilder(opts.restartInterval);
    this.index = new BlockBuilder(1);
  }

  /** Bytes written so far plus the open block: compared with the target file size. */
  estimatedSize(): number {
    return this.offset + this.data.estimatedSize();
  }

  add(
    key: Uint8Array,
    kStart: number,
    kEnd: number,
    value: Uint8Array,
    vStart: number,
    vEnd: number,
  ): void {
    if (this.smallest === undefined) this.smallest = Buffer.from(key.subarray(kStart, kEnd));
    this.data.add(key, kStart, kEnd, value, vStart, vEnd);
    // One bloom entry per filter key, however many versions (or, with a prefix policy,
    // however many keys) share it: they are adjacent in key order.
    const fEnd = filterKeyEnd(this.policy, key, kStart, kEnd - TRAILER);
    const flen = fEnd - kStart;
    const last = this.lastFilterKey;
    let same = this.lastFilterKeyLen === flen;
    if (same) {
      for (let i = 0; i < flen; i++) {
        if (last[i] !== key[kStart + i]) {
          same = false;
          break;
        }
      }
    }
    if (!same) {
      if (this.bloomCount >= this.hashes.length) {
        const h = new Uint32Array(this.hashes.length * 2);
        h.set(this.hashes);
        this.hashes = h;
      }
      this.hashes[this.bloomCount++] = bloomHash(key, kStart, fEnd);
      if (this.lastFilterKey.length < flen) this.lastFilterKey = Buffer.allocUnsafe(flen * 2);
      copyBytes(key, kStart, fEnd, this.lastFilterKey, 0);
      this.lastFilterKeyLen = flen;
    }
    this.entries++;
    if (this.data.estimatedSize() >= this.opts.blockSize) this.flushDataBlock();
  }

  private bloomCount = 0;

  private flushDataBlock(): void {
    if (this.data.empty()) return;
    const lastKey = this.data.lastKeyView();
    this.largest = Buffer.from(lastKey);
    const handle = this.writeBlock(this.data.finish());
    const hlen = putVarint(
      this.handleScratch,
      putVarint(this.handleScratch, 0, handle.offset),
      handle.size,
    );
    this.index.add(this.largest, 0, this.largest.length, this.handleScratch, 0, hlen);
    this.data.reset();
  }

  private writeBlock(block: Buffer): { offset: number; size: number } {
    const offset = this.offset;
    const trailer = Buffer.allocUnsafe(BLOCK_TRAILER);
    trailer[0] = 0;
    trailer.writeUInt32LE(crc32(trailer, 0, 1, crc32(block)), 1);
    this.emit(block);
    this.emit(trailer);
    return { offset, size: block.length };
  }

  private emit(b: Buffer): void {
    if (this.outLen + b.length > this.out.length) this.flushOut();
    if (b.length > this.out.length) {
      this.writeAll(b);
    } else {
      b.copy(this.out, this.outLen);
      this.outLen += b.length;
    }
    this.offset += b.length;
  }

  private flushOut(): void {
    if (this.outLen > 0) this.writeAll(this.out.subarray(0, this.outLen));
    this.outLen = 0;
  }

  private writeAll(b: Buffer): void {
    let done = 0;
    while (done < b.length) done += fs.writeSync(this.fd, b, done, b.length - done);
  }

  /**
   * Writes filter, index and footer; fsyncs; renames into place. The rename is made durable
   * by an fsync of the directory unless the caller does that once for several tables.
   */
  finish(syncDir = true): BuiltTable {
    this.flushDataBlock();
    const filter = buildBloom(this.hashes, this.bloomCount, this.opts.bloomBitsPerKey);
    const filterHandle = this.writeBlock(filter);
    const indexHandle = this.writeBlock(Buffer.from(this.index.finish()));
    const footer = Buffer.alloc(FOOTER_SIZE);
    footer.writeUIntLE(indexHandle.offset, 0, 6);
    footer.writeUInt32LE(indexHandle.size, 8);
    footer.writeUIntLE(filterHandle.offset, 12, 6);
    footer.writeUInt32LE(filterHandle.size, 20);
    if (this.policy === POLICY_WHOLE_KEY) {
      footer.writeUInt32LE(TABLE_FORMAT_VERSION, 24);
    } else {
      footer[FOOTER_POLICY_OFFSET] = this.policy;
      footer.writeUInt32LE(TABLE_FORMAT_VERSION_POLICY, 24);
    }
    footer.writeUInt32LE(crc32(footer, 0, 28), 28);
    TABLE_MAGIC.copy(footer, 32);
    this.emit(footer);
    this.flushOut();
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    fs.renameSync(this.tmpPath, this.filePath);
    if (syncDir) fsyncDir(path.dirname(this.filePath));
    return {
      size: this.offset,
      entries: this.entries,
      smallest: this.smallest ?? Buffer.alloc(0),
      largest: this.largest,
    };
  }

  /** Gives up: closes and removes the temporary file. */
  abandon(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed by finish(); nothing else to release
    }
    fs.rmSync(this.tmpPath, { force: true });
  }
}
