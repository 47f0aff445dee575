/** proxy/workers: one pgwire worker per core behind a primary. See WORKERS.md. */
export {
  processNodeName,
  startProxyProcess,
  type ProxyProcess,
  type ProxyProcessOptions,
  type ServingNode,
  type WorkerStart,
} from './proxyProcess';
export { startPrimary, type Primary, type PrimaryOptions } from './primary';
export { WorkerRegistry, type RestartBudget } from './registry';
