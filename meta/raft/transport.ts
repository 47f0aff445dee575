import type { Message, NodeId } from './types';

/**
 * How a RaftNode talks to its peers. Delivery is best effort: messages may be lost, delayed,
 * duplicated or reordered, and Raft copes (the core resends what matters). send() must not throw
 * and must not block; a full or broken connection just drops the message.
 */
export interface RaftTransport {
  send(to: NodeId, message: Message): void;
  /** Registers the one handler for messages addressed to this node. */
  onMessage(handler: (message: Message) => void): void;
}
