/**
 * The jobs the background worker runs (pure functions of their inputs and the files they
 * name, no engine state): flush a serialized memtable into an L0 table, and compact input
 * tables into output tables. Both write through TableBuilder (temp name, fsync, rename).
 */
import * as path from 'node:path';
import { compareRange, copyBytes, cursor, getVarint } from './coding';
import type {
  CompactionFilter,
  CompactionFilterFactory,
  CompactionFilterSpec,
} from './compactionFilter';
import { TRAILER, TYPE_DELETION, TYPE_VALUE, writeTrailer } from './dbformat';
import { LsmCorruptionError } from './errors';
import { fsyncDir, tableFileName } from './fileNames';
import type { InternalIterator } from './internalIterator';
import { MergingIterator } from './mergingIterator';
import { TableBuilder, type TableOptions } from './tableBuilder';
import { TableIterator } from './tableIterator';
import { TableReader } from './tableReader';
import type { FileMeta } from './versionEdit';

const EMPTY = Buffer.alloc(0);

export interface FlushJob {
  readonly kind: 'flush';
  readonly dir: string;
  readonly fileNumber: number;
  /** Entries in internal-key order: [ikeyLen varint][valueLen varint][ikey][value]… */
  readonly entries: Uint8Array;
  readonly table: TableOptions;
}

export interface CompactJob {
  readonly kind: 'compact';
  readonly dir: string;
  readonly inputs: readonly { readonly number: number; readonly size: number }[];
  readonly outputLevel: number;
  /** File numbers reserved for the outputs, used in order. */
  readonly fileNumbers: readonly number[];
  /** Versions a live snapshot may still read are kept (LevelDB's smallest_snapshot rule). */
  readonly smallestSnapshot: number;
  /** No level below the output holds keys of this range: deletions can be dropped. */
  readonly bottommost: boolean;
  readonly targetFileSize: number;
  readonly table: TableOptions;
  readonly filter?: CompactionFilterSpec;
}

export type Job = FlushJob | CompactJob;

export interface JobResult {
  readonly files: FileMeta[];
  readonly bytesRead: number;
  readonly bytesWritten: number;
}

export function runFlush(job: FlushJob): JobResult {
  const data = Buffer.from(job.entries.buffer, job.entries.byteOffset, job.entries.byteLength);
  const filePath = path.join(job.dir, tableFileName(job.fileNumber));
  const b = new TableBuilder(filePath, job.table);
  try {
    let off = 0;
    while (off < data.length) {
      const kl = getVarint(data, off, data.length);
      const vl = getVarint(data, cursor.next, data.length);
      const k = cursor.next;
      b.add(data, k, k + kl, data, k + kl, k + kl + vl);
      off = k + kl + vl;
    }
    const t = b.finish();
    return {
      files: [{ number: job.fileNumber, size: t.size, smallest: t.smallest, largest: t.largest }],
      bytesRead: 0,
      bytesWritten: t.size,
    };
  } catch (e) {
    b.abandon();
    throw e;
  }
}

function loadFilter(job: CompactJob): CompactionFilter | null {
  if (job.filter === undefined) return null;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the filter is a module named at run time
  const mod = require(job.filter.module) as { createCompactionFilter?: CompactionFilterFactory };
  if (typeof mod.createCompactionFilter !== 'function') {
    throw new Error(
      `compaction filter module ${job.filter.module} has no createCompactionFilter export`,
    );
  }
  return mod.createCompactionFilter(job.filter.options, {
    outputLevel: job.outputLevel,
    bottommost: job.bottommost,
  });
}

export function runCompaction(job: CompactJob): JobResult {
  const readers: TableReader[] = [];
  const outputs: FileMeta[] = [];
  let builder: TableBuilder | null = null;
  let bytesWritten = 0;
  let nextNumber = 0;
  const filter = loadFilter(job);
  try {
    const children: InternalIterator[] = [];
    let bytesRead = 0;
    for (const f of job.inputs) {
      const r = TableReader.open(job.dir, f.number, f.size, null);
      readers.push(r);
      children.push(new TableIterator(r, null));
      bytesRead += f.size;
    }
    const merged = new MergingIterator(children, false);
    let ikey = Buffer.allocUnsafe(256);
    let curKey = Buffer.allocUnsafe(256);
    let curKeyLen = -1;
    let lastSeqForKey = Number.MAX_SAFE_INTEGER;

    const finishOutput = (): void => {
      if (builder === null) return;
      const t = builder.finish(false);
      outputs.push({
        number: job.fileNumbers[nextNumber - 1],
        size: t.size,
        smallest: t.smallest,
        largest: t.largest,
      });
      bytesWritten += t.size;
      builder = null;
    };

    for (merged.seekToFirst(); merged.current() !== null; merged.step()) {
      const c = merged.current() as InternalIterator;
      const newKey =
        curKeyLen < 0 || compareRange(c.ukey, 0, c.ukeyLen, curKey, 0, curKeyLen) !== 0;
      if (newKey) {
        if (curKey.length < c.ukeyLen) curKey = Buffer.allocUnsafe(c.ukeyLen * 2);
        copyBytes(c.ukey, 0, c.ukeyLen, curKey, 0);
        curKeyLen = c.ukeyLen;
        lastSeqForKey = Number.MAX_SAFE_INTEGER;
        // Split outputs only between user keys so a key's versions stay in one file.
        if (builder !== null && (builder as TableBuilder).estimatedSize() >= job.targetFileSize)
          finishOutput();
      }
      let drop = false;
      let type = c.type;
      const tc = c as TableIterator;
      let value = tc.valueBuf();
      let vStart = tc.valueStart;
      let vEnd = tc.valueEnd;
      if (lastSeqForKey <= job.smallestSnapshot) {
        // A newer version of this key is visible to every snapshot: this one never is.
        drop = true;
      } else {
        if (newKey && filter !== null && type === TYPE_VALUE && c.seq <= job.smallestSnapshot) {
          if (
            filter.filter(Buffer.from(curKey.subarray(0, curKeyLen)), value.subarray(vStart, vEnd))
          ) {
            type = TYPE_DELETION;
            value = EMPTY;
            vStart = vEnd = 0;
          }
        }
        if (type === TYPE_DELETION && c.seq <= job.smallestSnapshot && job.bottommost) drop = true;
      }
      lastSeqForKey = c.seq;
      if (drop) continue;
      const klen = c.ukeyLen + TRAILER;
      if (ikey.length < klen) ikey = Buffer.allocUnsafe(klen * 2);
      copyBytes(c.ukey, 0, c.ukeyLen, ikey, 0);
      writeTrailer(ikey, c.ukeyLen, c.seq, type);
      if (builder === null) {
        if (nextNumber >= job.fileNumbers.length)
          throw new Error('compaction ran out of reserved file numbers');
        builder = new TableBuilder(
          path.join(job.dir, tableFileName(job.fileNumbers[nextNumber++])),
          job.table,
        );
      }
      (builder as TableBuilder).add(ikey, 0, klen, value, vStart, vEnd);
    }
    finishOutput();
    merged.close();
    // One directory fsync makes every output's rename durable before the manifest names it.
    if (outputs.length > 0) fsyncDir(job.dir);
    return { files: outputs, bytesRead, bytesWritten };
  } catch (e) {
    if (builder !== null) (builder as TableBuilder).abandon();
    throw e;
  } finally {
    for (const r of readers) r.close();
  }
}

/** A job failure as plain data that survives postMessage. */
export interface JobError {
  readonly message: string;
  readonly file?: string;
  readonly offset?: number;
}

export function toJobError(e: unknown): JobError {
  if (e instanceof LsmCorruptionError)
    return { message: e.message, file: e.file, offset: e.offset };
  return { message: e instanceof Error ? e.message : String(e) };
}
