import { decode, encode } from '@msgpack/msgpack';
import type { RaftTransport } from './transport';
import type { Message, NodeId } from './types';

/**
 * An in-process network of RaftTransports for tests: delivery is asynchronous (setImmediate),
 * each message goes through msgpack like on the wire, and links can be cut.
 */
export class MemoryNetwork {
  private readonly handlers = new Map<NodeId, (m: Message) => void>();
  private readonly down = new Set<NodeId>();
  delivered = 0;

  transport(id: NodeId): RaftTransport {
    return {
      send: (to, message) => this.send(to, message),
      onMessage: (handler) => {
        this.handlers.set(id, handler);
      },
    };
  }

  /** Drops every message to or from `id` until reconnect(id). */
  disconnect(id: NodeId): void {
    this.down.add(id);
  }

  reconnect(id: NodeId): void {
    this.down.delete(id);
  }

  private send(to: NodeId, message: Message): void {
    if (this.down.has(to) || this.down.has(message.from)) return;
    const bytes = encode(message);
    setImmediate(() => {
      if (this.down.has(to) || this.down.has(message.from)) return;
      const h = this.handlers.get(to);
      if (!h) return;
      this.delivered++;
      h(decode(bytes) as Message);
    });
  }
}
