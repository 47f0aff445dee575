/**
 * This proxy process's sessions as the catalog sees them: pg_stat_activity rows, the targets
 * of pg_cancel_backend / pg_terminate_backend, and the holders of advisory locks.
 *
 * Per process: pg_stat_activity lists the sessions of the process that answers, and
 * pg_cancel_backend reaches only those (a CancelRequest, which pgwire routes across
 * workers, is the proxy-wide path; pg_terminate_backend is routed too: terminate.ts).
 */

export interface SessionEntry {
  readonly pid: number;
  readonly user: string;
  readonly database: string;
  readonly clientAddr: string;
  /** Microseconds since 2000-01-01 (timestamptz). */
  readonly backendStartUs: bigint;
  applicationName(): string;
  /** The statement running or last run, and since when. */
  query: string;
  queryStartUs: bigint | null;
  state: 'active' | 'idle';
  cancel(): void;
  /** Cancels received so far (CancelRequest, statement_timeout, pg_cancel_backend). */
  cancels: number;
  /** `cancels` when the running statement started: a wait inside it ends once they differ. */
  statementCancels: number;
}

export class SessionRegistry {
  private readonly sessions = new Map<number, SessionEntry>();

  add(entry: SessionEntry): void {
    this.sessions.set(entry.pid, entry);
  }

  remove(pid: number): void {
    this.sessions.delete(pid);
  }

  get(pid: number): SessionEntry | undefined {
    return this.sessions.get(pid);
  }

  all(): SessionEntry[] {
    return [...this.sessions.values()].sort((a, b) => a.pid - b.pid);
  }
}
