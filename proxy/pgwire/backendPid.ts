/**
 * Backend pids when the proxy runs one pgwire server per worker process (proxy/workers/):
 * the pid carries the worker id so that a CancelRequest, which may reach any worker, can
 * be routed to the worker that owns the session.
 *
 *   bit 31      0 (BackendKeyData's pid is an int32; kept positive like a real pid)
 *   bits 22..30 worker id, 1..511
 *   bits 0..21  per-worker counter, 1..4 194 303, unique among the worker's live sessions
 *
 * A single-process server (no worker id) allocates pids without this layout.
 */
export const workerIdBits = 9;
export const localPidBits = 22;
export const maxWorkerId = (1 << workerIdBits) - 1;
export const maxLocalPid = (1 << localPidBits) - 1;

export function makeWorkerPid(workerId: number, local: number): number {
  return ((workerId << localPidBits) | local) >>> 0;
}

/** The worker id a pid was allocated by (0 for a pid outside the layout). */
export function workerOfPid(pid: number): number {
  return pid < 0 ? 0 : (pid >>> localPidBits) & maxWorkerId;
}

/** The per-worker part of a pid. */
export function localPartOfPid(pid: number): number {
  return pid & maxLocalPid;
}
