/**
 * The memtable: a skip list (Pugh 1990) of (userKey, seq, type, value) in internal-key
 * order, O(log n) insert and seek, ordered iteration both ways (level 0 is doubly linked).
 * JavaScript runs one thing at a time, so an iterator that walks the list while writes
 * insert new nodes stays valid; it skips nodes newer than its snapshot sequence.
 */
import { compareRange } from './coding';
import { TYPE_DELETION } from './dbformat';
import { filterKeyEnd, POLICY_WHOLE_KEY } from './filterPolicy';

const MAX_HEIGHT = 12;
/**
 * How many nodes a prefix-indexed seek walks from a prefix's first node before it descends
 * the list instead (a read at an old snapshot of a key with many newer versions here).
 */
const PREFIX_WALK_LIMIT = 16;
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
  /**
   * The first node (in internal order) of each filter key (the table filter's prefix:
   * an MVCC key without its timestamp) that is shorter than the whole key. Together with
   * `newest`, which is the same thing for keys that are their own filter key, it turns the
   * two skip-list descents behind a transactional RPC into a hash lookup: the seek for a
   * key's newest version (LsmEngine.firstInRange) and the insert of a key's next version,
   * which goes right before that first node. Every add keeps it complete (a filter key
   * missing here has no node here), and both paths check the node they are given against
   * its level-0 neighbour before relying on its place, falling back to the descent.
   */
  private readonly firstOfPrefix = new Map<string, MemNode>();
  /** Approximate bytes held, compared with the memtable budget. */
  bytes = 0;
  count = 0;
  /** Writes admitted to this memtable's WAL but not applied yet (group commit in flight). */
  pendingWrites = 0;
  /**
   * @param walNumber the WAL file whose records this memtable holds
   * @param policy the engine's table filter policy, whose filter keys index the nodes
   */
  constructor(
    readonly walNumber: number,
    private readonly policy: number = POLICY_WHOLE_KEY,
  ) {}

  /**
   * The index holding key's filter key; leaves the filter key's length in prefixEnd (a
   * field rather than a returned pair: this runs on every insert and point seek).
   */
  private prefixSlot(key: Buffer): Map<string, MemNode> {
    this.prefixEnd = filterKeyEnd(this.policy, key, 0, key.length);
    return this.prefixEnd === key.length ? this.newest : this.firstOfPrefix;
  }
  private prefixEnd = 0;

  private randomHeight(): number {
    let h = 1;
    while (h < MAX_HEIGHT && Math.random() < 0.25) h++;
    return h;
  }

  add(key: Buffer, seq: number, type: number, value: Buffer): void {
    const sk = this.sk.set(key);
    const h = this.randomHeight();
    const index = this.prefixSlot(key);
    const prefixId = key.toString('latin1', 0, this.prefixEnd);
    const first = index.get(prefixId);
    const becomesFirst = first === undefined || cmpNode(first, sk, seq) > 0;
    let node: MemNode;
    if (h === 1 && first !== undefined && becomesFirst && this.before(first.prev, sk, seq)) {
      // A next version of a key here already: its place is right before the key's first
      // node, found without a descent. Height 1 links on level 0 only.
      const next: (MemNode | null)[] = new Array(1); // holey, like every node's (one shape)
      next[0] = first;
      node = new MemNode(key, seq, type, value, next, sk);
      if (first.prev === null) this.head.next[0] = node;
      else first.prev.next[0] = node;
      node.prev = first.prev;
      first.prev = node;
    } else {
      node = this.insertByDescent(key, seq, type, value, sk, h);
    }
    if (becomesFirst) index.set(prefixId, node);
    if (index !== this.newest) {
      const id = key.toString('latin1');
      const had = this.newest.get(id);
      if (had === undefined || had.seq < seq) this.newest.set(id, node);
    }
    this.bytes += key.length + value.length + NODE_OVERHEAD;
    this.count++;
  }

  /** Is n (null: the list's start) before (key, seq)? */
  private before(n: MemNode | null, sk: SearchKey, seq: number): boolean {
    return n === null || cmpNode(n, sk, seq) < 0;
  }

  private insertByDescent(
    key: Buffer,
    seq: number,
    type: number,
    value: Buffer,
    sk: SearchKey,
    h: number,
  ): MemNode {
    const prev = this.prevScratch;
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
    if (h > this.height) {
      for (let level = this.height; level < h; level++) prev[level] = this.head;
      this.height = h;
    }
    const node = new MemNode(key, seq, type, value, new Array(h), sk);
    for (let level = 0; level < h; level++) {
      node.next[level] = prev[level].next[level];
      prev[level].next[level] = node;
    }
    node.prev = prev[0] === this.head ? null : prev[0];
    const after = node.next[0];
    if (after !== null) after.prev = node;
    else this.tail = node;
    return node;
  }

  /**
   * seek(key, seq) for a caller that wants only nodes sharing key's filter key (a point
   * seek within one MVCC key's versions): null when this memtable holds no node of that
   * filter key at all, without a descent; otherwise what seek returns, found from the
   * filter key's first node when the target lies a few nodes past it.
   */
  seekInPrefix(key: Buffer, seq: number): MemNode | null {
    const index = this.prefixSlot(key);
    const first = index.get(key.toString('latin1', 0, this.prefixEnd));
    if (first === undefined) return null;
    const sk = this.sk.set(key);
    if (!this.before(first.prev, sk, seq)) return this.seek(key, seq);
    let n: MemNode | null = first;
    for (let steps = 0; n !== null && cmpNode(n, sk, seq) < 0; steps++) {
      if (steps === PREFIX_WALK_LIMIT) return this.seek(key, seq);
      n = n.next[0];
    }
    return n;
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
