/**
 * Time, injected into the driver so that tests can run it on a manual clock. The Raft core has
 * no notion of time at all: the driver turns `every(tickMs)` into core.tick().
 */
export interface RaftClock {
  /** Calls fn every `ms` milliseconds until the returned cancel function is called. */
  every(ms: number, fn: () => void): () => void;
  /** Calls fn once after `ms` milliseconds unless cancelled first. */
  after(ms: number, fn: () => void): () => void;
}

export const systemClock: RaftClock = {
  every(ms, fn) {
    const h = setInterval(fn, ms);
    h.unref();
    return () => clearInterval(h);
  },
  after(ms, fn) {
    const h = setTimeout(fn, ms);
    h.unref();
    return () => clearTimeout(h);
  },
};
