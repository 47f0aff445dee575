import { ConfigSpec, parsers } from '../common/config';

export interface MetaConfig {
  readonly nodeName: string;
  /** host:port this node listens on for internal RPC. */
  readonly listen: string;
  /** Address other processes use to reach this node (defaults to listen). */
  readonly advertise: string;
  readonly dataDir: string;
  readonly secret: string;
  /** Other meta nodes (host:port), for the Raft group; empty for a single node. */
  readonly peers: readonly string[];
  /** A shard missing heartbeats this long is reported as down. */
  readonly shardLivenessMs: number;
}

export const metaConfigSpec: ConfigSpec<Omit<MetaConfig, 'advertise' | 'secret'> & { advertise: string; secret: string; secretFile: string }> = {
  nodeName: { flag: 'node-name', env: 'SHARDDB_NODE_NAME', description: 'name of this meta node', parse: parsers.nonEmpty, default: 'meta1' },
  listen: { flag: 'listen', env: 'SHARDDB_LISTEN', description: 'host:port for internal RPC', parse: parsers.address, default: '127.0.0.1:7001' },
  advertise: { flag: 'advertise', env: 'SHARDDB_ADVERTISE', description: 'host:port others reach this node at (default: listen)', parse: parsers.string, default: '' },
  dataDir: { flag: 'data-dir', env: 'SHARDDB_DATA_DIR', description: 'directory for the meta log and snapshots', parse: parsers.nonEmpty, default: './data/meta1' },
  secret: { flag: 'secret', env: 'SHARDDB_CLUSTER_SECRET', description: 'cluster secret', parse: parsers.string, default: '', secret: true },
  secretFile: { flag: 'secret-file', env: 'SHARDDB_CLUSTER_SECRET_FILE', description: 'file holding the cluster secret', parse: parsers.string, default: '' },
  peers: { flag: 'peers', env: 'SHARDDB_META_PEERS', description: 'comma-separated host:port of the other meta nodes', parse: (raw) => (raw.trim() === '' ? [] : parsers.addressList(raw)), default: [] },
  shardLivenessMs: { flag: 'shard-liveness-ms', env: 'SHARDDB_SHARD_LIVENESS_MS', description: 'heartbeat silence after which a shard is down', parse: parsers.int(100, 600_000), default: 3000 },
};
