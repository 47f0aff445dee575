/**
 * The data the Raft core exchanges with its driver: log entries, the persisted hard state,
 * snapshots, messages between peers, and the Ready batch. Everything here is a plain object
 * (msgpack-encodable by the transport); nothing holds a clock, socket or file.
 * PROTOCOL.md beside this file documents the messages and the persisted state.
 */

/** A member of the group. 0 means "none" (no vote, no known leader). */
export type NodeId = number;
export const NONE: NodeId = 0;

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** `normal` entries carry opaque application data; `conf` entries carry an encoded ConfChange. */
export type EntryType = 'normal' | 'conf';

export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly type: EntryType;
  /** Opaque to Raft for `normal`; an empty `normal` entry is the no-op a new leader appends. */
  readonly data: Uint8Array;
}

/** Raft Figure 2 "persistent state on all servers" (+ commit, so a restart re-applies less). */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
}

export interface SnapshotMeta {
  /** Last log index the snapshot covers, and that entry's term (§7). */
  readonly index: number;
  readonly term: number;
  /** The voting configuration as of `index` (single-server changes, thesis §4.1). */
  readonly voters: readonly NodeId[];
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  /** The application's state machine image; opaque to Raft. */
  readonly data: Uint8Array;
}

/** Single-server membership change (thesis §4.1). `voters` is the configuration after it. */
export interface ConfChange {
  readonly type: 'addNode' | 'removeNode';
  readonly node: NodeId;
  readonly voters: readonly NodeId[];
}

interface Base {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
}

/** RequestVote (§5.2), or its pre-vote probe (thesis §9.6) where `term` is the term it would use. */
export interface VoteRequest extends Base {
  readonly type: 'vote' | 'preVote';
  readonly lastIndex: number;
  readonly lastTerm: number;
  /** Set when campaigning on TimeoutNow: voters must not ignore it for their leader lease. */
  readonly transfer?: boolean;
}
export interface VoteResponse extends Base {
  readonly type: 'voteResp' | 'preVoteResp';
  readonly reject: boolean;
}
/** AppendEntries (§5.3). */
export interface AppendRequest extends Base {
  readonly type: 'append';
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}
/**
 * Reply to AppendEntries or InstallSnapshot. On success `index` is the last index now known to
 * match the leader; on reject `index` is the rejected prevIndex and `hint` the follower's last index.
 */
export interface AppendResponse extends Base {
  readonly type: 'appendResp';
  readonly reject: boolean;
  readonly index: number;
  readonly hint: number;
}
/** Empty AppendEntries (§5.2); `ctx` carries the newest pending ReadIndex request (thesis §6.4). */
export interface Heartbeat extends Base {
  readonly type: 'heartbeat';
  readonly commit: number;
  readonly ctx?: string;
}
export interface HeartbeatResponse extends Base {
  readonly type: 'heartbeatResp';
  readonly ctx?: string;
}
/** InstallSnapshot (§7), sent whole: meta state is small. */
export interface InstallSnapshot extends Base {
  readonly type: 'snapshot';
  readonly snapshot: Snapshot;
}
/** Leadership transfer (thesis §3.10): "start an election now". */
export interface TimeoutNow extends Base {
  readonly type: 'timeoutNow';
}

export type Message =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | Heartbeat
  | HeartbeatResponse
  | InstallSnapshot
  | TimeoutNow;

export type MessageType = Message['type'];

/** A ReadIndex request that is now safe to serve once the state machine has applied `index`. */
export interface ReadState {
  readonly index: number;
  readonly ctx: string;
}

export interface SoftState {
  readonly lead: NodeId;
  readonly role: Role;
}

/**
 * What the driver must do, in this order (the contract that makes acknowledgements durable):
 * 1. persist `snapshot` (replacing the whole log), then `entries` (truncating any stored entry at or
 *    after entries[0].index), then `hardState`, with fsync;
 * 2. send `messages` (they may acknowledge what step 1 persisted: votes, appends);
 * 3. restore the state machine from `snapshot` if any, then apply `committedEntries` in order;
 * 4. serve `readStates` once applied ≥ their index;
 * 5. call advance().
 */
export interface Ready {
  readonly softState?: SoftState;
  readonly hardState?: HardState;
  readonly snapshot?: Snapshot;
  readonly entries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly committedEntries: readonly Entry[];
  readonly readStates: readonly ReadState[];
}

/** Everything a restarted node gets back from its storage. */
export interface PersistedState {
  readonly hardState: HardState;
  readonly snapshot: Snapshot;
  /** The log after snapshot.meta.index, contiguous. */
  readonly entries: readonly Entry[];
}

/** Deterministic randomness, injected (randomized election timeouts, §5.2). */
export interface Rng {
  /** A uniform integer in [0, n). */
  int(n: number): number;
}
