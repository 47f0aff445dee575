import { expect } from 'chai';
import { startInProcessCluster, InProcessCluster } from '../support/inProcessCluster';
import { MetaClient } from '../../common/clients/metaClient';
import { ShardClients } from '../../common/clients/shardClients';
import { silentLogger } from '../../common/logger';
import { SqlError } from '../../common/errors';
import { tableStart } from '../../common/catalog/keyspace';
import { RangeCache } from '../../proxy/rangeCache';
import { TxnShardRpc } from '../../proxy/txn/shardGroups';
import { LockResolver } from '../../proxy/txn/lockResolver';
import { Transaction, TxnDeps } from '../../proxy/txn/transaction';
import { waitFor } from '../support/waitFor';

/** A meta client, shard clients and transaction deps on the cluster, with a one-key table. */
async function txnSetup(
  cluster: InProcessCluster,
  tableName: string,
): Promise<{ meta: MetaClient; clients: ShardClients; deps: TxnDeps; tableId: number }> {
  const meta = new MetaClient({
    addresses: [cluster.meta.address],
    secret: cluster.secret,
    name: 'test',
    logger: silentLogger(),
  });
  const { table } = await meta.createTable(
    {
      schema: 'public',
      name: tableName,
      columns: [{ name: 'k', typeOid: 23, typeMod: -1, notNull: true }],
      primaryKey: ['k'],
    },
    false,
  );
  const ranges = new RangeCache(meta);
  await ranges.refresh();
  const clients = new ShardClients(cluster.secret, 'test', silentLogger());
  const rpc = new TxnShardRpc(ranges, clients);
  const deps = { rpc, resolver: new LockResolver(rpc), timestamp: () => meta.timestamp() };
  return { meta, clients, deps, tableId: (table as { id: number }).id };
}

describe('GC below the cluster safe point', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let meta: MetaClient;
  let clients: ShardClients;
  let deps: TxnDeps;
  let key: Buffer;

  before(async () => {
    cluster = await startInProcessCluster({ shards: 1, gcLifeTimeMs: 1000, gcIntervalMs: 100 });
    let tableId: number;
    ({ meta, clients, deps, tableId } = await txnSetup(cluster, 'gc_t'));
    key = Buffer.concat([tableStart(tableId), Buffer.from('rhot')]);
  });
  after(async () => {
    clients.close();
    meta.close();
    await cluster.close();
  });

  const write = async (n: number): Promise<void> => {
    const t = await Transaction.begin(deps, { isolation: 'repeatable read' });
    await t.lock([key]);
    t.put(key, Buffer.from(String(n)));
    await t.commit();
  };

  it('keeps an old snapshot readable while its transaction is reported, then removes old versions and refuses reads below the safe point', async () => {
    await write(0);
    const old = await Transaction.begin(deps, { isolation: 'repeatable read' });
    expect((await old.get(key))?.toString()).to.equal('0');
    for (let i = 1; i <= 30; i++) await write(i);

    // The proxy reports its oldest transaction: the safe point must not pass it.
    const reporter = setInterval(
      () => void meta.reportActive('test-proxy', old.startTs).catch(() => undefined),
      50,
    );
    try {
      await new Promise((r) => setTimeout(r, 1500)); // longer than gc_life_time
      const { safePoint } = await meta.safePoint();
      expect(safePoint <= old.startTs, 'safe point held back by the reported transaction').to.equal(
        true,
      );
      expect((await old.get(key))?.toString()).to.equal('0');
    } finally {
      clearInterval(reporter);
    }
    await old.commit();
    await meta.reportActive('test-proxy', null);

    // Now the safe point passes it: shadowed versions are deleted on the shard.
    const shard = clients.get(cluster.shards[0].address);
    await waitFor(
      'GC to remove versions',
      async () => {
        const s = await shard.call<{ safePoint: bigint; deleted: number }>('shard.gcStatus', {});
        return s.safePoint > old.startTs && s.deleted >= 25;
      },
      15_000,
    );
    // The newest value is still there…
    const fresh = await Transaction.begin(deps, { isolation: 'repeatable read' });
    expect((await fresh.get(key))?.toString()).to.equal('30');
    await fresh.commit();
    // …and a read at the old snapshot is refused, never answered from a partial history.
    const err = await deps.rpc
      .onKey(key, 'txn.get', { key, ts: old.startTs })
      .catch((e: unknown) => e);
    expect((err as { sqlState?: string }).sqlState ?? (err as SqlError).code).to.equal('72000');
  });
});

describe('GC with SQL sessions: proxies report their open transactions', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  before(async () => {
    cluster = await startInProcessCluster({ shards: 1, gcLifeTimeMs: 1000, gcIntervalMs: 100 });
  });
  after(async () => {
    await cluster.close();
  });

  it('a REPEATABLE READ transaction keeps its snapshot through an update storm longer than gc_life_time; GC catches up after it ends', async () => {
    const { Client } = await import('pg');
    const reader = new Client(cluster.url);
    const writer = new Client(cluster.url);
    await reader.connect();
    await writer.connect();
    try {
      await writer.query('CREATE TABLE counters (id int PRIMARY KEY, n int)');
      await writer.query('INSERT INTO counters VALUES (1, 0)');
      await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      expect((await reader.query('SELECT n FROM counters WHERE id = 1')).rows[0].n).to.equal(0);
      const until = Date.now() + 3000; // three times gc_life_time
      let updates = 0;
      while (Date.now() < until) {
        await writer.query('UPDATE counters SET n = n + 1 WHERE id = 1');
        updates++;
        if (updates % 20 === 0) {
          // Throughout, the old snapshot reads its own value, never an error.
          expect((await reader.query('SELECT n FROM counters WHERE id = 1')).rows[0].n).to.equal(0);
        }
      }
      expect((await reader.query('SELECT n FROM counters WHERE id = 1')).rows[0].n).to.equal(0);
      await reader.query('COMMIT');
      expect((await reader.query('SELECT n FROM counters WHERE id = 1')).rows[0].n).to.equal(
        updates,
      );

      const meta = new MetaClient({
        addresses: [cluster.meta.address],
        secret: cluster.secret,
        name: 'test',
        logger: silentLogger(),
      });
      const shards = new ShardClients(cluster.secret, 'test', silentLogger());
      try {
        await waitFor(
          "GC to remove the storm's old versions",
          async () => {
            const s = await shards
              .get(cluster.shards[0].address)
              .call<{ deleted: number }>('shard.gcStatus', {});
            return s.deleted >= updates / 2;
          },
          20_000,
        );
      } finally {
        shards.close();
        meta.close();
      }
    } finally {
      await reader.end();
      await writer.end();
    }
  });
});

describe("GC and a dead coordinator's locks", function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let meta: MetaClient;
  let clients: ShardClients;
  let deps: TxnDeps;
  let tableId: number;

  before(async () => {
    // Old locks are named to proxies after 4 s; the proxy's sweep takes locks over 5 s old.
    cluster = await startInProcessCluster({
      shards: 1,
      gcLifeTimeMs: 1000,
      gcIntervalMs: 100,
      staleLockMs: 4000,
    });
    ({ meta, clients, deps, tableId } = await txnSetup(cluster, 'gc_locks'));
  });
  after(async () => {
    clients.close();
    meta.close();
    await cluster.close();
  });

  it('holds the safe point below a committed primary whose secondary is still locked, until a sweep rolls the secondary forward', async () => {
    // Past the new leader's warm-up: the safe point moves (else "held" below proves nothing).
    await waitFor(
      'the safe point to move',
      async () => (await meta.safePoint()).safePoint > 0n,
      15_000,
    );
    const primary = Buffer.concat([tableStart(tableId), Buffer.from('rprimary')]);
    const secondary = Buffer.concat([tableStart(tableId), Buffer.from('rsecondary')]);
    // The coordinator prewrites both keys, commits the primary, and dies before the secondary.
    const startTs = await meta.timestamp();
    for (const key of [primary, secondary])
      expect(
        (
          await deps.rpc.onKey<{ kind: string }>(key, 'txn.prewrite', {
            mutations: [{ key, op: 'put', value: Buffer.from('half') }],
            primary,
            startTs,
            ttlMs: 100,
            forUpdateTs: 0n,
          })
        ).kind,
      ).to.equal('ok');
    const commitTs = await meta.timestamp();
    await deps.rpc.onKey(primary, 'txn.commit', { keys: [primary], startTs, commitTs });
    // Later writes shadow the primary's version: GC would drop it once the safe point passed.
    for (let i = 0; i < 5; i++) {
      const t = await Transaction.begin(deps, { isolation: 'repeatable read' });
      await t.lock([primary]);
      t.put(primary, Buffer.from(`later${i}`));
      await t.commit();
    }
    const shard = clients.get(cluster.shards[0].address);
    // No proxy runs the transaction; only the shard's lock holds the safe point.
    await waitFor('the shard to report its lock', async () => {
      const s = await shard.call<{ oldestLock: bigint | null }>('shard.gcStatus', {});
      return s.oldestLock === startTs;
    });
    await new Promise((r) => setTimeout(r, 2500)); // well past gc_life_time
    expect(
      (await meta.safePoint()).safePoint <= startTs,
      'safe point held at the dead transaction',
    ).to.equal(true);
    // The proxy's sweep resolves the secondary: forward, since the primary committed.
    await waitFor(
      'a sweep to resolve the lock',
      async () => {
        const s = await shard.call<{ oldestLock: bigint | null }>('shard.gcStatus', {});
        return s.oldestLock === null;
      },
      20_000,
    );
    const reader = await Transaction.begin(deps, { isolation: 'repeatable read' });
    expect((await reader.get(secondary))?.toString()).to.equal('half');
    await reader.commit();
    // And GC goes on past it.
    await waitFor(
      'the safe point to pass the resolved transaction',
      async () => (await meta.safePoint()).safePoint > commitTs,
      10_000,
    );
  });
});
