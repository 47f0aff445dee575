import os from 'node:os';
import { ConfigSpec, metaAddressOption, parsers, secretOptions } from '../common/config';
import type { HbaRule } from './pgwire';
import { parseHba } from './hbaConfig';

export interface ProxyConfigRaw {
  readonly nodeName: string;
  /** host:port for PostgreSQL clients. */
  readonly listen: string;
  readonly meta: readonly string[];
  readonly secret: string;
  readonly secretFile: string;
  readonly tlsCert: string;
  readonly tlsKey: string;
  readonly maxConnections: number;
  /** How often to check meta for catalog and range-map changes. */
  readonly catalogPollMs: number;
  /** 'default': trust on loopback, SCRAM elsewhere; or one method for every connection. */
  readonly auth: 'default' | 'trust' | 'scram-sha-256' | 'md5' | 'password';
  /** pg_hba.conf-style rules; when given they replace --auth. */
  readonly hba?: readonly HbaRule[];
  /** pgwire worker processes (node:cluster); 1: a single process, no primary. */
  readonly workers: number;
  /** Buffered write bytes past which a COPY FROM prewrites them early (proxy/txn/spill.ts). */
  readonly copySpillBytes?: number;
}

/** What startProxyNode needs (the process shape, --workers, is main.ts's business). */
export type ProxyConfig = Omit<ProxyConfigRaw, 'secretFile' | 'workers'>;

export const proxyConfigSpec: ConfigSpec<ProxyConfigRaw> = {
  nodeName: {
    flag: 'node-name',
    env: 'SHARDDB_NODE_NAME',
    description: 'name of this proxy',
    parse: parsers.nonEmpty,
    default: 'proxy1',
  },
  listen: {
    flag: 'listen',
    env: 'SHARDDB_LISTEN',
    description: 'host:port for PostgreSQL clients',
    parse: parsers.address,
    default: '127.0.0.1:5433',
  },
  meta: metaAddressOption,
  ...secretOptions,
  tlsCert: {
    flag: 'tls-cert',
    env: 'SHARDDB_TLS_CERT',
    description: 'PEM certificate file: enables TLS for clients',
    parse: parsers.string,
    default: '',
  },
  tlsKey: {
    flag: 'tls-key',
    env: 'SHARDDB_TLS_KEY',
    description: 'PEM private key file for --tls-cert',
    parse: parsers.string,
    default: '',
  },
  workers: {
    flag: 'workers',
    env: 'SHARDDB_WORKERS',
    description: 'worker processes serving clients (1: single process)',
    parse: parsers.int(1, 511),
    default: Math.min(511, os.availableParallelism()),
  },
  auth: {
    flag: 'auth',
    env: 'SHARDDB_AUTH',
    description:
      'client authentication: default (trust on loopback, scram-sha-256 elsewhere), trust, scram-sha-256, md5 or password',
    parse: (raw) => {
      if (!['default', 'trust', 'scram-sha-256', 'md5', 'password'].includes(raw))
        throw new Error(`unknown auth method "${raw}"`);
      return raw as ProxyConfigRaw['auth'];
    },
    default: 'default',
  },
  hba: {
    flag: 'hba',
    env: 'SHARDDB_HBA',
    description:
      'pg_hba.conf-style rules "TYPE DATABASE USER ADDRESS METHOD", separated by ; (replace --auth)',
    parse: parseHba,
    optional: true,
  },
  catalogPollMs: {
    flag: 'catalog-poll-ms',
    env: 'SHARDDB_CATALOG_POLL_MS',
    description: 'how often to check meta for catalog and range changes',
    parse: parsers.int(50, 60_000),
    default: 500,
  },
  maxConnections: {
    flag: 'max-connections',
    env: 'SHARDDB_MAX_CONNECTIONS',
    description: 'client sessions beyond this get 53300',
    parse: parsers.int(1, 100_000),
    default: 1000,
  },
  copySpillBytes: {
    flag: 'copy-spill-bytes',
    env: 'SHARDDB_COPY_SPILL_BYTES',
    description:
      "a COPY FROM's buffered writes past this many bytes are prewritten to the shards early",
    parse: parsers.int(64 * 1024, 2 ** 31 - 1),
    default: 16 * 1024 * 1024,
  },
};
