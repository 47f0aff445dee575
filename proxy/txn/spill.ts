/**
 * Bookkeeping for a transaction that "spilled": a large COPY FROM whose buffered writes
 * grew past a threshold had them prewritten to the shards early (Percolator phase 1 ahead
 * of commit, Transaction.spillIfLarge) and dropped from the proxy's memory. What stays
 * here is only what commit and rollback need — every spilled key, to commit or roll it
 * back — and what the rest of the transaction needs to stay correct: whether a key was
 * spilled, and as a put or a delete (23505 for a duplicate COPY row 150 000 lines after the
 * first), and whether a key range holds spilled keys (such reads are refused).
 *
 * Each spill's keys are packed as they come into one run (a Buffer of key bytes, a
 * Uint32Array of offsets, a Uint8Array of ops, the run's least and greatest key), and a
 * hash index over all of them (open addressing: each slot a key's global number and its
 * 32-bit fingerprint) answers "was this key spilled?" — asked once per COPY row — in a
 * probe or two, comparing key bytes only when a fingerprint matches. About key length +
 * 17-28 bytes per key and no per-key objects, against the hundreds of bytes a buffered
 * row costs (its value, Buffer objects, a hex Map key). Nothing is sorted (a sort of
 * random keys cost more than the COPY itself); a range question scans only the runs whose
 * key span meets the range.
 */

/** The op a spilled key was prewritten with. */
export type SpilledOp = 'put' | 'del';
const PUT = 0;
const DEL = 1;

/**
 * Buffered-write size (bytes, approximate heap cost) past which a COPY spills. Tests
 * lower it with setSpillThreshold; a proxy flag may set it at start.
 */
let thresholdBytes = 16 * 1024 * 1024;

export function spillThreshold(): number {
  return thresholdBytes;
}

/** Sets the spill threshold (bytes of buffered writes); returns the previous one. */
export function setSpillThreshold(bytes: number): number {
  const prev = thresholdBytes;
  thresholdBytes = Math.max(1, Math.floor(bytes));
  return prev;
}

/**
 * A test hook: called at every spill check with the transaction's buffered bytes before
 * the check, so a test can assert the proxy's buffered writes stay bounded during a COPY.
 */
export const spillHooks: { onCheck?: (bufferedBytes: number, spills: number) => void } = {};

/** What one buffered write costs the proxy beyond its key and value (Map entry, hex key, objects). */
export const ENTRY_OVERHEAD_BYTES = 96;

interface Run {
  /** The global number of this run's first key. */
  readonly first: number;
  /** Keys back to back, in the order they were spilled. */
  readonly bytes: Buffer;
  /** offs[i]..offs[i+1] is key i; length n + 1. */
  readonly offs: Uint32Array;
  readonly ops: Uint8Array;
  readonly min: Buffer;
  readonly max: Buffer;
}

function count(r: Run): number {
  return r.ops.length;
}

function keyAt(r: Run, i: number): Buffer {
  return r.bytes.subarray(r.offs[i], r.offs[i + 1]);
}

/** Buffer.compare in plain JS: for keys of tens of bytes the native call costs more than the loop. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function pack(
  first: number,
  entries: ReadonlyArray<{ readonly key: Buffer; readonly del: boolean }>,
): Run {
  let total = 0;
  let min = entries[0].key;
  let max = min;
  for (const { key } of entries) {
    total += key.length;
    if (compareBytes(key, min) < 0) min = key;
    else if (compareBytes(key, max) > 0) max = key;
  }
  const bytes = Buffer.allocUnsafe(total);
  const offs = new Uint32Array(entries.length + 1);
  const ops = new Uint8Array(entries.length);
  let at = 0;
  for (let i = 0; i < entries.length; i++) {
    const { key, del } = entries[i];
    offs[i] = at;
    for (let j = 0; j < key.length; j++) bytes[at + j] = key[j];
    at += key.length;
    ops[i] = del ? DEL : PUT;
  }
  offs[entries.length] = at;
  // min and max are copied out so the run holds no view into the caller's buffers.
  return { first, bytes, offs, ops, min: Buffer.from(min), max: Buffer.from(max) };
}

/** A 32-bit hash of key (FNV-1a, then murmur3's finalizer to spread the low bits); never 0. */
function fingerprint(key: Buffer): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key[i];
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0 || 1;
}

export class SpilledKeys {
  /** One run per spill: commit and rollback walk them in order. */
  private readonly runs: Run[] = [];
  /** Hash index: fps[i] a key's fingerprint (0 = empty slot), nums[i] its global number. */
  private fps = new Uint32Array(1024);
  private nums = new Uint32Array(1024);
  private n = 0;
  /**
   * Spills begun (Transaction.spillIfLarge counts one before it prewrites anything, so a
   * savepoint mark from before a failed spill is refused too); marks remember it.
   */
  spills = 0;

  get count(): number {
    return this.n;
  }

  /** Approximate bytes held (keys, offsets, ops, hash index). */
  get bytes(): number {
    let b = this.fps.byteLength + this.nums.byteLength;
    for (const r of this.runs) b += r.bytes.length + r.offs.byteLength + r.ops.byteLength;
    return b;
  }

  /** Records one spill's keys (each distinct, none spilled before). */
  add(entries: ReadonlyArray<{ readonly key: Buffer; readonly del: boolean }>): void {
    if (entries.length === 0) return;
    // Grown at 70% load, so a miss costs a few probes on average (linear probing).
    let cap = this.fps.length;
    while ((this.n + entries.length) * 10 > cap * 7) cap *= 2;
    if (cap !== this.fps.length) this.rehash(cap);
    const run = pack(this.n, entries);
    this.runs.push(run);
    for (let i = 0; i < entries.length; i++) this.index(fingerprint(entries[i].key), this.n + i);
    this.n += entries.length;
  }

  /** The op key was spilled with, or undefined if it was not spilled. */
  get(key: Buffer): SpilledOp | undefined {
    const fp = fingerprint(key);
    const mask = this.fps.length - 1;
    for (let i = fp & mask; ; i = (i + 1) & mask) {
      const f = this.fps[i];
      if (f === 0) return undefined;
      if (f !== fp) continue;
      const num = this.nums[i];
      const r = this.runOf(num);
      const k = num - r.first;
      if (r.bytes.compare(key, 0, key.length, r.offs[k], r.offs[k + 1]) === 0)
        return r.ops[k] === DEL ? 'del' : 'put';
    }
  }

  /** Is some spilled key in [start, end) (end null: to the end of the key space)? */
  overlaps(start: Buffer, end: Buffer | null): boolean {
    for (const r of this.runs) {
      if (compareBytes(r.max, start) < 0 || (end !== null && compareBytes(r.min, end) >= 0))
        continue;
      for (let i = 0; i < count(r); i++) {
        const k = keyAt(r, i);
        if (compareBytes(k, start) >= 0 && (end === null || compareBytes(k, end) < 0)) return true;
      }
    }
    return false;
  }

  /**
   * Every spilled key, in slices of at most `size` (views into the runs, no copies), for
   * commit and rollback to send a bounded request set at a time.
   */
  *slices(size: number): Generator<Buffer[]> {
    for (const r of this.runs) {
      for (let i = 0; i < count(r); i += size) {
        const end = Math.min(count(r), i + size);
        const keys: Buffer[] = [];
        for (let k = i; k < end; k++) keys.push(keyAt(r, k));
        yield keys;
      }
    }
  }

  private index(fp: number, num: number): void {
    const mask = this.fps.length - 1;
    let i = fp & mask;
    while (this.fps[i] !== 0) i = (i + 1) & mask;
    this.fps[i] = fp;
    this.nums[i] = num;
  }

  private rehash(cap: number): void {
    const fps = this.fps;
    const nums = this.nums;
    this.fps = new Uint32Array(cap);
    this.nums = new Uint32Array(cap);
    for (let i = 0; i < fps.length; i++) if (fps[i] !== 0) this.index(fps[i], nums[i]);
  }

  /** The run holding global key number num (binary search over the runs' first numbers). */
  private runOf(num: number): Run {
    let lo = 0;
    let hi = this.runs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.runs[mid].first <= num) lo = mid;
      else hi = mid - 1;
    }
    return this.runs[lo];
  }
}
