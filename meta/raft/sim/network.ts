import type { SeededRng } from '../rng';
import type { Message, NodeId } from '../types';

export interface NetworkFaults {
  /** Probability that a message is dropped. */
  loss: number;
  /** Probability that a message is delivered twice. */
  duplicate: number;
  /** Delivery takes 1..maxDelay rounds; different delays reorder messages. */
  maxDelay: number;
}

interface InFlight {
  readonly at: number;
  readonly seq: number;
  readonly msg: Message;
}

/**
 * A simulated network driven by a seeded RNG: messages are delayed, reordered, lost and
 * duplicated; `blocked` holds directed links that are cut (so partitions can be asymmetric).
 */
export class SimNetwork {
  private queue: InFlight[] = [];
  private seq = 0;
  readonly blocked = new Set<string>();
  faults: NetworkFaults;

  constructor(
    private readonly rng: SeededRng,
    faults: NetworkFaults,
  ) {
    this.faults = faults;
  }

  static link(from: NodeId, to: NodeId): string {
    return `${from}>${to}`;
  }

  send(msg: Message, now: number): void {
    if (this.blocked.has(SimNetwork.link(msg.from, msg.to))) return;
    if (this.rng.chance(this.faults.loss)) return;
    const copies = this.rng.chance(this.faults.duplicate) ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      this.queue.push({ at: now + 1 + this.rng.int(this.faults.maxDelay), seq: this.seq++, msg });
    }
  }

  /** Messages due at `now`, in random order; a link cut meanwhile drops them too. */
  due(now: number): Message[] {
    const out: Message[] = [];
    const keep: InFlight[] = [];
    for (const f of this.queue) {
      if (f.at > now) keep.push(f);
      else if (!this.blocked.has(SimNetwork.link(f.msg.from, f.msg.to))) out.push(f.msg);
    }
    this.queue = keep;
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      const t = out[i];
      out[i] = out[j];
      out[j] = t;
    }
    return out;
  }

  heal(): void {
    this.blocked.clear();
  }

  inFlight(): number {
    return this.queue.length;
  }
}
