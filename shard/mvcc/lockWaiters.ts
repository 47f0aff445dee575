/**
 * Lock wait queues (DESIGN.md "Transactions"): a pessimistic lock request that meets
 * another transaction's lock waits in that key's queue until the lock is released, its
 * deadline passes, or the deadlock detector picks it as a victim. Queues are bounded.
 *
 * Every release wakes all of a key's waiters in FIFO order; each retries its lock request,
 * and the store's per-key latches (also FIFO) let the first one win and re-queue the rest,
 * so nobody starves behind a waiter that gave up.
 *
 * Each wait reports an edge waiter → holder to the deadlock detector (a local
 * WaitForGraph by default; a client of the cluster's designated detector in production)
 * and removes it when the wait ends.
 */
import { RpcError, RpcErrorCode } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { WaitForGraph } from './deadlock';
import type { Deadlock, TxnId } from './deadlock';
import { deadlockError } from './errors';
import type { Lock } from './types';

/** How a shard talks to the deadlock detector (local, or an RPC client the lead wires). */
export interface DeadlockDetectorClient {
  /** Reports waiter → holder; the deadlock this wait closes, if any. */
  detect(waiter: TxnId, holder: TxnId, key: Buffer): Promise<Deadlock | null> | Deadlock | null;
  /** The wait waiter → holder ended. */
  cleanUp(waiter: TxnId, holder: TxnId): void;
}

export class LocalDeadlockDetector implements DeadlockDetectorClient {
  constructor(
    readonly graph: WaitForGraph = new WaitForGraph(),
    private readonly now: () => number = Date.now,
  ) {}
  detect(waiter: TxnId, holder: TxnId, key: Buffer): Deadlock | null {
    return this.graph.addEdge(waiter, holder, key, this.now());
  }
  cleanUp(waiter: TxnId, holder: TxnId): void {
    this.graph.removeEdge(waiter, holder);
  }
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface LockWaitersOptions {
  /** Most waiters per key; one more is refused with RESOURCE_EXHAUSTED. Default 1024. */
  readonly maxWaitersPerKey?: number;
  readonly detector?: DeadlockDetectorClient;
  readonly now?: () => number;
  readonly timers?: Timers;
  /** Where a failing deadlock detector is reported (the wait then relies on its timeout). */
  readonly logger?: Logger;
  /**
   * How long a wait lasts before it is reported to the deadlock detector (PostgreSQL's
   * deadlock_timeout, default 1 s there too). Most waits end sooner — a hot row changes
   * hands every few milliseconds — and reporting each one cost a detector round trip and
   * its clean-up per wait (about 1.4 of each per TPC-B transaction). A deadlock's waits
   * never end by themselves, so every cycle is still found, one delay later. 0: at once.
   */
  readonly deadlockCheckDelayMs?: number;
}

export const DEFAULT_DEADLOCK_CHECK_DELAY_MS = 1_000;

export type WaitOutcome = 'woken' | 'timedOut';

interface Waiter {
  readonly waiter: TxnId;
  readonly holder: TxnId;
  readonly keyId: string;
  settle(outcome: WaitOutcome | Error): void;
}

export class LockWaiters {
  private readonly queues = new Map<string, Waiter[]>();
  private readonly maxPerKey: number;
  private readonly detector: DeadlockDetectorClient;
  private readonly now: () => number;
  private readonly timers: Timers;
  private readonly logger: Logger | undefined;
  private readonly deadlockCheckDelayMs: number;

  constructor(options: LockWaitersOptions = {}) {
    this.deadlockCheckDelayMs = options.deadlockCheckDelayMs ?? DEFAULT_DEADLOCK_CHECK_DELAY_MS;
    this.maxPerKey = options.maxWaitersPerKey ?? 1024;
    this.now = options.now ?? Date.now;
    this.detector = options.detector ?? new LocalDeadlockDetector(new WaitForGraph(), this.now);
    this.timers = options.timers ?? realTimers;
    this.logger = options.logger;
  }

  /**
   * Waits (registering synchronously, so a release that follows this call wakes it) for
   * `holder`'s lock on its key to be released, until `untilMs`. Rejects with 40P01 if this
   * wait closes a deadlock cycle and this transaction is the victim.
   */
  wait(waiterTs: TxnId, holder: Lock, untilMs: number): Promise<WaitOutcome> {
    const keyId = holder.key.toString('latin1');
    let queue = this.queues.get(keyId);
    if (queue !== undefined && queue.length >= this.maxPerKey) {
      return Promise.reject(
        new RpcError(
          RpcErrorCode.resourceExhausted,
          `too many lock waiters on one key (${this.maxPerKey})`,
        ),
      );
    }
    if (queue === undefined) {
      queue = [];
      this.queues.set(keyId, queue);
    }
    const q = queue;
    return new Promise<WaitOutcome>((resolve, reject) => {
      let done = false;
      let reported = false;
      const timer = this.timers.setTimeout(
        () => w.settle('timedOut'),
        Math.max(0, untilMs - this.now()),
      );
      const report = (): void => {
        reported = true;
        this.checkDeadlock(w, holder.key);
      };
      const check =
        this.deadlockCheckDelayMs > 0
          ? this.timers.setTimeout(() => {
              if (!done) report();
            }, this.deadlockCheckDelayMs)
          : undefined;
      const w: Waiter = {
        waiter: waiterTs,
        holder: holder.startTs,
        keyId,
        settle: (outcome) => {
          if (done) return;
          done = true;
          this.timers.clearTimeout(timer);
          if (check !== undefined) this.timers.clearTimeout(check);
          const i = q.indexOf(w);
          if (i >= 0) q.splice(i, 1);
          if (q.length === 0 && this.queues.get(keyId) === q) this.queues.delete(keyId);
          if (reported) this.detector.cleanUp(waiterTs, holder.startTs);
          if (outcome instanceof Error) reject(outcome);
          else resolve(outcome);
        },
      };
      q.push(w);
      if (check === undefined) report();
    });
  }

  private checkDeadlock(w: Waiter, key: Buffer): void {
    const onReport = (d: Deadlock | null): void => {
      if (d === null) return;
      if (d.victim === w.waiter) w.settle(deadlockError(d));
      else this.cancel(d.victim, deadlockError(d));
    };
    try {
      const report = this.detector.detect(w.waiter, w.holder, key);
      if (report instanceof Promise) {
        // A remote detector that cannot be reached must not fail the wait: the lock
        // timeout still bounds it.
        report.then(onReport, (err: unknown) => this.detectorFailed(err));
      } else onReport(report);
    } catch (err) {
      this.detectorFailed(err);
    }
  }

  private detectorFailed(err: unknown): void {
    this.logger?.warn(
      { err: String(err) },
      'deadlock detector failed; the wait relies on lock_timeout',
    );
  }

  /**
   * Locks on these user keys were released: the first waiter of each retries. Only one
   * can take the lock; waking all of them (which this did) made every release of a hot
   * row cost one lock attempt per waiter, all but one of them failing and queueing again.
   * The woken waiter owes a passOn() if its retry does not leave it holding the key or
   * waiting on it again, so the rest never wait for a release that already happened.
   */
  wakeFirst(keys: Iterable<Buffer>): void {
    for (const key of keys) this.queues.get(key.toString('latin1'))?.[0]?.settle('woken');
  }

  /** A waiter woken on key went elsewhere (failed, or waits on another key): wake the next. */
  passOn(key: Buffer): void {
    this.wakeFirst([key]);
  }

  /** Every waiter of these keys retries. */
  wake(keys: Iterable<Buffer>): void {
    for (const key of keys) {
      const queue = this.queues.get(key.toString('latin1'));
      if (queue === undefined) continue;
      for (const w of [...queue]) w.settle('woken');
    }
  }

  /** Ends every wait of transaction `waiter` with `error` (a deadlock victim, a cancel). */
  cancel(waiter: TxnId, error: Error): number {
    let n = 0;
    for (const queue of [...this.queues.values()]) {
      for (const w of [...queue]) {
        if (w.waiter === waiter) {
          w.settle(error);
          n++;
        }
      }
    }
    return n;
  }

  /** Waiters currently queued on the key. */
  waitingOn(key: Buffer): number {
    return this.queues.get(key.toString('latin1'))?.length ?? 0;
  }

  get totalWaiting(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }
}
