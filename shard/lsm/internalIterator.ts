/**
 * The iterators under a user iterator: each walks entries in internal-key order (user key
 * ascending, sequence descending), exposing the current entry as fields so the merge loop
 * allocates nothing: user key = ukey[0, ukeyLen), seq, type, value().
 */
import { compareRange } from './coding';

export interface InternalIterator {
  ukey: Buffer;
  ukeyLen: number;
  seq: number;
  type: number;
  valid(): boolean;
  value(): Buffer;
  seekToFirst(): void;
  seekToLast(): void;
  /** First entry ≥ (userKey, seq). */
  seek(userKey: Buffer, seq: number): void;
  /** Last entry ≤ (userKey, seq). */
  seekForPrev(userKey: Buffer, seq: number): void;
  next(): void;
  prev(): void;
  close(): void;
}

/** Internal-key order of the current entries of two iterators. */
export function compareIters(a: InternalIterator, b: InternalIterator): number {
  const c = compareRange(a.ukey, 0, a.ukeyLen, b.ukey, 0, b.ukeyLen);
  if (c !== 0) return c;
  return b.seq - a.seq;
}
