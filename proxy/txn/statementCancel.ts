/**
 * One statement's cancellation: fired by a CancelRequest (or pg_cancel_backend) and by
 * statement_timeout, observed by whatever the statement waits on.
 *
 * PostgreSQL sets a flag from a signal handler and checks it at CHECK_FOR_INTERRUPTS()
 * points (tcop/postgres.c ProcessInterrupts). Node has no signals inside a running
 * function: a cancel arrives through the event loop, so it can only be seen while the
 * statement awaits something. Hence two tools: `race` ends a wait (a shard RPC, a sleep)
 * the moment the cancel fires, and `check` is the CHECK_FOR_INTERRUPTS of loops that
 * await between steps.
 *
 * A plain class rather than AbortController: one is made per statement on the point-select
 * hot path, and an EventTarget costs several times more to create than this.
 */
import { SqlError, SqlState } from '../../common/errors';

/** postgres.c ProcessInterrupts: the two 57014 messages. */
export function userCancelError(): SqlError {
  return new SqlError(SqlState.queryCanceled, 'canceling statement due to user request');
}

export function statementTimeoutError(): SqlError {
  return new SqlError(SqlState.queryCanceled, 'canceling statement due to statement timeout');
}

type Listener = (reason: SqlError) => void;

export class StatementCancel {
  /** Why the statement was cancelled, or null while it may run on. */
  reason: SqlError | null = null;
  private listeners: Listener[] | null = null;
  private timer: NodeJS.Timeout | null = null;

  get cancelled(): boolean {
    return this.reason !== null;
  }

  /** Cancels once; later calls keep the first reason (a timeout after a cancel stays a cancel). */
  cancel(reason: SqlError = userCancelError()): void {
    if (this.reason !== null) return;
    this.reason = reason;
    this.clearTimer();
    const ls = this.listeners;
    this.listeners = null;
    if (ls !== null) for (const l of ls) l(reason);
  }

  /** statement_timeout: cancel after ms unless done() comes first. */
  startTimer(ms: number): void {
    this.timer = setTimeout(() => this.cancel(statementTimeoutError()), ms);
    this.timer.unref();
  }

  /** The statement ended: no timer may fire for it any more. */
  done(): void {
    this.clearTimer();
    this.listeners = null;
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Throws the cancel's 57014 if it fired (CHECK_FOR_INTERRUPTS). */
  check(): void {
    if (this.reason !== null) throw this.reason;
  }

  /** Calls fn when the cancel fires (at once if it has); returns the unsubscribe. */
  onCancel(fn: Listener): () => void {
    if (this.reason !== null) {
      fn(this.reason);
      return noop;
    }
    const ls = (this.listeners ??= []);
    ls.push(fn);
    return () => {
      if (this.listeners === null) return;
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }
}

function noop(): void {}

/**
 * p, or the cancel's 57014 as soon as it fires. The work behind p goes on (an RPC cannot be
 * taken back); its outcome is dropped, and a rejection of it is handled so it is not
 * reported as unhandled. Callers that must undo p's effect (a lock granted later) keep p.
 */
export function race<T>(p: Promise<T>, c: StatementCancel | undefined): Promise<T> {
  if (c === undefined) return p;
  if (c.reason !== null) {
    p.catch(noop);
    return Promise.reject(c.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const off = c.onCancel((reason) => {
      p.catch(noop);
      reject(reason);
    });
    p.then(
      (v) => {
        off();
        resolve(v);
      },
      (err: unknown) => {
        off();
        reject(err);
      },
    );
  });
}

/** setTimeout's longest delay; a longer one would fire after 1 ms (Node's TimeoutOverflowWarning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Sleeps ms, waking at once with the cancel's 57014 (pg_sleep, lock retry backoff). */
export async function sleepFor(ms: number, c: StatementCancel | undefined): Promise<void> {
  const until = Date.now() + ms;
  for (let left = ms; left > 0; left = until - Date.now())
    await sleepOnce(Math.min(left, MAX_TIMER_MS), c);
  c?.check();
}

function sleepOnce(ms: number, c: StatementCancel | undefined): Promise<void> {
  if (c?.reason) return Promise.reject(c.reason);
  return new Promise<void>((resolve, reject) => {
    let off = noop;
    const t = setTimeout(() => {
      off();
      resolve();
    }, ms);
    if (c !== undefined)
      off = c.onCancel((reason) => {
        clearTimeout(t);
        reject(reason);
      });
  });
}
