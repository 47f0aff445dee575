/**
 * Transaction.spillIfLarge over real shards: a spilled transaction commits by 2PC across
 * shards with its spilled keys; it refuses what it could not answer right (0A000); and a
 * coordinator that vanishes after a spill leaves nothing visible — its locks pass to
 * another writer once the primary's TTL runs out, and its own late commit fails.
 */
import { expect } from 'chai';
import { startInProcessCluster, InProcessCluster } from '../../../support/inProcessCluster';
import { MetaClient } from '../../../../common/clients/metaClient';
import { ShardClients } from '../../../../common/clients/shardClients';
import { silentLogger } from '../../../../common/logger';
import { SqlError } from '../../../../common/errors';
import { tableStart } from '../../../../common/catalog/keyspace';
import { RangeCache } from '../../../../proxy/rangeCache';
import { TxnShardRpc } from '../../../../proxy/txn/shardGroups';
import { LockResolver } from '../../../../proxy/txn/lockResolver';
import { Transaction, TxnDeps } from '../../../../proxy/txn/transaction';
import { setSpillThreshold, spillThreshold } from '../../../../proxy/txn/spill';

const key = (tableId: number, i: number): Buffer =>
  Buffer.concat([tableStart(tableId), Buffer.from(`r${String(i).padStart(6, '0')}`)]);
const val = (n: number): Buffer => Buffer.from(`value ${n}`);

async function sqlCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SqlError) return err.code;
    throw err;
  }
  return 'no error';
}

describe('Transaction spill (prewrite early, keep only keys)', function () {
  this.timeout(30_000);
  let cluster: InProcessCluster;
  let meta: MetaClient;
  let clients: ShardClients;
  let deps: TxnDeps;
  let tables: number[];
  let prev = 0;

  before(async () => {
    cluster = await startInProcessCluster({ shards: 2 });
    meta = new MetaClient({
      addresses: [cluster.meta.address],
      secret: cluster.secret,
      name: 'test',
      logger: silentLogger(),
    });
    tables = [];
    for (const name of ['sa', 'sb']) {
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
    const shardsOfTables = new Set(tables.map((t) => ranges.lookup(tableStart(t))?.shardId));
    expect(shardsOfTables.size, 'test tables on two shards').to.equal(2);
    clients = new ShardClients(cluster.secret, 'test', silentLogger());
    const rpc = new TxnShardRpc(ranges, clients);
    deps = { rpc, resolver: new LockResolver(rpc), timestamp: () => meta.timestamp() };
    prev = setSpillThreshold(16 * 1024);
  });
  after(async () => {
    setSpillThreshold(prev);
    clients.close();
    meta.close();
    await cluster.close();
  });

  const begin = (): Promise<Transaction> =>
    Transaction.begin(deps, { isolation: 'repeatable read', lockTimeoutMs: 15_000 });

  /** Inserts keys [from, to) of both tables, as an autocommit COPY buffers them. */
  function insertRange(t: Transaction, from: number, to: number): void {
    for (let i = from; i < to; i++) for (const tb of tables) t.insert(key(tb, i), val(i));
  }

  it('a small transaction stays buffered and commits by 1PC as before', async () => {
    const t = await begin();
    t.insert(key(tables[0], 999_000), val(999_000));
    expect(t.bufferedBytes).to.be.above(0).and.below(spillThreshold());
    expect(await t.spillIfLarge()).to.equal(false);
    expect(t.spillCount).to.equal(0);
    await t.commit();
  });

  it('spills past the threshold, commits spilled and buffered keys on both shards', async () => {
    const t = await begin();
    for (let part = 0; part < 3; part++) {
      insertRange(t, part * 200, part * 200 + 200);
      expect(t.bufferedBytes).to.be.at.least(spillThreshold());
      expect(await t.spillIfLarge()).to.equal(true);
      expect(t.bufferedBytes).to.equal(0);
    }
    insertRange(t, 600, 610); // still buffered at commit
    expect(t.spillCount).to.equal(3);
    expect(t.writeCount).to.equal(2 * 610);
    expect(t.spilledOp(key(tables[1], 5))).to.equal('put');
    expect(t.spilledOp(key(tables[1], 605))).to.equal(undefined);
    // What a shard read could not answer right is refused, not answered stale.
    expect(await sqlCode(t.get(key(tables[0], 7)))).to.equal('0A000');
    expect(() => t.put(key(tables[0], 7), val(0))).to.throw(SqlError, /COPY too large/);
    expect(t.ownWrite(key(tables[0], 605))).to.deep.equal(val(605));
    await t.commit();
    const r = await begin();
    let seen = 0;
    for (const tb of tables)
      await r.scan(tableStart(tb), tableStart(tb + 1), (k, v) => {
        const i = Number(k.subarray(k.length - 6).toString());
        expect(v.toString()).to.equal(`value ${i}`);
        seen++;
      });
    expect(seen).to.equal(2 * 610 + 1); // and the first test's row
    await r.commit();
  });

  it('a coordinator that vanishes after a spill: nothing visible, its keys free after the TTL, its late commit fails', async () => {
    const t = await begin();
    insertRange(t, 1000, 1200);
    expect(await t.spillIfLarge()).to.equal(true);
    // The proxy dies: no rollback, no more heartbeats.
    (t as unknown as { stopHeartbeat(): void }).stopHeartbeat();

    const r = await begin();
    expect(await r.get(key(tables[0], 1000))).to.equal(undefined);
    expect(await r.get(key(tables[1], 1199))).to.equal(undefined);
    await r.commit();

    const started = Date.now();
    const w = await begin();
    const k = key(tables[1], 1100);
    await w.lock([k], { shouldNotExist: true }); // waits out the orphan's TTL, then rolls it back
    w.put(k, val(-1));
    await w.commit();
    expect(Date.now() - started).to.be.below(12_000);

    expect(await sqlCode(t.commit())).to.equal('40001');
    const check = await begin();
    let rows = 0;
    for (const tb of tables) await check.scan(tableStart(tb), key(tb, 1200), () => void rows++);
    const mine = await check.get(k);
    await check.commit();
    expect(mine).to.deep.equal(val(-1));
    // Only w's row and the previous test's 2 × 610 rows: none of the orphan's 400.
    expect(rows).to.equal(2 * 610 + 1);
  });

  it('explicit rollback after a spill releases every spilled lock at once', async () => {
    const t = await begin();
    insertRange(t, 2000, 2200);
    expect(await t.spillIfLarge()).to.equal(true);
    await t.rollback();
    const w = await Transaction.begin(deps, { isolation: 'repeatable read', lockTimeoutMs: 500 });
    await w.lock([key(tables[0], 2000), key(tables[1], 2199)], { shouldNotExist: true });
    await w.rollback();
  });
});
