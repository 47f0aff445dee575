/**
 * The leader's view of one follower (Figure 2 "volatile state on leaders": nextIndex, matchIndex)
 * plus the flow-control state that etcd's raft calls a Progress:
 *
 * - probe: we don't know where the follower's log matches ours. Send one AppendEntries and wait
 *   for its answer (or a heartbeat response) before sending another.
 * - replicate: the follower is keeping up. Send optimistically (pipelining): advance `next` as soon
 *   as a message is sent, and bound the messages in flight by `inflights`.
 * - snapshot: an InstallSnapshot is on its way; send nothing else until it is acknowledged or
 *   we give up waiting (then probe again).
 */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Inflights {
  private readonly last: number[] = [];

  constructor(readonly capacity: number) {}

  add(index: number): void {
    this.last.push(index);
  }

  /** Frees every message whose last index is ≤ index (the follower acknowledged up to it). */
  freeLE(index: number): void {
    let k = 0;
    while (k < this.last.length && this.last[k] <= index) k++;
    if (k > 0) this.last.splice(0, k);
  }

  freeFirst(): void {
    this.last.shift();
  }

  full(): boolean {
    return this.last.length >= this.capacity;
  }

  count(): number {
    return this.last.length;
  }

  reset(): void {
    this.last.length = 0;
  }
}

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** In probe state: one AppendEntries is outstanding. */
  probeSent = false;
  /** In snapshot state: the index of the snapshot sent. */
  pendingSnapshot = 0;
  /** Ticks spent in snapshot state, to resend if the snapshot was lost. */
  snapshotTicks = 0;
  /** Heard from since the last check-quorum round (thesis §6.2). */
  recentActive = false;
  readonly inflights: Inflights;

  constructor(next: number, maxInflight: number) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  becomeProbe(): void {
    // Coming back from a snapshot, continue after it; otherwise restart right after what matches.
    const from =
      this.state === 'snapshot'
        ? Math.max(this.match + 1, this.pendingSnapshot + 1)
        : this.match + 1;
    this.state = 'probe';
    this.next = from;
    this.resetState();
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.resetState();
  }

  becomeSnapshot(index: number): void {
    this.state = 'snapshot';
    this.resetState();
    this.pendingSnapshot = index;
  }

  private resetState(): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotTicks = 0;
    this.inflights.reset();
  }

  /** A successful append response for `index`. Returns false if it told us nothing new. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * A rejection of the AppendEntries whose prevIndex was `rejected`; `hint` is the follower's last
   * index. Returns false when the rejection is stale (a reordered answer to an older message).
   */
  maybeDecrTo(rejected: number, hint: number): boolean {
    if (this.state === 'replicate') {
      // Everything ≤ match is known to agree, so a rejection there is a duplicate of old news.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    // In probe state only the answer to the probe we last sent (prevIndex = next - 1) counts.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1, 1);
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }
}
