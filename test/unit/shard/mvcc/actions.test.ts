import { expect } from 'chai';
import {
  acquirePessimisticLock,
  checkTxnStatus,
  commit,
  get,
  onePhaseCommit,
  pessimisticRollback,
  prewrite,
  resolveLocks,
  rollback,
  scan,
  scanLocks,
  txnHeartBeat,
} from '../../../../shard/mvcc';
import type { Mutation } from '../../../../shard/mvcc';
import { MemEngine } from './memEngine';
import { apply, k, str, ts, v } from './helpers';

const NOW = 10_000; // wall ms; timestamps below use ms around 1000..9000
const TTL = 3000;

function pw(
  e: MemEngine,
  muts: Mutation[],
  primary: Buffer,
  startTs: bigint,
  extra: { forUpdateTs?: bigint; pessimistic?: boolean[] } = {},
) {
  return apply(
    e,
    prewrite(
      e,
      {
        mutations: muts,
        primary,
        startTs,
        ttlMs: TTL,
        forUpdateTs: extra.forUpdateTs ?? 0n,
        pessimistic: extra.pessimistic,
      },
      NOW,
    ),
  );
}

function cm(e: MemEngine, keys: Buffer[], startTs: bigint, commitTs: bigint) {
  return apply(e, commit(e, { keys, startTs, commitTs }, NOW));
}

/** Writes key=value committed by a transaction [startTs, commitTs]. */
function committed(
  e: MemEngine,
  key: string,
  value: string | undefined,
  startTs: bigint,
  commitTs: bigint,
): void {
  const m: Mutation =
    value === undefined ? { key: k(key), op: 'del' } : { key: k(key), op: 'put', value: v(value) };
  expect(pw(e, [m], k(key), startTs).kind).to.equal('ok');
  expect(cm(e, [k(key)], startTs, commitTs).kind).to.equal('ok');
}

function read(e: MemEngine, key: string, at: bigint): string | undefined | 'LOCKED' {
  const r = get(e, { key: k(key), ts: at });
  return r.kind === 'locked' ? 'LOCKED' : str(r.value);
}

describe('mvcc actions', () => {
  let e: MemEngine;
  beforeEach(() => {
    e = new MemEngine();
  });

  describe('get', () => {
    it('returns the newest version committed at or before the read timestamp', () => {
      committed(e, 'a', 'v1', ts(1000), ts(1001));
      committed(e, 'a', 'v2', ts(1002), ts(1003));
      committed(e, 'a', undefined, ts(1004), ts(1005));
      expect(read(e, 'a', ts(1000))).to.equal(undefined);
      expect(read(e, 'a', ts(1001))).to.equal('v1');
      expect(read(e, 'a', ts(1002))).to.equal('v1');
      expect(read(e, 'a', ts(1003))).to.equal('v2');
      expect(read(e, 'a', ts(1005))).to.equal(undefined);
      expect(read(e, 'b', ts(1005))).to.equal(undefined);
    });

    it('is stopped by another transaction prewrite lock at or below its timestamp only', () => {
      committed(e, 'a', 'v1', ts(1000), ts(1001));
      pw(e, [{ key: k('a'), op: 'put', value: v('v2') }], k('a'), ts(1010));
      expect(read(e, 'a', ts(1005))).to.equal('v1'); // lock started after the read
      const r = get(e, { key: k('a'), ts: ts(1020) });
      expect(r.kind).to.equal('locked');
      if (r.kind === 'locked')
        expect(r.locks[0]).to.deep.include({ startTs: ts(1010), kind: 'prewrite' });
      // Its own transaction, and a bypassed one, read through.
      expect(get(e, { key: k('a'), ts: ts(1020), txnStartTs: ts(1010) })).to.deep.include({
        kind: 'ok',
      });
      expect(get(e, { key: k('a'), ts: ts(1020), bypassLocks: [ts(1010)] })).to.deep.include({
        kind: 'ok',
      });
    });

    it('is not stopped by pessimistic locks or lock-only prewrites', () => {
      committed(e, 'a', 'v1', ts(1000), ts(1001));
      apply(
        e,
        acquirePessimisticLock(
          e,
          { keys: [k('a')], primary: k('a'), startTs: ts(1010), forUpdateTs: ts(1010), ttlMs: TTL },
          NOW,
        ),
      );
      expect(read(e, 'a', ts(1020))).to.equal('v1');
      pw(e, [{ key: k('b'), op: 'lock' }], k('b'), ts(1011));
      expect(read(e, 'b', ts(1020))).to.equal(undefined);
    });
  });

  describe('scan', () => {
    beforeEach(() => {
      committed(e, 'a', 'a1', ts(1000), ts(1001));
      committed(e, 'b', 'b1', ts(1000), ts(1001));
      committed(e, 'b', 'b2', ts(1002), ts(1003));
      committed(e, 'c', 'c1', ts(1000), ts(1001));
      committed(e, 'c', undefined, ts(1002), ts(1003));
      committed(e, 'd', 'd1', ts(1004), ts(1005));
    });
    const rows = (r: ReturnType<typeof scan>) =>
      r.kind === 'ok'
        ? r.entries.map(([key, val]) => `${key.toString()}=${val.toString()}`)
        : r.kind;

    it('returns the rows visible at the timestamp in [start, end), forward and reverse', () => {
      expect(rows(scan(e, { start: k('a'), end: null, ts: ts(1002), limit: 10 }))).to.deep.equal([
        'a=a1',
        'b=b1',
        'c=c1',
      ]);
      expect(rows(scan(e, { start: k('a'), end: null, ts: ts(1010), limit: 10 }))).to.deep.equal([
        'a=a1',
        'b=b2',
        'd=d1',
      ]);
      expect(rows(scan(e, { start: k('b'), end: k('d'), ts: ts(1010), limit: 10 }))).to.deep.equal([
        'b=b2',
      ]);
      expect(
        rows(scan(e, { start: k('a'), end: null, ts: ts(1010), limit: 10, reverse: true })),
      ).to.deep.equal(['d=d1', 'b=b2', 'a=a1']);
      expect(
        rows(scan(e, { start: k('a'), end: null, ts: ts(1002), limit: 10, reverse: true })),
      ).to.deep.equal(['c=c1', 'b=b1', 'a=a1']);
    });

    it('stops at the limit and says there may be more', () => {
      const r = scan(e, { start: k('a'), end: null, ts: ts(1010), limit: 2 });
      expect(rows(r)).to.deep.equal(['a=a1', 'b=b2']);
      expect(r.kind === 'ok' && r.more).to.equal(true);
      const rr = scan(e, { start: k('a'), end: null, ts: ts(1010), limit: 2, reverse: true });
      expect(rows(rr)).to.deep.equal(['d=d1', 'b=b2']);
      const all = scan(e, { start: k('a'), end: null, ts: ts(1010), limit: 3 });
      expect(all.kind === 'ok' && all.entries.length).to.equal(3);
    });

    it('reports blocking locks inside the span it returns, not beyond it', () => {
      pw(e, [{ key: k('c'), op: 'put', value: v('c3') }], k('c'), ts(1006));
      pw(e, [{ key: k('e'), op: 'put', value: v('e1') }], k('c'), ts(1006));
      const r = scan(e, { start: k('a'), end: null, ts: ts(1010), limit: 10 });
      expect(r.kind).to.equal('locked');
      if (r.kind === 'locked')
        expect(r.locks.map((l) => l.key.toString())).to.deep.equal(['c', 'e']);
      // Limit 2 ends at b: the locks on c and e are the next page's business.
      expect(rows(scan(e, { start: k('a'), end: null, ts: ts(1010), limit: 2 }))).to.deep.equal([
        'a=a1',
        'b=b2',
      ]);
      // A read below the lock's start sees through it.
      expect(rows(scan(e, { start: k('a'), end: null, ts: ts(1005), limit: 10 }))).to.deep.equal([
        'a=a1',
        'b=b2',
        'd=d1',
      ]);
      const locks = scanLocks(e, { start: k('a'), end: null, maxTs: ts(1006), limit: 1 });
      expect(locks.locks.length).to.equal(1);
      expect(locks.more).to.equal(true);
    });
  });

  describe('acquirePessimisticLock', () => {
    const lockReq = (key: string, startTs: bigint, forUpdateTs: bigint, extra: object = {}) => ({
      keys: [k(key)],
      primary: k(key),
      startTs,
      forUpdateTs,
      ttlMs: TTL,
      ...extra,
    });

    it('locks a key and returns its current value', () => {
      committed(e, 'a', 'v1', ts(1000), ts(1001));
      const r = apply(
        e,
        acquirePessimisticLock(e, lockReq('a', ts(1002), ts(1002), { returnValues: true }), NOW),
      );
      expect(r.kind).to.equal('ok');
      expect(r.kind === 'ok' && r.values?.map(str)).to.deep.equal(['v1']);
    });

    it('reports a write conflict when a version committed after for_update_ts', () => {
      committed(e, 'a', 'v1', ts(1000), ts(1005));
      const r = apply(e, acquirePessimisticLock(e, lockReq('a', ts(1002), ts(1002)), NOW));
      expect(r).to.deep.include({
        kind: 'writeConflict',
        conflictStartTs: ts(1000),
        conflictCommitTs: ts(1005),
      });
      // READ COMMITTED retries with a newer for_update_ts and succeeds.
      expect(
        apply(e, acquirePessimisticLock(e, lockReq('a', ts(1002), ts(1006)), NOW)).kind,
      ).to.equal('ok');
    });

    it('with latest (READ COMMITTED), locks the newest version committed after for_update_ts and commits above it', () => {
      committed(e, 'a', 'v1', ts(1000), ts(1005));
      const r = apply(
        e,
        acquirePessimisticLock(
          e,
          lockReq('a', ts(1002), ts(1002), { returnValues: true, latest: true }),
          NOW,
        ),
      );
      expect(r.kind).to.equal('ok');
      expect(r.kind === 'ok' && r.values?.map(str)).to.deep.equal(['v1']);
      expect(r.kind === 'ok' && r.latestCommitTs).to.equal(ts(1005));
      // The lock's min_commit_ts is above the version it overwrites, so a 1PC commits after it.
      const out = onePhaseCommit(
        e,
        {
          mutations: [{ key: k('a'), op: 'put', value: Buffer.from('v2') }],
          startTs: ts(1002),
          forUpdateTs: ts(1002),
          pessimistic: [true],
          commitTs: ts(1003),
          maxReadTs: 0n,
        },
        NOW,
      );
      expect(out.result.kind).to.equal('ok');
      expect(out.result.kind === 'ok' && out.result.commitTs > ts(1005)).to.equal(true);
    });

    it('with latest, still refuses a transaction that was rolled back', () => {
      committed(e, 'a', 'v1', ts(1000), ts(1005));
      apply(e, rollback(e, { keys: [k('a')], startTs: ts(1002) }, NOW));
      const r = apply(
        e,
        acquirePessimisticLock(e, lockReq('a', ts(1002), ts(1002), { latest: true }), NOW),
      );
      expect(r.kind).to.equal('txnRolledBack');
    });

    it('reports another transaction lock so the caller can wait, and writes nothing', () => {
      apply(e, acquirePessimisticLock(e, lockReq('a', ts(1000), ts(1000)), NOW));
      const out = acquirePessimisticLock(
        e,
        { ...lockReq('b', ts(1001), ts(1001)), keys: [k('b'), k('a')] },
        NOW,
      );
      expect(out.result.kind).to.equal('locked');
      expect(out.writes.length).to.equal(0);
      if (out.result.kind === 'locked') expect(out.result.locks[0].startTs).to.equal(ts(1000));
    });

    it('is idempotent for its own lock and keeps the newest for_update_ts', () => {
      apply(e, acquirePessimisticLock(e, lockReq('a', ts(1000), ts(1000)), NOW));
      expect(
        apply(e, acquirePessimisticLock(e, lockReq('a', ts(1000), ts(1003)), NOW)).kind,
      ).to.equal('ok');
      const l = scanLocks(e, { start: k(''), end: null, maxTs: ts(2000), limit: 10 }).locks[0];
      expect(l).to.deep.include({
        forUpdateTs: ts(1003),
        minCommitTs: ts(1003) + 1n,
        kind: 'pessimistic',
      });
    });

    it('fails for an INSERT key that exists, and for a rolled-back transaction', () => {
      committed(e, 'a', 'v1', ts(1000), ts(1001));
      expect(
        apply(
          e,
          acquirePessimisticLock(
            e,
            lockReq('a', ts(1002), ts(1002), { shouldNotExist: true }),
            NOW,
          ),
        ).kind,
      ).to.equal('alreadyExists');
      apply(e, rollback(e, { keys: [k('b')], startTs: ts(1003) }, NOW));
      expect(
        apply(e, acquirePessimisticLock(e, lockReq('b', ts(1003), ts(1003)), NOW)).kind,
      ).to.equal('txnRolledBack');
    });
  });

  describe('pessimisticRollback', () => {
    it('releases only pessimistic locks of the transaction up to for_update_ts', () => {
      apply(
        e,
        acquirePessimisticLock(
          e,
          { keys: [k('a')], primary: k('a'), startTs: ts(1000), forUpdateTs: ts(1000), ttlMs: TTL },
          NOW,
        ),
      );
      apply(
        e,
        acquirePessimisticLock(
          e,
          { keys: [k('b')], primary: k('a'), startTs: ts(1000), forUpdateTs: ts(1005), ttlMs: TTL },
          NOW,
        ),
      );
      const r = apply(
        e,
        pessimisticRollback(
          e,
          { keys: [k('a'), k('b')], startTs: ts(1000), forUpdateTs: ts(1002) },
          NOW,
        ),
      );
      expect(r.released).to.equal(1);
      expect(
        scanLocks(e, { start: k(''), end: null, maxTs: ts(2000), limit: 10 }).locks.map((l) =>
          l.key.toString(),
        ),
      ).to.deep.equal(['b']);
    });
  });

  describe('prewrite', () => {
    it('writes a lock naming the primary on every key', () => {
      const r = pw(
        e,
        [
          { key: k('a'), op: 'put', value: v('1') },
          { key: k('b'), op: 'del' },
        ],
        k('a'),
        ts(1000),
      );
      expect(r).to.deep.equal({ kind: 'ok', minCommitTs: ts(1000) + 1n });
      const locks = scanLocks(e, { start: k(''), end: null, maxTs: ts(2000), limit: 10 }).locks;
      expect(
        locks.map((l) => [l.key.toString(), l.primary.toString(), l.op, str(l.value)]),
      ).to.deep.equal([
        ['a', 'a', 'put', '1'],
        ['b', 'a', 'del', undefined],
      ]);
    });

    it('fails an optimistic write on a version committed after start_ts (first committer wins)', () => {
      committed(e, 'a', 'v1', ts(1001), ts(1002));
      const out = prewrite(
        e,
        {
          mutations: [
            { key: k('b'), op: 'put', value: v('x') },
            { key: k('a'), op: 'put', value: v('x') },
          ],
          primary: k('b'),
          startTs: ts(1000),
          ttlMs: TTL,
          forUpdateTs: 0n,
        },
        NOW,
      );
      expect(out.result).to.deep.include({ kind: 'writeConflict', conflictCommitTs: ts(1002) });
      expect(out.writes.length).to.equal(0);
    });

    it('reports every lock of other transactions at once', () => {
      pw(
        e,
        [
          { key: k('a'), op: 'put', value: v('1') },
          { key: k('c'), op: 'put', value: v('1') },
        ],
        k('a'),
        ts(1000),
      );
      const r = pw(
        e,
        [
          { key: k('a'), op: 'put' },
          { key: k('b'), op: 'put' },
          { key: k('c'), op: 'put' },
        ],
        k('a'),
        ts(1001),
      );
      expect(r.kind === 'locked' && r.locks.map((l) => l.key.toString())).to.deep.equal(['a', 'c']);
      expect(read(e, 'b', ts(2000))).to.equal(undefined);
      expect(
        scanLocks(e, { start: k('b'), end: k('c'), maxTs: ts(9000), limit: 10 }).locks,
      ).to.have.length(0);
    });

    it('is idempotent, also after the commit', () => {
      const m = [{ key: k('a'), op: 'put' as const, value: v('1') }];
      expect(pw(e, m, k('a'), ts(1000)).kind).to.equal('ok');
      expect(pw(e, m, k('a'), ts(1000)).kind).to.equal('ok');
      expect(cm(e, [k('a')], ts(1000), ts(1001)).kind).to.equal('ok');
      const again = prewrite(
        e,
        { mutations: m, primary: k('a'), startTs: ts(1000), ttlMs: TTL, forUpdateTs: 0n },
        NOW,
      );
      expect(again.result.kind).to.equal('ok');
      expect(again.writes.length).to.equal(0);
    });

    it('fails after the transaction was rolled back on the key', () => {
      apply(e, rollback(e, { keys: [k('a')], startTs: ts(1000) }, NOW));
      expect(pw(e, [{ key: k('a'), op: 'put' }], k('a'), ts(1000)).kind).to.equal('txnRolledBack');
    });

    it('converts pessimistic locks, and fails a pessimistic key whose lock is gone', () => {
      apply(
        e,
        acquirePessimisticLock(
          e,
          { keys: [k('a')], primary: k('a'), startTs: ts(1000), forUpdateTs: ts(1002), ttlMs: TTL },
          NOW,
        ),
      );
      const r = pw(e, [{ key: k('a'), op: 'put', value: v('1') }], k('a'), ts(1000), {
        forUpdateTs: ts(1002),
        pessimistic: [true],
      });
      expect(r).to.deep.equal({ kind: 'ok', minCommitTs: ts(1002) + 1n });
      const l = scanLocks(e, { start: k(''), end: null, maxTs: ts(2000), limit: 10 }).locks[0];
      expect(l).to.deep.include({ kind: 'prewrite', op: 'put', forUpdateTs: ts(1002) });
      expect(
        pw(e, [{ key: k('b'), op: 'put' }], k('a'), ts(1000), {
          forUpdateTs: ts(1002),
          pessimistic: [true],
        }).kind,
      ).to.equal('lockNotFound');
    });

    it('fails an insert of an existing key', () => {
      committed(e, 'a', 'v1', ts(1000), ts(1001));
      expect(pw(e, [{ key: k('a'), op: 'insert', value: v('x') }], k('a'), ts(1002)).kind).to.equal(
        'alreadyExists',
      );
      committed(e, 'b', undefined, ts(1000), ts(1001));
      expect(pw(e, [{ key: k('b'), op: 'insert', value: v('x') }], k('b'), ts(1002)).kind).to.equal(
        'ok',
      );
    });
  });

  describe('commit', () => {
    it('turns locks into versions at commit_ts and is idempotent', () => {
      pw(
        e,
        [
          { key: k('a'), op: 'put', value: v('1') },
          { key: k('b'), op: 'lock' },
        ],
        k('a'),
        ts(1000),
      );
      expect(cm(e, [k('a'), k('b')], ts(1000), ts(1005)).kind).to.equal('ok');
      expect(read(e, 'a', ts(1004))).to.equal(undefined);
      expect(read(e, 'a', ts(1005))).to.equal('1');
      expect(cm(e, [k('a'), k('b')], ts(1000), ts(1005)).kind).to.equal('ok');
      expect(
        scanLocks(e, { start: k(''), end: null, maxTs: ts(9000), limit: 10 }).locks,
      ).to.have.length(0);
    });

    it('fails after a rollback (a late commit loses to the resolver)', () => {
      pw(e, [{ key: k('a'), op: 'put', value: v('1') }], k('a'), ts(1000));
      apply(e, rollback(e, { keys: [k('a')], startTs: ts(1000) }, NOW));
      expect(cm(e, [k('a')], ts(1000), ts(1005)).kind).to.equal('txnRolledBack');
      expect(read(e, 'a', ts(2000))).to.equal(undefined);
    });

    it('fails below the lock min_commit_ts and without any lock or record', () => {
      // A live lock (started at 9000 ms, TTL 3 s, now 10 000 ms) whose min_commit_ts a reader pushed.
      pw(e, [{ key: k('a'), op: 'put', value: v('1') }], k('a'), ts(9000));
      apply(
        e,
        checkTxnStatus(
          e,
          {
            primary: k('a'),
            startTs: ts(9000),
            callerStartTs: ts(9010),
            rollbackIfNotExist: false,
          },
          NOW,
        ),
      );
      expect(cm(e, [k('a')], ts(9000), ts(9005))).to.deep.include({
        kind: 'commitTsExpired',
        minCommitTs: ts(9010) + 1n,
      });
      expect(cm(e, [k('a')], ts(9000), ts(9011)).kind).to.equal('ok');
      expect(cm(e, [k('z')], ts(9000), ts(9011)).kind).to.equal('lockNotFound');
    });

    it('refuses a pessimistic lock that was never prewritten', () => {
      apply(
        e,
        acquirePessimisticLock(
          e,
          { keys: [k('a')], primary: k('a'), startTs: ts(1000), forUpdateTs: ts(1000), ttlMs: TTL },
          NOW,
        ),
      );
      expect(cm(e, [k('a')], ts(1000), ts(1005)).kind).to.equal('lockNotFound');
    });
  });

  describe('rollback', () => {
    it('removes the lock, leaves a record, and refuses a committed key', () => {
      pw(e, [{ key: k('a'), op: 'put', value: v('1') }], k('a'), ts(1000));
      expect(apply(e, rollback(e, { keys: [k('a')], startTs: ts(1000) }, NOW)).kind).to.equal('ok');
      expect(read(e, 'a', ts(2000))).to.equal(undefined);
      expect(apply(e, rollback(e, { keys: [k('a')], startTs: ts(1000) }, NOW)).kind).to.equal('ok');
      committed(e, 'b', 'v', ts(1001), ts(1002));
      expect(apply(e, rollback(e, { keys: [k('b')], startTs: ts(1001) }, NOW))).to.deep.include({
        kind: 'txnCommitted',
        commitTs: ts(1002),
      });
    });
  });

  describe('checkTxnStatus', () => {
    const check = (
      startTs: bigint,
      nowMs: number,
      extra: { callerStartTs?: bigint; rollbackIfNotExist?: boolean } = {},
    ) =>
      apply(
        e,
        checkTxnStatus(
          e,
          {
            primary: k('p'),
            startTs,
            callerStartTs: extra.callerStartTs ?? 0n,
            rollbackIfNotExist: extra.rollbackIfNotExist ?? false,
          },
          nowMs,
        ),
      );

    it('reports committed with its commit_ts', () => {
      committed(e, 'p', 'v', ts(1000), ts(1003));
      expect(check(ts(1000), NOW)).to.deep.equal({ kind: 'committed', commitTs: ts(1003) });
    });

    it('reports a live lock with its remaining TTL, and pushes min_commit_ts for a reader', () => {
      pw(e, [{ key: k('p'), op: 'put', value: v('1') }], k('p'), ts(9000));
      const r = check(ts(9000), 10_000, { callerStartTs: ts(9500) });
      expect(r.kind).to.equal('locked');
      if (r.kind === 'locked') {
        expect(r.ttlRemainingMs).to.equal(2000);
        expect(r.minCommitTsPushed).to.equal(true);
        expect(r.lock.minCommitTs).to.equal(ts(9500) + 1n);
      }
      // The reader at 9500 now reads through; the commit must come after it.
      expect(get(e, { key: k('p'), ts: ts(9500) }).kind).to.equal('ok');
      expect(get(e, { key: k('p'), ts: ts(9600) }).kind).to.equal('locked');
    });

    it('rolls back an expired primary so the late commit fails', () => {
      pw(e, [{ key: k('p'), op: 'put', value: v('1') }], k('p'), ts(1000));
      expect(check(ts(1000), 1000 + TTL)).to.deep.equal({
        kind: 'rolledBack',
        action: 'expiredRollback',
      });
      expect(check(ts(1000), NOW)).to.deep.equal({ kind: 'rolledBack', action: 'none' });
      expect(cm(e, [k('p')], ts(1000), ts(1001)).kind).to.equal('txnRolledBack');
    });

    it('treats an expired pessimistic primary the same way', () => {
      apply(
        e,
        acquirePessimisticLock(
          e,
          { keys: [k('p')], primary: k('p'), startTs: ts(1000), forUpdateTs: ts(1000), ttlMs: TTL },
          NOW,
        ),
      );
      expect(check(ts(1000), 1000 + TTL - 1).kind).to.equal('locked');
      expect(check(ts(1000), 1000 + TTL).kind).to.equal('rolledBack');
      expect(
        pw(e, [{ key: k('p'), op: 'put' }], k('p'), ts(1000), {
          forUpdateTs: ts(1000),
          pessimistic: [true],
        }).kind,
      ).to.equal('txnRolledBack');
    });

    it('reports notFound, or with rollbackIfNotExist makes a missing primary final', () => {
      expect(check(ts(1000), NOW)).to.deep.equal({ kind: 'notFound' });
      expect(check(ts(1000), NOW, { rollbackIfNotExist: true })).to.deep.equal({
        kind: 'rolledBack',
        action: 'notExistRollback',
      });
      // The primary's prewrite arriving late now fails.
      expect(pw(e, [{ key: k('p'), op: 'put' }], k('p'), ts(1000)).kind).to.equal('txnRolledBack');
    });
  });

  describe('txnHeartBeat', () => {
    it('extends the primary lock TTL so it does not expire', () => {
      pw(e, [{ key: k('p'), op: 'put', value: v('1') }], k('p'), ts(1000));
      expect(
        apply(e, txnHeartBeat(e, { primary: k('p'), startTs: ts(1000), adviseTtlMs: 20_000 }, NOW)),
      ).to.deep.equal({ kind: 'ok', ttlMs: 20_000 });
      const r = apply(
        e,
        checkTxnStatus(
          e,
          { primary: k('p'), startTs: ts(1000), callerStartTs: 0n, rollbackIfNotExist: false },
          15_000,
        ),
      );
      expect(r.kind).to.equal('locked');
      expect(
        apply(e, txnHeartBeat(e, { primary: k('q'), startTs: ts(1000), adviseTtlMs: 1 }, NOW)).kind,
      ).to.equal('lockNotFound');
    });
  });

  describe('resolveLocks', () => {
    beforeEach(() => {
      committed(e, 's2', 'old', ts(900), ts(901));
      pw(
        e,
        [
          { key: k('p'), op: 'put', value: v('P') },
          { key: k('s1'), op: 'put', value: v('S1') },
          { key: k('s2'), op: 'del' },
        ],
        k('p'),
        ts(1000),
      );
    });

    it('rolls secondaries forward to the primary commit_ts', () => {
      cm(e, [k('p')], ts(1000), ts(1005));
      const st = apply(
        e,
        checkTxnStatus(
          e,
          { primary: k('p'), startTs: ts(1000), callerStartTs: 0n, rollbackIfNotExist: false },
          NOW,
        ),
      );
      expect(st).to.deep.equal({ kind: 'committed', commitTs: ts(1005) });
      expect(
        apply(
          e,
          resolveLocks(e, { keys: [k('s1'), k('s2')], startTs: ts(1000), commitTs: ts(1005) }, NOW),
        ).resolved,
      ).to.equal(2);
      expect(read(e, 's1', ts(1005))).to.equal('S1');
      expect(read(e, 's2', ts(1004))).to.equal('old');
      expect(read(e, 's2', ts(1005))).to.equal(undefined);
      expect(
        apply(e, resolveLocks(e, { keys: [k('s1')], startTs: ts(1000), commitTs: ts(1005) }, NOW))
          .resolved,
      ).to.equal(0);
    });

    it('rolls secondaries back when the primary rolled back, and the late commit fails', () => {
      apply(
        e,
        checkTxnStatus(
          e,
          { primary: k('p'), startTs: ts(1000), callerStartTs: 0n, rollbackIfNotExist: false },
          1000 + TTL,
        ),
      );
      apply(e, resolveLocks(e, { keys: [k('s1'), k('s2')], startTs: ts(1000), commitTs: 0n }, NOW));
      expect(read(e, 's1', ts(2000))).to.equal(undefined);
      expect(
        scanLocks(e, { start: k(''), end: null, maxTs: ts(9000), limit: 10 }).locks,
      ).to.have.length(0);
      expect(cm(e, [k('s1')], ts(1000), ts(1005)).kind).to.equal('txnRolledBack');
    });
  });

  describe('onePhaseCommit', () => {
    const opc = (
      muts: Mutation[],
      startTs: bigint,
      commitTs: bigint,
      extra: { forUpdateTs?: bigint; pessimistic?: boolean[]; maxReadTs?: bigint } = {},
    ) =>
      onePhaseCommit(
        e,
        {
          mutations: muts,
          startTs,
          commitTs,
          forUpdateTs: extra.forUpdateTs ?? 0n,
          pessimistic: extra.pessimistic,
          maxReadTs: extra.maxReadTs ?? 0n,
        },
        NOW,
      );

    it('writes every version and releases the locks in one batch', () => {
      apply(
        e,
        acquirePessimisticLock(
          e,
          {
            keys: [k('a'), k('b')],
            primary: k('a'),
            startTs: ts(1000),
            forUpdateTs: ts(1001),
            ttlMs: TTL,
          },
          NOW,
        ),
      );
      const out = opc(
        [
          { key: k('a'), op: 'put', value: v('A') },
          { key: k('b'), op: 'del' },
          { key: k('c'), op: 'insert', value: v('C') },
        ],
        ts(1000),
        ts(1002),
        { forUpdateTs: ts(1001), pessimistic: [true, true, false] },
      );
      expect(out.result).to.deep.equal({ kind: 'ok', commitTs: ts(1002) });
      expect(out.writes.length).to.equal(5); // 3 versions, 2 lock deletes
      apply(e, out);
      expect(read(e, 'a', ts(1002))).to.equal('A');
      expect(read(e, 'c', ts(1002))).to.equal('C');
      expect(
        scanLocks(e, { start: k(''), end: null, maxTs: ts(9000), limit: 10 }).locks,
      ).to.have.length(0);
      // A retry of the same request reports the same commit.
      expect(
        opc([{ key: k('a'), op: 'put', value: v('A') }], ts(1000), ts(1003), {
          forUpdateTs: ts(1001),
          pessimistic: [true],
        }).result,
      ).to.deep.equal({ kind: 'ok', commitTs: ts(1002) });
    });

    it('commits above every read served and every pushed min_commit_ts', () => {
      const r = apply(
        e,
        opc([{ key: k('a'), op: 'put', value: v('A') }], ts(1000), ts(1002), {
          maxReadTs: ts(1500),
        }),
      );
      expect(r).to.deep.equal({ kind: 'ok', commitTs: ts(1500) + 1n });
      expect(read(e, 'a', ts(1500))).to.equal(undefined);
    });

    it('checks conflicts, locks and existence like prewrite, and writes nothing on failure', () => {
      committed(e, 'a', 'v1', ts(1001), ts(1002));
      expect(opc([{ key: k('a'), op: 'put' }], ts(1000), ts(1003)).result.kind).to.equal(
        'writeConflict',
      );
      expect(opc([{ key: k('a'), op: 'insert' }], ts(1003), ts(1004)).result.kind).to.equal(
        'alreadyExists',
      );
      pw(e, [{ key: k('b'), op: 'put' }], k('b'), ts(1005));
      const out = opc(
        [
          { key: k('c'), op: 'put' },
          { key: k('b'), op: 'put' },
        ],
        ts(1006),
        ts(1007),
      );
      expect(out.result.kind).to.equal('locked');
      expect(out.writes.length).to.equal(0);
      expect(
        opc([{ key: k('d'), op: 'put' }], ts(1006), ts(1007), {
          forUpdateTs: ts(1006),
          pessimistic: [true],
        }).result.kind,
      ).to.equal('lockNotFound');
    });
  });
});
