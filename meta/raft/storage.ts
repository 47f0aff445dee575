import type { Entry, HardState, NodeId, PersistedState, Snapshot } from './types';

/** The part of a Ready that must be durable before its messages are sent. */
export interface PersistBatch {
  readonly hardState?: HardState;
  readonly entries: readonly Entry[];
  readonly snapshot?: Snapshot;
}

/**
 * Durable state of one Raft node. `save` and `saveSnapshot` are atomic and durable (fsync'd)
 * when they return: a vote or an append is acknowledged only after that (§5, Figure 2:
 * "updated on stable storage before responding to RPCs").
 */
export interface RaftStorage {
  /** The stored state, or undefined if this node was never bootstrapped nor joined. */
  load(): PersistedState | undefined;
  /** First start: an empty log whose configuration is `voters` ([] for a node that will join). */
  bootstrap(voters: readonly NodeId[]): void;
  /**
   * A snapshot from the leader replaces the whole log; entries replace any stored entry at or
   * after entries[0].index; then the hard state.
   */
  save(batch: PersistBatch): void;
  /** A snapshot the local state machine took: store it, drop entries ≤ its index. */
  saveSnapshot(snapshot: Snapshot): void;
  close(): void;
}

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: 0, commit: 0 };

/** In-memory storage for tests and the simulator; survives a simulated crash of its node. */
export class MemoryStorage implements RaftStorage {
  hardState: HardState = EMPTY_HARD_STATE;
  snapshot: Snapshot | undefined;
  entries: Entry[] = [];

  load(): PersistedState | undefined {
    if (!this.snapshot) return undefined;
    return { hardState: this.hardState, snapshot: this.snapshot, entries: [...this.entries] };
  }

  bootstrap(voters: readonly NodeId[]): void {
    this.snapshot = { meta: { index: 0, term: 0, voters: [...voters] }, data: new Uint8Array(0) };
    this.entries = [];
    this.hardState = EMPTY_HARD_STATE;
  }

  save(batch: PersistBatch): void {
    if (batch.snapshot) {
      this.snapshot = batch.snapshot;
      this.entries = [];
    }
    if (batch.entries.length > 0) {
      const base = this.snapshot ? this.snapshot.meta.index : 0;
      const first = batch.entries[0].index;
      if (first > base + this.entries.length + 1)
        throw new Error('storage: gap in appended entries');
      this.entries.length = Math.max(0, first - base - 1);
      for (const e of batch.entries) this.entries.push(e);
    }
    if (batch.hardState) this.hardState = batch.hardState;
  }

  saveSnapshot(snapshot: Snapshot): void {
    const base = this.snapshot ? this.snapshot.meta.index : 0;
    if (snapshot.meta.index <= base) return;
    this.entries = this.entries.slice(snapshot.meta.index - base);
    this.snapshot = snapshot;
  }

  lastIndex(): number {
    return (this.snapshot ? this.snapshot.meta.index : 0) + this.entries.length;
  }

  term(i: number): number | undefined {
    const base = this.snapshot ? this.snapshot.meta.index : 0;
    if (i === base) return this.snapshot?.meta.term ?? 0;
    if (i < base || i > this.lastIndex()) return undefined;
    return this.entries[i - base - 1].term;
  }

  close(): void {}
}
