/**
 * The shard's storage contract: an ordered map of byte-string keys to byte-string values.
 *
 * Reads are synchronous on purpose: both engines answer from memory or the OS page cache
 * in microseconds, and a Promise per read would cost more than the read itself on the
 * point-select path. Writes are asynchronous because a synced write waits for fsync
 * (group commit shares one fsync between every write that arrives while one runs).
 */

export type WriteOp =
  | { readonly type: 'put'; readonly key: Buffer; readonly value: Buffer }
  | { readonly type: 'del'; readonly key: Buffer };

/** An ordered list of puts and deletes applied atomically: all of it or none of it. */
export class WriteBatch {
  readonly ops: WriteOp[] = [];
  put(key: Buffer, value: Buffer): this {
    this.ops.push({ type: 'put', key, value });
    return this;
  }
  del(key: Buffer): this {
    this.ops.push({ type: 'del', key });
    return this;
  }
  get length(): number {
    return this.ops.length;
  }
}

export interface WriteOptions {
  /** Resolve only once the batch is durable on disk. Default true. */
  readonly sync?: boolean;
}

/** Bounds are byte-wise (Buffer.compare); at most one lower and one upper bound is used. */
export interface IteratorOptions {
  readonly gte?: Buffer;
  readonly gt?: Buffer;
  readonly lte?: Buffer;
  readonly lt?: Buffer;
  readonly reverse?: boolean;
}

/** Sees the state of the engine (or snapshot) at the moment it was created. */
export interface KvIterator {
  /** The next entry in iteration order, or undefined at the end. */
  next(): [key: Buffer, value: Buffer] | undefined;
  /** Releases what the iterator pins (files, memtables). Idempotent. */
  close(): void;
}

export interface KvReader {
  get(key: Buffer): Buffer | undefined;
  iterator(options?: IteratorOptions): KvIterator;
}

/** A consistent read view; must be released so the engine can drop what it pins. */
export interface KvSnapshot extends KvReader {
  release(): void;
}

export interface KvEngine extends KvReader {
  write(batch: WriteBatch, options?: WriteOptions): Promise<void>;
  snapshot(): KvSnapshot;
  /** Approximate bytes stored for keys in [start, end): used by SHOW RANGES and size splits. */
  approximateSize(start: Buffer, end: Buffer): number;
  /** Compacts the key range (or everything) now; resolves when done. */
  compactRange(start?: Buffer, end?: Buffer): Promise<void>;
  /**
   * CHECKPOINT: everything written so far is in the engine's tables, not only in its log,
   * and no background work (flush, compaction) is left due; resolves when that holds.
   */
  checkpoint(): Promise<void>;
  close(): Promise<void>;
}
