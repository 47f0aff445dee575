/**
 * Runs the timestamp oracle (tso.ts) on the Raft leader only, and makes sure that no two
 * leaders ever serve timestamps at overlapping times, so timestamps never go backwards in
 * real time across a leader change (a client that got t1 and then asks again gets t2 > t1).
 *
 * Uniqueness alone is easy: a leader only hands out timestamps below a high-water mark it
 * has committed through Raft; a new leader first applies everything committed before it
 * (a ReadIndex barrier), so it starts above every mark — hence every timestamp — of earlier
 * leaders. Real-time order needs more, because a deposed leader does not know it is deposed:
 *
 *   1. old leader L (term 1) serves, holding committed mark H;
 *   2. L is cut off; B and C elect C (term 2); C serves timestamps ≥ H to client X;
 *   3. client Y, after X's call returned, asks L — which, not knowing, answers t < H.
 *
 * The lease rule that rules out step 3:
 *   - L serves only while it holds a lease: it starts a ReadIndex round at its local
 *     monotonic time T, and once a quorum has confirmed that round (in L's term) it may
 *     serve until T + OWN_LEASE_MS.
 *   - A node that becomes leader waits LEASE_WAIT_MS (> OWN_LEASE_MS) after it noticed its
 *     election before it serves anything.
 * Why that suffices: some member of L's confirming quorum voted for C (quorums intersect),
 * and it acknowledged L's round before voting (after voting it has term 2 and rejects L's
 * heartbeats). So T < C's election ≤ the moment C noticed it, and L stops serving at
 * T + OWN_LEASE_MS < C's start + LEASE_WAIT_MS, when C begins. This holds even when voters
 * do not honour leader leases (a restarted follower votes at once); it assumes only that
 * clocks run at about the same rate over half a second (the margin between the two).
 */
import { performance } from 'node:perf_hooks';
import { RpcError, RpcErrorCode } from '../common/errors';
import type { Logger } from '../common/logger';
import { TimestampOracle } from './tso';
import type { ReplicatedLog } from './replicatedLog';
import type { MetaStateMachine } from './stateMachine';

/** A new leader waits this long before serving timestamps (see above). */
export const LEASE_WAIT_MS = 500;
/** How long one confirmed ReadIndex round lets a leader serve; < LEASE_WAIT_MS by a margin. */
export const OWN_LEASE_MS = 400;
/** Lease renewal period; several renewals fit in one lease. */
const RENEW_EVERY_MS = 100;
/** How often the role is checked. Safety does not depend on it: assertServing checks it too. */
const POLL_MS = 20;

export class LeaderTso {
  /** The term this node leads and runs the TSO in; 0 when it does not. */
  private term = 0;
  private tso: TimestampOracle | null = null;
  private servingFrom = Infinity;
  private leaseUntil = 0;
  private renewing = false;
  private lastRenewStart = -Infinity;
  private readonly timer: NodeJS.Timeout;
  /** Fault injection (tests): added to the wall clock the TSO reads, to model clock skew. */
  clockSkewMs = 0;
  /** Wall-clock ms when this node noticed it leads the current term (null: not leading). */
  private ledSince: number | null = null;

  constructor(
    private readonly log: ReplicatedLog,
    private readonly machine: MetaStateMachine,
    private readonly selfAddress: string,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => this.poll(), POLL_MS);
    this.timer.unref();
    this.poll();
  }

  /** The first of `count` consecutive timestamps; NOT_LEADER or UNAVAILABLE if not serving. */
  next(count: number): bigint | Promise<bigint> {
    const tso = this.tso;
    if (tso === null || !this.log.isLeader()) throw this.refusal();
    return tso.next(count);
  }

  /** Whether this node hands out timestamps right now. */
  get serving(): boolean {
    return this.canServe();
  }

  /** Wall-clock ms since which this node leads (null when it does not). */
  get leaderSinceMs(): number | null {
    return this.ledSince;
  }

  close(): void {
    clearInterval(this.timer);
    this.stepDown();
  }

  private poll(): void {
    const st = this.log.status();
    if (st.role !== 'leader') {
      if (this.term !== 0) this.stepDown();
      return;
    }
    if (st.term !== this.term) {
      this.stepDown();
      this.term = st.term;
      this.ledSince = Date.now();
      void this.takeOffice(st.term);
    }
    if (!this.renewing && performance.now() - this.lastRenewStart >= RENEW_EVERY_MS)
      void this.renewLease(st.term);
  }

  private async takeOffice(term: number): Promise<void> {
    const tookOffice = performance.now();
    try {
      // Apply every mark committed by earlier leaders before reading the mark.
      await this.log.readBarrier();
      if (this.term !== term) return;
      const tso = new TimestampOracle({
        now: () => Date.now() + this.clockSkewMs,
        highWater: () => this.machine.tsoHighWaterMs,
        persistHighWater: async (physicalMs) => {
          await this.log.propose({ type: 'tsoHighWater', physicalMs });
        },
        assertServing: () => {
          if (this.term !== term || !this.canServe()) throw this.refusal();
        },
      });
      // Commits a mark in this term: from here on every mark we serve under is ours.
      await tso.start();
      if (this.term !== term) return;
      this.tso = tso;
      this.servingFrom = tookOffice + LEASE_WAIT_MS;
      this.logger.info(
        { term, highWaterMs: this.machine.tsoHighWaterMs },
        'timestamp oracle started on the new leader',
      );
    } catch (err) {
      if (this.term !== term) return;
      this.logger.warn(
        { term, err: (err as Error).message },
        'timestamp oracle failed to start; will retry',
      );
      this.term = 0; // the next poll tries again if we still lead
    }
  }

  private async renewLease(term: number): Promise<void> {
    this.renewing = true;
    const started = performance.now();
    this.lastRenewStart = started;
    try {
      await this.log.readBarrier();
      if (this.term === term && this.log.isLeader() && this.log.status().term === term) {
        this.leaseUntil = Math.max(this.leaseUntil, started + OWN_LEASE_MS);
      }
    } catch {
      // Not confirmed (deposed, or no quorum in time): the lease just runs out.
    } finally {
      this.renewing = false;
    }
  }

  private canServe(): boolean {
    if (this.term === 0 || this.tso === null || !this.log.isLeader()) return false;
    const now = performance.now();
    return now >= this.servingFrom && now < this.leaseUntil && this.log.status().term === this.term;
  }

  private stepDown(): void {
    if (this.term !== 0 && this.tso !== null)
      this.logger.info({ term: this.term }, 'timestamp oracle stopped: no longer the leader');
    this.term = 0;
    this.ledSince = null;
    this.tso = null;
    this.servingFrom = Infinity;
    this.leaseUntil = 0;
  }

  private refusal(): RpcError {
    if (!this.log.isLeader()) return this.log.notLeader();
    return new RpcError(
      RpcErrorCode.unavailable,
      'the timestamp oracle is not serving yet (new leader, or leader lease not confirmed)',
      {
        leader: this.selfAddress,
      },
    );
  }
}
