/** The proxy process as a library: pgwire in front, the SQL engine, caches and clients behind. */
import fs from 'node:fs';
import { parseAddress } from '../common/config';
import type { Logger } from '../common/logger';
import { MetaClient } from '../common/clients/metaClient';
import { ShardClients } from '../common/clients/shardClients';
import { startPgServer, type PgClusterHooks } from './pgwire';
import { CatalogCache } from './catalogCache';
import { RangeCache } from './rangeCache';
import { ShardRouter } from './shardRouter';
import { ShardSqlEngine } from './sql/engine';
import type { ProxyConfig } from './config';

export interface ProxyNode {
  readonly port: number;
  readonly host: string;
  /** Cancels this node's session `pid` if `secret` matches (a CancelRequest another worker received). */
  cancel(pid: number, secret: number): boolean;
  close(): Promise<void>;
}

/** `cluster`: set when this node is one of the proxy's workers (proxy/workers/). */
export async function startProxyNode(config: ProxyConfig, logger: Logger, cluster?: PgClusterHooks): Promise<ProxyNode> {
  const meta = new MetaClient({ addresses: config.meta, secret: config.secret, name: config.nodeName, logger: logger.child({ component: 'meta-client' }) });
  const shardClients = new ShardClients(config.secret, config.nodeName, logger.child({ component: 'shard-client' }));
  const catalog = new CatalogCache(meta);
  const ranges = new RangeCache(meta);
  const router = new ShardRouter(ranges, shardClients);
  const engine = await ShardSqlEngine.create({ meta, catalog, ranges, router, shardClients });
  // Warm the caches; a meta that is still starting is fine (first queries refresh them).
  await Promise.all([catalog.refresh(), ranges.refresh()]).catch((err: unknown) =>
    logger.warn({ err: (err as Error).message }, 'meta not reachable yet; caches will fill on first use'),
  );
  if ((config.tlsCert === '') !== (config.tlsKey === '')) throw new Error('--tls-cert and --tls-key go together');
  const tls = config.tlsCert !== '' ? { cert: fs.readFileSync(config.tlsCert), key: fs.readFileSync(config.tlsKey) } : undefined;
  const { host, port } = parseAddress(config.listen);
  const pg = await startPgServer({ host, port, engine, tls, limits: { maxConnections: config.maxConnections }, logger: logger.child({ component: 'pgwire' }), cluster });
  logger.info({ host, port: pg.port, tls: tls !== undefined }, 'proxy accepting PostgreSQL clients');
  return {
    host,
    port: pg.port,
    cancel: (pid, secret) => pg.cancel(pid, secret),
    async close() {
      await pg.close();
      meta.close();
      shardClients.close();
      logger.info('proxy stopped');
    },
  };
}
