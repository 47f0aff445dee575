/**
 * Wraps an async function so concurrent callers share one call in flight: a burst of
 * cache misses becomes one request to meta, not one per caller.
 */
export function singleFlight<T>(fn: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null;
  return () => {
    if (inFlight === null) {
      inFlight = fn().finally(() => {
        inFlight = null;
      });
    }
    return inFlight;
  };
}
