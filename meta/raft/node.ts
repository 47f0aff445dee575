import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { RpcError, RpcErrorCode } from '../../common/errors';
import type { RaftClock } from './clock';
import { decodeConfChange } from './confChange';
import { Raft, type ProposeResult } from './raft';
import { SeededRng } from './rng';
import type { RaftStorage } from './storage';
import type { RaftTransport } from './transport';
import type { ConfChange, Entry, Message, NodeId, Ready, Rng, Role, SnapshotMeta } from './types';

export interface RaftNodeOptions {
  readonly id: NodeId;
  readonly storage: RaftStorage;
  readonly transport: RaftTransport;
  readonly clock: RaftClock;
  /**
   * Applies one committed entry to the state machine and returns the result handed to the
   * proposer. Must be deterministic: every replica applies the same entries in the same order.
   * A throw is treated as the entry's result (the proposer's promise rejects with it).
   * No-op entries (empty data) and conf-change entries are not passed here.
   */
  readonly apply: (entry: Entry) => unknown;
  /** The state machine image at the last applied index (enables log compaction). */
  readonly snapshot?: () => Uint8Array;
  /** Replaces the state machine with a snapshot's image (at start, or sent by the leader). */
  readonly restore?: (data: Uint8Array, meta: SnapshotMeta) => void;
  /** Called after a membership change is committed and applied. */
  readonly onConfChange?: (cc: ConfChange) => void;
  /** Voters to start with when the storage is empty; omit (or []) for a node that will be added. */
  readonly initialVoters?: readonly NodeId[];
  /** Milliseconds per tick. Default 100. */
  readonly tickMs?: number;
  /** Ticks; defaults 10 and 1 (election timeout 1–2 s, heartbeats every 100 ms at tickMs 100). */
  readonly electionTick?: number;
  readonly heartbeatTick?: number;
  /** Take a snapshot and compact the log every this many applied entries. Default 1000. */
  readonly snapshotEvery?: number;
  /** Deadline for propose/readIndex/transferLeadership. Default 5000 ms. */
  readonly timeoutMs?: number;
  readonly rng?: Rng;
  readonly logger?: Logger;
}

export interface RaftNodeStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly leader: NodeId;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly voters: readonly NodeId[];
}

interface PendingProposal {
  readonly term: number;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
  readonly cancel: () => void;
}

interface PendingRead {
  index: number;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
  readonly cancel: () => void;
}

/**
 * The driver around the pure core: a ticker, a transport, durable storage and the state machine.
 * It runs the Ready contract synchronously (better-sqlite3 is synchronous): persist — with fsync
 * — before sending anything, because messages acknowledge votes and appends (Figure 2: "respond
 * after updating stable storage"); then apply. Inbound messages are batched until the next
 * turn of the event loop, so one fsync covers all of them (group commit).
 */
export class RaftNode {
  readonly id: NodeId;
  private readonly core: Raft;
  private readonly opts: RaftNodeOptions;
  private readonly log: Logger | undefined;
  private readonly proposals = new Map<number, PendingProposal>();
  private readonly reads = new Map<string, PendingRead>();
  /** Reads whose index is known, waiting for applied ≥ index. */
  private readonly waitingReads: { ctx: string; read: PendingRead }[] = [];
  private readonly transfers = new Set<{
    to: NodeId;
    resolve: () => void;
    reject: (e: Error) => void;
    cancel: () => void;
  }>();
  private readCounter = 0;
  private applied: number;
  private role: Role = 'follower';
  private leader: NodeId = 0;
  private flushScheduled = false;
  private closed = false;
  private readonly stopTicker: () => void;

  constructor(opts: RaftNodeOptions) {
    this.opts = opts;
    this.id = opts.id;
    this.log = opts.logger?.child({ component: 'raft', node: opts.id });
    let state = opts.storage.load();
    if (!state) {
      opts.storage.bootstrap(opts.initialVoters ?? []);
      state = opts.storage.load();
      if (!state) throw new Error('raft: storage did not keep the bootstrap state');
    }
    if (state.snapshot.meta.index > 0) opts.restore?.(state.snapshot.data, state.snapshot.meta);
    this.applied = state.snapshot.meta.index;
    this.core = new Raft(
      {
        id: opts.id,
        electionTick: opts.electionTick ?? 10,
        heartbeatTick: opts.heartbeatTick ?? 1,
        rng: opts.rng ?? new SeededRng(randomInt(2 ** 31)),
      },
      state,
    );
    opts.transport.onMessage((m) => this.receive(m));
    this.stopTicker = opts.clock.every(opts.tickMs ?? 100, () => this.tick());
    this.log?.info(
      {
        term: state.hardState.term,
        lastIndex: this.core.log.lastIndex(),
        voters: this.core.votersNow(),
      },
      'raft node started',
    );
    this.flush();
  }

  /** Replicates `data` and resolves with apply()'s result once it is applied here. */
  propose(data: Uint8Array): Promise<unknown> {
    if (data.byteLength === 0)
      return Promise.reject(new RpcError(RpcErrorCode.badRequest, 'empty proposal'));
    return this.track(this.core.propose(data));
  }

  /** Adds or removes one voter (resolves once the change is applied here). */
  changeMembership(type: ConfChange['type'], node: NodeId): Promise<unknown> {
    return this.track(this.core.proposeConfChange(type, node));
  }

  /** Resolves when a read of the local state machine would be linearizable (thesis §6.4). */
  readIndex(): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    const ctx = `${this.id}:${++this.readCounter}`;
    if (!this.core.readIndex(ctx)) return Promise.reject(this.notLeader());
    return new Promise<void>((resolve, reject) => {
      const cancel = this.opts.clock.after(this.timeoutMs(), () => {
        this.reads.delete(ctx);
        const at = this.waitingReads.findIndex((w) => w.ctx === ctx);
        if (at >= 0) this.waitingReads.splice(at, 1);
        reject(new RpcError(RpcErrorCode.deadlineExceeded, 'read index timed out'));
      });
      this.reads.set(ctx, { index: 0, resolve, reject, cancel });
      this.scheduleFlush();
    });
  }

  /** Hands leadership to `to` (thesis §3.10); resolves when this node sees `to` lead. */
  transferLeadership(to: NodeId): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    if (this.leader === to) return Promise.resolve();
    if (!this.core.transferLeader(to)) return Promise.reject(this.notLeader());
    return new Promise<void>((resolve, reject) => {
      const t = {
        to,
        resolve,
        reject,
        cancel: () => {},
      };
      t.cancel = this.opts.clock.after(this.timeoutMs(), () => {
        this.transfers.delete(t);
        reject(
          new RpcError(RpcErrorCode.deadlineExceeded, `leadership transfer to ${to} timed out`),
        );
      });
      this.transfers.add(t);
      this.scheduleFlush();
    });
  }

  status(): RaftNodeStatus {
    const s = this.core.status();
    return {
      id: s.id,
      role: s.role,
      term: s.term,
      leader: s.leader,
      commit: s.commit,
      applied: this.applied,
      lastIndex: s.lastIndex,
      voters: s.voters,
    };
  }

  isLeader(): boolean {
    return this.core.role === 'leader';
  }

  /** Stops the node: no more ticks or messages; pending calls reject; the storage is closed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopTicker();
    const err = closedError();
    for (const p of this.proposals.values()) {
      p.cancel();
      p.reject(err);
    }
    this.proposals.clear();
    this.failReads(err, true);
    for (const t of this.transfers) {
      t.cancel();
      t.reject(err);
    }
    this.transfers.clear();
    this.opts.storage.close();
    this.log?.info('raft node closed');
  }

  // ------------------------------------------------------------------ internals

  private track(res: ProposeResult): Promise<unknown> {
    if (this.closed) return Promise.reject(closedError());
    if (!res.ok) {
      if (res.reason === 'notLeader') return Promise.reject(this.notLeader());
      const msg =
        res.reason === 'transferring'
          ? 'leadership transfer in progress'
          : res.reason === 'confPending'
            ? 'another membership change is in progress'
            : 'invalid membership change';
      const code = res.reason === 'invalid' ? RpcErrorCode.badRequest : RpcErrorCode.unavailable;
      return Promise.reject(new RpcError(code, msg, { leader: res.leader }));
    }
    return new Promise<unknown>((resolve, reject) => {
      const cancel = this.opts.clock.after(this.timeoutMs(), () => {
        this.proposals.delete(res.index);
        reject(
          new RpcError(RpcErrorCode.deadlineExceeded, `proposal at index ${res.index} timed out`),
        );
      });
      this.proposals.set(res.index, { term: res.term, resolve, reject, cancel });
      this.scheduleFlush();
    });
  }

  private receive(m: Message): void {
    if (this.closed) return;
    this.core.step(m);
    this.scheduleFlush();
  }

  private tick(): void {
    if (this.closed) return;
    this.core.tick();
    this.flush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.closed) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.closed) return;
    try {
      while (this.core.hasReady()) {
        this.handleReady(this.core.ready());
        this.core.advance();
        this.maybeSnapshot();
      }
    } catch (e) {
      // A storage failure (or a broken invariant) leaves us unable to keep our promises to the
      // group: stop this node rather than acknowledge what is not durable (fail-stop).
      this.log?.error({ err: e }, 'raft node failed; closing');
      this.close();
    }
  }

  private handleReady(rd: Ready): void {
    // 1. Persist before anything is sent (our messages acknowledge this state).
    if (rd.snapshot || rd.hardState || rd.entries.length > 0) {
      this.opts.storage.save({
        hardState: rd.hardState,
        entries: rd.entries,
        snapshot: rd.snapshot,
      });
    }
    // 2. Send.
    for (const m of rd.messages) {
      try {
        this.opts.transport.send(m.to, m);
      } catch (e) {
        this.log?.warn(
          { err: e, to: m.to, type: m.type },
          'raft transport send failed; Raft will retry',
        );
      }
    }
    // 3. Apply.
    if (rd.snapshot) {
      this.opts.restore?.(rd.snapshot.data, rd.snapshot.meta);
      this.applied = rd.snapshot.meta.index;
      this.log?.info(
        { index: rd.snapshot.meta.index, voters: rd.snapshot.meta.voters },
        'raft snapshot installed',
      );
      // We cannot tell whether our own proposals up to here made it: their outcome is unknown.
      for (const [index, p] of this.proposals) {
        if (index > this.applied) continue;
        this.proposals.delete(index);
        p.cancel();
        p.reject(new RpcError(RpcErrorCode.unavailable, 'outcome unknown: replaced by a snapshot'));
      }
    }
    for (const e of rd.committedEntries) this.applyEntry(e);
    if (rd.softState) this.roleChanged(rd.softState.role, rd.softState.lead);
    // 4. Reads: serve once applied has reached their index.
    for (const rs of rd.readStates) {
      const read = this.reads.get(rs.ctx);
      if (!read) continue;
      this.reads.delete(rs.ctx);
      read.index = rs.index;
      this.waitingReads.push({ ctx: rs.ctx, read });
    }
    this.releaseReads();
  }

  private applyEntry(e: Entry): void {
    let result: unknown;
    let failed: Error | undefined;
    if (e.type === 'conf') {
      const cc = decodeConfChange(e.data);
      this.log?.info(
        { index: e.index, change: cc.type, node: cc.node, voters: cc.voters },
        'membership changed',
      );
      this.opts.onConfChange?.(cc);
    } else if (e.data.byteLength > 0) {
      try {
        result = this.opts.apply(e);
      } catch (err) {
        failed = err instanceof Error ? err : new Error(String(err));
      }
    }
    this.applied = e.index;
    const p = this.proposals.get(e.index);
    if (!p) return;
    this.proposals.delete(e.index);
    p.cancel();
    if (e.term !== p.term) {
      // Another leader's entry took this index: ours was never committed (§5.3, §8).
      p.reject(
        new RpcError(RpcErrorCode.notLeader, 'proposal dropped by a leadership change', {
          leader: this.core.lead,
        }),
      );
    } else if (failed) {
      p.reject(failed);
    } else {
      p.resolve(result);
    }
  }

  private roleChanged(role: Role, lead: NodeId): void {
    if (role !== this.role || lead !== this.leader) {
      this.log?.info({ role, leader: lead, term: this.core.term }, 'raft role changed');
    }
    const wasLeader = this.role === 'leader';
    this.role = role;
    this.leader = lead;
    // The core forgets unconfirmed ReadIndex requests when it stops leading (confirmed ones stay
    // valid: they only wait for the apply loop).
    if (wasLeader && role !== 'leader') this.failReads(this.notLeader(), false);
    for (const t of [...this.transfers]) {
      if (lead === t.to) {
        this.transfers.delete(t);
        t.cancel();
        t.resolve();
      }
    }
  }

  private releaseReads(): void {
    for (let k = 0; k < this.waitingReads.length;) {
      const w = this.waitingReads[k];
      if (w.read.index <= this.applied) {
        this.waitingReads.splice(k, 1);
        w.read.cancel();
        w.read.resolve();
      } else {
        k++;
      }
    }
  }

  private failReads(err: Error, confirmedToo: boolean): void {
    for (const r of this.reads.values()) {
      r.cancel();
      r.reject(err);
    }
    this.reads.clear();
    if (!confirmedToo) return;
    for (const w of this.waitingReads.splice(0)) {
      w.read.cancel();
      w.read.reject(err);
    }
  }

  private maybeSnapshot(): void {
    const take = this.opts.snapshot;
    if (!take) return;
    const every = this.opts.snapshotEvery ?? 1000;
    if (this.applied - this.core.log.snapIndex() < every || this.core.log.applied !== this.applied)
      return;
    const snap = this.core.compact(this.applied, take());
    this.opts.storage.saveSnapshot(snap);
    this.log?.info({ index: snap.meta.index, bytes: snap.data.byteLength }, 'raft snapshot taken');
  }

  private notLeader(): RpcError {
    const leader = this.core.lead;
    const msg =
      leader !== 0
        ? `not the Raft leader; the leader is node ${leader}`
        : 'not the Raft leader; no leader known';
    return new RpcError(RpcErrorCode.notLeader, msg, { leader: leader === 0 ? undefined : leader });
  }

  private timeoutMs(): number {
    return this.opts.timeoutMs ?? 5000;
  }
}

function closedError(): RpcError {
  return new RpcError(RpcErrorCode.unavailable, 'raft node closed');
}
