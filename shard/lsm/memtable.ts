/**
 * The memtable: a skip list (Pugh 1990) of (userKey, seq, type, value) in internal-key
 * order, O(log n) insert and seek, ordered iteration both ways (level 0 is doubly linked).
 * JavaScript runs one thing at a time, so an iterator that walks the list while writes
 * insert new nodes stays valid; it skips nodes newer than its snapshot sequence.
 */
import { compareRange } from './coding';
import { TYPE_DELETION } from './dbformat';

const MAX_HEIGHT = 12;
/** Per-node bookkeeping counted against the memtable budget, beyond key and value bytes. */
const NODE_OVERHEAD = 96;

/** Bytes of a key's start kept in the node as small integers (PREFIX_WORDS × 3 bytes). */
const PREFIX_BYTES = 18;

/**
 * 3 bytes of key from off, big-endian, zero-padded past the end. Three bytes keep every
 * word a small integer (a Smi), stored inline in the node rather than boxed.
 */
function word(k: Uint8Array, off: number): number {
  const n = k.length;
  return (
    ((off < n ? k[off] : 0) << 16) |
    ((off + 1 < n ? k[off + 1] : 0) << 8) |
    (off + 2 < n ? k[off + 2] : 0)
  );
}

/**
 * A key with its first 18 bytes as six integers: most comparisons in the skip list are
 * settled by these integers, which sit in the node itself, without loading the key's
 * bytes (two more pointer hops, usually cache misses).
 */
export class SearchKey {
  w0 = 0;
  w1 = 0;
  w2 = 0;
  w3 = 0;
  w4 = 0;
  w5 = 0;
  key: Buffer = Buffer.alloc(0);
  set(k: Buffer): this {
    this.key = k;
    this.w0 = word(k, 0);
    this.w1 = word(k, 3);
    this.w2 = word(k, 6);
    this.w3 = word(k, 9);
    this.w4 = word(k, 12);
    this.w5 = word(k, 15);
    return this;
  }
}

export class MemNode {
  prev: MemNode | null = null;
  readonly w0: number;
  readonly w1: number;
  readonly w2: number;
  readonly w3: number;
  readonly w4: number;
  readonly w5: number;
  constructor(
    readonly key: Buffer,
    readonly seq: number,
    readonly type: number,
    readonly value: Buffer,
    readonly next: (MemNode | null)[],
    sk: SearchKey | null,
  ) {
    if (sk === null) {
      this.w0 = this.w1 = this.w2 = this.w3 = this.w4 = this.w5 = 0;
    } else {
      this.w0 = sk.w0;
      this.w1 = sk.w1;
      this.w2 = sk.w2;
      this.w3 = sk.w3;
      this.w4 = sk.w4;
      this.w5 = sk.w5;
    }
  }
}

/** User-key order of a node's key and a search key. */
function cmpKey(n: MemNode, s: SearchKey): number {
  if (n.w0 !== s.w0) return n.w0 - s.w0;
  if (n.w1 !== s.w1) return n.w1 - s.w1;
  if (n.w2 !== s.w2) return n.w2 - s.w2;
  if (n.w3 !== s.w3) return n.w3 - s.w3;
  if (n.w4 !== s.w4) return n.w4 - s.w4;
  if (n.w5 !== s.w5) return n.w5 - s.w5;
  const a = n.key.length;
  const b = s.key.length;
  // Equal zero-padded prefixes: when either key fits in it, the shorter one is a prefix of
  // the longer (whose extra bytes there are zeros), so length decides. Otherwise the first
  // PREFIX_BYTES bytes are equal: compare from there (keys of one table share a long
  // prefix, so this is most comparisons near the target, and saves re-reading 18 bytes).
  if (a <= PREFIX_BYTES || b <= PREFIX_BYTES) return a - b;
  return compareRange(n.key, PREFIX_BYTES, a, s.key, PREFIX_BYTES, b);
}

/** Compares (key, seq) of a node with (key, seq): user key ascending, then seq descending. */
function cmpNode(n: MemNode, s: SearchKey, seq: number): number {
  const c = cmpKey(n, s);
  if (c !== 0) return c;
  return seq - n.seq;
}

export interface MemGetResult {
  /** 'value': found a value; 'deleted': found a tombstone; undefined: not in this memtable. */
  state: 'value' | 'deleted' | undefined;
  value: Buffer | undefined;
}

export class Memtable {
  private readonly head = new MemNode(
    Buffer.alloc(0),
    0,
    0,
    Buffer.alloc(0),
    new Array(MAX_HEIGHT).fill(null),
    null,
  );
  private readonly sk = new SearchKey();
  private height = 1;
  private tail: MemNode | null = null;
  private readonly prevScratch: MemNode[] = new Array(MAX_HEIGHT);
  /**
   * The newest node of each user key (latin1 string of its bytes): a point get is a hash
   * lookup instead of a skip-list descent, whose ~30 dependent node loads (cache misses in
   * a memtable of tens of thousands of nodes) were the largest single cost of a shard's
   * transactional RPCs (each reads a lock and a record by exact key). Only a get at a
   * sequence below that newest node (an old snapshot) still descends the list.
   */
  private readonly newest = new Map<string, MemNode>();
  /** Approximate bytes held, compared with the memtable budget. */
  bytes = 0;
  count = 0;
  /** Writes admitted to this memtable's WAL but not applied yet (group commit in flight). */
  pendingWrites = 0;
  /** The WAL file whose records this memtable holds. */
  constructor(readonly walNumber: number) {}

  private randomHeight(): number {
    let h = 1;
    while (h < MAX_HEIGHT && Math.random() < 0.25) h++;
    return h;
  }

  add(key: Buffer, seq: number, type: number, value: Buffer): void {
    const prev = this.prevScratch;
    const sk = this.sk.set(key);
    let x = this.head;
    let lastCompared: MemNode | null = null;
    for (let level = this.height - 1; level >= 0; level--) {
      for (;;) {
        const nx = x.next[level];
        // A node already found not to be before the key need not be compared again on
        // the next level down (LevelDB's skiplist does the same).
        if (nx !== null && nx !== lastCompared && cmpNode(nx, sk, seq) < 0) x = nx;
        else {
          lastCompared = nx;
          break;
        }
      }
      prev[level] = x;
    }
    const h = this.randomHeight();
    if (h > this.height) {
      for (let level = this.height; level < h; level++) prev[level] = this.head;
      this.height = h;
    }
    const node = new MemNode(key, seq, type, value, new Array(h), sk);
    for (let level = 0; level < h; level++) {
      node.next[level] = prev[level].next[level];
      prev[level].next[level] = node;
    }
    const id = key.toString('latin1');
    const had = this.newest.get(id);
    if (had === undefined || had.seq < seq) this.newest.set(id, node);
    node.prev = prev[0] === this.head ? null : prev[0];
    const after = node.next[0];
    if (after !== null) after.prev = node;
    else this.tail = node;
    this.bytes += key.length + value.length + NODE_OVERHEAD;
    this.count++;
  }

  /** First node ≥ (key, seq) in internal order, or null. */
  seek(key: Buffer, seq: number): MemNode | null {
    return this.findBefore(key, seq).next[0];
  }

  private findBefore(key: Buffer, seq: number): MemNode {
    const sk = this.sk.set(key);
    let x = this.head;
    let lastCompared: MemNode | null = null;
    for (let level = this.height - 1; level >= 0; level--) {
      for (;;) {
        const nx = x.next[level];
        if (nx !== null && nx !== lastCompared && cmpNode(nx, sk, seq) < 0) x = nx;
        else {
          lastCompared = nx;
          break;
        }
      }
    }
    return x;
  }

  /** Last node < (key, seq) in internal order, or null. */
  seekBefore(key: Buffer, seq: number): MemNode | null {
    const x = this.findBefore(key, seq);
    return x === this.head ? null : x;
  }

  first(): MemNode | null {
    return this.head.next[0];
  }

  last(): MemNode | null {
    return this.tail;
  }

  /** The newest version of key with sequence ≤ seq. */
  get(key: Buffer, seq: number, out: MemGetResult): boolean {
    const top = this.newest.get(key.toString('latin1'));
    if (top === undefined) return false; // no version of the key here at all
    let n: MemNode | null = top;
    if (top.seq > seq) {
      n = this.seek(key, seq);
      if (n === null || cmpKey(n, this.sk) !== 0) return false;
    }
    if (n.type === TYPE_DELETION) {
      out.state = 'deleted';
      out.value = undefined;
    } else {
      out.state = 'value';
      out.value = n.value;
    }
    return true;
  }
}
