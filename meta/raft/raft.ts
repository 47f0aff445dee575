import { decodeConfChange, encodeConfChange, nextVoters } from './confChange';
import { RaftLog } from './log';
import { Progress } from './progress';
import { ReadOnly } from './readOnly';
import {
  NONE,
  type AppendRequest,
  type AppendResponse,
  type ConfChange,
  type Entry,
  type HardState,
  type Heartbeat,
  type HeartbeatResponse,
  type InstallSnapshot,
  type Message,
  type NodeId,
  type PersistedState,
  type ReadState,
  type Ready,
  type Rng,
  type Role,
  type Snapshot,
  type SoftState,
  type VoteRequest,
  type VoteResponse,
} from './types';

export interface RaftConfig {
  readonly id: NodeId;
  /** Ticks without hearing from a leader before campaigning; the timeout is randomized in [e, 2e). */
  readonly electionTick: number;
  /** Ticks between a leader's heartbeats; must be well below electionTick. */
  readonly heartbeatTick: number;
  readonly rng: Rng;
  /** Pre-vote (thesis §9.6): don't bump terms unless an election could be won. Default true. */
  readonly preVote?: boolean;
  /** Check-quorum (thesis §6.2): a leader that lost touch with a quorum steps down. Default true. */
  readonly checkQuorum?: boolean;
  /** Flow control: AppendEntries in flight per follower in replicate state. Default 64. */
  readonly maxInflightMsgs?: number;
  /** Batching: entry bytes per AppendEntries. Default 1 MiB. */
  readonly maxBytesPerMsg?: number;
  /** The state machine's applied index at start, if it is durable itself (default: snapshot index). */
  readonly applied?: number;
}

export type ProposeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | {
      readonly ok: false;
      readonly reason: 'notLeader' | 'transferring' | 'confPending' | 'invalid';
      readonly leader: NodeId;
    };

export interface RaftStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId;
  readonly leader: NodeId;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly voters: readonly NodeId[];
}

type CampaignKind = 'preElection' | 'election' | 'transfer';

/**
 * The Raft consensus core of one node, a pure state machine in the style of etcd's raft:
 * `tick()`, `step(message)`, `propose(data)`, …, then `ready()` says what to persist, send and
 * apply, and `advance()` acknowledges it. No clock, socket, disk or randomness of its own.
 * Section numbers (§) refer to the Raft paper (Ongaro & Ousterhout 2014); "thesis" to Ongaro's
 * dissertation (2014).
 */
export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  role: Role = 'follower';
  readonly log: RaftLog;

  private voters: NodeId[];
  /** Conf changes committed after the snapshot, to know the configuration at any index. */
  private confHistory: { index: number; voters: NodeId[] }[] = [];
  private prs = new Map<NodeId, Progress>();
  private votes = new Map<NodeId, boolean>();
  private msgs: Message[] = [];
  private readStates: ReadState[] = [];
  private readonly readOnly = new ReadOnly();
  /** ReadIndex requests that arrived before this leader committed an entry of its term. */
  private pendingReads: string[] = [];

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private leadTransferee: NodeId = NONE;
  /** Index of the latest conf change (or of the new leader's no-op); see proposeConfChange. */
  private pendingConfIndex = 0;

  private readonly electionTick: number;
  private readonly heartbeatTick: number;
  private readonly rng: Rng;
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  private readonly maxInflight: number;
  private readonly maxBytes: number;

  private prevHard: HardState;
  private prevSoft: SoftState;
  private readyOutstanding = false;

  constructor(cfg: RaftConfig, state: PersistedState) {
    if (cfg.id === NONE) throw new Error('raft: node id 0 is reserved');
    if (cfg.heartbeatTick <= 0 || cfg.electionTick <= cfg.heartbeatTick) {
      throw new Error('raft: need 0 < heartbeatTick < electionTick');
    }
    this.id = cfg.id;
    this.electionTick = cfg.electionTick;
    this.heartbeatTick = cfg.heartbeatTick;
    this.rng = cfg.rng;
    this.preVote = cfg.preVote ?? true;
    this.checkQuorum = cfg.checkQuorum ?? true;
    this.maxInflight = cfg.maxInflightMsgs ?? 64;
    this.maxBytes = cfg.maxBytesPerMsg ?? 1 << 20;

    const hs = state.hardState;
    this.log = new RaftLog(state.snapshot, state.entries, hs.commit, cfg.applied ?? 0);
    this.term = hs.term;
    this.vote = hs.vote;
    this.voters = [...state.snapshot.meta.voters].sort((a, b) => a - b);
    // The configuration is that of the last *committed* conf change (we switch at commit time,
    // see applyCommittedConf), so replay the ones the stored commit index covers.
    this.applyCommittedConf(state.snapshot.meta.index, this.log.committed);
    this.becomeFollower(this.term, NONE);
    this.prevHard = this.hardState();
    this.prevSoft = this.softState();
  }

  // ---------------------------------------------------------------- inputs

  /** One unit of logical time (the driver calls it every tick interval). */
  tick(): void {
    if (this.role === 'leader') this.tickHeartbeat();
    else this.tickElection();
  }

  /** Proposes application data (leader only). */
  propose(data: Uint8Array): ProposeResult {
    if (this.role !== 'leader') return { ok: false, reason: 'notLeader', leader: this.lead };
    // Thesis §3.10: stop accepting client requests while transferring, or the transfer may never finish.
    if (this.leadTransferee !== NONE)
      return { ok: false, reason: 'transferring', leader: this.lead };
    const e = this.appendEntry('normal', data);
    this.bcastAppend();
    return { ok: true, index: e.index, term: e.term };
  }

  /**
   * Proposes adding or removing one voter (thesis §4.1, single-server change). Any majority of the
   * old configuration overlaps any majority of the new one, so no two leaders can be elected
   * whatever mix of old and new configurations the servers use. Two rules keep that true:
   *
   * 1. One change at a time: a new one only after the previous one is committed.
   * 2. A new leader first commits an entry of its own term (its no-op). Without this rule a
   *    committed entry can be lost (Ongaro, raft-dev, "bug in single-server membership changes",
   *    2015), with C0 = {S1,S2,S3,S4}:
   *    - S1 leads term 1, appends C1 = C0+S5 at index i, copies it to S5 only, and crashes;
   *    - S2 is elected in term 2 by S2,S3,S4 (a C0 majority), appends C2 = C0−S4 at index i and
   *      commits it (and entries after it) with S2,S3 — a majority of C2 = {S1,S2,S3};
   *    - S1 returns and, using C1 = {S1..S5}, is elected in term 3 by S1,S4,S5 (its log ends in
   *      term 1, theirs too) and overwrites index i on everyone: a committed entry is gone.
   *    With the rule, S2 must first commit its term-2 no-op on 3 of C0; S1 is down, so S2,S3,S4
   *    all hold a term-2 entry and refuse S1 (whose log ends in term 1): S1 cannot get 3 of 5
   *    votes. We activate a configuration only when committed (see applyCommittedConf),
   *    which closes this particular hole too, but we keep the rule as the proof relies on it.
   */
  proposeConfChange(type: ConfChange['type'], node: NodeId): ProposeResult {
    if (this.role !== 'leader') return { ok: false, reason: 'notLeader', leader: this.lead };
    if (this.leadTransferee !== NONE)
      return { ok: false, reason: 'transferring', leader: this.lead };
    if (this.pendingConfIndex > this.log.committed)
      return { ok: false, reason: 'confPending', leader: this.lead };
    const voters = nextVoters(this.voters, type, node);
    if (!voters) return { ok: false, reason: 'invalid', leader: this.lead };
    const e = this.appendEntry('conf', encodeConfChange({ type, node, voters }));
    this.pendingConfIndex = e.index;
    this.bcastAppend();
    return { ok: true, index: e.index, term: e.term };
  }

  /**
   * Linearizable read (thesis §6.4): once ready() returns a ReadState for ctx, reading the state
   * machine after it applied ReadState.index is linearizable. Leader only; returns false elsewhere.
   */
  readIndex(ctx: string): boolean {
    if (this.role !== 'leader') return false;
    if (!this.committedInCurrentTerm()) {
      // Thesis §6.4 step 1: until the leader commits an entry of its term it may not know the
      // latest commit index (entries of earlier terms it holds may be committed already).
      this.pendingReads.push(ctx);
      return true;
    }
    this.startRead(ctx);
    return true;
  }

  /** Leadership transfer (thesis §3.10). Leader only; returns false if it cannot start. */
  transferLeader(to: NodeId): boolean {
    if (this.role !== 'leader' || !this.voters.includes(to)) return false;
    if (to === this.id) return true;
    if (this.leadTransferee === to) return true;
    this.leadTransferee = to;
    // The transfer must finish within an election timeout, or we abort it (tickHeartbeat).
    this.electionElapsed = 0;
    const pr = this.prs.get(to);
    if (pr && pr.match === this.log.lastIndex())
      this.send({ type: 'timeoutNow', from: this.id, to, term: this.term });
    else this.sendAppend(to);
    return true;
  }

  /**
   * Replaces the log up to `index` by the application's snapshot `data` (§7). The caller persists
   * the returned Snapshot (and drops stored entries ≤ index) itself. index ≤ applied.
   */
  compact(index: number, data: Uint8Array): Snapshot {
    const term = this.log.term(index);
    if (term === undefined) throw new Error(`raft: cannot snapshot at ${index}: not in the log`);
    if (index > this.log.applied)
      throw new Error(`raft: cannot snapshot at ${index} beyond applied ${this.log.applied}`);
    const snap: Snapshot = { meta: { index, term, voters: this.votersAt(index) }, data };
    this.log.compact(snap);
    this.confHistory = this.confHistory.filter((c) => c.index > index);
    return snap;
  }

  /** Handles one message from a peer (etcd's Step, Figure 2 "all servers" rules first). */
  step(m: Message): void {
    if (m.to !== this.id) return;
    if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'preVote') {
        // Thesis §4.2.3 / §9.6: while we hear from a leader (lease not expired) ignore campaigns;
        // a removed or partitioned server must not disrupt a healthy group. A transfer is the
        // exception: the leader itself asked for it.
        const inLease =
          this.checkQuorum && this.lead !== NONE && this.electionElapsed < this.electionTick;
        if (inLease && !m.transfer) return;
      }
      if (m.type === 'preVote') {
        // A pre-vote never changes our term: the candidate hasn't bumped its own.
      } else if (m.type === 'preVoteResp' && !m.reject) {
        // A granted pre-vote carries the term the candidate *would* use; not a newer term.
      } else if (m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === 'append' || m.type === 'heartbeat')) {
        // A stale leader (e.g. one that was partitioned) would otherwise never learn the new term:
        // with pre-vote/check-quorum, no one with a higher term campaigns at it. Tell it.
        this.send({
          type: 'appendResp',
          from: this.id,
          to: m.from,
          term: this.term,
          reject: false,
          index: 0,
          hint: 0,
        });
      } else if (m.type === 'preVote') {
        this.send({
          type: 'preVoteResp',
          from: this.id,
          to: m.from,
          term: this.term,
          reject: true,
        });
      }
      return;
    }

    if (m.type === 'vote' || m.type === 'preVote') {
      this.handleVoteRequest(m);
      return;
    }
    switch (this.role) {
      case 'leader':
        this.stepLeader(m);
        break;
      case 'candidate':
      case 'preCandidate':
        this.stepCandidate(m);
        break;
      case 'follower':
        this.stepFollower(m);
        break;
    }
  }

  // ---------------------------------------------------------------- Ready

  hasReady(): boolean {
    if (this.msgs.length > 0 || this.readStates.length > 0) return true;
    if (this.log.hasUnstable() || this.log.pendingSnapshot || this.log.hasCommittedToApply())
      return true;
    if (!sameHard(this.hardState(), this.prevHard)) return true;
    const s = this.softState();
    return s.lead !== this.prevSoft.lead || s.role !== this.prevSoft.role;
  }

  /** Everything to persist, send and apply since the last Ready (see Ready for the order). */
  ready(): Ready {
    if (this.readyOutstanding) throw new Error('raft: ready() called again before advance()');
    this.readyOutstanding = true;
    const hs = this.hardState();
    const ss = this.softState();
    const rd: Ready = {
      softState: ss.lead !== this.prevSoft.lead || ss.role !== this.prevSoft.role ? ss : undefined,
      hardState: sameHard(hs, this.prevHard) ? undefined : hs,
      snapshot: this.log.pendingSnapshot,
      entries: this.log.takeUnstable(),
      messages: this.msgs,
      committedEntries: this.log.takeCommitted(),
      readStates: this.readStates,
    };
    this.log.pendingSnapshot = undefined;
    this.msgs = [];
    this.readStates = [];
    this.prevHard = hs;
    this.prevSoft = ss;
    return rd;
  }

  /** The driver did everything the last Ready asked. */
  advance(): void {
    if (!this.readyOutstanding) throw new Error('raft: advance() without ready()');
    this.readyOutstanding = false;
    this.log.applied = this.log.applying;
  }

  // ---------------------------------------------------------------- views

  status(): RaftStatus {
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.lead,
      commit: this.log.committed,
      applied: this.log.applied,
      lastIndex: this.log.lastIndex(),
      snapshotIndex: this.log.snapIndex(),
      voters: [...this.voters],
    };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  votersNow(): readonly NodeId[] {
    return this.voters;
  }

  /** A node outside the configuration (removed, or added but not caught up) never campaigns. */
  promotable(): boolean {
    return this.voters.includes(this.id);
  }

  // ---------------------------------------------------------------- roles

  private softState(): SoftState {
    return { lead: this.lead, role: this.role };
  }

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.electionTick + this.rng.int(this.electionTick);
    this.leadTransferee = NONE;
    this.votes.clear();
    this.prs.clear();
    this.pendingConfIndex = 0;
    this.readOnly.reset();
    this.pendingReads = [];
  }

  private becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.role = 'follower';
  }

  private becomePreCandidate(): void {
    // Thesis §9.6: a pre-candidate keeps its term and vote; it only asks "would you vote for me?".
    this.votes.clear();
    this.lead = NONE;
    this.role = 'preCandidate';
  }

  private becomeCandidate(): void {
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    this.reset(this.term);
    this.lead = this.id;
    this.role = 'leader';
    const last = this.log.lastIndex();
    for (const v of this.voters) this.prs.set(v, new Progress(last + 1, this.maxInflight));
    const self = this.prs.get(this.id);
    if (self) {
      self.match = last;
      self.becomeReplicate();
    }
    // §5.4.2 / §8: a leader may only count replicas for entries of its own term, so it appends a
    // no-op at once; committing it commits everything before it and tells it the commit index.
    const noop = this.appendEntry('normal', new Uint8Array(0));
    this.pendingConfIndex = noop.index;
    this.bcastAppend();
  }

  private campaign(kind: CampaignKind): void {
    if (!this.promotable()) return;
    let term: number;
    if (kind === 'preElection') {
      this.becomePreCandidate();
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      term = this.term;
    }
    const type = kind === 'preElection' ? 'preVote' : 'vote';
    if (this.poll(this.id, true) === 'won') {
      // A single-voter group wins at once.
      if (kind === 'preElection') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const v of this.voters) {
      if (v === this.id) continue;
      const m: VoteRequest =
        kind === 'transfer'
          ? { type, from: this.id, to: v, term, lastIndex, lastTerm, transfer: true }
          : { type, from: this.id, to: v, term, lastIndex, lastTerm };
      this.send(m);
    }
  }

  private poll(from: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    if (!this.votes.has(from)) this.votes.set(from, granted);
    let yes = 0;
    let no = 0;
    for (const v of this.voters) {
      const g = this.votes.get(v);
      if (g === true) yes++;
      else if (g === false) no++;
    }
    const q = quorum(this.voters.length);
    if (yes >= q) return 'won';
    if (no > this.voters.length - q) return 'lost';
    return 'pending';
  }

  // ---------------------------------------------------------------- ticks

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.campaign(this.preVote ? 'preElection' : 'election');
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTick) {
      this.electionElapsed = 0;
      if (this.checkQuorum && !this.quorumActive()) {
        // Thesis §6.2: a leader cut off from a quorum steps down, so that clients stuck with it
        // look for the real leader and its lease-based rejection of votes stays sound.
        this.becomeFollower(this.term, NONE);
        return;
      }
      if (this.leadTransferee !== NONE) this.leadTransferee = NONE; // thesis §3.10: abort after a timeout
    }
    for (const [id, pr] of this.prs) {
      if (pr.state === 'snapshot' && ++pr.snapshotTicks >= this.electionTick) {
        // The InstallSnapshot (or its answer) was probably lost: probe again, which resends it.
        pr.becomeProbe();
        this.sendAppend(id);
      }
    }
    if (this.heartbeatElapsed >= this.heartbeatTick) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
  }

  private quorumActive(): boolean {
    let active = 0;
    for (const v of this.voters) {
      const pr = this.prs.get(v);
      if (v === this.id || pr?.recentActive) active++;
      if (pr && v !== this.id) pr.recentActive = false;
    }
    return active >= quorum(this.voters.length);
  }

  // ---------------------------------------------------------------- per-role steps

  private handleVoteRequest(m: VoteRequest): void {
    // §5.2, §5.4.1: grant if we haven't voted for someone else this term and the candidate's log
    // is at least as up-to-date as ours. A pre-vote for a future term is granted on the log check
    // alone (nothing is recorded). "lead === NONE": a follower that knows a leader in this term
    // doesn't vote, even if it never voted (it learned of the leader from an AppendEntries).
    const canVote =
      this.vote === m.from ||
      (this.vote === NONE && this.lead === NONE) ||
      (m.type === 'preVote' && m.term > this.term);
    const respType = m.type === 'vote' ? 'voteResp' : 'preVoteResp';
    if (canVote && this.log.isUpToDate(m.lastIndex, m.lastTerm)) {
      this.send({ type: respType, from: this.id, to: m.from, term: m.term, reject: false });
      if (m.type === 'vote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: respType, from: this.id, to: m.from, term: this.term, reject: true });
    }
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case 'appendResp':
        this.handleAppendResponse(m);
        return;
      case 'heartbeatResp':
        this.handleHeartbeatResponse(m);
        return;
      case 'append':
      case 'heartbeat':
      case 'snapshot':
        // Two leaders in one term would break election safety (§5.2); votes make it impossible.
        throw new Error(
          `raft: leader ${this.id} got ${m.type} from ${m.from} in its own term ${m.term}`,
        );
      default:
        return; // stale vote responses, timeoutNow to ourselves: nothing to do
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case 'append':
        this.becomeFollower(m.term, m.from);
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case 'snapshot':
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case 'voteResp':
      case 'preVoteResp':
        this.handleVoteResponse(m);
        return;
      default:
        return;
    }
  }

  private handleVoteResponse(m: VoteResponse): void {
    const mine = this.role === 'preCandidate' ? 'preVoteResp' : 'voteResp';
    if (m.type !== mine) return;
    const r = this.poll(m.from, !m.reject);
    if (r === 'won') {
      if (this.role === 'preCandidate') this.campaign('election');
      else this.becomeLeader();
    } else if (r === 'lost') {
      this.becomeFollower(this.term, NONE);
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'append':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case 'snapshot':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case 'timeoutNow':
        // Thesis §3.10: the leader says our log is current; campaign now, skipping pre-vote
        // (it would be rejected by voters still in their leader lease).
        this.campaign('transfer');
        return;
      default:
        return;
    }
  }

  // ---------------------------------------------------------------- follower side of replication

  private handleAppend(m: AppendRequest): void {
    const committed = this.log.committed;
    if (m.prevIndex < committed) {
      // Everything up to our commit index matches the leader (Leader Completeness), so tell it so;
      // the entries before it may also be compacted away here.
      this.sendAppendResp(m.from, false, committed, 0);
      return;
    }
    const lastNew = this.log.maybeAppend(m.prevIndex, m.prevTerm, m.entries);
    if (lastNew === undefined) {
      // Consistency check failed (§5.3): the leader backs off to our last index at most.
      this.sendAppendResp(m.from, true, m.prevIndex, this.log.lastIndex());
      return;
    }
    // Figure 2, AppendEntries rule 5: commit = min(leaderCommit, index of last new entry) — not
    // our lastIndex: entries past lastNew may be stale ones from an old leader.
    this.commitTo(Math.min(m.commit, lastNew));
    this.sendAppendResp(m.from, false, lastNew, 0);
  }

  private handleHeartbeat(m: Heartbeat): void {
    // The leader sends min(match, commit), so everything up to it matches its log.
    if (m.commit > this.log.lastIndex()) {
      throw new Error(
        `raft: heartbeat commit ${m.commit} beyond last index ${this.log.lastIndex()}`,
      );
    }
    this.commitTo(m.commit);
    const resp: HeartbeatResponse =
      m.ctx === undefined
        ? { type: 'heartbeatResp', from: this.id, to: m.from, term: this.term }
        : { type: 'heartbeatResp', from: this.id, to: m.from, term: this.term, ctx: m.ctx };
    this.send(resp);
  }

  private handleSnapshot(m: InstallSnapshot): void {
    const s = m.snapshot.meta;
    if (s.index <= this.log.committed) {
      this.sendAppendResp(m.from, false, this.log.committed, 0);
      return;
    }
    if (this.log.matchTerm(s.index, s.term)) {
      // We already hold the snapshot's last entry, hence (Log Matching) everything before it:
      // just learn that it is committed; keep the entries after it (§7, rule 6).
      this.commitTo(s.index);
      this.sendAppendResp(m.from, false, s.index, 0);
      return;
    }
    this.log.restore(m.snapshot);
    this.voters = [...s.voters].sort((a, b) => a - b);
    this.confHistory = [];
    this.sendAppendResp(m.from, false, s.index, 0);
  }

  private sendAppendResp(to: NodeId, reject: boolean, index: number, hint: number): void {
    const resp: AppendResponse = {
      type: 'appendResp',
      from: this.id,
      to,
      term: this.term,
      reject,
      index,
      hint,
    };
    this.send(resp);
  }

  // ---------------------------------------------------------------- leader side of replication

  private handleAppendResponse(m: AppendResponse): void {
    const pr = this.prs.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    if (m.reject) {
      if (pr.maybeDecrTo(m.index, m.hint)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) return;
    if (pr.state === 'probe') pr.becomeReplicate();
    else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) pr.becomeProbe();
    else if (pr.state === 'replicate') pr.inflights.freeLE(m.index);

    if (this.maybeCommit()) {
      this.bcastAppend(); // tell followers the new commit index
    } else if (wasPaused) {
      this.sendAppend(m.from);
    }
    // Pipelining: keep the follower's window full.
    while (this.maybeSendAppend(m.from, false)) {
      /* send until paused or caught up */
    }
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
      this.send({ type: 'timeoutNow', from: this.id, to: m.from, term: this.term });
    }
  }

  private handleHeartbeatResponse(m: HeartbeatResponse): void {
    const pr = this.prs.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    pr.probeSent = false;
    // If every pipelined append was lost the window stays full forever; free one slot so that
    // the follower, who answers heartbeats, gets an append (and its rejection resets the window).
    if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirst();
    if (pr.match < this.log.lastIndex()) this.sendAppend(m.from);
    if (m.ctx === undefined) return;
    this.readOnly.recvAck(m.from, m.ctx);
    if (this.readOnly.ackedBy(m.ctx, this.voters) < quorum(this.voters.length)) return;
    for (const rs of this.readOnly.advance(m.ctx)) this.readStates.push(rs);
  }

  private sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /**
   * Sends the follower what it is missing: AppendEntries from pr.next (batched up to maxBytes), or
   * the snapshot if those entries are compacted. Returns whether a message went out.
   */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.prs.get(to);
    if (!pr || to === this.id || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const entries =
      prevTerm === undefined
        ? undefined
        : this.log.slice(pr.next, this.log.lastIndex() + 1, this.maxBytes);
    if (prevTerm === undefined || entries === undefined) {
      // §7: the follower needs entries we discarded; send the snapshot instead.
      const snap = this.log.snapshot;
      this.send({ type: 'snapshot', from: this.id, to, term: this.term, snapshot: snap });
      pr.becomeSnapshot(snap.meta.index);
      return true;
    }
    if (entries.length === 0 && !sendIfEmpty) return false;
    const msg: AppendRequest = {
      type: 'append',
      from: this.id,
      to,
      term: this.term,
      prevIndex,
      prevTerm,
      entries,
      commit: this.log.committed,
    };
    this.send(msg);
    if (entries.length > 0) {
      const last = entries[entries.length - 1].index;
      if (pr.state === 'replicate') {
        pr.next = last + 1; // optimistic: pipelining
        pr.inflights.add(last);
      } else {
        pr.probeSent = true;
      }
    } else if (pr.state === 'probe') {
      pr.probeSent = true;
    }
    return true;
  }

  private bcastAppend(): void {
    for (const v of this.voters) if (v !== this.id) this.sendAppend(v);
  }

  private bcastHeartbeat(ctx?: string): void {
    const c = ctx ?? this.readOnly.lastPendingCtx();
    for (const v of this.voters) {
      if (v === this.id) continue;
      const pr = this.prs.get(v);
      // Never tell a follower to commit beyond what we know it holds (it may hold stale entries).
      const commit = Math.min(pr?.match ?? 0, this.log.committed);
      const hb: Heartbeat =
        c === undefined
          ? { type: 'heartbeat', from: this.id, to: v, term: this.term, commit }
          : { type: 'heartbeat', from: this.id, to: v, term: this.term, commit, ctx: c };
      this.send(hb);
    }
  }

  private appendEntry(type: Entry['type'], data: Uint8Array): Entry {
    const e: Entry = { index: this.log.lastIndex() + 1, term: this.term, type, data };
    this.log.append([e]);
    this.prs.get(this.id)?.maybeUpdate(e.index);
    // A single-voter group commits at once (its Ready persists the entry before applying it).
    this.maybeCommit();
    return e;
  }

  /**
   * §5.4.2: the leader commits the highest index a quorum has replicated — but only if that
   * entry is from its own term. Counting replicas of an older term's entry is unsafe (Figure 8):
   * S1 (term 2) replicates entry 2 to S2 and crashes; S5 wins term 3 with votes of S3,S4,S5 and
   * appends its own entry at index 2; S1 returns in term 4 and copies its entry 2 to S3. It is now
   * on a majority, yet S5 can still win an election (its last term 3 > 2) and overwrite it. Only
   * once S1 also replicates an entry of term 4 to a majority can S5 no longer win.
   */
  private maybeCommit(): boolean {
    const matches: number[] = [];
    for (const v of this.voters) matches.push(this.prs.get(v)?.match ?? 0);
    matches.sort((a, b) => b - a);
    const q = quorum(this.voters.length);
    const idx = matches[q - 1];
    if (idx <= this.log.committed || this.log.term(idx) !== this.term) return false;
    this.commitTo(idx);
    return true;
  }

  private commitTo(index: number): void {
    const old = this.log.committed;
    if (index <= old) return;
    this.log.committed = index;
    this.applyCommittedConf(old, index);
    if (this.role === 'leader') {
      if (this.pendingReads.length > 0 && this.committedInCurrentTerm()) {
        const reads = this.pendingReads;
        this.pendingReads = [];
        for (const ctx of reads) this.startRead(ctx);
      }
    }
  }

  private committedInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  private startRead(ctx: string): void {
    if (this.voters.length === 1) {
      this.readStates.push({ index: this.log.committed, ctx });
      return;
    }
    this.readOnly.add(ctx, this.log.committed, this.id);
    this.bcastHeartbeat(ctx);
  }

  /**
   * Configuration changes take effect when committed (etcd does it when applied; either is safe
   * with one change at a time and rule 2 of proposeConfChange), identically on every node: the
   * entry says the whole new voter set.
   */
  private applyCommittedConf(from: number, to: number): void {
    for (let i = Math.max(from + 1, this.log.firstIndex()); i <= to; i++) {
      const e = this.log.entry(i);
      if (!e || e.type !== 'conf') continue;
      const cc = decodeConfChange(e.data);
      this.voters = [...cc.voters].sort((a, b) => a - b);
      this.confHistory.push({ index: i, voters: this.voters });
      if (this.role === 'leader') this.leaderConfChanged();
    }
  }

  private leaderConfChanged(): void {
    for (const v of this.voters) {
      if (!this.prs.has(v)) {
        const pr = new Progress(this.log.lastIndex() + 1, this.maxInflight);
        pr.recentActive = true; // give a new member one check-quorum round to answer
        this.prs.set(v, pr);
      }
    }
    for (const id of [...this.prs.keys()]) if (!this.voters.includes(id)) this.prs.delete(id);
    if (!this.voters.includes(this.id)) {
      // Thesis §4.2.2: a removed leader steps down once the change is committed. Share the commit
      // index first so the others apply it promptly.
      this.bcastAppend();
      this.becomeFollower(this.term, NONE);
      return;
    }
    if (this.leadTransferee !== NONE && !this.voters.includes(this.leadTransferee))
      this.leadTransferee = NONE;
    // A smaller quorum may commit more now.
    if (this.maybeCommit()) this.bcastAppend();
  }

  private votersAt(index: number): NodeId[] {
    let v = [...this.log.snapshot.meta.voters];
    for (const c of this.confHistory) if (c.index <= index) v = c.voters;
    return v;
  }

  private send(m: Message): void {
    this.msgs.push(m);
  }
}

export function quorum(n: number): number {
  return Math.floor(n / 2) + 1;
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
