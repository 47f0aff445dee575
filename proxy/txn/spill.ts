/**
 * Bookkeeping for a transaction that "spilled": a large COPY FROM whose buffered writes
 * grew past a threshold had them prewritten to the shards early (Percolator phase 1 ahead
 * of commit, Transaction.spillIfLarge) and dropped from the proxy's memory. What stays
 * here is only what commit and rollback need — every spilled key, to commit or roll it
 * back, and whether it was a put or a delete, to answer "did this transaction already
 * write this key?" (23505 for a duplicate COPY row 150 000 lines after the first).
 *
 * Keys are packed into sorted runs (one Buffer of key bytes, a Uint32Array of offsets, a
 * Uint8Array of ops): about key length + 5 bytes per key, against the hundreds of bytes
 * a buffered row costs (value, Buffer objects, hex Map key). Runs of similar size are
 * merged as they come, like a binary counter (an LSM's leveling in miniature), so there
 * are O(log n) runs and a lookup is O(log² n) with no per-key objects.
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
  /** Keys back to back, in key order. */
  readonly bytes: Buffer;
  /** offs[i]..offs[i+1] is key i; length n + 1. */
  readonly offs: Uint32Array;
  readonly ops: Uint8Array;
}

function count(r: Run): number {
  return r.ops.length;
}

/** Sign of (key i of run) − key, with no allocation. */
function cmpAt(r: Run, i: number, key: Buffer): number {
  return r.bytes.compare(key, 0, key.length, r.offs[i], r.offs[i + 1]);
}

/** The first index whose key is ≥ key. */
function lowerBound(r: Run, key: Buffer): number {
  let lo = 0;
  let hi = count(r);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmpAt(r, mid, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function pack(keys: readonly Buffer[], ops: readonly number[]): Run {
  let total = 0;
  for (const k of keys) total += k.length;
  const bytes = Buffer.allocUnsafe(total);
  const offs = new Uint32Array(keys.length + 1);
  const out = new Uint8Array(keys.length);
  let at = 0;
  for (let i = 0; i < keys.length; i++) {
    offs[i] = at;
    at += keys[i].copy(bytes, at);
    out[i] = ops[i];
  }
  offs[keys.length] = at;
  return { bytes, offs, ops: out };
}

/** Merges two sorted runs (a key is in at most one: a spilled key is never written again). */
function merge(a: Run, b: Run): Run {
  const na = count(a);
  const nb = count(b);
  const bytes = Buffer.allocUnsafe(a.bytes.length + b.bytes.length);
  const offs = new Uint32Array(na + nb + 1);
  const ops = new Uint8Array(na + nb);
  let i = 0;
  let j = 0;
  let at = 0;
  for (let k = 0; k < na + nb; k++) {
    const takeA =
      j >= nb ||
      (i < na &&
        a.bytes.compare(b.bytes, b.offs[j], b.offs[j + 1], a.offs[i], a.offs[i + 1]) <= 0);
    const r = takeA ? a : b;
    const x = takeA ? i++ : j++;
    offs[k] = at;
    at += r.bytes.copy(bytes, at, r.offs[x], r.offs[x + 1]);
    ops[k] = r.ops[x];
  }
  offs[na + nb] = at;
  return { bytes, offs, ops };
}

export class SpilledKeys {
  private runs: Run[] = [];
  private n = 0;
  /** How many spills made these keys (savepoint marks remember it). */
  spills = 0;

  get count(): number {
    return this.n;
  }

  /** Approximate bytes held (keys, offsets, ops). */
  get bytes(): number {
    let b = 0;
    for (const r of this.runs) b += r.bytes.length + r.offs.byteLength + r.ops.byteLength;
    return b;
  }

  /** Records one spill's keys (each distinct, none spilled before). */
  add(entries: ReadonlyArray<{ readonly key: Buffer; readonly del: boolean }>): void {
    this.spills++;
    if (entries.length === 0) return;
    const sorted = [...entries].sort((x, y) => Buffer.compare(x.key, y.key));
    this.runs.push(
      pack(
        sorted.map((e) => e.key),
        sorted.map((e) => (e.del ? DEL : PUT)),
      ),
    );
    this.n += entries.length;
    // Binary-counter merging: a run never sits on top of one less than twice its size.
    while (this.runs.length >= 2) {
      const top = this.runs[this.runs.length - 1];
      const below = this.runs[this.runs.length - 2];
      if (count(below) > 2 * count(top)) break;
      this.runs.splice(this.runs.length - 2, 2, merge(below, top));
    }
  }

  /** The op key was spilled with, or undefined if it was not spilled. */
  get(key: Buffer): SpilledOp | undefined {
    for (const r of this.runs) {
      const i = lowerBound(r, key);
      if (i < count(r) && cmpAt(r, i, key) === 0) return r.ops[i] === DEL ? 'del' : 'put';
    }
    return undefined;
  }

  /** Is some spilled key in [start, end) (end null: to the end of the key space)? */
  overlaps(start: Buffer, end: Buffer | null): boolean {
    for (const r of this.runs) {
      const i = lowerBound(r, start);
      if (i < count(r) && (end === null || cmpAt(r, i, end) < 0)) return true;
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
        for (let k = i; k < end; k++) keys.push(r.bytes.subarray(r.offs[k], r.offs[k + 1]));
        yield keys;
      }
    }
  }
}
