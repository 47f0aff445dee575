import { ConfigSpec, metaAddressOption, parsers, secretOptions } from '../common/config';

export interface ShardConfigRaw {
  readonly nodeName: string;
  readonly listen: string;
  readonly advertise: string;
  readonly dataDir: string;
  readonly meta: readonly string[];
  readonly secret: string;
  readonly secretFile: string;
  readonly engine: 'sqlite' | 'lsm';
  readonly heartbeatMs: number;
  readonly gcPassIntervalMs: number;
}

export type ShardConfig = Omit<ShardConfigRaw, 'secretFile'>;

export const shardConfigSpec: ConfigSpec<ShardConfigRaw> = {
  nodeName: {
    flag: 'node-name',
    env: 'SHARDDB_NODE_NAME',
    description: 'name of this shard (stable across restarts)',
    parse: parsers.nonEmpty,
    default: 'shard1',
  },
  listen: {
    flag: 'listen',
    env: 'SHARDDB_LISTEN',
    description: 'host:port for internal RPC',
    parse: parsers.address,
    default: '127.0.0.1:7101',
  },
  advertise: {
    flag: 'advertise',
    env: 'SHARDDB_ADVERTISE',
    description: 'host:port others reach this shard at (default: listen)',
    parse: parsers.string,
    default: '',
  },
  dataDir: {
    flag: 'data-dir',
    env: 'SHARDDB_DATA_DIR',
    description: 'directory for the storage engine',
    parse: parsers.nonEmpty,
    default: './data/shard1',
  },
  meta: metaAddressOption,
  ...secretOptions,
  engine: {
    flag: 'engine',
    env: 'SHARDDB_ENGINE',
    description: 'storage engine: lsm (ours, default) or sqlite (the reference engine)',
    parse: (raw) => {
      if (raw !== 'sqlite' && raw !== 'lsm')
        throw new Error(`unknown engine "${raw}" (sqlite or lsm)`);
      return raw;
    },
    default: 'lsm',
  },
  heartbeatMs: {
    flag: 'heartbeat-ms',
    env: 'SHARDDB_HEARTBEAT_MS',
    description: 'heartbeat interval to meta',
    parse: parsers.int(50, 60_000),
    default: 1000,
  },
  gcPassIntervalMs: {
    flag: 'gc-pass-interval-ms',
    env: 'SHARDDB_GC_PASS_INTERVAL_MS',
    description:
      'least time between background GC passes over the shard (the compaction filter and the safe point apply at once)',
    parse: parsers.int(0, 3_600_000),
    default: 30_000,
  },
};
