/** The meta state machine's NOTIFY log and advisory lock table (pure: commands in, state out). */
import { expect } from 'chai';
import { MetaStateMachine } from '../../../meta/stateMachine';
import type { AdvisoryCommand } from '../../../meta/advisoryLocks';
import { NOTIFY_RETAIN_ENTRIES } from '../../../meta/notifications';

const LEASE = 3000;

function lock(
  m: MetaStateMachine,
  proxy: string,
  pid: number,
  key: string,
  nowMs: number,
  opts: { shared?: boolean; xact?: boolean } = {},
): boolean {
  const c: AdvisoryCommand = {
    type: 'advisoryLock',
    proxy,
    pid,
    key,
    shared: opts.shared ?? false,
    xact: opts.xact ?? false,
    nowMs,
    leaseMs: LEASE,
  };
  return (m.apply(c) as { ok: boolean }).ok;
}

describe('meta state: NOTIFY log', () => {
  it('keeps one order, reads after a cursor, and survives a snapshot', () => {
    const m = new MetaStateMachine();
    m.apply({ type: 'notify', origin: 'p1', pid: 7, items: [{ channel: 'a', payload: '1' }] });
    m.apply({
      type: 'notify',
      origin: 'p2',
      pid: 8,
      items: [
        { channel: 'b', payload: '2' },
        { channel: 'a', payload: '3' },
      ],
    });
    const r = m.notificationsAfter(1, 100);
    expect(r.entries.map((e) => [e.seq, e.origin, e.pid, e.channel, e.payload])).to.deep.equal([
      [2, 'p2', 8, 'b', '2'],
      [3, 'p2', 8, 'a', '3'],
    ]);
    expect(r.head).to.equal(3);
    const copy = new MetaStateMachine();
    copy.restore(m.snapshot());
    expect(copy.notificationsAfter(0, 100).entries).to.have.length(3);
    expect(m.notificationsAfter(3, 100)).to.deep.equal({ head: 3, entries: [], lost: false });
  });

  it('retains a bounded window and tells a reader that fell behind', () => {
    const m = new MetaStateMachine();
    const items = Array.from({ length: 1000 }, (_, i) => ({ channel: 'c', payload: String(i) }));
    for (let i = 0; i < NOTIFY_RETAIN_ENTRIES / 1000 + 2; i++)
      m.apply({ type: 'notify', origin: 'p', pid: 1, items });
    const all = m.notificationsAfter(0, 1_000_000);
    expect(all.lost).to.equal(true);
    expect(all.entries).to.have.length(NOTIFY_RETAIN_ENTRIES);
    expect(all.entries[all.entries.length - 1].seq).to.equal(m.notificationHead);
  });
});

describe('meta state: advisory locks', () => {
  it('exclusive and shared conflicts between sessions, re-entrant within one', () => {
    const m = new MetaStateMachine();
    expect(lock(m, 'p1', 1, 'k', 0)).to.equal(true);
    expect(lock(m, 'p1', 1, 'k', 0)).to.equal(true); // re-entrant
    expect(lock(m, 'p2', 1, 'k', 0)).to.equal(false); // same pid, other proxy: another session
    expect(lock(m, 'p1', 2, 'k', 0, { shared: true })).to.equal(false);
    const unlock = (proxy: string, pid: number, shared = false): boolean =>
      (
        m.apply({ type: 'advisoryUnlock', proxy, pid, key: 'k', shared, nowMs: 0 }) as {
          ok: boolean;
        }
      ).ok;
    expect(unlock('p1', 1)).to.equal(true);
    expect(lock(m, 'p2', 1, 'k', 0)).to.equal(false); // still held once
    expect(unlock('p1', 1)).to.equal(true);
    expect(unlock('p1', 1)).to.equal(false);
    expect(lock(m, 'p2', 1, 'k', 0, { shared: true })).to.equal(true);
    expect(lock(m, 'p1', 2, 'k', 0, { shared: true })).to.equal(true);
    expect(lock(m, 'p1', 3, 'k', 0)).to.equal(false);
  });

  it('a transaction end drops xact holds only; unlock_all drops session holds only', () => {
    const m = new MetaStateMachine();
    lock(m, 'p', 1, 'a', 0, { xact: true });
    lock(m, 'p', 1, 'b', 0);
    m.apply({ type: 'advisoryRelease', proxy: 'p', pid: 1, scope: 'xact', nowMs: 0 });
    expect(m.advisoryHolds.map(([k]) => k)).to.deep.equal(['b']);
    lock(m, 'p', 1, 'a', 0, { xact: true });
    m.apply({ type: 'advisoryRelease', proxy: 'p', pid: 1, scope: 'session', nowMs: 0 });
    expect(m.advisoryHolds.map(([k]) => k)).to.deep.equal(['a']);
  });

  it('drops the holds of a proxy whose lease expired; renewing keeps them; the epoch tells', () => {
    const m = new MetaStateMachine();
    lock(m, 'dead', 1, 'k', 1000);
    lock(m, 'alive', 1, 'j', 1000);
    const renew = (proxy: string, nowMs: number): number =>
      (m.apply({ type: 'advisoryRenew', proxy, nowMs, leaseMs: LEASE }) as { epoch: number }).epoch;
    const epoch = renew('alive', 3000);
    expect(lock(m, 'other', 1, 'k', 1000 + LEASE)).to.equal(false); // not expired yet
    expect(lock(m, 'other', 1, 'k', 1001 + LEASE)).to.equal(true);
    expect(lock(m, 'other', 2, 'j', 1001 + LEASE)).to.equal(false); // alive renewed
    expect(renew('alive', 5000)).to.equal(epoch);
    // A lease that lapsed: its holds are gone and a new lease gets a new epoch.
    expect(renew('alive', 9000)).to.equal(0);
    expect(lock(m, 'other', 2, 'j', 9000)).to.equal(true);
    const fresh = (
      m.apply({
        type: 'advisoryLock',
        proxy: 'alive',
        pid: 1,
        key: 'z',
        shared: false,
        xact: false,
        nowMs: 9000,
        leaseMs: LEASE,
      }) as { epoch: number }
    ).epoch;
    expect(fresh).to.not.equal(epoch);
  });
});
