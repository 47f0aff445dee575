/**
 * The start timestamps of this proxy's open transactions, so the proxy can report the
 * oldest to meta, which holds the GC safe point at or below it (meta/safePoint.ts).
 * A multiset: two transactions may share a start_ts (TSO batches never do, but be safe).
 */
export class ActiveTransactions {
  private readonly counts = new Map<bigint, number>();

  /**
   * @param onBusy called when the first transaction opens (the set was empty): the one
   *   moment a report may be urgent, which ActiveReporter (activeReporter.ts) decides.
   */
  constructor(private readonly onBusy?: () => void) {}

  add(startTs: bigint): void {
    const wasEmpty = this.counts.size === 0;
    this.counts.set(startTs, (this.counts.get(startTs) ?? 0) + 1);
    if (wasEmpty) this.onBusy?.();
  }

  remove(startTs: bigint): void {
    const n = this.counts.get(startTs);
    if (n === undefined) return;
    if (n <= 1) this.counts.delete(startTs);
    else this.counts.set(startTs, n - 1);
  }

  /** The oldest open start_ts, or null when none is open. O(n): n is the open transactions. */
  oldest(): bigint | null {
    let min: bigint | null = null;
    for (const ts of this.counts.keys()) if (min === null || ts < min) min = ts;
    return min;
  }

  get size(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }
}
