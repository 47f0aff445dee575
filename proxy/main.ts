import { runRole, resolveSecret } from '../common/roleProcess';
import { proxyConfigSpec } from './config';
import { startProxyNode } from './server';
import { processNodeName, startProxyProcess } from './workers';

// With --workers N > 1 this script runs N+1 times: once as the primary (forks, routes,
// restarts) and once per worker (node:cluster re-runs it); proxy/workers/WORKERS.md.
runRole(
  'proxy',
  proxyConfigSpec,
  (raw) => processNodeName(raw.nodeName),
  (raw, logger) => {
    const { secretFile: _unused, workers, ...rest } = raw;
    const config = { ...rest, nodeName: processNodeName(raw.nodeName), secret: resolveSecret(raw) };
    return startProxyProcess({
      workers,
      listen: raw.listen,
      maxConnections: raw.maxConnections,
      logger,
      startNode: (worker) =>
        startProxyNode(
          { ...config, listen: worker?.listen ?? config.listen },
          logger,
          worker?.hooks,
        ),
    }).then((proc) => {
      // The launcher hears from the primary (or the single process), once every worker listens.
      if (proc.role !== 'worker' && process.send)
        process.send({ ready: true, address: proc.address });
      return proc;
    });
  },
);
