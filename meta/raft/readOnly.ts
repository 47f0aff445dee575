import type { NodeId, ReadState } from './types';

/**
 * ReadIndex bookkeeping on the leader (thesis §6.4): each request records the commit index at
 * the time it arrived, then waits until a quorum answered a heartbeat carrying its ctx, which
 * proves that no newer leader had been elected when the index was taken. A quorum ack for a ctx
 * also confirms every request queued before it (their heartbeats went out earlier or together).
 */
interface Pending {
  readonly index: number;
  readonly acks: Set<NodeId>;
}

export class ReadOnly {
  private readonly pending = new Map<string, Pending>();
  private queue: string[] = [];

  add(ctx: string, index: number, self: NodeId): void {
    if (this.pending.has(ctx)) return;
    this.pending.set(ctx, { index, acks: new Set([self]) });
    this.queue.push(ctx);
  }

  /** Records a heartbeat ack; returns how many distinct voters have acked ctx. */
  recvAck(from: NodeId, ctx: string): number {
    const p = this.pending.get(ctx);
    if (!p) return 0;
    p.acks.add(from);
    return p.acks.size;
  }

  /** Releases ctx and every request queued before it. */
  advance(ctx: string): ReadState[] {
    const at = this.queue.indexOf(ctx);
    if (at < 0) return [];
    const done = this.queue.slice(0, at + 1);
    this.queue = this.queue.slice(at + 1);
    const out: ReadState[] = [];
    for (const c of done) {
      const p = this.pending.get(c);
      this.pending.delete(c);
      if (p) out.push({ index: p.index, ctx: c });
    }
    return out;
  }

  lastPendingCtx(): string | undefined {
    return this.queue.length > 0 ? this.queue[this.queue.length - 1] : undefined;
  }

  /** Acks counted against the voters of the current configuration. */
  ackedBy(ctx: string, voters: readonly NodeId[]): number {
    const p = this.pending.get(ctx);
    if (!p) return 0;
    let n = 0;
    for (const v of voters) if (p.acks.has(v)) n++;
    return n;
  }

  reset(): void {
    this.pending.clear();
    this.queue = [];
  }
}
