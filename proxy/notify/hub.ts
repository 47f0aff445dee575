/**
 * This proxy process's end of LISTEN/NOTIFY: which local sessions listen on which channel,
 * publishing a committed transaction's notifications to the cluster's log in meta
 * (meta/notifications.ts explains why the log lives there), and reading that log with a
 * cursor while any local session listens.
 *
 * Every worker process is a hub of its own (workers share nothing; each reads the log).
 * A hub delivers its own sessions' notifications locally at commit, before COMMIT returns,
 * so a session that notifies a channel it listens on gets its notification before the
 * ReadyForQuery that ends the transaction, as in PostgreSQL; reading the log it then skips
 * its own entries.
 *
 * The reader runs only while some local session listens: one long poll at a time (the meta
 * leader answers as soon as a new entry is applied, or after waitMs with nothing), so an
 * idle proxy costs meta nothing and a listening one one request per notification burst or
 * per waitMs.
 */
import type { Logger } from '../../common/logger';

export interface LoggedNotification {
  readonly seq: number;
  readonly origin: string;
  readonly pid: number;
  readonly channel: string;
  readonly payload: string;
}

/** How the hub reaches the log (meta in production, a fake in unit tests). */
export interface NotifyLink {
  publish(
    origin: string,
    pid: number,
    items: ReadonlyArray<{ channel: string; payload: string }>,
  ): Promise<void>;
  /** after = null: the current head only. */
  poll(
    after: number | null,
    waitMs: number,
  ): Promise<{ head: number; entries: readonly LoggedNotification[]; lost: boolean }>;
}

export interface NotificationListener {
  deliver(pid: number, channel: string, payload: string): void;
}

export interface HubOptions {
  readonly origin: string;
  readonly logger?: Logger;
  /** How long one poll may wait at the leader for a new entry. */
  readonly pollWaitMs?: number;
  /** Pause after a failed poll. */
  readonly retryMs?: number;
  /** How long LISTEN waits for the reader's starting point before it returns anyway. */
  readonly startTimeoutMs?: number;
}

export class NotificationHub {
  private readonly channels = new Map<string, Set<NotificationListener>>();
  private pairs = 0;
  private running = false;
  private closed = false;
  private cursor: number | null = null;
  private started: Promise<void> | null = null;
  private markStarted: (() => void) | null = null;
  private retryTimer: NodeJS.Timeout | undefined;
  private wakeRetry: (() => void) | undefined;
  private failing = false;
  readonly origin: string;

  constructor(
    private readonly link: NotifyLink,
    private readonly options: HubOptions,
  ) {
    this.origin = options.origin;
  }

  /** Registers a listener (at the commit of its LISTEN); resolves once the reader has a cursor. */
  async listen(l: NotificationListener, channel: string): Promise<void> {
    let set = this.channels.get(channel);
    if (set === undefined) {
      set = new Set();
      this.channels.set(channel, set);
    }
    if (!set.has(l)) {
      set.add(l);
      this.pairs++;
    }
    await this.ensureReading();
  }

  unlisten(l: NotificationListener, channel: string): void {
    const set = this.channels.get(channel);
    if (set === undefined || !set.delete(l)) return;
    this.pairs--;
    if (set.size === 0) this.channels.delete(channel);
  }

  /** Publishes one committed transaction's notifications, then delivers them locally. */
  async publish(
    pid: number,
    items: ReadonlyArray<{ channel: string; payload: string }>,
  ): Promise<void> {
    if (items.length === 0) return;
    await this.link.publish(this.origin, pid, items);
    for (const i of items) this.deliverLocal(pid, i.channel, i.payload);
  }

  /** Local listener/channel pairs (tests, diagnostics). */
  get listenerCount(): number {
    return this.pairs;
  }

  /** Whether the log reader runs (tests). */
  get reading(): boolean {
    return this.running;
  }

  close(): void {
    this.closed = true;
    this.channels.clear();
    this.pairs = 0;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.wakeRetry?.();
    this.markStarted?.();
  }

  private deliverLocal(pid: number, channel: string, payload: string): void {
    const set = this.channels.get(channel);
    if (set === undefined) return;
    for (const l of set) l.deliver(pid, channel, payload);
  }

  private ensureReading(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (!this.running) {
      this.running = true;
      this.started = new Promise<void>((resolve) => {
        this.markStarted = resolve;
      });
      void this.read();
    }
    const started = this.started as Promise<void>;
    // A meta that cannot be reached must not hang LISTEN: the reader keeps trying.
    const limit = this.options.startTimeoutMs ?? 5000;
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, limit);
      void started.then(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /**
   * The reader loop. It stops when no local session listens any more; the check and the
   * stop are synchronous, and listen() registers before it looks at `running`, so a LISTEN
   * racing with the stop either keeps this loop going or starts a new one.
   */
  private async read(): Promise<void> {
    const waitMs = this.options.pollWaitMs ?? 2000;
    for (;;) {
      if (this.closed || this.pairs === 0) {
        this.running = false;
        this.cursor = null;
        this.markStarted?.();
        this.markStarted = null;
        return;
      }
      try {
        if (this.cursor === null) {
          this.cursor = (await this.link.poll(null, 0)).head;
          this.markStarted?.();
          this.markStarted = null;
          continue;
        }
        const r = await this.link.poll(this.cursor, waitMs);
        if (this.failing) this.options.logger?.info('reading notifications from meta again');
        this.failing = false;
        if (r.lost)
          this.options.logger?.warn(
            { after: this.cursor },
            'notifications were dropped from the log before this proxy read them',
          );
        if (r.head > this.cursor) this.cursor = r.head;
        for (const e of r.entries)
          if (e.origin !== this.origin) this.deliverLocal(e.pid, e.channel, e.payload);
      } catch (err) {
        if (this.closed) continue;
        if (!this.failing)
          this.options.logger?.warn(
            { err: (err as Error).message },
            'cannot read notifications from meta; retrying',
          );
        this.failing = true;
        await new Promise<void>((resolve) => {
          this.wakeRetry = resolve;
          this.retryTimer = setTimeout(resolve, this.options.retryMs ?? 200);
        });
        this.wakeRetry = undefined;
      }
    }
  }
}
