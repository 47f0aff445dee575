/**
 * shard/mvcc: MVCC storage and the Percolator/TiDB transaction actions on a shard
 * (DESIGN.md "Transactions", "MVCC storage on a shard"; FORMAT.md for the bytes).
 *
 * MvccStore is what the shard's RPC handlers call. The actions are exported too: each is a
 * pure function of (snapshot, request, now) → { writes, result } (reads: → result), for
 * tests and for anyone who needs to compose them.
 */
export { MvccStore, DEFAULT_LOCK_TIMEOUT_MS } from './store';
export type { MvccStoreOptions, LockWaitOptions, GcOptions } from './store';
export * from './types';

export { get } from './actions/get';
export type { GetRequest, GetResult } from './actions/get';
export { scan, MAX_REPORTED_LOCKS } from './actions/scan';
export type { ScanRequest, ScanResult } from './actions/scan';
export { scanLocks } from './actions/scanLocks';
export type { ScanLocksRequest, ScanLocksResult } from './actions/scanLocks';
export { acquirePessimisticLock } from './actions/acquirePessimisticLock';
export type {
  AcquirePessimisticLockRequest,
  AcquirePessimisticLockResult,
} from './actions/acquirePessimisticLock';
export { pessimisticRollback } from './actions/pessimisticRollback';
export type {
  PessimisticRollbackRequest,
  PessimisticRollbackResult,
} from './actions/pessimisticRollback';
export { prewrite } from './actions/prewrite';
export type { PrewriteRequest, PrewriteResult } from './actions/prewrite';
export { commit } from './actions/commit';
export type { CommitRequest, CommitResult } from './actions/commit';
export { rollback } from './actions/rollback';
export type { RollbackRequest, RollbackResult } from './actions/rollback';
export { checkTxnStatus } from './actions/checkTxnStatus';
export type { CheckTxnStatusRequest, CheckTxnStatusResult } from './actions/checkTxnStatus';
export { txnHeartBeat } from './actions/txnHeartBeat';
export type { TxnHeartBeatRequest, TxnHeartBeatResult } from './actions/txnHeartBeat';
export { resolveLocks } from './actions/resolveLocks';
export type { ResolveLocksRequest, ResolveLocksResult } from './actions/resolveLocks';
export { onePhaseCommit } from './actions/onePhaseCommit';
export type { OnePhaseCommitRequest, OnePhaseCommitResult } from './actions/onePhaseCommit';
export { gc } from './actions/gc';
export { versionStats } from './actions/versionStats';
export type { VersionStatsRequest, VersionStatsResult } from './actions/versionStats';
export type { GcRequest, GcResult } from './actions/gc';

export { createGcFilter } from './gcFilter';
export type { GcFilter, GcFilterOptions } from './gcFilter';
export { LockWaiters, LocalDeadlockDetector } from './lockWaiters';
export type {
  DeadlockDetectorClient,
  LockWaitersOptions,
  Timers,
  WaitOutcome,
} from './lockWaiters';
export { WaitForGraph } from './deadlock';
export type { Deadlock, TxnId, VictimPolicy, WaitEdge } from './deadlock';
export {
  deadlockError,
  lockNotAvailableError,
  lockTimeoutError,
  serializationError,
  snapshotTooOldError,
  txnAbortedError,
} from './errors';
export { lockExpired, lockExpiresAtMs } from './reader';
export { physicalMs, tsFromPhysical } from './keys';
