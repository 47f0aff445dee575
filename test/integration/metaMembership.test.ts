/**
 * Meta membership changes at run time, with real meta processes and admin SQL through a proxy:
 * start 3, add a 4th (it catches up by snapshot, the leader's log being compacted, and then
 * votes), remove the leader itself (it steps down), restart a member with its original --peers
 * (it reaches node 4 through the replicated address book); TSO and catalog reads keep being served
 * throughout, and SHOW CLUSTER lists the new membership.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { MetaClient } from '../../common/clients/metaClient';
import { RpcClient } from '../../common/rpc';
import { silentLogger } from '../../common/logger';
import type { TableSpec } from '../../common/catalog/schema';
import { startProxyNode, type ProxyNode } from '../../proxy';
import type { MetaMemberStatus } from '../../meta/server';
import { startMetaProcesses, type MetaProcessGroup } from '../support/metaProcesses';
import { waitFor } from '../support/waitFor';

interface ClusterRow {
  node: string;
  kind: string;
  id: number;
  address: string;
  state: string;
}

function tableSpec(name: string): TableSpec {
  return {
    schema: 'public',
    name,
    columns: [{ name: 'k', type: 'int8', nullable: false }],
    primaryKey: ['k'],
  } as unknown as TableSpec;
}

describe('meta membership changes (real processes, admin SQL)', function () {
  this.timeout(120_000);
  let dir = '';
  let group: MetaProcessGroup | null = null;
  let proxy: ProxyNode | null = null;
  const closers: Array<() => unknown> = [];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meta-members-'));
  });
  afterEach(async function () {
    for (const c of closers.splice(0).reverse()) await c();
    await proxy?.close();
    proxy = null;
    await group?.stop();
    group = null;
    if (this.currentTest?.state === 'failed') console.error(`meta logs kept in ${dir}/logs`);
    else fs.rmSync(dir, { recursive: true, force: true });
  });

  it('adds a 4th member, removes the leader, keeps serving; SHOW CLUSTER shows the new group', async () => {
    // Snapshots every 10 entries: the new member must be brought up by InstallSnapshot.
    const g = (group = await startMetaProcesses(dir, { snapshotEvery: 10 }));
    await g.waitForLeader();
    const meta = new MetaClient({
      addresses: [...g.addresses],
      secret: g.secret,
      name: 'load',
      logger: silentLogger(),
      deadlineMs: 15_000,
    });
    closers.push(() => meta.close());
    await meta.registerShard('127.0.0.1:1', 'fake-shard');
    for (let i = 0; i < 15; i++) await meta.createTable(tableSpec(`before_${i}`), false);

    proxy = await startProxyNode(
      {
        nodeName: 'proxy1',
        listen: '127.0.0.1:0',
        meta: [...g.addresses],
        secret: g.secret,
        tlsCert: '',
        tlsKey: '',
        maxConnections: 20,
        catalogPollMs: 200,
        auth: 'trust',
      },
      silentLogger(),
    );
    const sql = new Client({
      host: '127.0.0.1',
      port: proxy.port,
      user: 'postgres',
      database: 'postgres',
    });
    await sql.connect();
    closers.push(() => sql.end().catch(() => undefined));
    const showCluster = async (): Promise<ClusterRow[]> =>
      (await sql.query<ClusterRow>('SHOW CLUSTER')).rows.filter((r) => r.kind === 'meta');

    // Load: timestamps and catalog reads, all the time; every call must succeed (the client
    // retries within its deadline) and timestamps must keep increasing.
    let stop = false;
    let calls = 0;
    let slowestMs = 0;
    const failures: string[] = [];
    const load = (async () => {
      let last = 0n;
      while (!stop) {
        const started = Date.now();
        try {
          const ts = await meta.timestamp();
          if (ts <= last) failures.push(`timestamp ${ts} after ${last}`);
          last = ts;
          const { tables } = await meta.catalog();
          if (tables.length < 15) failures.push(`catalog read saw ${tables.length} tables`);
          calls++;
        } catch (err) {
          failures.push((err as Error).message);
        }
        slowestMs = Math.max(slowestMs, Date.now() - started);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    try {
      // Add node 4 (started with --join, so it waits to be added).
      const n4 = await g.startJoining(4);
      const added = await sql.query<{ meta_id: number; address: string }>(
        `ALTER CLUSTER ADD META 4 '${n4.address}'`,
      );
      expect(added.rows.map((r) => r.meta_id)).to.deep.equal([1, 2, 3, 4]);
      const rpcs = new Map<string, RpcClient>();
      closers.push(() => {
        for (const c of rpcs.values()) c.close();
      });
      const rpc = (address: string): RpcClient => {
        let c = rpcs.get(address);
        if (!c) {
          c = new RpcClient({
            address,
            secret: g.secret,
            name: 'test',
            logger: silentLogger(),
            defaultTimeoutMs: 1000,
          });
          rpcs.set(address, c);
        }
        return c;
      };
      // It catches up: same state digest as the leader at the same applied index.
      await waitFor(
        'node 4 caught up with the leader',
        async () => {
          const leader = (await g.statuses()).find((s) => s.role === 'leader');
          if (!leader) return undefined;
          const [a, b] = await Promise.all([
            rpc(n4.address).call<MetaMemberStatus>('meta.raftStatus', { digest: true }),
            rpc(leader.address).call<MetaMemberStatus>('meta.raftStatus', { digest: true }),
          ]);
          return a.appliedIndex === b.appliedIndex && a.stateDigest === b.stateDigest
            ? a
            : undefined;
        },
        20_000,
      );
      // The leader had compacted its log, so node 4 was brought up by InstallSnapshot.
      expect(fs.readFileSync(path.join(dir, 'logs', 'meta4.log'), 'utf8')).to.include(
        'raft snapshot installed',
      );
      const rows4 = await showCluster();
      expect(rows4.map((r) => r.id).sort()).to.deep.equal([1, 2, 3, 4]);
      expect(rows4.find((r) => r.id === 4)).to.include({ address: n4.address, state: 'follower' });

      // Remove the leader itself: it steps down, the other three elect a leader.
      const oldLeader = await g.waitForLeader();
      const removed = await sql.query<{ meta_id: number }>(
        `ALTER CLUSTER REMOVE META ${oldLeader.id}`,
      );
      const remaining = [1, 2, 3, 4].filter((id) => id !== oldLeader.id);
      expect(removed.rows.map((r) => r.meta_id)).to.deep.equal(remaining);
      const rows = await waitFor(
        'SHOW CLUSTER lists the three remaining members, one of them leading',
        async () => {
          const r = await showCluster().catch(() => undefined);
          return r &&
            r.map((x) => x.id).join() === remaining.join() &&
            r.filter((x) => x.state === 'leader').length === 1
            ? r
            : undefined;
        },
        20_000,
      );
      expect(rows.map((r) => r.id)).to.deep.equal(remaining);
      const oldStatus = (await g.statuses()).find((s) => s.id === oldLeader.id);
      expect(oldStatus?.role, 'the removed leader stepped down').to.not.equal('leader');

      // Catalog changes keep working in the new group.
      await meta.createTable(tableSpec('after_change'), false);

      // The membership is persisted: an original member restarted with its original --peers
      // (which do not name node 4) finds node 4's address in the replicated state.
      await g.kill(oldLeader.id);
      const originalLeft = remaining.filter((id) => id !== 4);
      await g.kill(originalLeft[1], 'SIGKILL');
      await g.restart(originalLeft[1]);
      await g.waitForLeader(20_000);

      // Node 4 votes: with one more original member gone, the two left (node 4 and the
      // restarted one) are a majority of three, and serve.
      await g.kill(originalLeft[0]);
      await waitFor(
        'a leader among the two members left (node 4 votes)',
        async () =>
          (await g.statuses()).find(
            (s) => s.role === 'leader' && s.tsoServing && [4, originalLeft[1]].includes(s.id),
          ),
        20_000,
      );
      const { tables } = await meta.catalog();
      expect(tables.map((t) => t.name)).to.include('after_change');
    } finally {
      stop = true;
      await load;
    }
    expect(failures, failures.slice(0, 5).join('; ')).to.deep.equal([]);
    expect(calls).to.be.greaterThan(20);
    console.log(`    meta membership: ${calls} TSO+catalog rounds, slowest ${slowestMs} ms`);
  });
});
