/**
 * A whole cluster (1 meta, N shards, 1 proxy) inside the test's process, on ephemeral
 * loopback ports with a temp data dir: for tests about behaviour, not processes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startMetaNode, MetaNode } from '../../meta';
import { startShardNode, ShardNode } from '../../shard';
import { startProxyNode, ProxyNode } from '../../proxy';
import { silentLogger } from '../../common/logger';

export interface InProcessCluster {
  readonly dataDir: string;
  readonly meta: MetaNode;
  readonly shards: ShardNode[];
  readonly proxy: ProxyNode;
  readonly secret: string;
  /** postgres://… for pg clients. */
  readonly url: string;
  close(): Promise<void>;
}

export async function startInProcessCluster(
  options: {
    shards?: number;
    engine?: 'lsm' | 'sqlite';
    gcLifeTimeMs?: number;
    gcIntervalMs?: number;
    /** Meta's age at which a shard's oldest lock is named to proxies to resolve. */
    staleLockMs?: number;
    /** Least time between background GC passes on a shard (default: gcIntervalMs, else 30 s). */
    gcPassIntervalMs?: number;
    /** Shards' heartbeat to meta, which also tells them the range map moved (default 200 ms). */
    shardHeartbeatMs?: number;
  } = {},
): Promise<InProcessCluster> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharddb-test-'));
  const secret = randomBytes(16).toString('hex');
  const logger = silentLogger();
  const meta = await startMetaNode(
    {
      nodeName: 'meta1',
      nodeId: 1,
      raftTickMs: 20,
      raftSnapshotEvery: 1000,
      faultInjection: false,
      listen: '127.0.0.1:0',
      advertise: '',
      dataDir: path.join(dataDir, 'meta1'),
      secret,
      peers: [],
      shardLivenessMs: 3000,
      gcLifeTimeMs: options.gcLifeTimeMs,
      gcIntervalMs: options.gcIntervalMs,
      staleLockMs: options.staleLockMs,
    },
    logger,
  );
  const shards: ShardNode[] = [];
  for (let i = 1; i <= (options.shards ?? 3); i++) {
    shards.push(
      await startShardNode(
        {
          nodeName: `shard${i}`,
          listen: '127.0.0.1:0',
          advertise: '',
          dataDir: path.join(dataDir, `shard${i}`),
          meta: [meta.address],
          secret,
          engine: options.engine ?? 'lsm',
          heartbeatMs: options.shardHeartbeatMs ?? 200,
          gcPassIntervalMs: options.gcPassIntervalMs ?? options.gcIntervalMs ?? 30_000,
        },
        logger,
      ),
    );
  }
  const proxy = await startProxyNode(
    {
      nodeName: 'proxy1',
      listen: '127.0.0.1:0',
      meta: [meta.address],
      secret,
      tlsCert: '',
      tlsKey: '',
      maxConnections: 200,
      catalogPollMs: 100,
      auth: 'default',
    },
    logger,
  );
  return {
    dataDir,
    meta,
    shards,
    proxy,
    secret,
    url: `postgres://postgres@127.0.0.1:${proxy.port}/postgres`,
    async close() {
      await proxy.close();
      for (const s of shards) await s.close();
      await meta.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Another proxy on the same cluster (a second proxy node, as a second machine would run):
 * for tests about what one proxy sees of another's work. The caller closes it.
 */
export function startSecondProxy(
  cluster: InProcessCluster,
  overrides: { readonly catalogPollMs?: number; readonly maxConnections?: number } = {},
): Promise<ProxyNode> {
  return startProxyNode(
    {
      nodeName: 'proxy2',
      listen: '127.0.0.1:0',
      meta: [cluster.meta.address],
      secret: cluster.secret,
      tlsCert: '',
      tlsKey: '',
      maxConnections: overrides.maxConnections ?? 50,
      catalogPollMs: overrides.catalogPollMs ?? 100,
      auth: 'default',
    },
    silentLogger(),
  );
}
