/** The proxy process as a library: pgwire in front, the SQL engine, caches and clients behind. */
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { parseAddress } from '../common/config';
import type { Logger } from '../common/logger';
import { MetaClient } from '../common/clients/metaClient';
import { ShardClients } from '../common/clients/shardClients';
import { defaultHbaRules, startPgServer, workerOfPid, type PgClusterHooks } from './pgwire';
import type { TerminateOutcome, TerminateRequester } from './catalog';
import { CatalogCache } from './catalogCache';
import { RangeCache } from './rangeCache';
import { ShardRouter } from './shardRouter';
import { ShardSqlEngine } from './sql/engine';
import { ActiveTransactions } from './txn/activeTransactions';
import { TxnShardRpc } from './txn/shardGroups';
import { setSpillThreshold } from './txn/spill';
import { LockResolver } from './txn/lockResolver';
import { ActiveReporter } from './txn/activeReporter';
import { LockSweeper } from './txn/lockSweeper';
import type { ProxyConfig } from './config';

export interface ProxyNode {
  readonly port: number;
  readonly host: string;
  /** Cancels this node's session `pid` if `secret` matches (a CancelRequest another worker received). */
  cancel(pid: number, secret: number): boolean;
  /** pg_terminate_backend from another worker: checks the permission, then terminates. */
  terminate(pid: number, requester: TerminateRequester): Promise<TerminateOutcome>;
  close(): Promise<void>;
}

/** `cluster`: set when this node is one of the proxy's workers (proxy/workers/). */
export async function startProxyNode(
  config: ProxyConfig,
  logger: Logger,
  cluster?: PgClusterHooks,
): Promise<ProxyNode> {
  const meta = new MetaClient({
    addresses: config.meta,
    secret: config.secret,
    name: config.nodeName,
    logger: logger.child({ component: 'meta-client' }),
  });
  const shardClients = new ShardClients(
    config.secret,
    config.nodeName,
    logger.child({ component: 'shard-client' }),
  );
  const catalog = new CatalogCache(meta);
  const ranges = new RangeCache(meta);
  const router = new ShardRouter(ranges, shardClients);
  // Open transactions' start timestamps, reported to meta so GC never passes them: every
  // 2 s, and at once when the first transaction opens after a report of none.
  const active = new ActiveTransactions(() => reporter.busy());
  const txnRpc = new TxnShardRpc(ranges, shardClients);
  const resolver = new LockResolver(txnRpc);
  const txnDeps = {
    rpc: txnRpc,
    resolver,
    timestamp: () => meta.timestamp(),
    active,
  };
  const engine = await ShardSqlEngine.create(
    {
      meta,
      catalog,
      ranges,
      router,
      shardClients,
      txnDeps,
    },
    {
      // Owner of this process's advisory locks and origin of its notifications in meta.
      processId: `${config.nodeName}/${process.pid}/${randomBytes(4).toString('hex')}`,
      logger,
    },
  );
  // Old locks meta names in its reply (a dead coordinator's) hold GC back: resolve them.
  const sweeper = new LockSweeper({
    rpc: txnRpc,
    resolver,
    logger: logger.child({ component: 'lock-sweeper' }),
  });
  // Each worker process reports for itself (workers share the node name).
  const reporterName = `${config.nodeName}/${process.pid}`;
  const reporter = new ActiveReporter(
    () => active.oldest(),
    async (oldest) => {
      const reply = await meta.reportActive(reporterName, oldest);
      if (reply.staleLockShards !== undefined && reply.staleLockShards.length > 0)
        sweeper.request(reply.staleLockShards);
    },
    (err, first) => {
      if (first)
        logger.warn(
          { err: (err as Error).message },
          'cannot report active transactions to meta; GC may pass them if this lasts',
        );
    },
  );
  if (config.copySpillBytes !== undefined) setSpillThreshold(config.copySpillBytes);
  const activeReport = setInterval(() => reporter.report(), 2000);
  activeReport.unref();
  // Warm the caches; a meta that is still starting is fine (first queries refresh them).
  await Promise.all([catalog.refresh(), ranges.refresh()]).catch((err: unknown) =>
    logger.warn(
      { err: (err as Error).message },
      'meta not reachable yet; caches will fill on first use',
    ),
  );
  // Learn catalog and range changes made through other proxies: poll meta's versions and
  // refresh a cache only when its version moved (the plan cache keys on the catalog version).
  let pollFailing = false;
  const versionPoll = setInterval(() => {
    meta
      .versions()
      .then(async (v) => {
        pollFailing = false;
        const work: Array<Promise<void>> = [];
        if (v.catalogVersion > catalog.knownVersion) work.push(catalog.refresh());
        if (v.rangeVersion > ranges.knownVersion) work.push(ranges.refresh());
        await Promise.all(work);
      })
      .catch((err: unknown) => {
        if (!pollFailing)
          logger.warn(
            { err: (err as Error).message },
            'cannot poll meta for catalog changes; will retry',
          );
        pollFailing = true;
      });
  }, config.catalogPollMs);
  versionPoll.unref();
  if ((config.tlsCert === '') !== (config.tlsKey === ''))
    throw new Error('--tls-cert and --tls-key go together');
  const tls =
    config.tlsCert !== ''
      ? { cert: fs.readFileSync(config.tlsCert), key: fs.readFileSync(config.tlsKey) }
      : undefined;
  const { host, port } = parseAddress(config.listen);
  // --hba rules win; else --auth: 'default' (trust on loopback, SCRAM elsewhere) or one method.
  const hba =
    config.hba ??
    (config.auth === 'default'
      ? defaultHbaRules
      : [{ address: 'all', user: 'all', database: 'all', method: config.auth }]);
  const pg = await startPgServer({
    host,
    port,
    engine,
    tls,
    hba,
    limits: { maxConnections: config.maxConnections },
    logger: logger.child({ component: 'pgwire' }),
    cluster,
  });
  // pg_terminate_backend: pgwire closes local sessions; other workers' go through the primary.
  engine.terminator.closeLocal = (pid) => pg.terminate(pid);
  const forwardTerminate = cluster?.forwardTerminate?.bind(cluster);
  if (cluster !== undefined && forwardTerminate !== undefined)
    engine.terminator.forward = (pid, requester) =>
      workerOfPid(pid) === cluster.workerId
        ? engine.terminator.terminateLocal(pid, requester)
        : forwardTerminate(pid, requester);
  logger.info(
    { host, port: pg.port, tls: tls !== undefined },
    'proxy accepting PostgreSQL clients',
  );
  return {
    host,
    port: pg.port,
    cancel: (pid, secret) => pg.cancel(pid, secret),
    terminate: (pid, requester) => engine.terminator.terminateLocal(pid, requester),
    async close() {
      clearInterval(versionPoll);
      clearInterval(activeReport);
      await pg.close();
      await engine
        .close()
        .catch((err: unknown) =>
          logger.warn(
            { err: (err as Error).message },
            'could not release advisory locks; meta drops them when the lease expires',
          ),
        );
      meta.close();
      shardClients.close();
      logger.info('proxy stopped');
    },
  };
}
