/**
 * Engine keys of the MVCC layer (FORMAT.md is the byte-by-byte reference).
 *
 * Three logical column families live in the one engine as one-byte key prefixes:
 *   `d` + esc(userKey) + ^commitTs   data versions, newest first
 *   `l` + esc(userKey)               the lock on a user key (at most one)
 *   `w` + esc(userKey) + ^startTs    rollback and lock-only commit records
 * plus `m` + name for the layer's own metadata (the GC safe point).
 *
 * esc() is memcomparable and prefix-free (0x00 → 0x00 0xFF, then a 0x00 0x01 terminator,
 * as CockroachDB encodes bytes), so for user keys a < b every engine key of a sorts before
 * every engine key of b, and a scan of user keys [a, b) at any timestamp is one forward
 * iteration over [F + esc(a), F + esc(b)) in each family F.
 *
 * Pure module: node built-ins only (the LSM's compaction worker imports it via gcFilter).
 */

export const DATA_PREFIX = 0x64; // 'd'
export const LOCK_PREFIX = 0x6c; // 'l'
export const WRITE_PREFIX = 0x77; // 'w'
export const META_PREFIX = 0x6d; // 'm'

export const TS_MAX = 0xffffffffffffffffn;
/** Bits of a timestamp below its physical milliseconds (DESIGN.md "Timestamps"; meta/tso.ts). */
const LOGICAL_BITS = 18n;

/** The physical milliseconds of a TSO timestamp. */
export function physicalMs(ts: bigint): number {
  return Number(ts >> LOGICAL_BITS);
}

/** The smallest timestamp whose physical part is `ms`. */
export function tsFromPhysical(ms: number): bigint {
  return BigInt(ms) << LOGICAL_BITS;
}

/** Length of esc(key). */
function escapedLength(key: Buffer): number {
  let n = key.length + 2;
  for (let i = 0; i < key.length; i++) if (key[i] === 0) n++;
  return n;
}

/** Writes esc(key) at `at`; returns the offset after it. */
function writeEscaped(out: Buffer, at: number, key: Buffer): number {
  for (let i = 0; i < key.length; i++) {
    const b = key[i];
    out[at++] = b;
    if (b === 0) out[at++] = 0xff;
  }
  out[at++] = 0x00;
  out[at++] = 0x01;
  return at;
}

/** Family byte + esc(key) (+ 8 spare bytes when withTs). */
function familyKey(family: number, key: Buffer, withTs: boolean): Buffer {
  const out = Buffer.allocUnsafe(1 + escapedLength(key) + (withTs ? 8 : 0));
  out[0] = family;
  writeEscaped(out, 1, key);
  return out;
}

/** Encodes `^ts` (bitwise not, big-endian) into the last 8 bytes. */
function writeInvertedTs(out: Buffer, ts: bigint): void {
  out.writeBigUInt64BE(TS_MAX - ts, out.length - 8);
}

/** The timestamp stored (inverted) in the last 8 bytes of a `d` or `w` key. */
export function tsOfKey(engineKey: Buffer): bigint {
  return TS_MAX - engineKey.readBigUInt64BE(engineKey.length - 8);
}

/** `d` + esc(key) + ^commitTs. */
export function dataKey(key: Buffer, commitTs: bigint): Buffer {
  const out = familyKey(DATA_PREFIX, key, true);
  writeInvertedTs(out, commitTs);
  return out;
}

/** `w` + esc(key) + ^startTs. */
export function writeKey(key: Buffer, startTs: bigint): Buffer {
  const out = familyKey(WRITE_PREFIX, key, true);
  writeInvertedTs(out, startTs);
  return out;
}

/** `l` + esc(key). */
export function lockKey(key: Buffer): Buffer {
  return familyKey(LOCK_PREFIX, key, false);
}

/** `m` + name. */
export function metaKey(name: string): Buffer {
  return Buffer.concat([Buffer.from([META_PREFIX]), Buffer.from(name, 'latin1')]);
}

/**
 * Engine bounds of family `family` for user keys in [start, end) (end null = to the end of
 * the family). Usable with any family: esc() is prefix-free, so F + esc(k) is ≤ every
 * engine key of k and > every engine key of a smaller user key.
 */
export function familyBounds(
  family: number,
  start: Buffer,
  end: Buffer | null,
): { gte: Buffer; lt: Buffer } {
  return {
    gte: familyKey(family, start, false),
    lt: end === null ? Buffer.from([family + 1]) : familyKey(family, end, false),
  };
}

/** Bounds (inclusive) of every `d` key of one user key: newest version first. */
export function versionBounds(
  key: Buffer,
  newestTs: bigint = TS_MAX,
): { gte: Buffer; lte: Buffer } {
  return { gte: dataKey(key, newestTs), lte: dataKey(key, 0n) };
}

/** The user key inside a family key; `tsBytes` is 8 for `d`/`w` keys, 0 for `l` keys. */
export function userKeyOf(engineKey: Buffer, tsBytes: 0 | 8): Buffer {
  const end = engineKey.length - tsBytes;
  // Unescape: every 0x00 is followed by 0xff (a literal zero) or 0x01 (the terminator).
  let zeros = 0;
  for (let i = 1; i < end - 2; i++) if (engineKey[i] === 0) zeros++;
  const out = Buffer.allocUnsafe(end - 3 - zeros);
  let o = 0;
  for (let i = 1; i < end - 2; i++) {
    const b = engineKey[i];
    out[o++] = b;
    if (b === 0) i++;
  }
  if (engineKey[end - 2] !== 0 || engineKey[end - 1] !== 1)
    throw new Error('malformed MVCC key: no terminator');
  return out;
}

/** The part of a `d`/`w` engine key that names the user key (family + esc(key)), as a view. */
export function keyPartOf(engineKey: Buffer): Buffer {
  return engineKey.subarray(0, engineKey.length - 8);
}
