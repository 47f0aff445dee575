/**
 * IPC messages between the proxy's primary and its workers (node:cluster's channel).
 * Every message carries `sharddb: 'w'` so that nothing else on the channel is mistaken
 * for one of ours.
 */

/** Worker → primary. */
export type WorkerToPrimary =
  | { readonly sharddb: 'w'; readonly t: 'ready'; readonly address: string }
  /** A CancelRequest for a pid another worker owns. */
  | { readonly sharddb: 'w'; readonly t: 'cancel'; readonly pid: number; readonly secret: number }
  /** Asks for a connection ticket; answered by 'admitted' with the same id. */
  | { readonly sharddb: 'w'; readonly t: 'admit'; readonly id: number }
  | { readonly sharddb: 'w'; readonly t: 'release' }
  /**
   * pg_terminate_backend for a pid another worker owns (id: the asker's), and a worker's
   * answer to one the primary forwarded to it (id: the primary's).
   */
  | TerminateMessage
  | TerminatedMessage;

/** Primary → worker. */
export type PrimaryToWorker =
  | { readonly sharddb: 'w'; readonly t: 'admitted'; readonly id: number; readonly ok: boolean }
  | { readonly sharddb: 'w'; readonly t: 'cancel'; readonly pid: number; readonly secret: number }
  /** A forwarded pg_terminate_backend (id: the primary's), and the answer to one (id: the worker's). */
  | TerminateMessage
  | TerminatedMessage;

export type TerminateOutcome = 'ok' | 'nopid' | 'superuser' | 'permission';
const OUTCOMES = new Set<string>(['ok', 'nopid', 'superuser', 'permission']);

export interface TerminateMessage {
  readonly sharddb: 'w';
  readonly t: 'terminate';
  readonly id: number;
  readonly pid: number;
  readonly user: string;
  readonly superuser: boolean;
}

export interface TerminatedMessage {
  readonly sharddb: 'w';
  readonly t: 'terminated';
  readonly id: number;
  readonly outcome: TerminateOutcome;
}

function terminateOk(r: Record<string, unknown>): boolean {
  return num(r.id) && num(r.pid) && typeof r.user === 'string' && typeof r.superuser === 'boolean';
}

function terminatedOk(r: Record<string, unknown>): boolean {
  return num(r.id) && typeof r.outcome === 'string' && OUTCOMES.has(r.outcome);
}

function isOurs(m: unknown): m is { sharddb: 'w'; t: string } {
  return typeof m === 'object' && m !== null && (m as { sharddb?: unknown }).sharddb === 'w';
}

const num = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v);

/** Validates a message from a worker (a bug there must not crash the primary). */
export function asWorkerMessage(m: unknown): WorkerToPrimary | undefined {
  if (!isOurs(m)) return undefined;
  const r = m as Record<string, unknown>;
  switch (m.t) {
    case 'ready':
      return typeof r.address === 'string' ? (m as WorkerToPrimary) : undefined;
    case 'cancel':
      return num(r.pid) && num(r.secret) ? (m as WorkerToPrimary) : undefined;
    case 'admit':
      return num(r.id) ? (m as WorkerToPrimary) : undefined;
    case 'release':
      return m as WorkerToPrimary;
    case 'terminate':
      return terminateOk(r) ? (m as WorkerToPrimary) : undefined;
    case 'terminated':
      return terminatedOk(r) ? (m as WorkerToPrimary) : undefined;
    default:
      return undefined;
  }
}

export function asPrimaryMessage(m: unknown): PrimaryToWorker | undefined {
  if (!isOurs(m)) return undefined;
  const r = m as Record<string, unknown>;
  switch (m.t) {
    case 'admitted':
      return num(r.id) && typeof r.ok === 'boolean' ? (m as PrimaryToWorker) : undefined;
    case 'cancel':
      return num(r.pid) && num(r.secret) ? (m as PrimaryToWorker) : undefined;
    case 'terminate':
      return terminateOk(r) ? (m as PrimaryToWorker) : undefined;
    case 'terminated':
      return terminatedOk(r) ? (m as PrimaryToWorker) : undefined;
    default:
      return undefined;
  }
}
