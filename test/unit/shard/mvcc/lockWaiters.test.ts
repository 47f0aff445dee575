import { expect } from 'chai';
import { SqlError, SqlState } from '../../../../common/errors';
import { LockWaiters } from '../../../../shard/mvcc';
import type { Lock, Timers } from '../../../../shard/mvcc';
import { errorOf, k } from './helpers';

/** Timers driven by the test: advance() fires what is due. */
class FakeTimers implements Timers {
  now = 0;
  private pending: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 0;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.push({ at: this.now + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending = this.pending.filter((p) => p.id !== handle);
  }
  advance(ms: number): void {
    this.now += ms;
    const due = this.pending.filter((p) => p.at <= this.now);
    this.pending = this.pending.filter((p) => p.at > this.now);
    for (const p of due) p.fn();
  }
  get count(): number {
    return this.pending.length;
  }
}

function lockOf(key: string, startTs: bigint): Lock {
  return {
    key: k(key),
    kind: 'pessimistic',
    op: 'none',
    primary: k(key),
    startTs,
    forUpdateTs: startTs,
    minCommitTs: startTs + 1n,
    ttlMs: 3000,
  };
}

describe('mvcc lock waiters', () => {
  let timers: FakeTimers;
  let waiters: LockWaiters;
  beforeEach(() => {
    timers = new FakeTimers();
    waiters = new LockWaiters({
      timers,
      now: () => timers.now,
      maxWaitersPerKey: 2,
      deadlockCheckDelayMs: 0,
    });
  });

  it('wakes every waiter of a key when its lock is released, in order', async () => {
    const order: string[] = [];
    const a = waiters.wait(2n, lockOf('x', 1n), 1000).then((o) => order.push(`2:${o}`));
    const b = waiters.wait(3n, lockOf('x', 1n), 1000).then((o) => order.push(`3:${o}`));
    const other = waiters.wait(4n, lockOf('y', 1n), 1000);
    expect(waiters.waitingOn(k('x'))).to.equal(2);
    waiters.wake([k('x')]);
    await Promise.all([a, b]);
    expect(order).to.deep.equal(['2:woken', '3:woken']);
    expect(waiters.totalWaiting).to.equal(1);
    expect(timers.count).to.equal(1); // the woken waits cleared their timers
    timers.advance(1000);
    expect(await other).to.equal('timedOut');
  });

  it('wakeFirst wakes the head of each queue only; passOn wakes the next', async () => {
    const order: string[] = [];
    const a = waiters.wait(2n, lockOf('x', 1n), 1000).then((o) => order.push(`2:${o}`));
    const b = waiters.wait(3n, lockOf('x', 1n), 1000).then((o) => order.push(`3:${o}`));
    waiters.wakeFirst([k('x')]);
    await a;
    expect(order).to.deep.equal(['2:woken']);
    expect(waiters.waitingOn(k('x'))).to.equal(1);
    waiters.passOn(k('x'));
    await b;
    expect(order).to.deep.equal(['2:woken', '3:woken']);
    expect(waiters.totalWaiting).to.equal(0);
  });

  it('times out at the deadline', async () => {
    const w = waiters.wait(2n, lockOf('x', 1n), 500);
    timers.advance(499);
    expect(waiters.totalWaiting).to.equal(1);
    timers.advance(1);
    expect(await w).to.equal('timedOut');
    expect(waiters.totalWaiting).to.equal(0);
  });

  it('bounds each queue', async () => {
    void waiters.wait(2n, lockOf('x', 1n), 1000);
    void waiters.wait(3n, lockOf('x', 1n), 1000);
    const err = await errorOf(waiters.wait(4n, lockOf('x', 1n), 1000));
    expect((err as Error).message).to.match(/too many lock waiters/);
    waiters.wake([k('x')]);
  });

  it('fails the wait that closes a deadlock with 40P01 and keeps the other', async () => {
    const first = waiters.wait(1n, lockOf('b', 2n), 1000); // 1 waits for 2 (on b)
    const err = await errorOf(waiters.wait(2n, lockOf('a', 1n), 1000)); // 2 waits for 1 (on a)
    expect(err).to.be.instanceOf(SqlError);
    expect((err as SqlError).code).to.equal(SqlState.deadlockDetected);
    expect((err as SqlError).message).to.equal('deadlock detected');
    expect((err as SqlError).detail).to.contain('Transaction 2 waits for transaction 1.');
    expect(waiters.totalWaiting).to.equal(1);
    // Transaction 2 aborts and releases b: transaction 1 proceeds.
    waiters.wake([k('b')]);
    expect(await first).to.equal('woken');
  });

  it('reports a wait to the deadlock detector only once it has lasted deadlockCheckDelayMs', async () => {
    const calls: string[] = [];
    const detector = {
      detect: (waiter: bigint, holder: bigint) => {
        calls.push(`detect ${waiter}->${holder}`);
        return null;
      },
      cleanUp: (waiter: bigint, holder: bigint) => {
        calls.push(`cleanUp ${waiter}->${holder}`);
      },
    };
    const delayed = new LockWaiters({
      timers,
      now: () => timers.now,
      detector,
      deadlockCheckDelayMs: 100,
    });
    const short = delayed.wait(2n, lockOf('x', 1n), 1000);
    timers.advance(99);
    delayed.wake([k('x')]);
    expect(await short).to.equal('woken');
    expect(calls, 'a short wait costs the detector nothing').to.deep.equal([]);
    const long = delayed.wait(3n, lockOf('x', 1n), 1000);
    timers.advance(100);
    expect(calls).to.deep.equal(['detect 3->1']);
    delayed.wake([k('x')]);
    expect(await long).to.equal('woken');
    expect(calls).to.deep.equal(['detect 3->1', 'cleanUp 3->1']);
    expect(timers.count, 'no timer left behind').to.equal(0);
  });

  it('finds a deadlock one delay after it forms', async () => {
    const delayed = new LockWaiters({ timers, now: () => timers.now, deadlockCheckDelayMs: 100 });
    const first = delayed.wait(1n, lockOf('b', 2n), 10_000);
    const second = errorOf(delayed.wait(2n, lockOf('a', 1n), 10_000));
    timers.advance(100);
    expect(((await second) as SqlError).code).to.equal(SqlState.deadlockDetected);
    delayed.wake([k('b')]);
    expect(await first).to.equal('woken');
  });

  it('cancels every wait of a transaction', async () => {
    const w = waiters.wait(7n, lockOf('x', 1n), 1000);
    expect(waiters.cancel(7n, new Error('gone'))).to.equal(1);
    expect(((await errorOf(w)) as Error).message).to.equal('gone');
  });
});
