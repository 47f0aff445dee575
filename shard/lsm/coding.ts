/**
 * Little helpers for the byte formats in FORMAT.md: unsigned varints (LEB128, 7 bits a byte,
 * low group first) for numbers up to 2^53, and fixed-width little-endian integers.
 */

/** Bytes a varint of n takes. */
export function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

/** Writes n (0 ≤ n < 2^53) as a varint at off; returns the offset after it. */
export function putVarint(buf: Buffer, off: number, n: number): number {
  while (n >= 0x80) {
    buf[off++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[off++] = n;
  return off;
}

/**
 * Reads a varint at off. Returns the value; the offset after it is left in varintEnd.next
 * (a module-level cursor so the hot decode loops allocate nothing).
 */
export const cursor = { next: 0 };

export function getVarint(buf: Uint8Array, off: number, limit: number): number {
  let b = off < limit ? buf[off++] : -1;
  if (b < 0) return -1;
  if (b < 0x80) {
    cursor.next = off;
    return b;
  }
  let result = b & 0x7f;
  let mul = 128;
  for (let i = 0; i < 8; i++) {
    if (off >= limit) return -1;
    b = buf[off++];
    result += (b & 0x7f) * mul;
    if (b < 0x80) {
      cursor.next = off;
      return result;
    }
    mul *= 128;
  }
  return -1;
}

/** Writes a 48-bit unsigned integer little-endian (6 bytes) — our sequence and offsets. */
export function putU48(buf: Buffer, off: number, n: number): number {
  buf.writeUIntLE(n, off, 6);
  return off + 6;
}

export function getU48(buf: Buffer, off: number): number {
  return buf.readUIntLE(off, 6);
}

/** Byte-wise comparison of a[aStart,aEnd) and b[bStart,bEnd), like memcmp then length. */
export function compareRange(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
): number {
  const aLen = aEnd - aStart;
  const bLen = bEnd - bStart;
  const n = aLen < bLen ? aLen : bLen;
  // A JS loop beats the native Buffer.compare call for the short keys an LSM holds.
  if (n > 64) {
    const c = Buffer.compare(a.subarray(aStart, aStart + n), b.subarray(bStart, bStart + n));
    if (c !== 0) return c;
    return aLen - bLen;
  }
  for (let i = 0; i < n; i++) {
    const d = a[aStart + i] - b[bStart + i];
    if (d !== 0) return d;
  }
  return aLen - bLen;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return compareRange(a, 0, a.length, b, 0, b.length);
}

/** Copies src[sStart,sEnd) to dst at dOff; a plain loop for short ranges (no view allocation). */
export function copyBytes(
  src: Uint8Array,
  sStart: number,
  sEnd: number,
  dst: Uint8Array,
  dOff: number,
): void {
  const n = sEnd - sStart;
  if (n <= 48) {
    for (let i = 0; i < n; i++) dst[dOff + i] = src[sStart + i];
  } else {
    dst.set(src.subarray(sStart, sEnd), dOff);
  }
}
