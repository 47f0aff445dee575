import type { Raft } from '../raft';
import type { Entry, NodeId } from '../types';

/** Thrown when a Raft safety property is violated. */
export class InvariantViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantViolation';
  }
}

export function fnv1a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function mix(h: number, n: number): number {
  h ^= n & 0xffff;
  h = Math.imul(h, 0x01000193) >>> 0;
  h ^= n >>> 16;
  return Math.imul(h, 0x01000193) >>> 0;
}

/** The state machine digest after applying e on top of `digest`: a hash chain over the log. */
export function applyDigest(digest: number, e: Entry): number {
  return mix(mix(mix(digest, e.index), e.term), fnv1a(e.data));
}

/**
 * The Raft safety properties (§5.2, Figure 3), checked incrementally as the simulation runs:
 *
 * - Election Safety: at most one leader per term.
 * - Log Matching: in its inductive form. For every (index, term) ever persisted by any node we
 *   record the entry's data hash and the term of the entry before it; every other node that
 *   persists (index, term) must agree on both. Same (i,t) ⇒ same data and same (i−1, t′) ⇒ … ⇒
 *   the logs are identical up to i, which is exactly Log Matching.
 * - Leader Completeness: an entry known committed while the observer was in term c is in the log
 *   of every leader of a term > c (checked when a leader is elected and when a commit is learned).
 * - State Machine Safety: every node that applies index i has the same state machine digest
 *   (a hash chain over all entries ≤ i) after it; no node skips an index.
 */
export class SafetyChecker {
  private readonly leaders = new Map<number, NodeId>();
  private readonly persisted = new Map<string, { prevTerm: number; hash: number }>();
  /** index → term of the committed entry and the lowest term in which anyone knew it committed. */
  readonly committed = new Map<number, { term: number; commitTerm: number }>();
  readonly applied = new Map<number, { term: number; digest: number }>();
  maxCommitKnown = 0;

  leaderElected(r: Raft): void {
    const prev = this.leaders.get(r.term);
    if (prev !== undefined && prev !== r.id) {
      throw new InvariantViolation(
        `election safety: ${prev} and ${r.id} both leaders of term ${r.term}`,
      );
    }
    this.leaders.set(r.term, r.id);
    for (const [i, c] of this.committed) {
      if (c.commitTerm < r.term) this.checkLeaderHas(r, i, c.term);
    }
  }

  private checkLeaderHas(r: Raft, i: number, term: number): void {
    if (i <= r.log.snapIndex()) return; // covered by its snapshot (checked by state machine safety)
    const t = r.log.term(i);
    if (t !== term) {
      throw new InvariantViolation(
        `leader completeness: leader ${r.id} of term ${r.term} has term ${t} at committed index ${i} (committed term ${term})`,
      );
    }
  }

  /** Node r's commit index moved from `from` to r.log.committed. `leaders` are the current leaders. */
  commitAdvanced(r: Raft, from: number, leaders: readonly Raft[]): void {
    const to = r.log.committed;
    if (to > this.maxCommitKnown) this.maxCommitKnown = to;
    for (let i = Math.max(from + 1, r.log.firstIndex()); i <= to; i++) {
      const t = r.log.term(i);
      if (t === undefined) continue;
      const c = this.committed.get(i);
      if (c) {
        if (c.term !== t)
          throw new InvariantViolation(
            `commit: index ${i} committed with terms ${c.term} and ${t}`,
          );
        if (r.term < c.commitTerm) this.committed.set(i, { term: t, commitTerm: r.term });
        continue;
      }
      this.committed.set(i, { term: t, commitTerm: r.term });
      for (const l of leaders) if (l.term > r.term) this.checkLeaderHas(l, i, t);
    }
  }

  /** Node persisted entries; prevTermOf gives the term its stored log has before each entry. */
  entriesPersisted(
    node: NodeId,
    entries: readonly Entry[],
    prevTermOf: (i: number) => number | undefined,
  ): void {
    for (const e of entries) {
      const prevTerm = prevTermOf(e.index - 1);
      if (prevTerm === undefined)
        throw new InvariantViolation(`log: node ${node} stored ${e.index} after a gap`);
      if (prevTerm > e.term)
        throw new InvariantViolation(`log: node ${node} terms decrease at ${e.index}`);
      const key = `${e.index}:${e.term}`;
      const hash = fnv1a(e.data, e.type === 'conf' ? 7 : 3);
      const seen = this.persisted.get(key);
      if (!seen) {
        this.persisted.set(key, { prevTerm, hash });
      } else if (seen.prevTerm !== prevTerm || seen.hash !== hash) {
        throw new InvariantViolation(
          `log matching: node ${node} entry ${key} has prevTerm ${prevTerm}/hash ${hash}, another node ${seen.prevTerm}/${seen.hash}`,
        );
      }
    }
  }

  /** Node applied index i (term) reaching `digest`. */
  appliedEntry(node: NodeId, i: number, term: number, digest: number): void {
    const seen = this.applied.get(i);
    if (!seen) {
      this.applied.set(i, { term, digest });
    } else if (seen.term !== term || seen.digest !== digest) {
      throw new InvariantViolation(
        `state machine safety: node ${node} applied ${i}:${term} digest ${digest}, another node ${i}:${seen.term} digest ${seen.digest}`,
      );
    }
  }

  /** A restored snapshot must match what nodes applied at its index. */
  snapshotRestored(node: NodeId, i: number, digest: number): void {
    if (i === 0) return;
    const seen = this.applied.get(i);
    if (!seen)
      throw new InvariantViolation(
        `snapshot: node ${node} restored index ${i} that no node applied`,
      );
    if (seen.digest !== digest) {
      throw new InvariantViolation(
        `snapshot: node ${node} restored digest ${digest} at ${i}, applied digest ${seen.digest}`,
      );
    }
  }
}
