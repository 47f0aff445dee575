/**
 * The proxy's primary process with `--workers N`: forks N workers with node:cluster (they
 * run the same main script and share the listen port), reports ready once every one
 * listens, routes CancelRequests and hands out connection tickets between them, replaces
 * a worker that dies (within a restart budget) and stops them all on close().
 * WORKERS.md has the whole picture.
 */
import cluster, { type Worker } from 'node:cluster';
import net from 'node:net';
import { parseAddress } from '../../common/config';
import type { Logger } from '../../common/logger';
import {
  asWorkerMessage,
  type PrimaryToWorker,
  type TerminateOutcome,
  type WorkerToPrimary,
} from './messages';
import { WorkerRegistry, type RestartBudget } from './registry';

export interface PrimaryOptions {
  readonly workers: number;
  /** host:port the workers listen on (port 0: a free port picked once, see freePort). */
  readonly listen: string;
  /** max_connections across all workers. */
  readonly maxConnections: number;
  readonly logger: Logger;
  /** Default: 10 restarts per minute. */
  readonly budget?: RestartBudget;
  /** Every worker must be listening within this (ms). Default 60 s. */
  readonly startTimeoutMs?: number;
  /** Workers get SIGTERM, then SIGKILL after this (ms). Default 8 s (runRole forces exit at 10 s). */
  readonly stopTimeoutMs?: number;
  /** Delay before a replacement is forked (ms). Default 100. */
  readonly restartDelayMs?: number;
  /** The restart budget is spent; the caller should stop the whole proxy. */
  readonly onGiveUp: (why: string) => void;
}

export interface Primary {
  /** host:port every worker listens on. */
  readonly address: string;
  /** Process ids of the live workers (tests, diagnostics). */
  workerPids(): number[];
  close(): Promise<void>;
}

/** Set in each worker's environment: its slot (1..N), which becomes its pid prefix. */
export const workerIdEnv = 'SHARDDB_WORKER_ID';
/** The address every worker listens on (port 0 resolved once by the primary). */
export const workerListenEnv = 'SHARDDB_WORKER_LISTEN';

/**
 * node:cluster shares a listening socket among workers by (address, port) as each worker
 * asked for it: workers asking for port 0 share one random port, but a replacement asking
 * for port 0 after all of them died would get another, and one asking for the resolved
 * port while the others hold the port-0 socket gets EADDRINUSE. So port 0 is resolved
 * once, here, and every worker (first or replacement) asks for the same concrete port.
 * The port could be taken between this probe and the workers' bind; port 0 is for tests.
 */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const port = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(port));
    });
  });
}

export async function startPrimary(o: PrimaryOptions): Promise<Primary> {
  const { host, port } = parseAddress(o.listen);
  const listen = `${host}:${port === 0 ? await freePort(host) : port}`;
  return startWorkers(o, listen);
}

function startWorkers(o: PrimaryOptions, listen: string): Promise<Primary> {
  const log = o.logger.child({ component: 'workers' });
  const registry = new WorkerRegistry(
    o.workers,
    o.maxConnections,
    o.budget ?? { maxRestarts: 10, windowMs: 60_000 },
  );
  const bySlot = new Map<number, Worker>();
  const exited = new Map<Worker, Promise<void>>();
  const ready = new Set<number>();
  let address: string | undefined;
  let started = false;
  let stopping = false;
  let gaveUp = false;
  let startFailed: (err: Error) => void = () => undefined;
  let startDone: () => void = () => undefined;

  // Round-robin: the primary accepts and hands each socket to the next worker, which
  // spreads sessions evenly (SCHED_NONE leaves it to the kernel, which favours one).
  // Must be set before the first fork.
  cluster.schedulingPolicy = cluster.SCHED_RR;

  const send = (w: Worker, m: PrimaryToWorker): void => {
    if (!w.isConnected()) return;
    w.send(m, (err: Error | null) => {
      if (err)
        log.debug(
          { err: err.message, workerPid: w.process.pid },
          'message to worker not delivered',
        );
    });
  };

  // Forwarded pg_terminate_backend requests awaiting the owner's answer: the primary's id →
  // who asked (slot and its id) and which slot owns the pid.
  const terminates = new Map<number, { from: number; fromId: number; owner: number }>();
  let nextTerminate = 1;
  const answerTerminate = (from: number, fromId: number, outcome: TerminateOutcome): void => {
    const asker = bySlot.get(from);
    if (asker !== undefined) send(asker, { sharddb: 'w', t: 'terminated', id: fromId, outcome });
  };

  const onMessage = (slot: number, w: Worker, raw: unknown): void => {
    const m: WorkerToPrimary | undefined = asWorkerMessage(raw);
    if (m === undefined) return;
    // A worker already replaced may still have messages in flight; its exit settled its
    // tickets, so they are ignored.
    if (bySlot.get(slot) !== w) return;
    switch (m.t) {
      case 'ready':
        ready.add(slot);
        address ??= m.address;
        log.info({ slot, workerPid: w.process.pid, address: m.address }, 'worker listening');
        if (!started && ready.size === o.workers) startDone();
        return;
      case 'admit':
        send(w, { sharddb: 'w', t: 'admitted', id: m.id, ok: registry.admit(slot) });
        return;
      case 'release':
        registry.release(slot);
        return;
      case 'cancel': {
        const owner = registry.ownerOf(m.pid);
        const target = owner === undefined ? undefined : bySlot.get(owner);
        log.debug({ from: slot, to: owner, backendPid: m.pid }, 'cancel request routed');
        if (target !== undefined)
          send(target, { sharddb: 'w', t: 'cancel', pid: m.pid, secret: m.secret });
        return;
      }
      case 'terminate': {
        const owner = registry.ownerOf(m.pid);
        const target = owner === undefined ? undefined : bySlot.get(owner);
        log.debug({ from: slot, to: owner, backendPid: m.pid }, 'terminate request routed');
        if (owner === undefined || target === undefined) {
          answerTerminate(slot, m.id, 'nopid');
          return;
        }
        const id = nextTerminate++;
        terminates.set(id, { from: slot, fromId: m.id, owner });
        send(target, { ...m, id });
        return;
      }
      case 'terminated': {
        const t = terminates.get(m.id);
        if (t === undefined || t.owner !== slot) return;
        terminates.delete(m.id);
        answerTerminate(t.from, t.fromId, m.outcome);
        return;
      }
    }
  };

  const onExit = (slot: number, w: Worker, code: number | null, signal: string | null): void => {
    if (bySlot.get(slot) === w) {
      bySlot.delete(slot);
      ready.delete(slot);
      registry.workerGone(slot);
      // Its sessions died with it: a terminate waiting on it has nothing left to end.
      for (const [id, t] of terminates)
        if (t.owner === slot) {
          terminates.delete(id);
          answerTerminate(t.from, t.fromId, 'nopid');
        }
    }
    if (stopping) return;
    if (!started) {
      startFailed(new Error(`worker ${slot} exited during start (code ${code}, signal ${signal})`));
      return;
    }
    if (!registry.mayRestart(Date.now())) {
      log.error(
        { slot, workerPid: w.process.pid, code, signal },
        'worker died and the restart budget is spent; stopping the proxy',
      );
      if (!gaveUp) {
        gaveUp = true;
        o.onGiveUp('worker restart budget spent');
      }
      return;
    }
    log.error(
      { slot, workerPid: w.process.pid, code, signal },
      'worker died; starting a replacement',
    );
    setTimeout(() => {
      if (!stopping) fork(slot);
    }, o.restartDelayMs ?? 100);
  };

  const fork = (slot: number): void => {
    const env: Record<string, string> = { [workerIdEnv]: String(slot), [workerListenEnv]: listen };
    const w = cluster.fork(env);
    bySlot.set(slot, w);
    exited.set(
      w,
      new Promise<void>((resolve) =>
        w.once('exit', (code: number | null, signal: string | null) => {
          exited.delete(w);
          resolve();
          onExit(slot, w, code, signal);
        }),
      ),
    );
    w.on('message', (m: unknown) => onMessage(slot, w, m));
    w.on('error', (err: Error) => log.warn({ slot, err: err.message }, 'worker channel error'));
  };

  const stopAll = async (timeoutMs: number): Promise<void> => {
    stopping = true;
    const live = [...exited.entries()];
    // SIGTERM: each worker's runRole closes its proxy node cleanly, then exits.
    for (const [w] of live) w.process.kill('SIGTERM');
    const all = Promise.all(live.map(([, p]) => p));
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!late) return;
    log.warn(
      { workerPids: [...exited.keys()].map((w) => w.process.pid) },
      'workers did not stop in time; killing them',
    );
    for (const w of exited.keys()) w.process.kill('SIGKILL');
    await Promise.race([all, new Promise<void>((r) => setTimeout(r, 2000).unref())]);
  };

  const handle: Primary = {
    get address() {
      return address ?? '';
    },
    workerPids: () => [...bySlot.values()].map((w) => w.process.pid ?? 0),
    async close() {
      await stopAll(o.stopTimeoutMs ?? 8000);
      log.info('all workers stopped');
    },
  };

  log.info({ workers: o.workers, maxConnections: o.maxConnections }, 'starting workers');
  return new Promise<Primary>((resolve, reject) => {
    const timer = setTimeout(
      () => startFailed(new Error(`workers not listening after ${o.startTimeoutMs ?? 60_000} ms`)),
      o.startTimeoutMs ?? 60_000,
    );
    startDone = () => {
      clearTimeout(timer);
      started = true;
      log.info({ address, workers: o.workers }, 'every worker is listening');
      resolve(handle);
    };
    startFailed = (err) => {
      if (started || stopping) return;
      clearTimeout(timer);
      void stopAll(2000).then(() => reject(err));
    };
    for (let slot = 1; slot <= o.workers; slot++) fork(slot);
  });
}
