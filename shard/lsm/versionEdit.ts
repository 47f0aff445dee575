/**
 * A version edit: one manifest record (FORMAT.md "Manifest"). The payload is a list of
 * tagged fields, each [tag u8][fields]; numbers are varints, keys are [len varint][bytes].
 */
import { cursor, getVarint, putVarint } from './coding';

export interface FileMeta {
  readonly number: number;
  readonly size: number;
  /** Smallest and largest internal keys in the file. */
  readonly smallest: Buffer;
  readonly largest: Buffer;
}

export interface VersionEdit {
  logNumber?: number;
  nextFileNumber?: number;
  lastSequence?: number;
  deleted: { level: number; number: number }[];
  added: { level: number; file: FileMeta }[];
}

const TAG_LOG_NUMBER = 1;
const TAG_NEXT_FILE = 2;
const TAG_LAST_SEQ = 3;
const TAG_DELETE_FILE = 4;
const TAG_ADD_FILE = 5;

export function emptyEdit(): VersionEdit {
  return { deleted: [], added: [] };
}

export function encodeEdit(e: VersionEdit): Buffer {
  let size = 3 * 10;
  for (const _d of e.deleted) size += 1 + 1 + 8;
  for (const a of e.added)
    size += 1 + 1 + 8 + 8 + 10 + a.file.smallest.length + a.file.largest.length;
  const b = Buffer.allocUnsafe(size);
  let off = 0;
  const num = (tag: number, n: number | undefined): void => {
    if (n === undefined) return;
    b[off++] = tag;
    off = putVarint(b, off, n);
  };
  num(TAG_LOG_NUMBER, e.logNumber);
  num(TAG_NEXT_FILE, e.nextFileNumber);
  num(TAG_LAST_SEQ, e.lastSequence);
  for (const d of e.deleted) {
    b[off++] = TAG_DELETE_FILE;
    b[off++] = d.level;
    off = putVarint(b, off, d.number);
  }
  for (const a of e.added) {
    b[off++] = TAG_ADD_FILE;
    b[off++] = a.level;
    off = putVarint(b, off, a.file.number);
    off = putVarint(b, off, a.file.size);
    off = putVarint(b, off, a.file.smallest.length);
    off += a.file.smallest.copy(b, off);
    off = putVarint(b, off, a.file.largest.length);
    off += a.file.largest.copy(b, off);
  }
  return b.subarray(0, off);
}

/** Decodes an edit; returns a message naming the problem instead of throwing. */
export function decodeEdit(p: Buffer): VersionEdit | string {
  const e = emptyEdit();
  let off = 0;
  const n = (): number => {
    const v = getVarint(p, off, p.length);
    if (v < 0) throw new Error(`bad varint at ${off}`);
    off = cursor.next;
    return v;
  };
  const bytes = (): Buffer => {
    const len = n();
    if (off + len > p.length) throw new Error(`key past end at ${off}`);
    const k = Buffer.from(p.subarray(off, off + len));
    off += len;
    return k;
  };
  try {
    while (off < p.length) {
      const tag = p[off++];
      switch (tag) {
        case TAG_LOG_NUMBER:
          e.logNumber = n();
          break;
        case TAG_NEXT_FILE:
          e.nextFileNumber = n();
          break;
        case TAG_LAST_SEQ:
          e.lastSequence = n();
          break;
        case TAG_DELETE_FILE: {
          const level = p[off++];
          e.deleted.push({ level, number: n() });
          break;
        }
        case TAG_ADD_FILE: {
          const level = p[off++];
          const number = n();
          const size = n();
          const smallest = bytes();
          const largest = bytes();
          e.added.push({ level, file: { number, size, smallest, largest } });
          break;
        }
        default:
          return `unknown tag ${tag} at ${off - 1}`;
      }
    }
  } catch (err) {
    return (err as Error).message;
  }
  return e;
}
