/**
 * Three meta nodes in this process on loopback (real RPC, real SQLite, fast ticks): who
 * answers what, and how a leader that loses its quorum stops handing out timestamps.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMetaNode, MetaNode } from '../../../meta';
import { MetaClient } from '../../../common/clients/metaClient';
import { RpcClient } from '../../../common/rpc';
import { RpcError, RpcErrorCode } from '../../../common/errors';
import { silentLogger } from '../../../common/logger';
import type { MetaMemberStatus } from '../../../meta/server';
import type { MetaConfig } from '../../../meta';
import { freePort } from '../../support/metaProcesses';
import { waitFor } from '../../support/waitFor';

const secret = 'unit-test-secret';

describe('meta server on a 3-node Raft group (in process)', function () {
  this.timeout(30_000);
  let dir = '';
  let nodes: Array<MetaNode | null> = [];
  let addresses: string[] = [];
  const rpcs: RpcClient[] = [];
  let configs: MetaConfig[] = [];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meta-unit-'));
    addresses = [];
    for (let i = 0; i < 3; i++) addresses.push(`127.0.0.1:${await freePort()}`);
    const peers = addresses.map((address, i) => ({ id: i + 1, address }));
    configs = addresses.map((address, i) => ({
      nodeName: `meta${i + 1}`,
      nodeId: i + 1,
      listen: address,
      advertise: '',
      dataDir: path.join(dir, `meta${i + 1}`),
      secret,
      peers,
      shardLivenessMs: 3000,
      raftTickMs: 20,
      raftSnapshotEvery: 20,
      faultInjection: false,
    }));
    nodes = await Promise.all(configs.map((c) => startMetaNode(c, silentLogger())));
    rpcs.length = 0;
    for (const address of addresses)
      rpcs.push(
        new RpcClient({
          address,
          secret,
          name: 'test',
          logger: silentLogger(),
          defaultTimeoutMs: 2000,
        }),
      );
  });
  afterEach(async () => {
    for (const r of rpcs) r.close();
    for (const n of nodes) await n?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function leaderIndex(): Promise<number> {
    return waitFor('a leader serving timestamps', async () => {
      const st = await Promise.all(
        rpcs.map((r, i) =>
          nodes[i] ? r.call<MetaMemberStatus>('meta.raftStatus', {}).catch(() => null) : null,
        ),
      );
      const i = st.findIndex((s) => s?.role === 'leader' && s.tsoServing);
      return i >= 0 ? i : undefined;
    });
  }

  it('followers refuse writes, reads and timestamps with NOT_LEADER naming the leader by address', async () => {
    const li = await leaderIndex();
    const fi = (li + 1) % 3;
    for (const [method, body] of [
      ['meta.tso', { count: 1 }],
      ['meta.catalog', {}],
      ['meta.kv', { op: 'put', key: 'a', value: 'b' }],
      ['meta.heartbeat', { shardId: 1 }],
    ] as const) {
      const err = await rpcs[fi].call(method, body).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, method).to.be.instanceOf(RpcError);
      expect((err as RpcError).code, method).to.equal(RpcErrorCode.notLeader);
      expect((err as RpcError).detail, method).to.deep.equal({ leader: addresses[li] });
    }
  });

  it('a MetaClient pointed at a follower first still writes, reads back and reports the whole group', async () => {
    const li = await leaderIndex();
    const order = [addresses[(li + 1) % 3], addresses[(li + 2) % 3], addresses[li]];
    const client = new MetaClient({
      addresses: order,
      secret,
      name: 'test',
      logger: silentLogger(),
    });
    try {
      const shard = await client.registerShard('127.0.0.1:9', 'shard1');
      expect(shard.id).to.equal(1);
      const t1 = await client.timestamp();
      const t2 = await client.timestamp();
      expect(t2 > t1).to.equal(true);
      const view = await client.cluster();
      expect(view.metas.map((m) => [m.id, m.address])).to.deep.equal(
        addresses.map((a, i) => [i + 1, a]),
      );
      expect(view.metas.filter((m) => m.role === 'leader').map((m) => m.address)).to.deep.equal([
        addresses[li],
      ]);
      for (const m of view.metas) {
        expect(m.term).to.be.greaterThan(0);
        expect(m.commitIndex).to.be.greaterThan(0);
      }
      expect(view.shards).to.have.length(1);
      expect(view.shards[0].live).to.equal(true);
    } finally {
      client.close();
    }
  });

  it('a follower that missed compacted entries catches up by snapshot and ends in the same state', async () => {
    const li = await leaderIndex();
    const fi = (li + 1) % 3;
    await nodes[fi]?.close();
    nodes[fi] = null;
    const client = new MetaClient({ addresses, secret, name: 'test', logger: silentLogger() });
    try {
      // Over three snapshot intervals (raftSnapshotEvery 20): the leader's log no longer
      // holds what the stopped follower lacks, so it must send a snapshot.
      for (let i = 0; i < 70; i++)
        await client.call('meta.kv', { op: 'put', key: `k${i % 7}`, value: `v${i}` });
      await client.registerShard('127.0.0.1:9', 'shard1');
      nodes[fi] = await startMetaNode(configs[fi], silentLogger());
      const digests = await waitFor(
        'every replica at the same index with the same state',
        async () => {
          const st = await Promise.all(
            rpcs.map((r) => r.call<MetaMemberStatus>('meta.raftStatus', { digest: true })),
          );
          const same = st.every(
            (x) => x.appliedIndex === st[0].appliedIndex && x.stateDigest === st[0].stateDigest,
          );
          return same ? st : undefined;
        },
        10_000,
      );
      expect(digests[fi].appliedIndex).to.be.greaterThan(70);
      expect(await client.call('meta.kv', { op: 'get', key: 'k6' })).to.deep.equal({
        value: 'v69',
      });
    } finally {
      client.close();
    }
  });

  it('with a majority down, the survivor still reports who is up', async () => {
    const li = await leaderIndex();
    for (let i = 0; i < 3; i++) {
      if (i === li) continue;
      await nodes[i]?.close();
      nodes[i] = null;
    }
    const client = new MetaClient({
      addresses: [addresses[li]],
      secret,
      name: 'test',
      logger: silentLogger(),
    });
    try {
      // Once the survivor has stepped down (check-quorum) it answers on its own.
      const view = await waitFor(
        'a view without a leader',
        async () => {
          const v = await client
            .call<Awaited<ReturnType<MetaClient['cluster']>>>('meta.cluster', {}, 1000)
            .catch(() => null);
          return v !== null && !v.metas.some((m) => m.role === 'leader') ? v : undefined;
        },
        10_000,
      );
      expect(view.metas.map((m) => m.role === 'unreachable')).to.deep.equal(
        addresses.map((_, i) => i !== li),
      );
    } finally {
      client.close();
    }
  });

  it('names the catalog and range-map versions with a timestamp when asked', async () => {
    const li = await leaderIndex();
    const a = await rpcs[li].call<{ first: bigint; catalogVersion: number; rangeVersion: number }>(
      'meta.tso',
      { count: 2, versions: true },
    );
    const v = await rpcs[li].call<{ catalogVersion: number; rangeVersion: number }>(
      'meta.versions',
      {},
    );
    expect(typeof a.first).to.equal('bigint');
    expect(a.catalogVersion).to.equal(v.catalogVersion);
    expect(a.rangeVersion).to.equal(v.rangeVersion);
    const b = await rpcs[li].call<bigint>('meta.tso', { count: 1 });
    expect(b > a.first + 1n).to.equal(true);
  });

  it('a leader cut off from its followers stops handing out timestamps within its lease', async () => {
    const li = await leaderIndex();
    expect(typeof (await rpcs[li].call('meta.tso', { count: 1 }))).to.equal('bigint');
    // Stop both followers: the leader can no longer confirm its leadership.
    for (let i = 0; i < 3; i++) {
      if (i === li) continue;
      await nodes[i]?.close();
      nodes[i] = null;
    }
    const stoppedAt = Date.now();
    await waitFor(
      'the isolated leader to refuse timestamps',
      async () => {
        const err = await rpcs[li].call('meta.tso', { count: 1 }).then(
          () => null,
          (e: unknown) => e,
        );
        return (
          err instanceof RpcError &&
          (err.code === RpcErrorCode.unavailable || err.code === RpcErrorCode.notLeader)
        );
      },
      5000,
      10,
    );
    // OWN_LEASE_MS (400) after its last confirmed round, plus a little scheduling slack.
    expect(Date.now() - stoppedAt).to.be.lessThan(1000);
  });
});

describe('meta server as a one-node group (no --peers)', function () {
  this.timeout(20_000);

  it('serves, and keeps its state and timestamp order across a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meta-single-'));
    const config = {
      nodeName: 'meta1',
      nodeId: 1,
      listen: '127.0.0.1:0',
      advertise: '',
      dataDir: dir,
      secret,
      peers: [],
      shardLivenessMs: 3000,
      raftTickMs: 20,
      raftSnapshotEvery: 20,
      faultInjection: false,
    };
    let node = await startMetaNode(config, silentLogger());
    let client = new MetaClient({
      addresses: [node.address],
      secret,
      name: 'test',
      logger: silentLogger(),
    });
    try {
      await client.registerShard('127.0.0.1:9', 'shard1');
      await client.call('meta.kv', { op: 'put', key: 'k', value: 'v1' });
      const before = await client.timestamp();
      client.close();
      await node.close();
      node = await startMetaNode(config, silentLogger());
      client = new MetaClient({
        addresses: [node.address],
        secret,
        name: 'test',
        logger: silentLogger(),
      });
      expect(await client.call('meta.kv', { op: 'get', key: 'k' })).to.deep.equal({ value: 'v1' });
      expect((await client.ranges()).shards.map((s) => s.name)).to.deep.equal(['shard1']);
      const after = await client.timestamp();
      expect(
        after > before,
        'timestamps continue above those handed out before the restart',
      ).to.equal(true);
    } finally {
      client.close();
      await node.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
