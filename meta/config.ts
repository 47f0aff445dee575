import { ConfigSpec, parseAddress, parsers, secretOptions } from '../common/config';

/** One member of the meta Raft group: a stable numeric Raft id and the address it serves at. */
export interface MetaPeer {
  readonly id: number;
  readonly address: string;
}

export interface MetaConfig {
  readonly nodeName: string;
  /** This node's Raft id (a member of `peers`); stable for the life of its data dir. */
  readonly nodeId: number;
  /** host:port this node listens on for internal RPC. */
  readonly listen: string;
  /** Address other processes use to reach this node (defaults to listen). */
  readonly advertise: string;
  readonly dataDir: string;
  readonly secret: string;
  /**
   * Every member of the Raft group, this node included, as `id=host:port`; the same list is
   * given to every member. Empty: a one-node group (id `nodeId`, no peers).
   */
  readonly peers: readonly MetaPeer[];
  /** A shard missing heartbeats this long is reported as down. */
  readonly shardLivenessMs: number;
  /** Raft tick; elections time out after 10–20 ticks, the leader heartbeats every tick. */
  readonly raftTickMs: number;
  /** Snapshot the state machine and compact the Raft log every this many applied entries. */
  readonly raftSnapshotEvery: number;
  /** Enables meta.faultInjection (network partitions between members), for tests only. */
  readonly faultInjection: boolean;
  /**
   * Start as a new member of a running group: no configuration of its own until the leader
   * adds it (ALTER CLUSTER ADD META, meta.addMember). Only matters for an empty data dir.
   */
  readonly join?: boolean;
  /** MVCC versions younger than this are kept (gc_life_time; default 10 minutes). */
  readonly gcLifeTimeMs?: number;
  /** How often the leader recomputes the GC safe point (default 5 s). */
  readonly gcIntervalMs?: number;
  /** A lock older than this (a dead coordinator's, likely) is named to proxies to resolve. */
  readonly staleLockMs?: number;
}

/** Parses `1=host:port,2=host:port,…` (ids positive and unique). */
export function parsePeers(raw: string): MetaPeer[] {
  if (raw.trim() === '') return [];
  const peers = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((item) => {
      const m = /^(\d+)=(.+)$/.exec(item);
      if (!m) throw new Error(`"${item}" is not id=host:port`);
      const id = Number(m[1]);
      if (!Number.isSafeInteger(id) || id < 1)
        throw new Error(`peer id ${m[1]} must be a positive integer`);
      parseAddress(m[2]);
      return { id, address: m[2] };
    });
  const ids = new Set(peers.map((p) => p.id));
  if (ids.size !== peers.length) throw new Error('peer ids must be unique');
  return peers;
}

export function formatPeers(peers: readonly MetaPeer[]): string {
  return peers.map((p) => `${p.id}=${p.address}`).join(',');
}

export const metaConfigSpec: ConfigSpec<
  Omit<MetaConfig, 'advertise' | 'secret'> & {
    advertise: string;
    secret: string;
    secretFile: string;
  }
> = {
  nodeName: {
    flag: 'node-name',
    env: 'SHARDDB_NODE_NAME',
    description: 'name of this meta node',
    parse: parsers.nonEmpty,
    default: 'meta1',
  },
  nodeId: {
    flag: 'node-id',
    env: 'SHARDDB_META_NODE_ID',
    description: 'Raft id of this node (must appear in --peers)',
    parse: parsers.int(1, 1_000_000),
    default: 1,
  },
  listen: {
    flag: 'listen',
    env: 'SHARDDB_LISTEN',
    description: 'host:port for internal RPC',
    parse: parsers.address,
    default: '127.0.0.1:7001',
  },
  advertise: {
    flag: 'advertise',
    env: 'SHARDDB_ADVERTISE',
    description: 'host:port others reach this node at (default: listen)',
    parse: parsers.string,
    default: '',
  },
  dataDir: {
    flag: 'data-dir',
    env: 'SHARDDB_DATA_DIR',
    description: 'directory for the Raft log and snapshots',
    parse: parsers.nonEmpty,
    default: './data/meta1',
  },
  ...secretOptions,
  peers: {
    flag: 'peers',
    env: 'SHARDDB_META_PEERS',
    description: 'every meta node, this one included: id=host:port,… (empty: a one-node group)',
    parse: parsePeers,
    default: [],
  },
  gcLifeTimeMs: {
    flag: 'gc-life-time-ms',
    env: 'SHARDDB_GC_LIFE_TIME_MS',
    description:
      'MVCC versions younger than this are kept (the GC safe point trails now by this much)',
    parse: parsers.int(1000, 30 * 24 * 3600 * 1000),
    default: 600_000,
  },
  gcIntervalMs: {
    flag: 'gc-interval-ms',
    env: 'SHARDDB_GC_INTERVAL_MS',
    description: 'how often the leader recomputes the GC safe point',
    parse: parsers.int(100, 3_600_000),
    default: 5000,
  },
  staleLockMs: {
    flag: 'stale-lock-ms',
    env: 'SHARDDB_STALE_LOCK_MS',
    description:
      'a lock older than this is resolved by a proxy sweep (it holds the GC safe point back)',
    parse: parsers.int(100, 3_600_000),
    default: 20_000,
  },
  shardLivenessMs: {
    flag: 'shard-liveness-ms',
    env: 'SHARDDB_SHARD_LIVENESS_MS',
    description: 'heartbeat silence after which a shard is down',
    parse: parsers.int(100, 600_000),
    default: 3000,
  },
  raftTickMs: {
    flag: 'raft-tick-ms',
    env: 'SHARDDB_RAFT_TICK_MS',
    description: 'Raft tick (election timeout 10–20 ticks)',
    parse: parsers.int(10, 1000),
    default: 50,
  },
  raftSnapshotEvery: {
    flag: 'raft-snapshot-every',
    env: 'SHARDDB_RAFT_SNAPSHOT_EVERY',
    description: 'compact the Raft log every this many applied entries',
    parse: parsers.int(10, 10_000_000),
    default: 1000,
  },
  join: {
    flag: 'join',
    env: 'SHARDDB_META_JOIN',
    description:
      'join a running group (empty data dir): wait to be added by ALTER CLUSTER ADD META instead of bootstrapping from --peers',
    parse: parsers.bool,
    default: false,
  },
  faultInjection: {
    flag: 'fault-injection',
    env: 'SHARDDB_META_FAULT_INJECTION',
    description: 'accept meta.faultInjection calls (tests only)',
    parse: parsers.bool,
    default: false,
  },
};

/** Checks what a single flag cannot: this node is in the group, under the address it serves at. */
export function validatePeers(
  config: Pick<MetaConfig, 'nodeId' | 'peers' | 'advertise' | 'listen'>,
): string[] {
  if (config.peers.length === 0) return [];
  const self = config.peers.find((p) => p.id === config.nodeId);
  if (!self)
    return [`--node-id ${config.nodeId} is not one of --peers (${formatPeers(config.peers)})`];
  const own = config.advertise !== '' ? config.advertise : config.listen;
  if (parseAddress(own).port !== 0 && self.address !== own) {
    return [
      `--peers gives node ${config.nodeId} the address ${self.address}, but it serves at ${own}`,
    ];
  }
  return [];
}
