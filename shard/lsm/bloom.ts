/**
 * The SSTable's bloom filter over filter keys (FORMAT.md "Filter block"; filterPolicy.ts): `bitsPerKey` bits
 * a key (10 gives ~1% false positives), k = round(bitsPerKey · ln 2) probes by double
 * hashing (Kirsch & Mitzenmacher 2006). Block layout: [bit array][k u8].
 */

/** A 32-bit Murmur-style hash of buf[start,end) (FORMAT.md "Filter block" gives the steps). */
export function bloomHash(buf: Uint8Array, start: number, end: number): number {
  const m = 0xc6a4a793;
  let h = (0xbc9f1d34 ^ Math.imul(end - start, m)) >>> 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const w = buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    h = (h + w) >>> 0;
    h = Math.imul(h, m) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  const rest = end - i;
  if (rest === 3) h = (h + (buf[i + 2] << 16)) >>> 0;
  if (rest >= 2) h = (h + (buf[i + 1] << 8)) >>> 0;
  if (rest >= 1) {
    h = (h + buf[i]) >>> 0;
    h = Math.imul(h, m) >>> 0;
    h = (h ^ (h >>> 24)) >>> 0;
  }
  return h;
}

export function buildBloom(hashes: Uint32Array, count: number, bitsPerKey: number): Buffer {
  const k = Math.max(1, Math.min(30, Math.round(bitsPerKey * 0.69)));
  const bits = Math.max(64, count * bitsPerKey);
  const bytes = (bits + 7) >>> 3;
  const nbits = bytes * 8;
  const out = Buffer.alloc(bytes + 1);
  for (let i = 0; i < count; i++) {
    let h = hashes[i];
    const delta = ((h >>> 17) | (h << 15)) >>> 0;
    for (let j = 0; j < k; j++) {
      const pos = h % nbits;
      out[pos >>> 3] |= 1 << (pos & 7);
      h = (h + delta) >>> 0;
    }
  }
  out[bytes] = k;
  return out;
}

/** May buf[start,end) be in the set? False means certainly not. */
export function bloomMayContain(
  filter: Buffer,
  buf: Uint8Array,
  start: number,
  end: number,
): boolean {
  return bloomMayContainHash(filter, bloomHash(buf, start, end));
}

/** bloomMayContain for a key whose bloomHash is h (hash once, probe several tables). */
export function bloomMayContainHash(filter: Buffer, hash: number): boolean {
  const bytes = filter.length - 1;
  if (bytes <= 0) return true;
  const k = filter[bytes];
  if (k > 30) return true; // reserved for future encodings: never filter out
  const nbits = bytes * 8;
  let h = hash;
  const delta = ((h >>> 17) | (h << 15)) >>> 0;
  for (let j = 0; j < k; j++) {
    const pos = h % nbits;
    if ((filter[pos >>> 3] & (1 << (pos & 7))) === 0) return false;
    h = (h + delta) >>> 0;
  }
  return true;
}
