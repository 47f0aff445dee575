import { expect } from 'chai';
import { Raft, type RaftConfig } from '../../../../meta/raft/raft';
import { SeededRng } from '../../../../meta/raft/rng';
import { MemoryStorage } from '../../../../meta/raft/storage';
import type { Entry, Message, NodeId, ReadState } from '../../../../meta/raft/types';

/** A tiny synchronous harness: nodes with MemoryStorage, messages delivered in FIFO order. */
class Group {
  readonly nodes = new Map<NodeId, Raft>();
  readonly storages = new Map<NodeId, MemoryStorage>();
  readonly applied = new Map<NodeId, Entry[]>();
  readonly reads: ReadState[] = [];
  queue: Message[] = [];
  /** Links that drop messages, as "from>to". */
  readonly cut = new Set<string>();
  /** Drops messages matching this predicate too. */
  drop: (m: Message) => boolean = () => false;

  constructor(ids: NodeId[], extra: Partial<RaftConfig> = {}) {
    for (const id of ids) {
      const st = new MemoryStorage();
      st.bootstrap(ids);
      this.storages.set(id, st);
      this.applied.set(id, []);
      this.start(id, extra);
    }
  }

  start(id: NodeId, extra: Partial<RaftConfig> = {}): Raft {
    const st = this.storages.get(id) as MemoryStorage;
    const r = new Raft(
      { id, electionTick: 10, heartbeatTick: 1, rng: new SeededRng(id), ...extra },
      st.load() as never,
    );
    this.nodes.set(id, r);
    return r;
  }

  get(id: NodeId): Raft {
    return this.nodes.get(id) as Raft;
  }

  /** Processes every node's Ready, then delivers messages until the network is quiet. */
  settle(maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      for (const [id, r] of this.nodes) {
        if (!r.hasReady()) continue;
        const rd = r.ready();
        (this.storages.get(id) as MemoryStorage).save(rd);
        this.queue.push(...rd.messages);
        this.applied.get(id)?.push(...rd.committedEntries);
        this.reads.push(...rd.readStates);
        r.advance();
      }
      if (this.queue.length === 0) return;
      const q = this.queue;
      this.queue = [];
      for (const m of q) {
        if (this.cut.has(`${m.from}>${m.to}`) || this.drop(m)) continue;
        this.nodes.get(m.to)?.step(m);
      }
    }
    throw new Error('group did not settle');
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
  }

  /** Ticks `id` until it campaigns (and the group settles). */
  elect(id: NodeId): void {
    const r = this.get(id);
    for (let i = 0; i < 100 && r.role !== 'leader'; i++) {
      r.tick();
      this.settle();
    }
    expect(r.role).to.equal('leader');
  }

  tickAll(n: number): void {
    for (let i = 0; i < n; i++) {
      for (const r of this.nodes.values()) r.tick();
      this.settle();
    }
  }

  data(id: NodeId): string[] {
    return (this.applied.get(id) ?? [])
      .filter((e) => e.type === 'normal' && e.data.length > 0)
      .map((e) => Buffer.from(e.data).toString());
  }
}

const b = (s: string): Uint8Array => Buffer.from(s);

describe('raft core', () => {
  it('elects a leader with pre-vote and replicates and applies proposals everywhere', () => {
    const g = new Group([1, 2, 3]);
    g.elect(1);
    expect(g.get(2).lead).to.equal(1);
    expect(g.get(1).term).to.equal(1); // pre-vote did not bump terms on its own
    for (const s of ['a', 'b', 'c']) expect(g.get(1).propose(b(s)).ok).to.equal(true);
    g.settle();
    g.tickAll(2); // heartbeats carry the commit index to followers
    for (const id of [1, 2, 3]) expect(g.data(id)).to.deep.equal(['a', 'b', 'c']);
  });

  it('rejects proposals on a follower, naming the leader', () => {
    const g = new Group([1, 2, 3]);
    g.elect(1);
    const res = g.get(2).propose(b('x'));
    expect(res).to.deep.equal({ ok: false, reason: 'notLeader', leader: 1 });
  });

  it('with pre-vote, a partitioned node rejoining does not disrupt the leader (thesis §9.6)', () => {
    const g = new Group([1, 2, 3]);
    g.elect(1);
    g.isolate(3);
    for (let i = 0; i < 50; i++) {
      g.get(3).tick();
      g.settle();
    }
    expect(g.get(3).term).to.equal(1); // its pre-votes failed, so its term never moved
    g.cut.clear();
    g.tickAll(5);
    expect(g.get(1).role).to.equal('leader');
    expect(g.get(1).term).to.equal(1);
  });

  it('with check-quorum, a leader cut off from the majority steps down (thesis §6.2)', () => {
    const g = new Group([1, 2, 3]);
    g.elect(1);
    g.isolate(1);
    for (let i = 0; i < 25; i++) {
      g.get(1).tick();
      g.settle();
    }
    expect(g.get(1).role).to.equal('follower');
  });

  it('does not commit an old-term entry by counting replicas (§5.4.2, Figure 8)', () => {
    // One entry per AppendEntries, so an old entry can reach a follower without the new no-op.
    const g = new Group([1, 2, 3, 4, 5], { maxBytesPerMsg: 1, preVote: false, checkQuorum: false });
    g.elect(1); // term 1, no-op at index 1
    g.tickAll(1);
    // Leader 1 appends "old" (index 2, term 1); only node 2 receives it.
    g.drop = (m) => m.from === 1 && m.to >= 3;
    expect(g.get(1).propose(b('old'))).to.deep.include({ ok: true, index: 2, term: 1 });
    g.settle();
    // Node 2 wins term 2 (votes of 1, 3) and appends its no-op at index 3. Its appends reach
    // node 1 whole, node 3 only up to "old" (the no-op is dropped once 3 could accept it), nodes
    // 4 and 5 not at all.
    g.drop = (m) =>
      m.from === 2 &&
      m.type === 'append' &&
      (m.to >= 4 ||
        (m.to === 3 && m.entries.some((e) => e.index === 3) && g.get(3).log.lastIndex() >= 2));
    g.elect(2);
    g.settle();
    const l = g.get(2);
    expect(l.term).to.equal(2);
    expect(g.storages.get(3)?.lastIndex()).to.equal(2);
    // "old" is now on 1, 2, 3: a majority of 5, and the leader knows it. Counting replicas would
    // commit it; §5.4.2 says wait until an entry of the current term (the no-op, on 1 and 2 only)
    // is on a majority, as a node with a newer last term could otherwise still win and overwrite it.
    expect(l.log.committed).to.equal(1);
    g.drop = () => false;
    g.tickAll(2);
    expect(l.log.committed).to.equal(3);
  });

  it('commits only up to the last entry an AppendEntries covers (Figure 2, AppendEntries rule 5)', () => {
    const st = new MemoryStorage();
    st.bootstrap([1, 2, 3]);
    const f = new Raft(
      { id: 2, electionTick: 10, heartbeatTick: 1, rng: new SeededRng(1) },
      st.load() as never,
    );
    const e = (index: number, term: number, d: string): Entry => ({
      index,
      term,
      type: 'normal',
      data: b(d),
    });
    // Leader 3 of term 1 gave us entries 1 and 2; entry 2 never got committed.
    f.step({
      type: 'append',
      from: 3,
      to: 2,
      term: 1,
      prevIndex: 0,
      prevTerm: 0,
      entries: [e(1, 1, 'x'), e(2, 1, 'stale')],
      commit: 0,
    });
    // Leader 1 of term 2 has a different entry at 2, committed with 1 and 3. Its probe matches at
    // 1 and covers nothing after it, while its commit index is 2: we must commit only up to 1,
    // our entry 2 is not the leader's.
    f.step({
      type: 'append',
      from: 1,
      to: 2,
      term: 2,
      prevIndex: 1,
      prevTerm: 1,
      entries: [],
      commit: 2,
    });
    expect(f.log.committed).to.equal(1);
    f.step({
      type: 'append',
      from: 1,
      to: 2,
      term: 2,
      prevIndex: 1,
      prevTerm: 1,
      entries: [e(2, 2, 'real')],
      commit: 2,
    });
    expect(f.log.committed).to.equal(2);
    expect(Buffer.from(f.log.entry(2)?.data ?? []).toString()).to.equal('real');
  });

  it('serves ReadIndex only after a quorum confirms leadership (thesis §6.4)', () => {
    const g = new Group([1, 2, 3]);
    g.elect(1);
    g.tickAll(1);
    const commit = g.get(1).log.committed;
    g.isolate(1);
    expect(g.get(1).readIndex('r1')).to.equal(true);
    g.settle();
    expect(g.reads).to.have.length(0); // no quorum: no read state
    g.cut.clear();
    g.tickAll(1); // the next heartbeat carries r1 again
    expect(g.reads.map((r) => r.ctx)).to.deep.equal(['r1']);
    expect(g.reads[0].index).to.be.at.least(commit);
    expect(g.get(2).readIndex('r2')).to.equal(false);
  });

  it('transfers leadership with TimeoutNow (thesis §3.10)', () => {
    const g = new Group([1, 2, 3]);
    g.elect(1);
    g.get(1).propose(b('a'));
    g.settle();
    expect(g.get(1).transferLeader(3)).to.equal(true);
    expect(g.get(1).propose(b('blocked')).ok).to.equal(false);
    g.settle();
    expect(g.get(3).role).to.equal('leader');
    expect(g.get(1).role).to.equal('follower');
  });

  it('sends a snapshot to a follower whose entries were compacted, and it applies after it', () => {
    const g = new Group([1, 2, 3]);
    g.elect(1);
    g.isolate(3);
    for (let i = 0; i < 10; i++) g.get(1).propose(b(`e${i}`));
    g.settle();
    g.tickAll(1);
    const l = g.get(1);
    const snap = l.compact(l.log.applied, b('image'));
    g.storages.get(1)?.saveSnapshot(snap);
    expect(l.log.firstIndex()).to.equal(snap.meta.index + 1);
    g.cut.clear();
    g.get(1).propose(b('after'));
    g.settle();
    g.tickAll(3);
    const f = g.get(3);
    expect(f.log.snapIndex()).to.equal(snap.meta.index);
    expect(g.storages.get(3)?.snapshot?.data).to.deep.equal(b('image'));
    expect(g.data(3)).to.deep.equal(['after']);
    expect(f.log.committed).to.equal(l.log.committed);
  });

  it('adds and removes one voter at a time', () => {
    const g = new Group([1, 2, 3]);
    g.elect(1);
    g.tickAll(1);
    const st = new MemoryStorage();
    st.bootstrap([]);
    g.storages.set(4, st);
    g.applied.set(4, []);
    g.start(4);
    const l = g.get(1);
    expect(l.proposeConfChange('addNode', 4).ok).to.equal(true);
    expect(l.proposeConfChange('removeNode', 2)).to.deep.include({
      ok: false,
      reason: 'confPending',
    });
    g.settle();
    g.tickAll(2);
    expect(g.get(4).votersNow()).to.deep.equal([1, 2, 3, 4]);
    expect(l.votersNow()).to.deep.equal([1, 2, 3, 4]);
    expect(l.proposeConfChange('removeNode', 1).ok).to.equal(true);
    g.settle();
    g.tickAll(2);
    expect(l.role).to.equal('follower'); // the removed leader stepped down (thesis §4.2.2)
    expect(l.votersNow()).to.deep.equal([2, 3, 4]);
    g.tickAll(40);
    const leaders = [2, 3, 4].filter((id) => g.get(id).role === 'leader');
    expect(leaders).to.have.length(1);
    expect(g.get(leaders[0]).propose(b('z')).ok).to.equal(true);
    g.settle();
    g.tickAll(1);
    expect(g.data(4)).to.include('z');
  });

  it('a restarted node keeps its vote and log from storage only', () => {
    const g = new Group([1, 2, 3]);
    g.elect(1);
    g.get(1).propose(b('a'));
    g.settle();
    const before = g.get(2).hardState();
    const r = g.start(2);
    expect(r.term).to.equal(before.term);
    expect(r.vote).to.equal(1);
    expect(r.log.lastIndex()).to.equal(g.storages.get(2)?.lastIndex());
  });
});
