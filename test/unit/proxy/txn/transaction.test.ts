import { expect } from 'chai';
import { startInProcessCluster, InProcessCluster } from '../../../support/inProcessCluster';
import { MetaClient } from '../../../../common/clients/metaClient';
import { ShardClients } from '../../../../common/clients/shardClients';
import { silentLogger } from '../../../../common/logger';
import { SqlError } from '../../../../common/errors';
import { tableStart } from '../../../../common/catalog/keyspace';
import { RangeCache } from '../../../../proxy/rangeCache';
import { TxnShardRpc } from '../../../../proxy/txn/shardGroups';
import { InterceptingRpc, type Send } from '../../../support/interceptingRpc';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockResolver } from '../../../../proxy/txn/lockResolver';
import { StatementCancel } from '../../../../proxy/txn/statementCancel';
import {
  DuplicateKeyError,
  Transaction,
  TxnDeps,
  IsolationLevel,
} from '../../../../proxy/txn/transaction';

/** A key inside table `t`'s key span (each test table lives on its own shard). */
const key = (tableId: number, name: string): Buffer =>
  Buffer.concat([tableStart(tableId), Buffer.from('r' + name)]);
const num = (b: Buffer | undefined): number => (b === undefined ? NaN : Number(b.toString()));
const val = (n: number): Buffer => Buffer.from(String(n));

describe('transactions (proxy coordinator over MVCC shards)', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let meta: MetaClient;
  let clients: ShardClients;
  let deps: TxnDeps;
  let ranges: RangeCache;
  let tables: number[];

  before(async () => {
    cluster = await startInProcessCluster({ shards: 3 });
    meta = new MetaClient({
      addresses: [cluster.meta.address],
      secret: cluster.secret,
      name: 'test',
      logger: silentLogger(),
    });
    tables = [];
    for (const name of ['ta', 'tb', 'tc']) {
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
    ranges = new RangeCache(meta);
    await ranges.refresh();
    const shardsOfTables = new Set(tables.map((t) => ranges.lookup(tableStart(t))?.shardId));
    expect(shardsOfTables.size, 'test tables on three shards').to.equal(3);
    clients = new ShardClients(cluster.secret, 'test', silentLogger());
    const rpc = new TxnShardRpc(ranges, clients);
    deps = { rpc, resolver: new LockResolver(rpc), timestamp: () => meta.timestamp() };
  });
  after(async () => {
    clients.close();
    meta.close();
    await cluster.close();
  });

  const begin = (isolation: IsolationLevel = 'repeatable read'): Promise<Transaction> =>
    Transaction.begin(deps, { isolation, lockTimeoutMs: 5000 });

  it('commits atomically across shards and reads its own writes', async () => {
    const t = await begin();
    await t.lock([key(tables[0], 'x'), key(tables[1], 'y')]);
    t.put(key(tables[0], 'x'), val(1));
    t.put(key(tables[1], 'y'), val(2));
    expect(num(await t.get(key(tables[0], 'x')))).to.equal(1);
    await t.commit();
    const r = await begin();
    expect(num(await r.get(key(tables[0], 'x')))).to.equal(1);
    expect(num(await r.get(key(tables[1], 'y')))).to.equal(2);
    await r.commit();
  });

  it('REPEATABLE READ keeps its snapshot; READ COMMITTED sees each new commit', async () => {
    const k = key(tables[2], 'snap');
    const w0 = await begin();
    await w0.lock([k]);
    w0.put(k, val(10));
    await w0.commit();
    const rr = await begin('repeatable read');
    const rc = await begin('read committed');
    await rc.beginStatement();
    expect(num(await rr.get(k))).to.equal(10);
    expect(num(await rc.get(k))).to.equal(10);
    const w1 = await begin();
    await w1.lock([k]);
    w1.put(k, val(11));
    await w1.commit();
    await rc.beginStatement();
    expect(num(await rr.get(k))).to.equal(10);
    expect(num(await rc.get(k))).to.equal(11);
    await rr.commit();
    await rc.commit();
  });

  it('READ COMMITTED: a statement takes its snapshot at its first read, and a lock-first write needs none', async () => {
    const k = key(tables[1], 'rc-lazy');
    const w0 = await begin();
    await w0.lock([k]);
    w0.put(k, val(1));
    await w0.commit();
    let tsoCalls = 0;
    const counting: TxnDeps = {
      ...deps,
      timestamp: () => {
        tsoCalls++;
        return deps.timestamp();
      },
    };
    const rc = await Transaction.begin(counting, { isolation: 'read committed' });
    expect(tsoCalls, 'start_ts').to.equal(1);
    // A concurrent commit after rc's start: a lock-first UPDATE (latest) holds the newest
    // version without a conflict round, and without drawing a statement snapshot.
    const w1 = await begin();
    await w1.lock([k]);
    w1.put(k, val(2));
    await w1.commit();
    await rc.beginStatement();
    const latest = await rc.lock([k], { returnValues: true, latest: true });
    expect(num(latest?.get(k.toString('hex')))).to.equal(2);
    rc.put(k, val(3));
    expect(tsoCalls, 'no statement snapshot for a lock-first write').to.equal(1);
    // Reading its own write needs no snapshot either; reading another key does.
    await rc.beginStatement();
    expect(num(await rc.get(k))).to.equal(3);
    expect(tsoCalls).to.equal(1);
    expect(await rc.get(key(tables[1], 'rc-lazy-other'))).to.equal(undefined);
    expect(tsoCalls, 'one snapshot for the reading statement').to.equal(2);
    await rc.commit();
    // It committed above the version it overwrote: a later reader sees 3, not 2.
    const r = await begin('read committed');
    expect(num(await r.get(k))).to.equal(3);
    await r.commit();
  });

  it('refuses a duplicate insert, and a REPEATABLE READ write to a row changed after its snapshot (40001)', async () => {
    const k = key(tables[0], 'dup');
    const a = await begin();
    await a.lock([k], { shouldNotExist: true });
    a.put(k, val(1));
    await a.commit();
    const b = await begin();
    const err = await b.lock([k], { shouldNotExist: true }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(DuplicateKeyError);
    await b.rollback();

    const old = await begin('repeatable read');
    const newer = await begin();
    await newer.lock([k]);
    newer.put(k, val(2));
    await newer.commit();
    const conflict = await old.lock([k]).catch((e: unknown) => e);
    expect(conflict).to.be.instanceOf(SqlError);
    expect((conflict as SqlError).code).to.equal('40001');
    await old.rollback();
  });

  it('keeps the total exact under concurrent transfers across shards, as a reader sees it', async () => {
    const accounts = Array.from({ length: 9 }, (_, i) => key(tables[i % 3], `acct${i}`));
    const init = await begin();
    await init.lock(accounts);
    accounts.forEach((a) => init.put(a, val(100)));
    await init.commit();

    let done = false;
    let committed = 0;
    let retried = 0;
    const transfer = async (seed: number): Promise<void> => {
      let x = seed;
      const rand = (n: number): number => {
        x = (x * 1103515245 + 12345) % 2147483648;
        return x % n;
      };
      for (let i = 0; i < 12; i++) {
        const from = rand(accounts.length);
        const to = (from + 1 + rand(accounts.length - 1)) % accounts.length;
        for (;;) {
          const t = await begin();
          try {
            await t.lock([accounts[from], accounts[to]]);
            const a = num(await t.get(accounts[from]));
            const b = num(await t.get(accounts[to]));
            t.put(accounts[from], val(a - 7));
            t.put(accounts[to], val(b + 7));
            await t.commit();
            committed++;
            break;
          } catch (err) {
            await t.rollback();
            if (err instanceof SqlError && (err.code === '40001' || err.code === '40P01')) {
              retried++;
              continue;
            }
            throw err;
          }
        }
      }
    };
    const totals: number[] = [];
    const reader = (async () => {
      while (!done) {
        const r = await begin();
        let sum = 0;
        for (const a of accounts) sum += num(await r.get(a));
        await r.commit();
        totals.push(sum);
      }
    })();
    await Promise.all([1, 2, 3, 4, 5, 6].map(transfer));
    done = true;
    await reader;
    expect(committed).to.equal(6 * 12);
    expect(totals.length).to.be.greaterThan(0);
    for (const t of totals) expect(t).to.equal(900);
    const final = await begin();
    let sum = 0;
    for (const a of accounts) sum += num(await final.get(a));
    expect(sum).to.equal(900);
    void retried;
  });

  it('a coordinator that dies after prewrite leaves nothing visible; its locks are resolved after their TTL', async () => {
    const a = key(tables[0], 'orphanA');
    const b = key(tables[1], 'orphanB');
    const startTs = await meta.timestamp();
    // Prewrite both keys as a dying coordinator would, with a short TTL, and never commit.
    for (const k of [a, b]) {
      await deps.rpc.onKey(k, 'txn.prewrite', {
        mutations: [{ key: k, op: 'put', value: val(666) }],
        primary: a,
        startTs,
        ttlMs: 300,
        forUpdateTs: 0n,
      });
    }
    const started = Date.now();
    const r = await begin();
    expect(await r.get(b)).to.equal(undefined);
    expect(await r.get(a)).to.equal(undefined);
    await r.commit();
    // A writer must wait out the TTL, then roll the orphan back and proceed.
    const w = await begin();
    await w.lock([a, b]);
    w.put(a, val(1));
    w.put(b, val(1));
    await w.commit();
    expect(Date.now() - started).to.be.below(10_000);
    const check = await begin();
    expect(num(await check.get(a))).to.equal(1);
    expect(num(await check.get(b))).to.equal(1);
  });

  it('a pessimistic lock lost by its shard (they are not fsynced) fails the commit with 40001, not a wrong write', async () => {
    const k0 = key(tables[0], 'lost'),
      k1 = key(tables[1], 'lost');
    const t = await begin('read committed');
    await t.lock([k0, k1]);
    // What a shard restart that lost the unsynced lock looks like to the coordinator.
    await deps.rpc.onKey(k1, 'txn.pessimisticRollback', {
      keys: [k1],
      startTs: t.startTs,
      forUpdateTs: t.startTs + (1n << 40n),
    });
    t.put(k0, val(1));
    t.put(k1, val(2));
    const err = await t.commit().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(SqlError);
    expect((err as SqlError).code).to.equal('40001');
    const r = await begin();
    expect(await r.get(k0)).to.equal(undefined);
    expect(await r.get(k1)).to.equal(undefined);
    await r.commit();
  });

  it("scans merge committed rows with the transaction's own writes, in key order", async () => {
    const t = await begin();
    const ks = ['q1', 'q2', 'q3', 'q4'].map((n) => key(tables[2], n));
    await t.lock(ks);
    ks.forEach((k, i) => t.put(k, val(i)));
    await t.commit();
    const u = await begin();
    await u.lock([ks[1], key(tables[2], 'q25')]);
    u.del(ks[1]);
    u.put(key(tables[2], 'q25'), val(25));
    const seen: string[] = [];
    await u.scan(key(tables[2], 'q'), key(tables[2], 'r'), (k, v) => {
      seen.push(`${k.subarray(6).toString()}=${v.toString()}`);
    });
    expect(seen).to.deep.equal(['q1=0', 'q25=25', 'q3=2', 'q4=3']);
    await u.rollback();
  });

  it('a lock wait ended by a cancel rolls back at once: its never-held key is released in the background', async () => {
    // Rollback records are durable writes; on a busy disk one took hundreds of
    // milliseconds, and the cancelled statement's answer waited for it.
    class SlowRollbacks extends InterceptingRpc {
      protected override async intercept(
        method: string,
        body: Record<string, unknown>,
        timeoutMs: number | undefined,
        send: Send,
      ): Promise<unknown> {
        if (method === 'txn.rollback') await sleep(1500);
        return send(method, body, timeoutMs);
      }
    }
    const slowRpc = new SlowRollbacks(ranges, clients);
    const slowDeps: TxnDeps = { ...deps, rpc: slowRpc, resolver: new LockResolver(slowRpc) };
    const k = key(tables[0], 'cancelWait');
    const holder = await begin();
    await holder.lock([k]);
    const waiter = await Transaction.begin(slowDeps, { isolation: 'read committed' });
    const cancel = new StatementCancel();
    waiter.bindStatement(cancel, 10_000);
    const waiting = waiter.lock([k]).then(
      () => 'granted',
      (e: SqlError) => e.code,
    );
    await sleep(100);
    cancel.cancel();
    expect(await waiting).to.equal('57014');
    waiter.bindStatement(undefined);
    const started = Date.now();
    await waiter.rollback();
    expect(Date.now() - started, 'rollback waited for the abandoned key').to.be.below(500);
    // The abandoned request leaves no lock behind once the holder lets go.
    await holder.rollback();
    const next = await begin();
    await next.lock([k]);
    await next.rollback();
  });
});
