/**
 * Per-key latches: an action on keys K runs its check-then-write (read the snapshot,
 * compute the batch, await the engine's write) while holding a latch on every key of K,
 * so no other action on those keys interleaves between its check and its write (TiKV's
 * scheduler latches). Keys are taken in sorted order, so two actions can never wait for
 * each other. Each key's queue is FIFO, and a release hands the latch straight to the
 * next waiter.
 */

type Grant = () => void;

export class Latches {
  /** Held keys, each with its queue of waiters (empty array: held, nobody waiting). */
  private readonly held = new Map<string, Grant[]>();

  /** Latch ids for keys: sorted, without duplicates. */
  static idsOf(keys: readonly Buffer[]): string[] {
    // One key (most requests of a point-write workload): no set, no sort.
    if (keys.length === 1) return [keys[0].toString('latin1')];
    const ids = [...new Set(keys.map((k) => k.toString('latin1')))];
    ids.sort(); // latin1 code units compare as the bytes do
    return ids;
  }

  /** Takes every latch in `ids` (sorted). Resolves synchronously-fast when all are free. */
  acquire(ids: readonly string[]): Promise<void> | undefined {
    for (let i = 0; i < ids.length; i++) {
      const queue = this.held.get(ids[i]);
      if (queue === undefined) {
        this.held.set(ids[i], []);
        continue;
      }
      return this.acquireRest(ids, i, queue);
    }
    return undefined;
  }

  private async acquireRest(
    ids: readonly string[],
    from: number,
    firstQueue: Grant[],
  ): Promise<void> {
    await new Promise<void>((grant) => firstQueue.push(grant));
    for (let i = from + 1; i < ids.length; i++) {
      const queue = this.held.get(ids[i]);
      if (queue === undefined) this.held.set(ids[i], []);
      else await new Promise<void>((grant) => queue.push(grant));
    }
  }

  release(ids: readonly string[]): void {
    for (const id of ids) {
      const queue = this.held.get(id);
      if (queue === undefined) continue;
      const next = queue.shift();
      if (next === undefined) this.held.delete(id);
      else next();
    }
  }

  isHeld(id: string): boolean {
    return this.held.has(id);
  }

  /** Held latch ids (for a scan to find in-flight writes inside its range). */
  heldIds(): IterableIterator<string> {
    return this.held.keys();
  }

  get size(): number {
    return this.held.size;
  }
}
