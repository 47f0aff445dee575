/**
 * The wait-for graph of transactions and its deadlock detection (DESIGN.md
 * "Transactions"). Pure: no clocks or sockets (times come in as arguments), so one
 * designated node can run it for the whole cluster, fed by every shard's lock waits.
 *
 * An edge waiter → holder means "transaction `waiter` waits for a lock held by `holder`".
 * Adding an edge that closes a cycle is a deadlock; the victim is, by policy, the
 * requester (the transaction whose new wait closed the cycle: it is told at once, and the
 * edge is not added — TiKV's choice) or the youngest transaction in the cycle (largest
 * start_ts: it has done the least work; PostgreSQL aborts whoever detects, similar in
 * spirit). Edges carry the time they were added so a detector can forget waits whose
 * reporter died (prune).
 */

export type TxnId = bigint;

export interface WaitEdge {
  readonly waiter: TxnId;
  readonly holder: TxnId;
  /** The key waited for (for the error's detail). */
  readonly key: Buffer;
  readonly addedAtMs: number;
}

export interface Deadlock {
  /** The transactions in the cycle, starting with the requester: a waits for b waits for … a. */
  readonly cycle: readonly TxnId[];
  readonly victim: TxnId;
  /** The waits forming the cycle, the requester's first. */
  readonly edges: readonly WaitEdge[];
}

export type VictimPolicy = 'requester' | 'youngest';

export class WaitForGraph {
  /** waiter → holder → edge */
  private readonly out = new Map<TxnId, Map<TxnId, WaitEdge>>();

  constructor(private readonly policy: VictimPolicy = 'requester') {}

  /**
   * Records waiter → holder unless it closes a cycle; then returns the deadlock. Under the
   * 'youngest' policy the edge is added when the victim is someone else (the caller must
   * abort the victim's wait, which removes the victim's edges).
   */
  addEdge(waiter: TxnId, holder: TxnId, key: Buffer, nowMs: number): Deadlock | null {
    if (waiter === holder) return null;
    const edge: WaitEdge = { waiter, holder, key, addedAtMs: nowMs };
    const path = this.pathFrom(holder, waiter);
    if (path !== null) {
      const edges = [edge, ...path];
      const cycle = edges.map((e) => e.waiter);
      let victim = waiter;
      if (this.policy === 'youngest') for (const t of cycle) if (t > victim) victim = t;
      if (victim !== waiter) this.put(edge);
      return { cycle, victim, edges };
    }
    this.put(edge);
    return null;
  }

  removeEdge(waiter: TxnId, holder: TxnId): void {
    const m = this.out.get(waiter);
    if (m === undefined) return;
    m.delete(holder);
    if (m.size === 0) this.out.delete(waiter);
  }

  /** Forgets every wait of `waiter` (its wait ended, or the transaction did). */
  removeWaiter(waiter: TxnId): void {
    this.out.delete(waiter);
  }

  /** Forgets edges older than `olderThanMs` (their reporter may have died). */
  prune(olderThanMs: number): number {
    let n = 0;
    for (const [waiter, m] of this.out) {
      for (const [holder, e] of m) {
        if (e.addedAtMs < olderThanMs) {
          m.delete(holder);
          n++;
        }
      }
      if (m.size === 0) this.out.delete(waiter);
    }
    return n;
  }

  get edgeCount(): number {
    let n = 0;
    for (const m of this.out.values()) n += m.size;
    return n;
  }

  private put(edge: WaitEdge): void {
    let m = this.out.get(edge.waiter);
    if (m === undefined) {
      m = new Map();
      this.out.set(edge.waiter, m);
    }
    m.set(edge.holder, edge);
  }

  /** A path of edges from → … → to, or null (iterative DFS: graphs can be deep). */
  private pathFrom(from: TxnId, to: TxnId): WaitEdge[] | null {
    const parent = new Map<TxnId, WaitEdge | null>([[from, null]]);
    const stack: TxnId[] = [from];
    while (stack.length > 0) {
      const t = stack.pop() as TxnId;
      if (t === to) {
        const path: WaitEdge[] = [];
        for (let e = parent.get(t) ?? null; e !== null; e = parent.get(e.waiter) ?? null)
          path.push(e);
        return path.reverse();
      }
      const m = this.out.get(t);
      if (m === undefined) continue;
      for (const [next, e] of m) {
        if (parent.has(next)) continue;
        parent.set(next, e);
        stack.push(next);
      }
    }
    return null;
  }
}
