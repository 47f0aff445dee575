/**
 * meta/raft: our Raft library. The public face:
 * - Raft: the pure consensus core (tick/step/propose/readIndex/transferLeader → ready/advance);
 * - RaftNode: the driver (timers, transport, durable storage, apply loop, promises);
 * - SqliteStorage / MemoryStorage: durable and in-memory RaftStorage;
 * - RaftTransport, RaftClock: what the driver needs from the outside; MemoryNetwork for tests.
 * PROTOCOL.md documents the messages and the persisted state.
 */
export { Raft, quorum } from './raft';
export type { RaftConfig, ProposeResult, RaftStatus } from './raft';
export { RaftNode } from './node';
export type { RaftNodeOptions, RaftNodeStatus } from './node';
export { SqliteStorage } from './sqliteStorage';
export { MemoryStorage, EMPTY_HARD_STATE } from './storage';
export type { RaftStorage, PersistBatch } from './storage';
export type { RaftTransport } from './transport';
export { MemoryNetwork } from './memoryTransport';
export { systemClock } from './clock';
export type { RaftClock } from './clock';
export { SeededRng } from './rng';
export { encodeConfChange, decodeConfChange } from './confChange';
export { NONE } from './types';
export type {
  AppendRequest,
  AppendResponse,
  ConfChange,
  Entry,
  EntryType,
  HardState,
  Heartbeat,
  HeartbeatResponse,
  InstallSnapshot,
  Message,
  MessageType,
  NodeId,
  PersistedState,
  ReadState,
  Ready,
  Rng,
  Role,
  Snapshot,
  SnapshotMeta,
  SoftState,
  TimeoutNow,
  VoteRequest,
  VoteResponse,
} from './types';
