/**
 * The meta state machine behind our Raft (meta/raft): every MetaCommand is one Raft entry
 * (msgpack, common/codec), applied in log order on every member; snapshots are the state
 * machine's own image. Errors that name a leader by Raft id are rewritten to name it by
 * address, the only thing a MetaClient can follow (detail.leader = "host:port").
 */
import path from 'node:path';
import fs from 'node:fs';
import { RpcError, RpcErrorCode } from '../common/errors';
import { encodeValue, decodeValue } from '../common/codec';
import type { Logger } from '../common/logger';
import { RaftNode, SqliteStorage, systemClock } from './raft';
import type { NodeId, RaftNodeStatus } from './raft';
import type { MetaStateMachine } from './stateMachine';
import type { MetaEntry } from './commands';
import type { MetaPeer } from './config';
import { memberAddresses } from './members';
import { RpcRaftTransport } from './raftTransport';

export interface ReplicatedLogOptions {
  readonly nodeId: NodeId;
  /** Every member, this node included; empty for a one-node group. */
  readonly peers: readonly MetaPeer[];
  readonly dataDir: string;
  readonly secret: string;
  readonly tickMs: number;
  readonly snapshotEvery: number;
  readonly logger: Logger;
  /** Join an existing group: start with no configuration and wait for the leader to add us. */
  readonly join?: boolean;
}

export class ReplicatedLog {
  readonly raft: RaftNode;
  readonly transport: RpcRaftTransport;
  private addresses = new Map<NodeId, string>();
  private readonly machine: MetaStateMachine;
  private readonly configured: readonly MetaPeer[];

  constructor(machine: MetaStateMachine, options: ReplicatedLogOptions) {
    fs.mkdirSync(options.dataDir, { recursive: true });
    this.machine = machine;
    this.configured = options.peers;
    for (const p of options.peers) this.addresses.set(p.id, p.address);
    const voters = options.join
      ? []
      : options.peers.length > 0
        ? options.peers.map((p) => p.id)
        : [options.nodeId];
    this.transport = new RpcRaftTransport(
      options.nodeId,
      options.peers,
      options.secret,
      options.logger.child({ component: 'raftTransport' }),
    );
    this.raft = new RaftNode({
      id: options.nodeId,
      storage: new SqliteStorage(path.join(options.dataDir, 'raft.db')),
      transport: this.transport,
      clock: systemClock,
      apply: (entry) => {
        const command = decodeValue(entry.data) as MetaEntry;
        const result = machine.apply(command, entry.index);
        if (command.type === 'setMetaMember') this.refreshPeers();
        return result;
      },
      snapshot: () => machine.snapshot(),
      restore: (data) => {
        machine.restore(data);
        this.refreshPeers();
      },
      initialVoters: voters,
      tickMs: options.tickMs,
      snapshotEvery: options.snapshotEvery,
      logger: options.logger,
    });
    this.refreshPeers();
  }

  /** Replicates the command and resolves with its result once applied here (leader only). */
  propose(command: MetaEntry): Promise<unknown> {
    return this.raft.propose(encodeValue(command)).catch((err: unknown) => {
      throw this.withLeaderAddress(err);
    });
  }

  /**
   * Resolves once reading the local state machine is linearizable (ReadIndex, Raft thesis
   * §6.4): this node was the leader when the read started and has applied everything
   * committed by then. Rejects NOT_LEADER elsewhere.
   */
  readBarrier(): Promise<void> {
    return this.raft.readIndex().catch((err: unknown) => {
      throw this.withLeaderAddress(err);
    });
  }

  status(): RaftNodeStatus {
    return this.raft.status();
  }

  isLeader(): boolean {
    return this.raft.isLeader();
  }

  addressOf(id: NodeId): string | undefined {
    return this.addresses.get(id);
  }

  /** The current members (Raft's voter set) with their addresses ('' if unknown). */
  members(): MetaPeer[] {
    return this.raft.status().voters.map((id) => ({ id, address: this.addresses.get(id) ?? '' }));
  }

  /**
   * Adds or removes one voter (single-server change, meta/raft confChange.ts); resolves once
   * the change is applied here. Leader only.
   */
  changeMembership(type: 'addNode' | 'removeNode', id: NodeId): Promise<unknown> {
    return this.raft.changeMembership(type, id).catch((err: unknown) => {
      throw this.withLeaderAddress(err);
    });
  }

  /** NOT_LEADER naming the known leader by address (for MetaClient's redirect). */
  notLeader(): RpcError {
    const leader = this.raft.status().leader;
    const address =
      leader !== 0 && leader !== this.raft.id ? this.addresses.get(leader) : undefined;
    return new RpcError(
      RpcErrorCode.notLeader,
      address
        ? `not the meta leader; the leader is ${address}`
        : 'not the meta leader; no leader known yet',
      { leader: address },
    );
  }

  /** Recomputes every member's address (--peers, then the replicated address book). */
  private refreshPeers(): void {
    // Called from the Raft node's constructor (restore) before this.transport exists.
    if (!this.machine || !this.transport) return;
    this.addresses = memberAddresses(this.configured, this.machine.metaMembers);
    this.transport.setPeers([...this.addresses].map(([id, address]) => ({ id, address })));
  }

  close(): void {
    this.raft.close();
    this.transport.close();
  }

  private withLeaderAddress(err: unknown): unknown {
    if (err instanceof RpcError && err.code === RpcErrorCode.notLeader) {
      const id = (err.detail as { leader?: unknown } | undefined)?.leader;
      const address = typeof id === 'number' ? this.addresses.get(id) : undefined;
      return new RpcError(RpcErrorCode.notLeader, err.message, { leader: address });
    }
    return err;
  }
}
