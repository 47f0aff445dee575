/**
 * The memtable: a skip list (Pugh 1990) of (userKey, seq, type, value) in internal-key
 * order, O(log n) insert and seek, ordered iteration both ways (level 0 is doubly linked).
 * JavaScript runs one thing at a time, so an iterator that walks the list while writes
 * insert new nodes stays valid; it skips nodes newer than its snapshot sequence.
 */
import { compareBytes } from './coding';
import { TYPE_DELETION } from './dbformat';

const MAX_HEIGHT = 12;
/** Per-node bookkeeping counted against the memtable budget, beyond key and value bytes. */
const NODE_OVERHEAD = 96;

export class MemNode {
  prev: MemNode | null = null;
  constructor(
    readonly key: Buffer,
    readonly seq: number,
    readonly type: number,
    readonly value: Buffer,
    readonly next: (MemNode | null)[],
  ) {}
}

/** Compares (key, seq) of a node with (key, seq): user key ascending, then seq descending. */
function cmpNode(n: MemNode, key: Buffer, seq: number): number {
  const c = compareBytes(n.key, key);
  if (c !== 0) return c;
  return seq - n.seq;
}

export interface MemGetResult {
  /** 'value': found a value; 'deleted': found a tombstone; undefined: not in this memtable. */
  state: 'value' | 'deleted' | undefined;
  value: Buffer | undefined;
}

export class Memtable {
  private readonly head = new MemNode(Buffer.alloc(0), 0, 0, Buffer.alloc(0), new Array(MAX_HEIGHT).fill(null));
  private height = 1;
  private tail: MemNode | null = null;
  private readonly prevScratch: MemNode[] = new Array(MAX_HEIGHT);
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
    let x = this.head;
    for (let level = this.height - 1; level >= 0; level--) {
      for (;;) {
        const nx = x.next[level];
        if (nx !== null && cmpNode(nx, key, seq) < 0) x = nx;
        else break;
      }
      prev[level] = x;
    }
    const h = this.randomHeight();
    if (h > this.height) {
      for (let level = this.height; level < h; level++) prev[level] = this.head;
      this.height = h;
    }
    const node = new MemNode(key, seq, type, value, new Array(h));
    for (let level = 0; level < h; level++) {
      node.next[level] = prev[level].next[level];
      prev[level].next[level] = node;
    }
    node.prev = prev[0] === this.head ? null : prev[0];
    const after = node.next[0];
    if (after !== null) after.prev = node;
    else this.tail = node;
    this.bytes += key.length + value.length + NODE_OVERHEAD;
    this.count++;
  }

  /** First node ≥ (key, seq) in internal order, or null. */
  seek(key: Buffer, seq: number): MemNode | null {
    let x = this.head;
    for (let level = this.height - 1; level >= 0; level--) {
      for (;;) {
        const nx = x.next[level];
        if (nx !== null && cmpNode(nx, key, seq) < 0) x = nx;
        else break;
      }
    }
    return x.next[0];
  }

  /** Last node < (key, seq) in internal order, or null. */
  seekBefore(key: Buffer, seq: number): MemNode | null {
    let x = this.head;
    for (let level = this.height - 1; level >= 0; level--) {
      for (;;) {
        const nx = x.next[level];
        if (nx !== null && cmpNode(nx, key, seq) < 0) x = nx;
        else break;
      }
    }
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
    const n = this.seek(key, seq);
    if (n === null || compareBytes(n.key, key) !== 0) return false;
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
