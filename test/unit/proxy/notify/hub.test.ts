/** The proxy's NOTIFY hub and a session's LISTEN/NOTIFY transaction rules, over a fake log. */
import { expect } from 'chai';
import {
  NotificationHub,
  type LoggedNotification,
  type NotifyLink,
} from '../../../../proxy/notify/hub';
import { SessionNotifications } from '../../../../proxy/notify/sessionNotify';
import { waitFor } from '../../../support/waitFor';

/** An in-memory log with long polls, like meta's. */
class FakeLog implements NotifyLink {
  readonly entries: LoggedNotification[] = [];
  private wake: Array<() => void> = [];
  polls = 0;

  async publish(
    origin: string,
    pid: number,
    items: ReadonlyArray<{ channel: string; payload: string }>,
  ) {
    for (const i of items) this.entries.push({ seq: this.entries.length + 1, origin, pid, ...i });
    for (const w of this.wake.splice(0)) w();
  }

  async poll(after: number | null, waitMs: number) {
    this.polls++;
    if (after === null) return { head: this.entries.length, entries: [], lost: false };
    if (this.entries.length <= after && waitMs > 0)
      await new Promise<void>((r) => {
        const t = setTimeout(r, waitMs);
        this.wake.push(() => {
          clearTimeout(t);
          r();
        });
      });
    const entries = this.entries.slice(after);
    return { head: this.entries.length, entries, lost: false };
  }
}

type Got = Array<[number, string, string]>;

function session(hub: NotificationHub, pid: number): { s: SessionNotifications; got: Got } {
  const got: Got = [];
  return { s: new SessionNotifications(hub, pid, (p, c, x) => got.push([p, c, x])), got };
}

describe('proxy/notify: hub and session rules', () => {
  const hubs: NotificationHub[] = [];
  const hub = (log: FakeLog, origin: string): NotificationHub => {
    const h = new NotificationHub(log, { origin, pollWaitMs: 200, startTimeoutMs: 1000 });
    hubs.push(h);
    return h;
  };
  afterEach(() => hubs.splice(0).forEach((h) => h.close()));

  it('delivers across hubs in commit order, own notifications locally and once', async () => {
    const log = new FakeLog();
    const a = hub(log, 'A');
    const b = hub(log, 'B');
    const la = session(a, 1);
    const lb = session(b, 2);
    la.s.listen('ch');
    lb.s.listen('ch');
    await la.s.commit();
    await lb.s.commit();
    const n = session(a, 3);
    n.s.notify('ch', 'x');
    n.s.notify('ch', 'y');
    n.s.notify('ch', 'x'); // a duplicate in one transaction: once
    await n.s.commit();
    // Local listeners have it when commit() returns.
    expect(la.got).to.deep.equal([
      [3, 'ch', 'x'],
      [3, 'ch', 'y'],
    ]);
    await waitFor('hub B to deliver', () => lb.got.length === 2, 2000, 2);
    expect(lb.got).to.deep.equal(la.got);
    await new Promise((r) => setImmediate(r));
    expect(la.got).to.have.length(2); // not again from the log
  });

  it('a rolled-back transaction sends nothing; LISTEN waits for commit; the reader stops when nobody listens', async () => {
    const log = new FakeLog();
    const a = hub(log, 'A');
    const l = session(a, 1);
    l.s.listen('c');
    expect(a.listenerCount).to.equal(0);
    const n = session(a, 2);
    n.s.notify('c', 'dropped');
    n.s.discard();
    await n.s.commit();
    expect(log.entries).to.have.length(0);
    await l.s.commit();
    expect(a.listenerCount).to.equal(1);
    expect(a.reading).to.equal(true);
    l.s.unlisten(null);
    await l.s.commit();
    expect(a.listenerCount).to.equal(0);
    await waitFor('the reader to stop', () => !a.reading, 2000, 5);
  });

  it('checks the channel name and payload size (22023)', () => {
    const log = new FakeLog();
    const { s } = session(hub(log, 'A'), 1);
    expect(() => s.notify('', 'x')).to.throw('channel name cannot be empty');
    expect(() => s.notify('c'.repeat(64), 'x')).to.throw('channel name too long');
    expect(() => s.notify('c', 'é'.repeat(4000))).to.throw('payload string too long');
    expect(() => s.notify('c', 'x'.repeat(7999))).to.not.throw();
  });
});
