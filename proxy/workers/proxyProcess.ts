/**
 * What a proxy process is, by `--workers`: 1 → one process serving clients itself (no
 * IPC, today's shape); N > 1 → this process is either the primary (forks N workers and
 * serves nothing itself) or one of those workers (node:cluster tells which). Shared by
 * proxy/main.ts and test entry points that wire another engine.
 */
import cluster from 'node:cluster';
import type { Logger } from '../../common/logger';
import type { PgClusterHooks } from '../pgwire';
import { startPrimary, workerIdEnv } from './primary';
import { workerLink } from './workerLink';

/** A started node serving pgwire (what startProxyNode returns). */
export interface ServingNode {
  readonly host: string;
  readonly port: number;
  /** Cancels a local session's statement if the secret matches (forwarded CancelRequest). */
  cancel(pid: number, secret: number): boolean;
  /** pg_terminate_backend forwarded from another worker (absent: such requests get 'nopid'). */
  terminate?(
    pid: number,
    requester: { user: string; superuser: boolean },
  ): Promise<'ok' | 'nopid' | 'superuser' | 'permission'>;
  close(): Promise<void>;
}

/** Given to startNode in a worker. */
export interface WorkerStart {
  readonly hooks: PgClusterHooks;
  /** host:port to listen on instead of the configured one (port 0 resolved by the primary). */
  readonly listen: string | undefined;
}

export interface ProxyProcessOptions {
  readonly workers: number;
  /** host:port from the configuration (workers may be told a resolved one). */
  readonly listen: string;
  readonly maxConnections: number;
  readonly logger: Logger;
  readonly startNode: (worker: WorkerStart | undefined) => Promise<ServingNode>;
}

export interface ProxyProcess {
  readonly role: 'single' | 'primary' | 'worker';
  /** host:port clients connect to. */
  readonly address: string;
  close(): Promise<void>;
}

/** The node name a worker logs and identifies itself with: `proxy1.w2`. */
export function processNodeName(nodeName: string): string {
  return cluster.isWorker ? `${nodeName}.w${process.env[workerIdEnv] ?? '?'}` : nodeName;
}

export async function startProxyProcess(o: ProxyProcessOptions): Promise<ProxyProcess> {
  if (cluster.isWorker) {
    const link = workerLink(o.logger);
    if (link === undefined) throw new Error('not a worker');
    const node = await o.startNode({ hooks: link.hooks, listen: link.listenOverride });
    const address = `${node.host}:${node.port}`;
    link.ready(address, (pid, secret) => node.cancel(pid, secret), node.terminate?.bind(node));
    return { role: 'worker', address, close: () => node.close() };
  }
  if (o.workers <= 1) {
    const node = await o.startNode(undefined);
    return { role: 'single', address: `${node.host}:${node.port}`, close: () => node.close() };
  }
  const primary = await startPrimary({
    workers: o.workers,
    listen: o.listen,
    maxConnections: o.maxConnections,
    logger: o.logger,
    // runRole's SIGTERM handler is the one clean way down (it closes the primary, which
    // stops the workers).
    onGiveUp: () => process.kill(process.pid, 'SIGTERM'),
  });
  return { role: 'primary', address: primary.address, close: () => primary.close() };
}
