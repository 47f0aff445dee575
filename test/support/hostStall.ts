/**
 * How long this process's event loop could not run during a window: the lateness of a
 * fast interval timer, summed. Latency bounds checked inside the test process (a cancel
 * within 100 ms, a statement_timeout that fires on time) measure our code plus whatever
 * the host did meanwhile; on a loaded CI machine the process was seen not to run for
 * 200 ms at a time. A bound checked as `elapsed - stalledMs` keeps failing for a slow
 * path that waits (a poll, an RPC, a disk write) while forgiving the host's pauses.
 *
 * What it cannot tell apart: a synchronous block in our own code also shows up as stall,
 * so a bound on a CPU-bound path must not use it.
 */
const TICK_MS = 2;
/** Lateness below this is ordinary timer jitter, not a pause. */
const JITTER_MS = 3;

export interface StallMeter {
  /** Stops measuring; the milliseconds the loop was stalled since start. */
  stop(): number;
}

export function startStallMeter(): StallMeter {
  let stalled = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const late = now - last - TICK_MS;
    if (late > JITTER_MS) stalled += late;
    last = now;
  }, TICK_MS);
  return {
    stop(): number {
      clearInterval(timer);
      const late = performance.now() - last - TICK_MS;
      if (late > JITTER_MS) stalled += late;
      return Math.round(stalled);
    },
  };
}
