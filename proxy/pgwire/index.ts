/**
 * pgwire: the server side of PostgreSQL's v3 wire protocol. See PROTOCOL.md.
 */
export { startPgServer, type PgServer } from './server';
export {
  defaultHbaRules,
  defaultLimits,
  type AuthMethod,
  type HbaRule,
  type PgLimits,
  type PgClusterHooks,
  type PgServerOptions,
  type TlsConfig,
} from './config';
export { makeWorkerPid, maxWorkerId, workerOfPid } from './backendPid';
