/**
 * A proxy process whose pgwire serves the in-memory engine (memoryEngine.ts) instead of
 * the SQL engine over shards: the same process shape as proxy/main.ts (single process, or
 * a primary with --workers N), for tests of the worker machinery (pg_sleep, cancel,
 * killed workers) and the wire-only benchmark. Not shipped.
 *
 *   node dist/test/support/memoryProxyMain.js --workers 2 --listen 127.0.0.1:0
 *   sends {ready, address} over IPC when forked, like proxy/main.ts
 */
import { ConfigSpec, parseAddress, parsers } from '../../common/config';
import { runRole } from '../../common/roleProcess';
import { startPgServer } from '../../proxy/pgwire';
import { processNodeName, startProxyProcess } from '../../proxy/workers';
import { MemoryEngine } from './memoryEngine';

interface MemoryProxyConfig {
  readonly nodeName: string;
  readonly listen: string;
  readonly workers: number;
  readonly maxConnections: number;
}

const spec: ConfigSpec<MemoryProxyConfig> = {
  nodeName: {
    flag: 'node-name',
    description: 'name of this proxy',
    parse: parsers.nonEmpty,
    default: 'memproxy',
  },
  listen: {
    flag: 'listen',
    description: 'host:port for clients',
    parse: parsers.address,
    default: '127.0.0.1:0',
  },
  workers: {
    flag: 'workers',
    description: 'worker processes (1: single process)',
    parse: parsers.int(1, 511),
    default: 2,
  },
  maxConnections: {
    flag: 'max-connections',
    description: 'sessions across all workers',
    parse: parsers.int(1, 100_000),
    default: 1000,
  },
};

runRole(
  'proxy',
  spec,
  (raw) => processNodeName(raw.nodeName),
  (raw, logger) =>
    startProxyProcess({
      workers: raw.workers,
      listen: raw.listen,
      maxConnections: raw.maxConnections,
      logger,
      startNode: async (worker) => {
        const { host, port } = parseAddress(worker?.listen ?? raw.listen);
        const pg = await startPgServer({
          host,
          port,
          engine: new MemoryEngine(),
          limits: { maxConnections: raw.maxConnections },
          logger,
          cluster: worker?.hooks,
        });
        return {
          host,
          port: pg.port,
          cancel: (pid, secret) => pg.cancel(pid, secret),
          close: () => pg.close(),
        };
      },
    }).then((proc) => {
      if (proc.role !== 'worker' && process.send)
        process.send({ ready: true, address: proc.address });
      return proc;
    }),
);
