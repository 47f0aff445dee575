/**
 * CRC-32C (Castagnoli, polynomial 0x82F63B78 reflected), the checksum of every WAL record,
 * manifest record, SSTable block and footer (FORMAT.md). Slicing-by-8 tables: eight table
 * lookups per 8 bytes instead of one per byte.
 */

const TABLES: Uint32Array[] = (() => {
  const t: Uint32Array[] = [];
  for (let k = 0; k < 8; k++) t.push(new Uint32Array(256));
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let j = 0; j < 8; j++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[0][i] = c >>> 0;
  }
  for (let i = 0; i < 256; i++) {
    let c = t[0][i];
    for (let k = 1; k < 8; k++) {
      c = t[0][c & 0xff] ^ (c >>> 8);
      t[k][i] = c >>> 0;
    }
  }
  return t;
})();
const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES;

/** CRC-32C of buf[start, end); pass a previous result as seed to continue it. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length, seed = 0): number {
  let crc = (seed ^ 0xffffffff) >>> 0;
  let i = start;
  const end8 = end - ((end - start) & 7);
  while (i < end8) {
    const a = (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24)) ^ crc;
    const b = buf[i + 4] | (buf[i + 5] << 8) | (buf[i + 6] << 16) | (buf[i + 7] << 24);
    crc =
      T7[a & 0xff] ^
      T6[(a >>> 8) & 0xff] ^
      T5[(a >>> 16) & 0xff] ^
      T4[a >>> 24] ^
      T3[b & 0xff] ^
      T2[(b >>> 8) & 0xff] ^
      T1[(b >>> 16) & 0xff] ^
      T0[b >>> 24];
    i += 8;
  }
  while (i < end) crc = T0[(crc ^ buf[i++]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
