import type { RaftClock } from '../../../../meta/raft/clock';

/** A clock that moves only when the test says so. */
export class ManualClock implements RaftClock {
  now = 0;
  private timers: { at: number; every: number; fn: () => void; live: boolean }[] = [];

  every(ms: number, fn: () => void): () => void {
    const t = { at: this.now + ms, every: ms, fn, live: true };
    this.timers.push(t);
    return () => {
      t.live = false;
    };
  }

  after(ms: number, fn: () => void): () => void {
    const t = { at: this.now + ms, every: 0, fn, live: true };
    this.timers.push(t);
    return () => {
      t.live = false;
    };
  }

  /** Moves time forward by ms, firing due timers in time order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      this.timers = this.timers.filter((t) => t.live);
      let next: (typeof this.timers)[number] | undefined;
      for (const t of this.timers) if (t.at <= end && (!next || t.at < next.at)) next = t;
      if (!next) break;
      this.now = next.at;
      if (next.every > 0) next.at += next.every;
      else next.live = false;
      next.fn();
    }
    this.now = end;
  }
}
