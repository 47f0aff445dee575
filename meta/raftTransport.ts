/**
 * RaftTransport over our internal RPC (common/rpc): one RpcClient per peer; every message
 * queued for a peer during one event-loop turn goes out as one `meta.raft` call whose body is
 * `{from, messages}` (the RPC frame is msgpack, so each Message travels as one msgpack map,
 * meta/raft/PROTOCOL.md). Fire-and-forget: the answer is an empty ack that is ignored, and a
 * failed call just drops its messages — Raft resends what matters (meta/raft/transport.ts).
 */
import { RpcClient } from '../common/rpc';
import type { Logger } from '../common/logger';
import type { Message, NodeId, RaftTransport } from './raft';
import type { MetaPeer } from './config';

/** A peer that cannot keep up loses messages beyond this many queued for it (bounded queue). */
const MAX_QUEUED_PER_PEER = 10_000;
/** Raft messages are useless after an election timeout or so; don't wait for acks longer. */
const SEND_TIMEOUT_MS = 2000;

export interface RaftWireBatch {
  readonly from: NodeId;
  readonly messages: readonly Message[];
}

export class RpcRaftTransport implements RaftTransport {
  private readonly clients = new Map<NodeId, RpcClient>();
  private readonly queues = new Map<NodeId, Message[]>();
  private handler: ((m: Message) => void) | null = null;
  private flushScheduled = false;
  private closed = false;
  /** Peers cut off by fault injection: nothing is sent to them or accepted from them. */
  private readonly blocked = new Set<NodeId>();

  private readonly addresses = new Map<NodeId, string>();

  constructor(
    private readonly selfId: NodeId,
    peers: readonly MetaPeer[],
    private readonly secret: string,
    private readonly logger: Logger,
  ) {
    this.setPeers(peers);
  }

  /**
   * Connects to every peer listed (a new member, or a member at a new address) and keeps the
   * connections to peers already known; membership changes call it (replicatedLog.ts).
   */
  setPeers(peers: readonly MetaPeer[]): void {
    if (this.closed) return;
    for (const p of peers) {
      if (p.id === this.selfId || this.addresses.get(p.id) === p.address) continue;
      this.clients.get(p.id)?.close();
      this.addresses.set(p.id, p.address);
      this.clients.set(
        p.id,
        new RpcClient({
          address: p.address,
          secret: this.secret,
          name: `meta-${this.selfId}`,
          logger: this.logger,
          defaultTimeoutMs: SEND_TIMEOUT_MS,
          backoffMaxMs: 500,
        }),
      );
      if (!this.queues.has(p.id)) this.queues.set(p.id, []);
    }
  }

  send(to: NodeId, message: Message): void {
    const queue = this.queues.get(to);
    if (!queue || this.closed || this.blocked.has(to)) return;
    if (queue.length >= MAX_QUEUED_PER_PEER) return;
    queue.push(message);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  onMessage(handler: (message: Message) => void): void {
    this.handler = handler;
  }

  /** The `meta.raft` RPC handler: hands each message of a batch to the Raft node. */
  deliver(body: unknown): null {
    const batch = body as Partial<RaftWireBatch> | null;
    if (!batch || !Array.isArray(batch.messages) || typeof batch.from !== 'number') return null;
    const handler = this.handler;
    if (!handler || this.closed || this.blocked.has(batch.from)) return null;
    for (const m of batch.messages as Message[]) {
      // Only messages for us from the sender that framed them: a misrouted batch is dropped.
      if (m && m.to === this.selfId && m.from === batch.from) handler(m);
    }
    return null;
  }

  /** Fault injection (tests): drop all traffic with these peers, until called again. */
  partition(peers: readonly NodeId[]): void {
    this.blocked.clear();
    for (const p of peers) this.blocked.add(p);
  }

  /** A peer's RpcClient, for status calls (meta.cluster asks every member). */
  client(id: NodeId): RpcClient | undefined {
    return this.clients.get(id);
  }

  close(): void {
    this.closed = true;
    for (const c of this.clients.values()) c.close();
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.closed) return;
    for (const [id, queue] of this.queues) {
      if (queue.length === 0) continue;
      const messages = queue.splice(0);
      const client = this.clients.get(id) as RpcClient;
      client.call('meta.raft', { from: this.selfId, messages }).catch((err: unknown) => {
        // Expected while a peer is down or restarting; Raft retries on its own schedule.
        this.logger.trace({ peer: id, err: (err as Error).message }, 'raft messages dropped');
      });
    }
  }
}
