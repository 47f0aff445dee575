/**
 * Filter policies (FORMAT.md "Filter policies"): which bytes of a key a table's bloom filter
 * holds. RocksDB's prefix_extractor idea, as a closed set of named, built-in policies, so
 * a table can record its policy as one byte and a worker thread needs nothing but the name:
 *
 *   'none' (id 0)  the whole key: the filter answers point gets only.
 *   'mvcc' (id 1)  for a key whose first byte is `d` or `w` (shard/mvcc/FORMAT.md: data
 *                  versions and write records, family + esc(userKey) + 8-byte timestamp),
 *                  the key without its last 8 bytes; every other key whole. The filter then
 *                  also answers "does this table hold any version of this user key", which
 *                  is what the MVCC layer's per-key iterators ask.
 *
 * A get probes with the filter key of its key under the table's policy: exact whatever
 * the keys look like. An iterator may skip a table only when every key its bounds admit
 * has one filter key; see sharedFilterKeyEnd for when that holds.
 */
import { bloomHash } from './bloom';
import { compareRange } from './coding';

export type FilterPrefixName = 'none' | 'mvcc';

export const POLICY_WHOLE_KEY = 0;
export const POLICY_MVCC = 1;

/** Policy ids by option name; FORMAT.md lists the same ids. */
export const FILTER_POLICY_IDS: Readonly<Record<FilterPrefixName, number>> = {
  none: POLICY_WHOLE_KEY,
  mvcc: POLICY_MVCC,
};

// shard/mvcc/keys.ts: DATA_PREFIX 'd', WRITE_PREFIX 'w', timestamps 8 bytes at the end. Kept
// here as numbers (the LSM does not import the MVCC layer); a test checks they agree.
const FAMILY_DATA = 0x64;
const FAMILY_WRITE = 0x77;
const TS_BYTES = 8;

/** Is `id` a policy this code knows? A table naming another one is read without its filter. */
export function knownPolicy(id: number): boolean {
  return id === POLICY_WHOLE_KEY || id === POLICY_MVCC;
}

/** End of the filter key of key[start, end) under a known policy: it is key[start, result). */
export function filterKeyEnd(policy: number, key: Uint8Array, start: number, end: number): number {
  if (policy === POLICY_MVCC && end - start > TS_BYTES) {
    const f = key[start];
    if (f === FAMILY_DATA || f === FAMILY_WRITE) return end - TS_BYTES;
  }
  return end;
}

/**
 * Is key[1, end) exactly one esc(userKey) (shard/mvcc/FORMAT.md: 0x00 is written 0x00 0xFF,
 * and 0x00 0x01 ends the key)? Then it is prefix-free: no other escaped key starts with it.
 */
function escapedKeyPart(key: Uint8Array, end: number): boolean {
  let i = 1;
  while (i < end) {
    if (key[i] !== 0) {
      i++;
      continue;
    }
    if (i + 1 >= end) return false;
    if (key[i + 1] === 0x01) return i + 2 === end;
    if (key[i + 1] !== 0xff) return false;
    i += 2;
  }
  return false;
}

/**
 * When every key k with lo ≤ k ≤ hi has the same filter key under `policy`, the end of that
 * filter key in lo (it is lo[0, result)); otherwise -1, and the iterator must read every table.
 *
 * 'mvcc': lo and hi must be `d`/`w` keys whose parts before the timestamp are equal and are
 * one whole family byte + esc(userKey). Any key between them then starts with that part p
 * (both bounds do), and a `d`/`w` key F + esc(u') + ts that starts with p = F + esc(u) has
 * u' = u, because esc() is prefix-free: its filter key is p. This relies on the MVCC layer
 * writing every `d`/`w` key in that shape (it does: shard/mvcc/keys.ts); the bound check is
 * what keeps other bounds, such as a scan's F + esc(start) without a timestamp, whose
 * 8-byte-shorter part is not a whole escaped key, on the ordinary path. 'none' returns -1:
 * a range of whole keys is one filter key only when lo = hi, which no caller needs.
 */
export function sharedFilterKeyEnd(policy: number, lo: Buffer, hi: Buffer): number {
  if (policy !== POLICY_MVCC) return -1;
  const e = filterKeyEnd(policy, lo, 0, lo.length);
  if (e === lo.length || lo.length !== hi.length) return -1;
  if (filterKeyEnd(policy, hi, 0, hi.length) !== e) return -1;
  if (compareRange(lo, 0, e, hi, 0, e) !== 0) return -1;
  return escapedKeyPart(lo, e) ? e : -1;
}

/**
 * The bloom hashes of one key's filter key under each policy, computed on first use: a get
 * probes several tables, usually all with the same policy, and hashes once.
 */
export class FilterKeyHashes {
  private key: Buffer = Buffer.alloc(0);
  private readonly hashes: number[] = [-1, -1];

  /** Starts over for another key (the engine keeps one instance for its gets). */
  reset(key: Buffer): this {
    this.key = key;
    this.hashes[POLICY_WHOLE_KEY] = -1;
    this.hashes[POLICY_MVCC] = -1;
    return this;
  }

  /** The hash of the key's filter key under a known policy. */
  hash(policy: number): number {
    let h = this.hashes[policy];
    if (h < 0) {
      const k = this.key;
      h = bloomHash(k, 0, filterKeyEnd(policy, k, 0, k.length));
      this.hashes[policy] = h;
    }
    return h;
  }
}

/**
 * An iterator's bounds that lie within one filter key of `policy` (sharedFilterKeyEnd ≥ 0):
 * the bounds, and the hash of that filter key, for tables built with the same policy.
 */
export class PrefixProbe {
  readonly hash: number;
  constructor(
    readonly policy: number,
    readonly lo: Buffer,
    readonly hi: Buffer,
    filterKeyLen: number,
  ) {
    this.hash = bloomHash(lo, 0, filterKeyLen);
  }

  /** A probe for these bounds, or null when they span more than one filter key. */
  static forBounds(
    policy: number,
    lo: Buffer | undefined,
    hi: Buffer | undefined,
  ): PrefixProbe | null {
    if (lo === undefined || hi === undefined) return null;
    const e = sharedFilterKeyEnd(policy, lo, hi);
    return e < 0 ? null : new PrefixProbe(policy, lo, hi, e);
  }
}
