import type { Entry, Snapshot } from './types';

/**
 * The in-memory Raft log of one node: everything after the latest snapshot, plus the cursors
 * that say what the driver has yet to persist (unstable) and to apply.
 *
 *   snapshot.index | firstIndex ... stable ... unstableFrom ... lastIndex
 *                    ^ applied ≤ applying ≤ committed ≤ lastIndex
 *
 * The node keeps the whole uncompacted log in memory: the meta state machine is small and is
 * snapshotted often, so this avoids a storage read path inside the core.
 */
export class RaftLog {
  snapshot: Snapshot;
  /** entries[k].index === snapshot.meta.index + 1 + k */
  private entries: Entry[];
  committed: number;
  /** Highest index handed to the driver to apply (in a Ready). */
  applying: number;
  /** Highest index the driver confirmed applied (advance()). */
  applied: number;
  /** Lowest index not yet handed to the driver to persist. */
  unstableFrom: number;
  /** A snapshot received from the leader that the driver has not been handed yet. */
  pendingSnapshot: Snapshot | undefined;

  constructor(snapshot: Snapshot, entries: readonly Entry[], committed: number, applied: number) {
    this.snapshot = snapshot;
    this.entries = [...entries];
    for (let k = 0; k < this.entries.length; k++) {
      if (this.entries[k].index !== snapshot.meta.index + 1 + k)
        throw new Error('raft: stored log is not contiguous');
    }
    this.committed = Math.max(committed, snapshot.meta.index);
    if (this.committed > this.lastIndex())
      throw new Error('raft: stored commit is beyond the stored log');
    this.applied = Math.max(applied, snapshot.meta.index);
    this.applying = this.applied;
    this.unstableFrom = this.lastIndex() + 1;
    this.pendingSnapshot = undefined;
  }

  snapIndex(): number {
    return this.snapshot.meta.index;
  }

  firstIndex(): number {
    return this.snapshot.meta.index + 1;
  }

  lastIndex(): number {
    return this.snapshot.meta.index + this.entries.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) as number;
  }

  /** The term of entry i, or undefined if i is compacted away or beyond the log. */
  term(i: number): number | undefined {
    const s = this.snapshot.meta.index;
    if (i === s) return this.snapshot.meta.term;
    if (i < s || i > this.lastIndex()) return undefined;
    return this.entries[i - s - 1].term;
  }

  entry(i: number): Entry | undefined {
    const s = this.snapshot.meta.index;
    if (i <= s || i > this.lastIndex()) return undefined;
    return this.entries[i - s - 1];
  }

  matchTerm(i: number, t: number): boolean {
    return this.term(i) === t;
  }

  /** §5.4.1: a candidate's log is at least as up-to-date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Entries [lo, hi), at most maxBytes of data (but always at least one entry), or undefined if lo
   * is compacted (the caller then needs the snapshot).
   */
  slice(lo: number, hi: number, maxBytes = Infinity): Entry[] | undefined {
    if (lo <= this.snapshot.meta.index) return undefined;
    const s = this.snapshot.meta.index;
    hi = Math.min(hi, this.lastIndex() + 1);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.entries[i - s - 1];
      bytes += e.data.byteLength + 24;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  /**
   * AppendEntries receiver rules 2–4 (§5.3, Figure 2): if our log has prevIndex with prevTerm,
   * skip entries we already hold, truncate at the first conflict and append the rest. Returns the
   * index of the last entry the message covers, or undefined when prevIndex/prevTerm don't match.
   * Never truncates on a mere duplicate: a reordered, older AppendEntries from the same leader is
   * a prefix of what we hold and must not cut off later entries we already acknowledged.
   */
  maybeAppend(prevIndex: number, prevTerm: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + entries.length;
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k];
      const mine = this.term(e.index);
      if (mine === e.term) continue;
      if (mine === undefined && e.index <= this.snapshot.meta.index) continue; // compacted ⇒ committed ⇒ equal
      this.append(entries.slice(k));
      break;
    }
    return lastNew;
  }

  /** Appends entries, truncating any of ours at or after entries[0].index. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0].index;
    if (first <= this.committed) {
      throw new Error(
        `raft: would truncate committed entry ${first} (committed ${this.committed})`,
      );
    }
    if (first > this.lastIndex() + 1)
      throw new Error(`raft: gap appending ${first} after ${this.lastIndex()}`);
    this.entries.length = first - this.snapshot.meta.index - 1;
    for (const e of entries) this.entries.push(e);
    if (first < this.unstableFrom) this.unstableFrom = first;
  }

  /** Entries the driver has not yet been asked to persist; marks them handed out. */
  takeUnstable(): Entry[] {
    const out =
      this.unstableFrom <= this.lastIndex()
        ? (this.slice(this.unstableFrom, this.lastIndex() + 1) ?? [])
        : [];
    this.unstableFrom = this.lastIndex() + 1;
    return out;
  }

  /** Committed entries not yet handed out to apply; marks them handed out. */
  takeCommitted(): Entry[] {
    if (this.committed <= this.applying) return [];
    const out = this.slice(this.applying + 1, this.committed + 1) ?? [];
    this.applying = this.committed;
    return out;
  }

  hasUnstable(): boolean {
    return this.unstableFrom <= this.lastIndex();
  }

  hasCommittedToApply(): boolean {
    return this.committed > this.applying;
  }

  /** Replaces the whole log by a snapshot from the leader (§7, InstallSnapshot rules 6–8). */
  restore(s: Snapshot): void {
    this.snapshot = s;
    this.entries = [];
    this.committed = s.meta.index;
    this.applying = s.meta.index;
    this.unstableFrom = s.meta.index + 1;
    this.pendingSnapshot = s;
  }

  /** Drops entries up to s.meta.index after the application took snapshot s (§7 log compaction). */
  compact(s: Snapshot): void {
    const i = s.meta.index;
    if (i <= this.snapshot.meta.index) return;
    if (i > this.applied)
      throw new Error(`raft: cannot compact to ${i} beyond applied ${this.applied}`);
    this.entries = this.entries.slice(i - this.snapshot.meta.index);
    this.snapshot = s;
  }
}
