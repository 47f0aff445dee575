import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RpcError, RpcErrorCode } from '../../../../common/errors';
import { MemoryNetwork } from '../../../../meta/raft/memoryTransport';
import { RaftNode } from '../../../../meta/raft/node';
import { SeededRng } from '../../../../meta/raft/rng';
import { SqliteStorage } from '../../../../meta/raft/sqliteStorage';
import { MemoryStorage, type RaftStorage } from '../../../../meta/raft/storage';
import type { Entry, NodeId } from '../../../../meta/raft/types';
import { ManualClock } from './manualClock';

const TICK_MS = 10;

/** A key/value state machine: each entry is JSON {k, v}; apply returns how many writes so far. */
class Kv {
  map = new Map<string, string>();
  writes = 0;
  restores = 0;
  apply(e: Entry): number {
    const { k, v } = JSON.parse(Buffer.from(e.data).toString()) as { k: string; v: string };
    this.map.set(k, v);
    return ++this.writes;
  }
  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify({ writes: this.writes, map: [...this.map] }));
  }
  restore(data: Uint8Array): void {
    const s = JSON.parse(Buffer.from(data).toString()) as {
      writes: number;
      map: [string, string][];
    };
    this.writes = s.writes;
    this.map = new Map(s.map);
    this.restores++;
  }
}

const put = (k: string, v: string): Uint8Array => Buffer.from(JSON.stringify({ k, v }));

class Cluster {
  readonly clock = new ManualClock();
  readonly net = new MemoryNetwork();
  readonly nodes = new Map<NodeId, RaftNode>();
  readonly kvs = new Map<NodeId, Kv>();
  readonly storages = new Map<NodeId, () => RaftStorage>();

  constructor(
    readonly voters: NodeId[],
    private readonly makeStorage: (id: NodeId) => () => RaftStorage,
    private readonly snapshotEvery = 1000,
  ) {
    for (const id of voters) this.start(id, voters);
  }

  start(id: NodeId, initialVoters: NodeId[] = this.voters): RaftNode {
    if (!this.storages.has(id)) this.storages.set(id, this.makeStorage(id));
    const kv = new Kv();
    this.kvs.set(id, kv);
    const node = new RaftNode({
      id,
      storage: (this.storages.get(id) as () => RaftStorage)(),
      transport: this.net.transport(id),
      clock: this.clock,
      apply: (e) => kv.apply(e),
      snapshot: () => kv.snapshot(),
      restore: (d) => kv.restore(d),
      initialVoters,
      tickMs: TICK_MS,
      snapshotEvery: this.snapshotEvery,
      timeoutMs: 2000,
      rng: new SeededRng(id * 7919),
    });
    this.nodes.set(id, node);
    return node;
  }

  node(id: NodeId): RaftNode {
    return this.nodes.get(id) as RaftNode;
  }

  /** Advances time tick by tick, letting messages flow, until cond() holds (or fails the test). */
  async until(cond: () => boolean, what: string, maxMs = 10_000): Promise<void> {
    for (let t = 0; t <= maxMs; t += TICK_MS) {
      await ioTurns();
      if (cond()) return;
      this.clock.advance(TICK_MS);
    }
    throw new Error(`timed out (${maxMs} simulated ms) waiting for ${what}`);
  }

  leader(): RaftNode | undefined {
    const ls = [...this.nodes.values()].filter((n) => n.isLeader());
    return ls.length === 1 ? ls[0] : undefined;
  }

  async waitLeader(): Promise<RaftNode> {
    await this.until(() => this.leader() !== undefined, 'a leader');
    return this.leader() as RaftNode;
  }

  /** Resolves p while moving the clock. */
  async settle<T>(p: Promise<T>, what: string): Promise<T> {
    let done = false;
    let value: T | undefined;
    let error: unknown;
    p.then(
      (v) => {
        done = true;
        value = v;
      },
      (e: unknown) => {
        done = true;
        error = e;
      },
    );
    await this.until(() => done, what);
    if (error !== undefined) throw error;
    return value as T;
  }

  close(): void {
    for (const n of this.nodes.values()) n.close();
  }
}

async function ioTurns(n = 4): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('RaftNode (driver)', function () {
  this.timeout(30_000);
  let c: Cluster | undefined;
  const dirs: string[] = [];
  afterEach(() => {
    c?.close();
    c = undefined;
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  const memory = (): (() => RaftStorage) => {
    const st = new MemoryStorage();
    return () => st;
  };
  const sqlite = (): (() => RaftStorage) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raft-node-'));
    dirs.push(dir);
    return () => new SqliteStorage(path.join(dir, 'raft.db'));
  };

  it('elects a leader, applies proposals on every node and returns the result to the proposer', async () => {
    c = new Cluster([1, 2, 3], memory);
    const l = await c.waitLeader();
    expect(await c.settle(l.propose(put('a', '1')), 'propose a')).to.equal(1);
    expect(await c.settle(l.propose(put('b', '2')), 'propose b')).to.equal(2);
    await c.until(
      () => [1, 2, 3].every((id) => c?.kvs.get(id)?.map.get('b') === '2'),
      'all applied',
    );
    const st = l.status();
    expect(st.role).to.equal('leader');
    expect(st.leader).to.equal(l.id);
    expect(st.commit).to.equal(st.applied);
    expect(st.lastIndex).to.be.at.least(3);
  });

  it('rejects a proposal on a follower with NOT_LEADER naming the leader', async () => {
    c = new Cluster([1, 2, 3], memory);
    const l = await c.waitLeader();
    await c.until(
      () => [1, 2, 3].every((id) => c?.node(id).status().leader === l.id),
      'followers know the leader',
    );
    const f = [1, 2, 3].find((id) => id !== l.id) as NodeId;
    const err = await rejection(c.node(f).propose(put('x', '1')));
    expect(err).to.be.instanceOf(RpcError);
    expect((err as RpcError).code).to.equal(RpcErrorCode.notLeader);
    expect((err as RpcError).detail).to.deep.equal({ leader: l.id });
    expect((err as RpcError).message).to.contain(`node ${l.id}`);
    expect(((await rejection(c.node(f).readIndex())) as RpcError).code).to.equal(
      RpcErrorCode.notLeader,
    );
  });

  it('readIndex resolves on the leader after the latest write is applied there', async () => {
    c = new Cluster([1, 2, 3], memory);
    const l = await c.waitLeader();
    await c.settle(l.propose(put('k', 'v1')), 'write');
    await c.settle(l.readIndex(), 'read index');
    expect(c.kvs.get(l.id)?.map.get('k')).to.equal('v1');
  });

  it('readIndex on a leader cut off from its followers does not resolve', async () => {
    c = new Cluster([1, 2, 3], memory);
    const l = await c.waitLeader();
    await c.settle(l.propose(put('k', 'v1')), 'write');
    c.net.disconnect(l.id);
    const err = await rejection(c.settle(l.readIndex(), 'read index'));
    // Either the deadline passes or it steps down (check-quorum) first; never a stale success.
    expect([RpcErrorCode.notLeader, RpcErrorCode.deadlineExceeded]).to.include(
      (err as RpcError).code,
    );
  });

  it('transfers leadership', async () => {
    c = new Cluster([1, 2, 3], memory);
    const l = await c.waitLeader();
    const to = [1, 2, 3].find((id) => id !== l.id) as NodeId;
    await c.settle(l.transferLeadership(to), 'transfer');
    await c.until(() => c?.leader()?.id === to, 'new leader');
    expect(await c.settle(c.node(to).propose(put('t', '1')), 'propose at new leader')).to.equal(1);
  });

  it('survives a leader crash and restart with SQLite storage, losing no acknowledged write', async () => {
    c = new Cluster([1, 2, 3], sqlite, 5);
    const acked: string[] = [];
    let l = await c.waitLeader();
    for (let i = 0; i < 12; i++) {
      await c.settle(l.propose(put(`k${i}`, `v${i}`)), `write ${i}`);
      acked.push(`k${i}`);
    }
    const old = l.id;
    // Crash: the node stops and its SQLite file is all that remains.
    c.net.disconnect(old);
    c.node(old).close();
    c.nodes.delete(old);
    l = await c.waitLeader();
    expect(l.id).to.not.equal(old);
    for (let i = 12; i < 20; i++) {
      await c.settle(l.propose(put(`k${i}`, `v${i}`)), `write ${i}`);
      acked.push(`k${i}`);
    }
    // Restart from disk: it restores its snapshot, replays its log, then catches up.
    c.net.reconnect(old);
    const back = c.start(old);
    const kv = c.kvs.get(old) as Kv;
    expect(kv.restores).to.equal(1); // the restart began from its local snapshot
    expect(back.status().term).to.be.greaterThan(0);
    await c.until(() => acked.every((k) => kv.map.has(k)), 'restarted node caught up');
    for (const id of [1, 2, 3]) {
      const m = c.kvs.get(id)?.map;
      expect(acked.filter((k) => m?.get(k) !== `v${k.slice(1)}`)).to.deep.equal([]);
    }
    expect(kv.writes).to.equal(20);
    // And the group still makes progress with it.
    const l2 = await c.waitLeader();
    await c.settle(l2.propose(put('after', 'x')), 'write after restart');
    await c.until(() => kv.map.get('after') === 'x', 'restarted node applies new writes');
  });

  it('catches up a lagging follower by snapshot', async () => {
    c = new Cluster([1, 2, 3], memory, 4);
    const l = await c.waitLeader();
    const lag = [1, 2, 3].find((id) => id !== l.id) as NodeId;
    c.net.disconnect(lag);
    for (let i = 0; i < 15; i++) await c.settle(l.propose(put(`k${i}`, `${i}`)), `write ${i}`);
    c.net.reconnect(lag);
    const kv = c.kvs.get(lag) as Kv;
    await c.until(() => kv.map.get('k14') === '14', 'lagging follower caught up');
    expect(kv.restores).to.be.at.least(1);
    expect(kv.writes).to.equal(15);
  });

  it('adds a fourth voter, which then counts toward the quorum', async () => {
    c = new Cluster([1, 2, 3], memory);
    const l = await c.waitLeader();
    await c.settle(l.propose(put('a', '1')), 'write');
    const n4 = c.start(4, []);
    await c.settle(l.changeMembership('addNode', 4), 'add node 4');
    await c.until(() => c?.kvs.get(4)?.map.get('a') === '1', 'node 4 caught up');
    expect(n4.status().voters).to.deep.equal([1, 2, 3, 4]);
    // With two of four down, no quorum: a write must not be acknowledged.
    const others = [1, 2, 3].filter((id) => id !== l.id);
    c.net.disconnect(others[0]);
    c.net.disconnect(4);
    const err = await rejection(c.settle(l.propose(put('b', '2')), 'write without quorum'));
    expect([RpcErrorCode.deadlineExceeded, RpcErrorCode.notLeader]).to.include(
      (err as RpcError).code,
    );
  });
});
