/**
 * pg_advisory_lock and friends, cluster-wide: the lock table lives in meta
 * (meta/advisoryLocks.ts); this is one proxy process's client of it.
 *
 * - Owner of a hold = (this process's id, backend pid). Every acquire and release is one
 *   meta call (a Raft entry); a local count of what each session holds lets the common
 *   case — a session or transaction that took no advisory lock ending — skip meta.
 * - Lease: while any local session holds a lock, the process renews its lease every
 *   renewMs; if it dies (or loses meta) for leaseMs, meta drops all its holds. The epoch
 *   meta returns tells the process when that happened to it (then it logs an error and
 *   forgets its holds: PostgreSQL has no such failure, a cluster does).
 * - Waiting (pg_advisory_lock on a held key): retry the acquire, at once when a session of
 *   this process released something, otherwise after a backoff of 5 ms doubling to 100 ms,
 *   until it is granted, the deadline (lock_timeout: 55P03) passes or the statement is
 *   cancelled (57014; statement_timeout arrives as a cancel). No queue: PostgreSQL grants
 *   in request order, here whoever retries first after a release wins.
 */
import { SqlError, SqlState } from '../../common/errors';
import type { Logger } from '../../common/logger';

export interface AdvisoryResult {
  readonly ok: boolean;
  readonly epoch: number;
}

/** The meta commands this client sends (meta/advisoryLocks.ts AdvisoryCommand, minus the leader's clock). */
export type AdvisoryRequest =
  | {
      type: 'advisoryLock';
      proxy: string;
      pid: number;
      key: string;
      shared: boolean;
      xact: boolean;
      leaseMs: number;
    }
  | { type: 'advisoryUnlock'; proxy: string; pid: number; key: string; shared: boolean }
  | { type: 'advisoryRelease'; proxy: string; pid: number; scope: 'session' | 'xact' | 'all' }
  | { type: 'advisoryRenew'; proxy: string; leaseMs: number }
  | { type: 'advisoryDropProxy'; proxy: string };

export interface AdvisoryLink {
  call(request: AdvisoryRequest): Promise<unknown>;
}

export interface AdvisoryOptions {
  /** This process's owner id: unique per process start. */
  readonly proxy: string;
  readonly leaseMs?: number;
  readonly renewMs?: number;
  readonly logger?: Logger;
}

export interface WaitOptions {
  /** ms; undefined: no lock_timeout. */
  readonly timeoutMs: number | undefined;
  /** true once the statement was cancelled (CancelRequest, statement_timeout, pg_cancel_backend). */
  readonly cancelled: () => boolean;
}

/** An upper bound on any wait without lock_timeout, so no wait is unbounded (CONVENTIONS). */
const MAX_WAIT_MS = 3_600_000;

export class AdvisoryLocks {
  /** Holds per pid: session-level and transaction-level counts (a mirror of meta's). */
  private readonly sessionHolds = new Map<number, number>();
  private readonly xactHolds = new Map<number, number>();
  private epoch = 0;
  private renewTimer: NodeJS.Timeout | undefined;
  private readonly wakers = new Set<() => void>();
  private closed = false;
  readonly leaseMs: number;

  constructor(
    private readonly link: AdvisoryLink,
    private readonly options: AdvisoryOptions,
  ) {
    this.leaseMs = options.leaseMs ?? 3000;
  }

  get proxy(): string {
    return this.options.proxy;
  }

  /** One attempt: true when granted. */
  async tryLock(key: string, pid: number, shared: boolean, xact: boolean): Promise<boolean> {
    const r = (await this.link.call({
      type: 'advisoryLock',
      proxy: this.proxy,
      pid,
      key,
      shared,
      xact,
      leaseMs: this.leaseMs,
    })) as AdvisoryResult;
    this.checkEpoch(r.epoch);
    if (!r.ok) return false;
    const m = xact ? this.xactHolds : this.sessionHolds;
    m.set(pid, (m.get(pid) ?? 0) + 1);
    this.scheduleRenew();
    return true;
  }

  /** Waits until granted (see the file comment for the deadline and cancel rules). */
  async lock(
    key: string,
    pid: number,
    shared: boolean,
    xact: boolean,
    wait: WaitOptions,
  ): Promise<void> {
    const deadline = Date.now() + (wait.timeoutMs ?? MAX_WAIT_MS);
    let backoff = 5;
    for (;;) {
      if (wait.cancelled())
        throw new SqlError(SqlState.queryCanceled, 'canceling statement due to user request');
      if (await this.tryLock(key, pid, shared, xact)) return;
      const left = deadline - Date.now();
      if (left <= 0) throw new SqlError('55P03', 'canceling statement due to lock timeout');
      await this.pause(Math.min(backoff, left));
      backoff = Math.min(backoff * 2, 100);
    }
  }

  /** pg_advisory_unlock[_shared]: false when this session held no such lock. */
  async unlock(key: string, pid: number, shared: boolean): Promise<boolean> {
    if ((this.sessionHolds.get(pid) ?? 0) === 0) return false;
    const r = (await this.link.call({
      type: 'advisoryUnlock',
      proxy: this.proxy,
      pid,
      key,
      shared,
    })) as AdvisoryResult;
    if (!r.ok) return false;
    this.decrement(this.sessionHolds, pid, 1);
    this.wake();
    return true;
  }

  /** Whether pid holds anything at that scope (so that releasing costs nothing otherwise). */
  holds(pid: number, scope: 'session' | 'xact' | 'all'): boolean {
    const s = (this.sessionHolds.get(pid) ?? 0) > 0;
    const x = (this.xactHolds.get(pid) ?? 0) > 0;
    return scope === 'session' ? s : scope === 'xact' ? x : s || x;
  }

  /** Session end ('all'), transaction end ('xact'), pg_advisory_unlock_all ('session'). */
  async release(pid: number, scope: 'session' | 'xact' | 'all'): Promise<void> {
    if (!this.holds(pid, scope)) return;
    if (scope !== 'xact') this.sessionHolds.delete(pid);
    if (scope !== 'session') this.xactHolds.delete(pid);
    try {
      await this.link.call({ type: 'advisoryRelease', proxy: this.proxy, pid, scope });
    } finally {
      this.wake();
    }
  }

  /** The process stops: give back everything at once rather than wait for the lease. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.renewTimer !== undefined) clearTimeout(this.renewTimer);
    this.wake();
    if (this.sessionHolds.size === 0 && this.xactHolds.size === 0) return;
    this.sessionHolds.clear();
    this.xactHolds.clear();
    await this.link.call({ type: 'advisoryDropProxy', proxy: this.proxy });
  }

  private decrement(m: Map<number, number>, pid: number, n: number): void {
    const left = (m.get(pid) ?? 0) - n;
    if (left > 0) m.set(pid, left);
    else m.delete(pid);
  }

  private get holdsAny(): boolean {
    return this.sessionHolds.size > 0 || this.xactHolds.size > 0;
  }

  /** A changed lease epoch means meta dropped this process's holds (its lease expired). */
  private checkEpoch(epoch: number): void {
    if (epoch === 0 || epoch === this.epoch) return;
    if (this.epoch !== 0 && this.holdsAny) {
      this.options.logger?.error(
        { proxy: this.proxy },
        'advisory lock lease expired in meta: the locks sessions of this proxy held were released',
      );
      this.sessionHolds.clear();
      this.xactHolds.clear();
    }
    this.epoch = epoch;
  }

  private scheduleRenew(): void {
    if (this.renewTimer !== undefined || this.closed) return;
    const every = this.options.renewMs ?? Math.max(100, Math.floor(this.leaseMs / 3));
    const tick = (): void => {
      this.renewTimer = undefined;
      if (this.closed || !this.holdsAny) return;
      this.link
        .call({ type: 'advisoryRenew', proxy: this.proxy, leaseMs: this.leaseMs })
        .then(
          (r) => {
            const epoch = (r as AdvisoryResult).epoch;
            if (epoch === 0 && this.holdsAny) this.checkEpoch(-1);
            else this.checkEpoch(epoch);
          },
          (err: unknown) =>
            this.options.logger?.warn(
              { err: (err as Error).message },
              'cannot renew the advisory lock lease; locks are released if this lasts',
            ),
        )
        .finally(() => this.scheduleRenew());
    };
    this.renewTimer = setTimeout(tick, every);
    this.renewTimer.unref();
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.wakers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }
}
