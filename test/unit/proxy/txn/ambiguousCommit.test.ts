/**
 * A 2PC commit whose commit-point reply is lost (the shard applied it, then the
 * connection died, as a kill -9 does): the coordinator must not roll back the
 * secondaries of a transaction whose commit point was reached. Found by the bank test
 * under a nemesis (test/integration/bank.test.ts); before the fix the secondaries got
 * rollback records and the transfer stayed half applied.
 */
import { expect } from 'chai';
import { startInProcessCluster, InProcessCluster } from '../../../support/inProcessCluster';
import { MetaClient } from '../../../../common/clients/metaClient';
import { ShardClients } from '../../../../common/clients/shardClients';
import { silentLogger } from '../../../../common/logger';
import { RpcError, RpcErrorCode } from '../../../../common/errors';
import { tableStart } from '../../../../common/catalog/keyspace';
import { RangeCache } from '../../../../proxy/rangeCache';
import { type ShardGroup } from '../../../../proxy/txn/shardGroups';
import { InterceptingRpc, type Send } from '../../../support/interceptingRpc';
import { LockResolver } from '../../../../proxy/txn/lockResolver';
import { Transaction, TxnDeps } from '../../../../proxy/txn/transaction';

/** Applies every call, but loses the reply of the first `lose` primary commits. */
class LossyRpc extends InterceptingRpc {
  lose = 0;
  lost = 0;
  override async onKey<R>(
    key: Buffer,
    method: string,
    body: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<R> {
    const result = await super.onKey<R>(key, method, body, timeoutMs);
    if (method === 'txn.commit' && this.lost < this.lose) {
      this.lost++;
      throw new RpcError(RpcErrorCode.unavailable, 'connection to the shard lost');
    }
    return result;
  }

  /** Loses the reply of the next `loseOnePhase` one-phase commits (applied all the same). */
  loseOnePhase = 0;
  /** Refuses the next `staleOnePhase` one-phase commits with RANGE_STALE, unapplied. */
  staleOnePhase = 0;
  override async sendGroup<R>(
    g: ShardGroup<unknown>,
    method: string,
    body: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<R> {
    if (method === 'txn.onePhaseCommit' && this.staleOnePhase > 0) {
      this.staleOnePhase--;
      throw new RpcError(RpcErrorCode.rangeStale, 'epoch mismatch (test)');
    }
    const r = await super.sendGroup<R>(g, method, body, timeoutMs);
    if (method === 'txn.onePhaseCommit' && this.loseOnePhase > 0) {
      this.loseOnePhase--;
      this.lost++;
      throw new RpcError(RpcErrorCode.unavailable, 'connection to the shard lost');
    }
    return r;
  }
  protected override async intercept(
    method: string,
    body: Record<string, unknown>,
    timeoutMs: number | undefined,
    send: Send,
  ): Promise<unknown> {
    const r = await send(method, body, timeoutMs);
    if (method === 'txn.onePhaseCommit' && this.loseOnePhase > 0) {
      this.loseOnePhase--;
      this.lost++;
      throw new RpcError(RpcErrorCode.unavailable, 'connection to the shard lost');
    }
    return r;
  }
}

describe('a 2PC commit whose primary reply is lost', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let meta: MetaClient;
  let clients: ShardClients;
  let rpc: LossyRpc;
  let deps: TxnDeps;
  const tables: number[] = [];

  before(async () => {
    cluster = await startInProcessCluster({ shards: 2 });
    meta = new MetaClient({
      addresses: [cluster.meta.address],
      secret: cluster.secret,
      name: 'test',
      logger: silentLogger(),
    });
    for (const name of ['lossy_a', 'lossy_b']) {
      const { table } = await meta.createTable(
        {
          schema: 'public',
          name,
          columns: [{ name: 'k', typeOid: 23, typeMod: -1, notNull: true }],
          primaryKey: ['k'],
        },
        false,
      );
      tables.push((table as { id: number }).id);
    }
    const ranges = new RangeCache(meta);
    await ranges.refresh();
    const shards = new Set(tables.map((t) => ranges.lookup(tableStart(t))?.shardId));
    expect(shards.size, 'the two tables on two shards').to.equal(2);
    clients = new ShardClients(cluster.secret, 'test', silentLogger());
    rpc = new LossyRpc(ranges, clients);
    deps = { rpc, resolver: new LockResolver(rpc), timestamp: () => meta.timestamp() };
  });
  after(async () => {
    clients.close();
    meta.close();
    await cluster.close();
  });

  const key = (t: number, name: string): Buffer =>
    Buffer.concat([tableStart(tables[t]), Buffer.from('r' + name)]);

  /**
   * Writes values to a key on each of the two shards, `arm` setting up the lost replies
   * before COMMIT; resolves with COMMIT's failure (null: reported committed) and
   * what a later transaction reads under both keys.
   */
  async function crossShardCommit(
    names: [string, string],
    values: [string, string],
    arm: () => void,
  ): Promise<{ failure: unknown; seen: string[] }> {
    const a = key(0, names[0]);
    const b = key(1, names[1]);
    const t = await Transaction.begin(deps, { isolation: 'repeatable read' });
    await t.lock([a, b]);
    t.put(a, Buffer.from(values[0]));
    t.put(b, Buffer.from(values[1]));
    rpc.lost = 0;
    arm();
    const failure = await t.commit().then(
      () => null,
      (err: unknown) => err,
    );
    const r = await Transaction.begin(deps, { isolation: 'repeatable read' });
    const seen = [String(await r.get(a)), String(await r.get(b))];
    await r.commit();
    return { failure, seen };
  }

  // The primary's shard commits by 1PC (Transaction.twoPhase): that call is the commit point.
  it("settles the primary's shard's 1PC whose reply is lost and reports the commit, with every key applied", async () => {
    const { failure, seen } = await crossShardCommit(['p', 'q'], ['3', '4'], () => {
      rpc.loseOnePhase = 1;
    });
    expect(rpc.lost, "the primary's 1PC reply was lost once").to.equal(1);
    expect(seen, 'both keys committed (the secondary not rolled back)').to.deep.equal(['3', '4']);
    expect(failure, 'COMMIT reports the commit').to.equal(null);
  });

  // A range change under the primary's shard refuses its 1PC unapplied: the keys then take
  // the plain path (prewrite, commit the primary), whose commit reply is lost here.
  it('asks the primary again and reports the commit, with every key applied', async () => {
    const { failure, seen } = await crossShardCommit(['x', 'y'], ['1', '2'], () => {
      rpc.staleOnePhase = 1;
      rpc.lose = 1;
    });
    expect(rpc.staleOnePhase, 'the 1PC was refused').to.equal(0);
    expect(rpc.lost, 'the primary commit reply was lost once').to.equal(1);
    expect(seen, 'both keys committed (the secondary not rolled back)').to.deep.equal(['1', '2']);
    expect(failure, 'COMMIT reports the commit').to.equal(null);
  });

  it('settles a one-phase commit whose reply is lost from the shard: committed is reported as committed', async () => {
    const a = key(0, 'one');
    const t = await Transaction.begin(deps, { isolation: 'repeatable read' });
    await t.lock([a]);
    t.put(a, Buffer.from('7'));
    rpc.lost = 0;
    rpc.loseOnePhase = 1;
    const commitTs = await t.commit();
    expect(rpc.lost).to.equal(1);
    expect(commitTs > t.startTs).to.equal(true);
    const r = await Transaction.begin(deps, { isolation: 'repeatable read' });
    expect(String(await r.get(a))).to.equal('7');
    await r.commit();
  });
});
