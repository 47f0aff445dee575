/**
 * A KvEngine that hands everything to the engine it wraps: the base of the shard's engine
 * decorators (the write fence, the lock index), which override write() only. Reads keep
 * the wrapped engine's point seek (FirstInRangeReader), which the MVCC reader's hot path
 * uses when the engine has it.
 */
import type {
  IteratorOptions,
  KvEngine,
  KvIterator,
  KvSnapshot,
  WriteBatch,
  WriteOptions,
} from './kvEngine';
import { firstIn } from '../mvcc/reader';
import type { FirstInRangeReader } from '../mvcc/reader';

export class ForwardingEngine implements KvEngine, FirstInRangeReader {
  constructor(readonly inner: KvEngine) {}

  write(batch: WriteBatch, options?: WriteOptions): Promise<void> {
    return this.inner.write(batch, options);
  }
  get(key: Buffer): Buffer | undefined {
    return this.inner.get(key);
  }
  iterator(options?: IteratorOptions): KvIterator {
    return this.inner.iterator(options);
  }
  /** The wrapped engine's point seek when it has one, else the first entry of an iterator. */
  firstInRange(gte: Buffer, lte: Buffer): [Buffer, Buffer] | undefined {
    return firstIn(this.inner, gte, lte);
  }
  snapshot(): KvSnapshot {
    return this.inner.snapshot();
  }
  approximateSize(start: Buffer, end: Buffer): number {
    return this.inner.approximateSize(start, end);
  }
  compactRange(start?: Buffer, end?: Buffer): Promise<void> {
    return this.inner.compactRange(start, end);
  }
  checkpoint(): Promise<void> {
    return this.inner.checkpoint();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
