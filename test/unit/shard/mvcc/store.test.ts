import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqlError, SqlState } from '../../../../common/errors';
import { MvccStore } from '../../../../shard/mvcc';
import type { AcquirePessimisticLockRequest } from '../../../../shard/mvcc';
import { SqliteEngine } from '../../../../shard/storage/sqliteEngine';
import { MemEngine } from './memEngine';
import { errorOf, k, str, ts, v } from './helpers';

const lockReq = (
  key: string,
  startTs: bigint,
  extra: Partial<AcquirePessimisticLockRequest> = {},
): AcquirePessimisticLockRequest => ({
  keys: [k(key)],
  primary: k(key),
  startTs,
  forUpdateTs: startTs,
  ttlMs: 60_000,
  ...extra,
});

/** Resolves once `p` has settled or `turns` macrotask turns have passed; says which. */
async function settledWithin(p: Promise<unknown>, turns = 5): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < turns && !settled; i++) await new Promise((r) => setImmediate(r));
  return settled;
}

describe('mvcc store', () => {
  let engine: MemEngine;
  let store: MvccStore;
  let wallMs: number;
  beforeEach(async () => {
    engine = new MemEngine();
    wallMs = 1000;
    store = await MvccStore.open({ engine, now: () => wallMs });
  });

  describe('lock waits', () => {
    it('queues behind another transaction lock and takes it when released', async () => {
      expect((await store.acquirePessimisticLock(lockReq('a', ts(1000)))).kind).to.equal('ok');
      const waiting = store.acquirePessimisticLock(lockReq('a', ts(1001)), { lockTimeoutMs: 5000 });
      expect(await settledWithin(waiting)).to.equal(false);
      expect(store.waiters.waitingOn(k('a'))).to.equal(1);
      await store.pessimisticRollback({ keys: [k('a')], startTs: ts(1000), forUpdateTs: ts(1000) });
      expect((await waiting).kind).to.equal('ok');
    });

    it('after the holder commits, the waiter sees the write conflict', async () => {
      await store.acquirePessimisticLock(lockReq('a', ts(1000)));
      const waiting = store.acquirePessimisticLock(lockReq('a', ts(1001)), { lockTimeoutMs: 5000 });
      expect(await settledWithin(waiting)).to.equal(false);
      const c = await store.onePhaseCommit({
        mutations: [{ key: k('a'), op: 'put', value: v('1') }],
        startTs: ts(1000),
        forUpdateTs: ts(1000),
        pessimistic: [true],
        commitTs: ts(1002),
      });
      expect(c).to.deep.equal({ kind: 'ok', commitTs: ts(1002) });
      expect(await waiting).to.deep.include({ kind: 'writeConflict', conflictCommitTs: ts(1002) });
    });

    it('a release wakes one waiter; one that fails passes the wake-up on', async () => {
      await store.acquirePessimisticLock(lockReq('a', ts(1000)));
      const opts = { lockTimeoutMs: 60_000 };
      const w1 = store.acquirePessimisticLock(lockReq('a', ts(1001)), opts);
      const w2 = store.acquirePessimisticLock(
        lockReq('a', ts(1003), { forUpdateTs: ts(1003) }),
        opts,
      );
      const w3 = store.acquirePessimisticLock(
        lockReq('a', ts(1004), { forUpdateTs: ts(1004) }),
        opts,
      );
      expect(await settledWithin(w1)).to.equal(false);
      expect(store.waiters.waitingOn(k('a'))).to.equal(3);
      await store.onePhaseCommit({
        mutations: [{ key: k('a'), op: 'put', value: v('1') }],
        startTs: ts(1000),
        forUpdateTs: ts(1000),
        pessimistic: [true],
        commitTs: ts(1002),
      });
      // w1 (for_update_ts below the commit) fails; w2 takes the lock; w3 waits for w2.
      expect((await w1).kind).to.equal('writeConflict');
      expect((await w2).kind).to.equal('ok');
      expect(await settledWithin(w3)).to.equal(false);
      expect(store.waiters.waitingOn(k('a'))).to.equal(1);
      await store.pessimisticRollback({ keys: [k('a')], startTs: ts(1003), forUpdateTs: ts(1003) });
      expect((await w3).kind).to.equal('ok');
    });

    it('a woken waiter that now waits on another key passes the wake-up on', async () => {
      await store.acquirePessimisticLock(lockReq('a', ts(1000)));
      await store.acquirePessimisticLock(lockReq('b', ts(1001)));
      const opts = { lockTimeoutMs: 60_000 };
      const both = store.acquirePessimisticLock(
        { ...lockReq('a', ts(1002)), keys: [k('a'), k('b')] },
        opts,
      );
      const onlyA = store.acquirePessimisticLock(lockReq('a', ts(1003)), opts);
      expect(await settledWithin(both)).to.equal(false);
      await store.pessimisticRollback({ keys: [k('a')], startTs: ts(1000), forUpdateTs: ts(1000) });
      // `both` wakes, meets b's lock and queues there; `onlyA` gets a.
      expect((await onlyA).kind).to.equal('ok');
      expect(store.waiters.waitingOn(k('b'))).to.equal(1);
      await store.pessimisticRollback({ keys: [k('a')], startTs: ts(1003), forUpdateTs: ts(1003) });
      await store.pessimisticRollback({ keys: [k('b')], startTs: ts(1001), forUpdateTs: ts(1001) });
      expect((await both).kind).to.equal('ok');
    });

    it('gives up after lock_timeout with 55P03, and at once with NOWAIT', async () => {
      await store.acquirePessimisticLock(lockReq('a', ts(1000)));
      const timedOut = (await errorOf(
        store.acquirePessimisticLock(lockReq('a', ts(1001)), { lockTimeoutMs: 20 }),
      )) as SqlError;
      expect(timedOut.code).to.equal(SqlState.lockNotAvailable);
      expect(timedOut.message).to.equal('canceling statement due to lock timeout');
      const nowait = (await errorOf(
        store.acquirePessimisticLock(lockReq('a', ts(1001)), { nowait: true }),
      )) as SqlError;
      expect(nowait.code).to.equal(SqlState.lockNotAvailable);
      expect(nowait.message).to.equal('could not obtain lock on row');
      expect(store.waiters.totalWaiting).to.equal(0);
    });

    it('breaks a deadlock with 40P01 and lets the survivor through', async () => {
      await store.acquirePessimisticLock(lockReq('a', ts(1000)));
      await store.acquirePessimisticLock(lockReq('b', ts(1001)));
      const first = store.acquirePessimisticLock(lockReq('b', ts(1000), { primary: k('a') }), {
        lockTimeoutMs: 5000,
      });
      expect(await settledWithin(first)).to.equal(false);
      const err = (await errorOf(
        store.acquirePessimisticLock(lockReq('a', ts(1001), { primary: k('b') }), {
          lockTimeoutMs: 5000,
        }),
      )) as SqlError;
      expect(err.code).to.equal(SqlState.deadlockDetected);
      // The victim rolls back; the other transaction gets its lock.
      await store.pessimisticRollback({ keys: [k('b')], startTs: ts(1001), forUpdateTs: ts(1001) });
      expect((await first).kind).to.equal('ok');
    });

    it('returns an expired holder lock for the caller to resolve', async () => {
      await store.acquirePessimisticLock(lockReq('a', ts(1000), { ttlMs: 100 }));
      wallMs = 1100;
      const r = await store.acquirePessimisticLock(lockReq('a', ts(1050)), { lockTimeoutMs: 5000 });
      expect(r.kind).to.equal('locked');
      // NOWAIT too: an expired lock is something to resolve, not a reason to fail.
      expect(
        (await store.acquirePessimisticLock(lockReq('a', ts(1050)), { nowait: true })).kind,
      ).to.equal('locked');
      const st = await store.checkTxnStatus({
        primary: k('a'),
        startTs: ts(1000),
        callerStartTs: 0n,
        rollbackIfNotExist: false,
      });
      expect(st).to.deep.equal({ kind: 'rolledBack', action: 'expiredRollback' });
      expect((await store.acquirePessimisticLock(lockReq('a', ts(1050)))).kind).to.equal('ok');
    });
  });

  describe('atomic check-then-write', () => {
    it('serializes two prewrites of one key although writes are asynchronous', async () => {
      let open!: () => void;
      engine.gate = new Promise<void>((r) => (open = r));
      const p1 = store.prewrite({
        mutations: [{ key: k('a'), op: 'put', value: v('1') }],
        primary: k('a'),
        startTs: ts(1000),
        ttlMs: 3000,
        forUpdateTs: 0n,
      });
      const p2 = store.prewrite({
        mutations: [{ key: k('a'), op: 'put', value: v('2') }],
        primary: k('a'),
        startTs: ts(1001),
        ttlMs: 3000,
        forUpdateTs: 0n,
      });
      expect(await settledWithin(p2)).to.equal(false);
      open();
      expect((await p1).kind).to.equal('ok');
      expect((await p2).kind).to.equal('locked');
    });

    it('makes a read wait for a 1PC in flight on its key, and commits above reads served', async () => {
      const r0 = await store.get({ key: k('a'), ts: ts(1500) });
      expect(r0).to.deep.equal({ kind: 'ok', value: undefined });
      let open!: () => void;
      engine.gate = new Promise<void>((r) => (open = r));
      const c = store.onePhaseCommit({
        mutations: [{ key: k('a'), op: 'put', value: v('1') }],
        startTs: ts(1000),
        forUpdateTs: 0n,
        commitTs: ts(1001),
      });
      // A reader at 2000 arrives while the batch is in flight: it must see the commit.
      const r1 = store.get({ key: k('a'), ts: ts(2000) });
      const r2 = store.scan({ start: k(''), end: null, ts: ts(2000), limit: 10 });
      expect(await settledWithin(r1)).to.equal(false);
      open();
      expect(await c).to.deep.equal({ kind: 'ok', commitTs: ts(1500) + 1n });
      const got = await r1;
      expect(got.kind === 'ok' && str(got.value)).to.equal('1');
      const rows = await r2;
      expect(rows.kind === 'ok' && rows.entries.length).to.equal(1);
      // The reader at 1500 keeps its snapshot: the commit landed above it.
      const again = await store.get({ key: k('a'), ts: ts(1500) });
      expect(again).to.deep.equal({ kind: 'ok', value: undefined });
      expect(store.maxReadTs).to.equal(ts(2000));
    });
  });

  describe('the 2PC commit timestamp', () => {
    const prewriteA = (startTs: bigint) =>
      store.prewrite({
        mutations: [
          { key: k('a'), op: 'put', value: v('1') },
          { key: k('b'), op: 'put', value: v('2') },
        ],
        primary: k('a'),
        startTs,
        ttlMs: 3000,
        forUpdateTs: 0n,
      });

    it('puts prewrite locks above every read the shard served, on any key', async () => {
      // A reader at 2000 read another key before the prewrite: a commit_ts taken from the
      // prewrite answer (no TSO after it) must still land above that reader's snapshot.
      await store.get({ key: k('z'), ts: ts(2000) });
      const r = await prewriteA(ts(1000));
      expect(r).to.deep.equal({ kind: 'ok', minCommitTs: ts(2000) + 1n });
      const c = await store.commit({ keys: [k('a')], startTs: ts(1000), commitTs: ts(1500) });
      expect(c.kind).to.equal('commitTsExpired');
    });

    it('syncs the primary commit and not the secondaries', async () => {
      await prewriteA(ts(1000));
      engine.syncs.length = 0;
      const commitTs = ts(1000) + 5n;
      await store.commit({ keys: [k('a')], startTs: ts(1000), commitTs });
      await store.commit({ keys: [k('b')], startTs: ts(1000), commitTs }, false);
      expect(engine.syncs).to.deep.equal([true, false]);
    });
  });

  describe('on the SQLite engine', () => {
    let dir: string;
    let sqlite: SqliteEngine;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mvcc-store-'));
    });
    after(async () => {
      await sqlite?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('runs a pessimistic 2PC transaction, scans it, and survives a reopen', async () => {
      sqlite = SqliteEngine.open(dir);
      const s = await MvccStore.open({ engine: sqlite, now: () => 1000 });
      const keys = ['r1', 'r2', 'r3'].map(k);
      expect(
        (
          await s.acquirePessimisticLock({
            keys,
            primary: keys[0],
            startTs: ts(1000),
            forUpdateTs: ts(1000),
            ttlMs: 3000,
          })
        ).kind,
      ).to.equal('ok');
      const pw = await s.prewrite({
        mutations: keys.map((key, i) => ({ key, op: 'put' as const, value: v(`v${i}`) })),
        primary: keys[0],
        startTs: ts(1000),
        ttlMs: 3000,
        forUpdateTs: ts(1000),
        pessimistic: [true, true, true],
      });
      expect(pw.kind).to.equal('ok');
      const locked = await s.scan({ start: k('r'), end: k('s'), ts: ts(1010), limit: 10 });
      expect(locked.kind === 'locked' && locked.locks.length).to.equal(3);
      expect(
        (await s.commit({ keys: [keys[0]], startTs: ts(1000), commitTs: ts(1005) })).kind,
      ).to.equal('ok');
      expect(
        (await s.commit({ keys: keys.slice(1), startTs: ts(1000), commitTs: ts(1005) })).kind,
      ).to.equal('ok');
      await sqlite.close();
      sqlite = SqliteEngine.open(dir);
      const s2 = await MvccStore.open({ engine: sqlite, now: () => 1000 });
      const rows = await s2.scan({
        start: k('r'),
        end: k('s'),
        ts: ts(1010),
        limit: 10,
        reverse: true,
      });
      expect(rows.kind === 'ok' && rows.entries.map(([key, val]) => `${key}=${val}`)).to.deep.equal(
        ['r3=v2', 'r2=v1', 'r1=v0'],
      );
    });
  });
});
