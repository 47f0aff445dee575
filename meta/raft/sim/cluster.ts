import { decodeConfChange } from '../confChange';
import { Raft, quorum } from '../raft';
import { SeededRng } from '../rng';
import { MemoryStorage } from '../storage';
import type { NodeId, Snapshot } from '../types';
import { InvariantViolation, SafetyChecker, applyDigest } from './checker';
import { SimNetwork } from './network';

export interface SimOptions {
  readonly seed: number;
  /** Initial group size. */
  readonly nodes: 3 | 5;
  /** Rounds of chaos (each round: faults, client requests, deliveries, ticks, Readies). */
  readonly rounds?: number;
  /** Rounds allowed, after healing everything, for a proposal to commit on every live voter. */
  readonly livenessRounds?: number;
  /** Membership changes (add a fresh node / remove one). Default true. */
  readonly membership?: boolean;
}

export interface SimResult {
  readonly seed: number;
  readonly committed: number;
  readonly maxTerm: number;
  readonly leadersElected: number;
  readonly crashes: number;
  readonly snapshots: number;
  readonly confChanges: number;
  readonly reads: number;
  readonly livenessRounds: number;
}

const ELECTION_TICK = 10;
const HEARTBEAT_TICK = 2;

class SimNode {
  readonly storage = new MemoryStorage();
  raft: Raft | undefined;
  /** The state machine: volatile, rebuilt from the snapshot and the log after a crash. */
  applied = 0;
  digest = 0;
  decommissioned = false;
  lastCommit = 0;
  lastRole = 'follower';
  lastTerm = 0;

  constructor(readonly id: NodeId) {}
}

interface Profile {
  readonly crash: number;
  readonly restart: number;
  readonly partition: number;
  readonly heal: number;
  readonly readyLag: number;
  readonly tickSkip: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly leaderCrash: number;
  readonly maxInflight: number;
  readonly maxBytes: number;
}

/** A failing run: the message names the seed and how to replay it. */
export class SimFailure extends Error {
  constructor(
    readonly seed: number,
    readonly nodes: number,
    cause: Error,
    trace: readonly string[],
  ) {
    super(
      `raft simulation failed, seed=${seed} nodes=${nodes}: ${cause.message}\n` +
        `replay: npx tsc -p . && RAFT_SIM_SEED=${seed} RAFT_SIM_NODES=${nodes} npx mocha dist/test/unit/meta/raft/simulation.test.js\n` +
        `last events:\n  ${trace.join('\n  ')}\n${cause.stack ?? ''}`,
    );
    this.name = 'SimFailure';
  }
}

/**
 * A deterministic simulation of one Raft group: a seed in, the same run out. Nodes are Raft cores
 * with in-memory storage; the driver logic here follows the Ready contract (persist, send, apply,
 * advance), sometimes lagging several steps behind, so that a crash loses what was not persisted.
 */
export class Simulation {
  private readonly rng: SeededRng;
  private readonly net: SimNetwork;
  private readonly nodes = new Map<NodeId, SimNode>();
  private readonly checker = new SafetyChecker();
  private readonly profile: Profile;
  private readonly trace: string[] = [];
  private now = 0;
  private nextId: NodeId;
  private proposals = 0;
  private readCounter = 0;
  private readonly pendingReads = new Map<string, number>();
  private stats = { leaders: 0, crashes: 0, snapshots: 0, confChanges: 0, reads: 0 };

  constructor(private readonly opts: SimOptions) {
    this.rng = new SeededRng(opts.seed);
    const lossLevels = [0, 0.01, 0.05, 0.15, 0.3];
    this.net = new SimNetwork(this.rng, {
      loss: this.rng.pick(lossLevels),
      duplicate: this.rng.pick([0, 0.02, 0.1]),
      maxDelay: 1 + this.rng.int(6),
    });
    this.profile = {
      crash: this.rng.pick([0, 0.01, 0.03, 0.06]),
      restart: this.rng.pick([0.05, 0.2]),
      partition: this.rng.pick([0, 0.02, 0.05, 0.1]),
      heal: this.rng.pick([0.03, 0.1, 0.3]),
      // The safety of the core must not depend on these liveness aids; turn them off sometimes
      // (elections then churn much more, which is what exposes commit-rule bugs).
      preVote: this.rng.chance(0.7),
      checkQuorum: this.rng.chance(0.7),
      // Killing fresh leaders leaves logs that diverge in their tails (Figure 8 situations).
      leaderCrash: this.rng.pick([0, 0.01, 0.04]),
      // One entry per AppendEntries with one in flight, or batches pipelined.
      maxInflight: this.rng.pick([2, 4, 16]),
      maxBytes: this.rng.pick([1, 100, 400]),
      readyLag: this.rng.pick([0, 0.3, 0.6]),
      tickSkip: this.rng.pick([0, 0.1, 0.3]),
    };
    for (let id = 1; id <= opts.nodes; id++) {
      const n = new SimNode(id);
      n.storage.bootstrap(Array.from({ length: opts.nodes }, (_, k) => k + 1));
      this.nodes.set(id, n);
      this.start(n);
    }
    this.nextId = opts.nodes + 1;
  }

  run(): SimResult {
    try {
      const rounds = this.opts.rounds ?? 800;
      for (let r = 0; r < rounds; r++) this.chaosRound();
      const liveness = this.heal();
      let maxTerm = 0;
      for (const n of this.nodes.values()) maxTerm = Math.max(maxTerm, n.storage.hardState.term);
      return {
        seed: this.opts.seed,
        committed: this.checker.maxCommitKnown,
        maxTerm,
        leadersElected: this.stats.leaders,
        crashes: this.stats.crashes,
        snapshots: this.stats.snapshots,
        confChanges: this.stats.confChanges,
        reads: this.stats.reads,
        livenessRounds: liveness,
      };
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      throw new SimFailure(this.opts.seed, this.opts.nodes, err, this.trace.slice(-40));
    }
  }

  // ------------------------------------------------------------------ rounds

  private chaosRound(): void {
    this.now++;
    const p = this.profile;
    if (this.rng.chance(p.crash)) this.crashRandom();
    if (this.rng.chance(p.leaderCrash)) this.crashLeader();
    if (this.rng.chance(p.restart)) this.restartRandom();
    if (this.rng.chance(p.partition)) this.partition();
    if (this.net.blocked.size > 0 && this.rng.chance(p.heal)) {
      this.net.heal();
      this.log('heal');
    }
    if (this.rng.chance(0.05)) this.snapshotRandom();
    this.clientRequests();
    this.deliverTickReady(p.tickSkip, p.readyLag);
  }

  private deliverTickReady(tickSkip: number, readyLag: number): void {
    for (const m of this.net.due(this.now)) {
      const n = this.nodes.get(m.to);
      if (!n?.raft) continue;
      n.raft.step(m);
      this.observe(n);
    }
    for (const n of this.nodes.values()) {
      if (!n.raft || this.rng.chance(tickSkip)) continue;
      n.raft.tick();
      this.observe(n);
    }
    for (const n of this.nodes.values()) {
      if (n.raft && !this.rng.chance(readyLag)) this.processReady(n);
    }
  }

  /** Heals the network, restarts everyone, and waits for a proposal to commit. */
  private heal(): number {
    this.net.heal();
    this.net.faults = { loss: 0, duplicate: 0, maxDelay: 2 };
    for (const n of this.nodes.values()) if (!n.raft && !n.decommissioned) this.start(n);
    this.log('liveness phase');
    const limit = this.opts.livenessRounds ?? 1000;
    const markers: { index: number; term: number }[] = [];
    for (let r = 0; r < limit; r++) {
      this.now++;
      const leader = this.leaders()[0];
      if (leader && r % 10 === 0) {
        const res = leader.propose(Buffer.from(`marker-${r}`));
        if (res.ok) markers.push({ index: res.index, term: res.term });
      }
      this.deliverTickReady(0, 0);
      const current = this.leaders()[0];
      if (!current) continue;
      for (const mk of markers) {
        if (this.checker.applied.get(mk.index)?.term !== mk.term) continue;
        // Committed means applied by a quorum of the current voters (slow ones catch up later).
        const caughtUp = current
          .votersNow()
          .filter((v) => (this.nodes.get(v)?.applied ?? 0) >= mk.index).length;
        const done = caughtUp >= quorum(current.votersNow().length);
        if (done) return r;
      }
    }
    const st = [...this.nodes.values()].map((n) =>
      n.raft ? JSON.stringify(n.raft.status()) : `${n.id}: down`,
    );
    throw new InvariantViolation(
      `liveness: no proposal committed on a quorum within ${limit} healed rounds\n${st.join('\n')}`,
    );
  }

  // ------------------------------------------------------------------ driver (the Ready contract)

  private start(n: SimNode): void {
    const state = n.storage.load();
    if (!state) throw new Error(`sim: node ${n.id} has no storage`);
    n.raft = new Raft(
      {
        id: n.id,
        electionTick: ELECTION_TICK,
        heartbeatTick: HEARTBEAT_TICK,
        rng: new SeededRng(this.rng.int(2 ** 31)),
        preVote: this.profile.preVote,
        checkQuorum: this.profile.checkQuorum,
        maxInflightMsgs: this.profile.maxInflight,
        maxBytesPerMsg: this.profile.maxBytes,
      },
      state,
    );
    const s = decodeSnapshot(state.snapshot);
    n.applied = state.snapshot.meta.index;
    n.digest = s;
    this.checker.snapshotRestored(n.id, n.applied, n.digest);
    n.lastCommit = n.raft.log.committed;
    n.lastRole = 'follower';
    n.lastTerm = n.raft.term;
  }

  private processReady(n: SimNode): void {
    const r = n.raft;
    if (!r || !r.hasReady()) return;
    const rd = r.ready();
    // 1. persist (snapshot, entries, hard state) …
    n.storage.save({ hardState: rd.hardState, entries: rd.entries, snapshot: rd.snapshot });
    this.checker.entriesPersisted(n.id, rd.entries, (i) => n.storage.term(i));
    // 2. … before sending anything that acknowledges it,
    for (const m of rd.messages) this.net.send(m, this.now);
    // 3. then apply.
    if (rd.snapshot) {
      n.applied = rd.snapshot.meta.index;
      n.digest = decodeSnapshot(rd.snapshot);
      this.checker.snapshotRestored(n.id, n.applied, n.digest);
    }
    for (const e of rd.committedEntries) {
      if (e.index !== n.applied + 1)
        throw new InvariantViolation(`apply: node ${n.id} applied ${e.index} after ${n.applied}`);
      n.digest = applyDigest(n.digest, e);
      n.applied = e.index;
      this.checker.appliedEntry(n.id, e.index, e.term, n.digest);
      if (e.type === 'conf') this.confApplied(decodeConfChange(e.data));
    }
    for (const rs of rd.readStates) {
      const min = this.pendingReads.get(rs.ctx);
      if (min === undefined) continue;
      this.pendingReads.delete(rs.ctx);
      // Linearizability of ReadIndex: every entry committed anywhere before the read was asked
      // must be covered by the read index.
      if (rs.index < min)
        throw new InvariantViolation(
          `read index: ${rs.ctx} got index ${rs.index}, but ${min} was committed before`,
        );
      this.stats.reads++;
    }
    r.advance();
  }

  private confApplied(cc: { type: string; node: NodeId }): void {
    if (cc.type !== 'removeNode') return;
    const n = this.nodes.get(cc.node);
    if (!n || n.decommissioned) return;
    // The operator shuts a removed server down once its removal is committed.
    n.decommissioned = true;
    n.raft = undefined;
    this.log(`decommission ${cc.node}`);
  }

  /** Checks run after every step of a node: roles (election safety, completeness) and commits. */
  private observe(n: SimNode): void {
    const r = n.raft;
    if (!r) return;
    if (r.role === 'leader' && (n.lastRole !== 'leader' || n.lastTerm !== r.term)) {
      this.stats.leaders++;
      this.log(`${n.id} leader term ${r.term} last ${r.log.lastIndex()}`);
      this.checker.leaderElected(r);
    }
    n.lastRole = r.role;
    n.lastTerm = r.term;
    if (r.log.committed > n.lastCommit) {
      this.checker.commitAdvanced(r, n.lastCommit, this.leaders());
    }
    n.lastCommit = r.log.committed;
  }

  private leaders(): Raft[] {
    const out: Raft[] = [];
    for (const n of this.nodes.values()) if (n.raft?.role === 'leader') out.push(n.raft);
    return out;
  }

  // ------------------------------------------------------------------ faults and clients

  private live(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.raft !== undefined);
  }

  private crashRandom(): void {
    const live = this.live();
    if (live.length === 0) return;
    const n = this.rng.pick(live);
    // Whatever the core held and the driver had not yet persisted is lost.
    n.raft = undefined;
    this.stats.crashes++;
    this.log(`crash ${n.id}`);
  }

  private crashLeader(): void {
    const l = this.leaders();
    if (l.length === 0) return;
    const n = this.nodes.get(this.rng.pick(l).id) as SimNode;
    n.raft = undefined;
    this.stats.crashes++;
    this.log(`crash leader ${n.id}`);
  }

  private restartRandom(): void {
    const down = [...this.nodes.values()].filter((n) => !n.raft && !n.decommissioned);
    if (down.length === 0) return;
    const n = this.rng.pick(down);
    this.start(n);
    this.log(
      `restart ${n.id} term ${n.raft?.term} last ${n.raft?.log.lastIndex()} commit ${n.raft?.log.committed}`,
    );
  }

  private partition(): void {
    const ids = [...this.nodes.values()].filter((n) => !n.decommissioned).map((n) => n.id);
    const kind = this.rng.int(3);
    this.net.heal();
    if (kind === 0) {
      // Symmetric split into a minority and the rest.
      const shuffled = [...ids].sort(() => this.rng.next() - 0.5);
      const k = 1 + this.rng.int(Math.max(1, Math.floor(ids.length / 2)));
      const a = shuffled.slice(0, k);
      const b = shuffled.slice(k);
      for (const x of a)
        for (const y of b) {
          this.net.blocked.add(SimNetwork.link(x, y));
          this.net.blocked.add(SimNetwork.link(y, x));
        }
      this.log(`partition ${a.join(',')} | ${b.join(',')}`);
    } else if (kind === 1) {
      // Asymmetric: a few links cut in one direction only.
      const cuts: string[] = [];
      for (let c = 1 + this.rng.int(3); c > 0; c--) {
        const x = this.rng.pick(ids);
        const y = this.rng.pick(ids);
        if (x !== y) {
          this.net.blocked.add(SimNetwork.link(x, y));
          cuts.push(`${x}>${y}`);
        }
      }
      this.log(`cut ${cuts.join(' ')}`);
    } else {
      // The leader can send but hears nothing: check-quorum must make it step down.
      const l = this.leaders()[0];
      if (!l) return;
      for (const x of ids) if (x !== l.id) this.net.blocked.add(SimNetwork.link(x, l.id));
      this.log(`deafen leader ${l.id}`);
    }
  }

  private snapshotRandom(): void {
    const live = this.live();
    if (live.length === 0) return;
    const n = this.rng.pick(live);
    const r = n.raft as Raft;
    if (r.log.applied - r.log.snapIndex() < 5) return;
    // The state machine is at r.log.applied (this driver applies synchronously).
    const snap = r.compact(n.applied, encodeSnapshot(n.digest));
    n.storage.saveSnapshot(snap);
    this.stats.snapshots++;
    this.log(`snapshot ${n.id} at ${snap.meta.index}`);
  }

  private clientRequests(): void {
    const leaders = this.leaders();
    const live = this.live();
    if (live.length === 0) return;
    const target =
      leaders.length > 0 && this.rng.chance(0.85)
        ? this.rng.pick(leaders)
        : (this.rng.pick(live).raft as Raft);
    if (this.rng.chance(0.4)) {
      for (let k = 1 + this.rng.int(3); k > 0; k--)
        target.propose(Buffer.from(`p${this.proposals++}`));
    }
    if (this.rng.chance(0.1)) {
      const ctx = `r${this.readCounter++}`;
      if (target.readIndex(ctx)) this.pendingReads.set(ctx, this.checker.maxCommitKnown);
    }
    if (target.role !== 'leader') return;
    if (this.rng.chance(0.01)) {
      const to = this.rng.pick(target.votersNow());
      target.transferLeader(to);
      this.log(`transfer ${target.id} -> ${to}`);
    }
    if ((this.opts.membership ?? true) && this.rng.chance(0.01)) this.membershipChange(target);
  }

  private membershipChange(leader: Raft): void {
    const voters = leader.votersNow();
    const remove = voters.length >= 5 || (voters.length > 3 && this.rng.chance(0.5));
    if (remove) {
      const node = this.rng.pick(voters);
      const res = leader.proposeConfChange('removeNode', node);
      if (res.ok) {
        this.stats.confChanges++;
        this.log(`propose remove ${node} at ${res.index}`);
      }
      return;
    }
    if (this.nextId > this.opts.nodes + 3) return;
    const id = this.nextId;
    const res = leader.proposeConfChange('addNode', id);
    if (!res.ok) return;
    this.nextId++;
    this.stats.confChanges++;
    const n = new SimNode(id);
    n.storage.bootstrap([]); // a joining node knows no configuration until the leader's log says so
    this.nodes.set(id, n);
    this.start(n);
    this.log(`propose add ${id} at ${res.index}`);
  }

  private log(event: string): void {
    this.trace.push(`[${this.now}] ${event}`);
    if (this.trace.length > 200) this.trace.splice(0, 100);
  }
}

function encodeSnapshot(digest: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(digest >>> 0, 0);
  return b;
}

function decodeSnapshot(s: Snapshot): number {
  if (s.data.byteLength < 4) return 0;
  return Buffer.from(s.data.buffer, s.data.byteOffset, s.data.byteLength).readUInt32BE(0);
}
