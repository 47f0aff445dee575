/**
 * A worker's side of the IPC channel to the primary: the PgClusterHooks its pgwire server
 * runs with (pid prefix, cancel forwarding, connection tickets) and the handler for
 * cancels the primary forwards here.
 */
import cluster from 'node:cluster';
import type { Logger } from '../../common/logger';
import { maxWorkerId, type PgClusterHooks } from '../pgwire';
import { asPrimaryMessage, type TerminateOutcome, type WorkerToPrimary } from './messages';
import { workerIdEnv, workerListenEnv } from './primary';

export interface WorkerLink {
  readonly workerId: number;
  /** For startPgServer's `cluster` option. */
  readonly hooks: PgClusterHooks;
  /** The address to listen on: the configured one with port 0 resolved by the primary. */
  readonly listenOverride: string | undefined;
  /** The server listens: take forwarded cancels and terminates, and tell the primary. */
  ready(
    address: string,
    cancelLocal: (pid: number, secret: number) => boolean,
    terminateLocal?: (pid: number, requester: TerminateRequester) => Promise<TerminateOutcome>,
  ): void;
}

interface TerminateRequester {
  readonly user: string;
  readonly superuser: boolean;
}

/** Deadline for the primary's answer to a ticket request (CONVENTIONS: every wait has one). */
const admitTimeoutMs = 5000;

/** undefined unless this process is a proxy worker forked by startPrimary. */
export function workerLink(logger: Logger): WorkerLink | undefined {
  if (!cluster.isWorker) return undefined;
  const workerId = Number(process.env[workerIdEnv]);
  if (!Number.isInteger(workerId) || workerId < 1 || workerId > maxWorkerId)
    throw new Error(`${workerIdEnv} must be 1..${maxWorkerId} in a proxy worker`);
  const log = logger.child({ component: 'worker-link' });
  const send = (m: WorkerToPrimary): void => {
    // The primary gone means we are stopping (runRole watches 'disconnect').
    if (process.connected && process.send) process.send(m);
  };

  let nextId = 1;
  const pending = new Map<number, { resolve: (ok: boolean) => void; timer: NodeJS.Timeout }>();
  let cancelLocal: ((pid: number, secret: number) => boolean) | undefined;
  let terminateLocal:
    ((pid: number, requester: TerminateRequester) => Promise<TerminateOutcome>) | undefined;
  const terminating = new Map<
    number,
    { resolve: (o: TerminateOutcome) => void; timer: NodeJS.Timeout }
  >();

  process.on('message', (raw: unknown) => {
    const m = asPrimaryMessage(raw);
    if (m === undefined) return;
    if (m.t === 'admitted') {
      const p = pending.get(m.id);
      if (p === undefined) {
        // We gave up waiting and refused the client; hand the late ticket back.
        if (m.ok) send({ sharddb: 'w', t: 'release' });
        return;
      }
      pending.delete(m.id);
      clearTimeout(p.timer);
      p.resolve(m.ok);
    } else if (m.t === 'cancel') {
      cancelLocal?.(m.pid, m.secret);
    } else if (m.t === 'terminate') {
      // Forwarded from another worker: check and terminate here, answer with the same id.
      const local = terminateLocal;
      const answer = (outcome: TerminateOutcome): void =>
        send({ sharddb: 'w', t: 'terminated', id: m.id, outcome });
      if (local === undefined) answer('nopid');
      else
        local(m.pid, { user: m.user, superuser: m.superuser }).then(answer, (err: unknown) => {
          log.warn({ err: (err as Error).message }, 'forwarded terminate failed');
          answer('nopid');
        });
    } else if (m.t === 'terminated') {
      const p = terminating.get(m.id);
      if (p === undefined) return;
      terminating.delete(m.id);
      clearTimeout(p.timer);
      p.resolve(m.outcome);
    }
  });

  const hooks: PgClusterHooks = {
    workerId,
    forwardCancel(pid, secret) {
      send({ sharddb: 'w', t: 'cancel', pid, secret });
    },
    acquireConnection() {
      if (!process.connected) return Promise.resolve(false);
      const id = nextId++;
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          log.warn(
            { id },
            'primary did not answer a connection ticket request in time; refusing the client',
          );
          resolve(false);
        }, admitTimeoutMs);
        pending.set(id, { resolve, timer });
        send({ sharddb: 'w', t: 'admit', id });
      });
    },
    releaseConnection() {
      send({ sharddb: 'w', t: 'release' });
    },
    forwardTerminate(pid, requester) {
      if (!process.connected) return Promise.resolve('nopid');
      const id = nextId++;
      return new Promise<TerminateOutcome>((resolve) => {
        const timer = setTimeout(() => {
          terminating.delete(id);
          log.warn({ id, pid }, 'no answer to a forwarded terminate in time');
          resolve('nopid');
        }, admitTimeoutMs);
        terminating.set(id, { resolve, timer });
        send({ sharddb: 'w', t: 'terminate', id, pid, ...requester });
      });
    },
  };

  return {
    workerId,
    hooks,
    listenOverride: process.env[workerListenEnv] || undefined,
    ready(address, cancel, terminate) {
      cancelLocal = cancel;
      terminateLocal = terminate;
      send({ sharddb: 'w', t: 'ready', address });
    },
  };
}
