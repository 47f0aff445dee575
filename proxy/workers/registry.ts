/**
 * The primary's bookkeeping, free of processes and timers so that it can be tested on
 * its own: which slot a pid belongs to, the connection tickets each worker holds, and
 * the restart budget.
 */
import { maxWorkerId, workerOfPid } from '../pgwire';

export interface RestartBudget {
  /** At most this many restarts … */
  readonly maxRestarts: number;
  /** … within this sliding window (ms); past it the primary gives up. */
  readonly windowMs: number;
}

export class WorkerRegistry {
  private readonly tickets: number[];
  private total = 0;
  private restarts: number[] = [];

  constructor(
    /** Worker slots 1..size (a slot keeps its id across restarts). */
    readonly size: number,
    readonly maxConnections: number,
    private readonly budget: RestartBudget,
  ) {
    if (!Number.isInteger(size) || size < 1 || size > maxWorkerId)
      throw new RangeError(`workers must be 1..${maxWorkerId}`);
    this.tickets = new Array<number>(size + 1).fill(0);
  }

  /** Sessions admitted across all workers. */
  get connections(): number {
    return this.total;
  }

  /** A connection ticket for a worker; false at max_connections. */
  admit(slot: number): boolean {
    if (this.total >= this.maxConnections) return false;
    this.tickets[slot]++;
    this.total++;
    return true;
  }

  release(slot: number): void {
    // A release from a worker that holds none (a bug, or a message racing its own
    // restart) must not unbalance the count.
    if (this.tickets[slot] === 0) return;
    this.tickets[slot]--;
    this.total--;
  }

  /** A worker died: its sessions died with it, so do its tickets. */
  workerGone(slot: number): void {
    this.total -= this.tickets[slot];
    this.tickets[slot] = 0;
  }

  /** The slot owning a backend pid, or undefined when no worker of ours has that id. */
  ownerOf(pid: number): number | undefined {
    const w = workerOfPid(pid);
    return w >= 1 && w <= this.size ? w : undefined;
  }

  /** Records a restart at `now` if the budget allows one. */
  mayRestart(now: number): boolean {
    this.restarts = this.restarts.filter((t) => now - t < this.budget.windowMs);
    if (this.restarts.length >= this.budget.maxRestarts) return false;
    this.restarts.push(now);
    return true;
  }
}
