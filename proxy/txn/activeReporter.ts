/**
 * Reports this proxy's oldest open start_ts to meta (meta/safePoint.ts): on a timer, and
 * at once when a transaction opens while meta may hold nothing back for this proxy.
 *
 * Why the urgent report is needed only then: a start_ts comes from the TSO, so it is
 * never older than what an earlier report carried. While the last report meta got from
 * us named an open transaction, the safe point stays at or below that, and so below
 * every transaction opened since. Only after a report of "none open" (or one that may
 * not have arrived) can a new transaction outlive gc_life_time before the timer reports
 * it. Reporting on every idle-to-busy transition instead cost a meta round trip per
 * statement on a lightly loaded proxy.
 */
export class ActiveReporter {
  /** Meta's last report from us (sent, not known lost) named an open transaction. */
  private holdingBack = false;
  private failing = false;

  constructor(
    private readonly oldest: () => bigint | null,
    private readonly send: (oldest: bigint | null) => Promise<unknown>,
    private readonly onFailure: (err: unknown, first: boolean) => void,
  ) {}

  /** The timer's report. */
  report(): void {
    const oldest = this.oldest();
    // Reports travel in order over one connection: this one overrides any in flight.
    this.holdingBack = oldest !== null;
    this.send(oldest).then(
      () => {
        this.failing = false;
      },
      (err: unknown) => {
        this.holdingBack = false;
        this.onFailure(err, !this.failing);
        this.failing = true;
      },
    );
  }

  /** The first transaction opened (none was open). */
  busy(): void {
    if (!this.holdingBack) this.report();
  }
}
