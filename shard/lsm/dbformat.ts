/**
 * Internal keys (FORMAT.md "Internal key"): every stored entry is userKey followed by an
 * 8-byte trailer: a zero byte, the 48-bit sequence number big-endian, and the type byte.
 * Order: user key ascending (byte-wise), then sequence descending, so that a seek to
 * (key, snapshotSeq) lands on the newest version a snapshot may see.
 */
import { compareRange } from './coding';

export const TYPE_DELETION = 0;
export const TYPE_VALUE = 1;
export const TRAILER = 8;
/** Sequence numbers are 48-bit: room for 2^48 writes. */
export const MAX_SEQ = 2 ** 48 - 1;

export function makeInternalKey(userKey: Uint8Array, seq: number, type: number): Buffer {
  const b = Buffer.allocUnsafe(userKey.length + TRAILER);
  b.set(userKey, 0);
  writeTrailer(b, userKey.length, seq, type);
  return b;
}

export function writeTrailer(b: Buffer, off: number, seq: number, type: number): void {
  b[off] = 0;
  b.writeUIntBE(seq, off + 1, 6);
  b[off + 7] = type;
}

export function trailerSeq(b: Buffer, keyEnd: number): number {
  return b.readUIntBE(keyEnd - 7, 6);
}

export function trailerType(b: Uint8Array, keyEnd: number): number {
  return b[keyEnd - 1];
}

/** Compares internal keys a[aStart,aEnd) and b[bStart,bEnd). */
export function compareInternalRange(
  a: Buffer,
  aStart: number,
  aEnd: number,
  b: Buffer,
  bStart: number,
  bEnd: number,
): number {
  const c = compareRange(a, aStart, aEnd - TRAILER, b, bStart, bEnd - TRAILER);
  if (c !== 0) return c;
  // Same user key: the larger sequence sorts first. Trailers compare as big-endian
  // numbers, so compare their bytes in reverse order of significance.
  for (let i = 1; i < TRAILER; i++) {
    const d = b[bEnd - TRAILER + i] - a[aEnd - TRAILER + i];
    if (d !== 0) return d;
  }
  return 0;
}

export function compareInternal(a: Buffer, b: Buffer): number {
  return compareInternalRange(a, 0, a.length, b, 0, b.length);
}

export function userKeyOf(ikey: Buffer): Buffer {
  return ikey.subarray(0, ikey.length - TRAILER);
}
