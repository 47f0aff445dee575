/**
 * RPC methods for what sessions share across proxies: the NOTIFY log (notifications.ts)
 * and advisory locks (advisoryLocks.ts). Changes are Raft entries; the notification long
 * poll is answered by the leader from what it has applied.
 */
import type { RpcHandler } from '../common/rpc';
import { SqlError, SqlState } from '../common/errors';
import type { MetaCommand } from './commands';
import type { MetaStateMachine } from './stateMachine';
import type { AdvisoryCommand } from './advisoryLocks';

/** Longest a notifyPoll may wait (the proxy's RPC attempt timeout is 3 s). */
const MAX_POLL_WAIT_MS = 2500;
const MAX_POLL_ENTRIES = 1000;
/** Bounds one transaction's notifications (PostgreSQL's own bound is its 8 GB queue). */
const MAX_NOTIFY_ITEMS = 10_000;

const ADVISORY_TYPES = new Set<string>([
  'advisoryLock',
  'advisoryUnlock',
  'advisoryRelease',
  'advisoryRenew',
  'advisoryDropProxy',
]);

function bad(message: string): SqlError {
  return new SqlError(SqlState.internalError, `bad meta request: ${message}`);
}

export interface SessionMethods {
  readonly handlers: Array<[string, RpcHandler]>;
  /** Answers every waiting poll (the node is stopping). */
  close(): void;
}

export function sessionMethods(
  machine: MetaStateMachine,
  propose: (c: MetaCommand) => Promise<unknown>,
  readBarrier: () => Promise<void>,
  leaderOnly: () => void,
  now: () => number = Date.now,
): SessionMethods {
  const waiters = new Set<() => void>();
  machine.onNotify = () => {
    for (const w of [...waiters]) w();
  };

  function waitForNotify(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
    });
  }

  const handlers: Array<[string, RpcHandler]> = [
    /** {origin, pid, items: [{channel, payload}]}: one committed transaction's notifications. */
    [
      'meta.notify',
      async (body) => {
        const b = body as { origin?: unknown; pid?: unknown; items?: unknown };
        if (typeof b.origin !== 'string' || typeof b.pid !== 'number' || !Array.isArray(b.items))
          throw bad('notify needs origin, pid and items');
        if (b.items.length > MAX_NOTIFY_ITEMS) throw bad('too many notifications in one commit');
        const items = (b.items as unknown[]).map((x) => {
          const i = x as { channel?: unknown; payload?: unknown };
          if (typeof i.channel !== 'string' || typeof i.payload !== 'string')
            throw bad('a notification needs channel and payload strings');
          return { channel: i.channel, payload: i.payload };
        });
        const head = await propose({ type: 'notify', origin: b.origin, pid: b.pid, items });
        return { head };
      },
    ],
    /**
     * {after: seq | null, waitMs}: entries after `after`, waiting up to waitMs for one to be
     * applied; after = null asks for the current head only (a new reader's starting point).
     */
    [
      'meta.notifyPoll',
      async (body) => {
        const b = body as { after?: unknown; waitMs?: unknown };
        leaderOnly();
        if (b.after === null || b.after === undefined) {
          await readBarrier();
          return { head: machine.notificationHead, entries: [], lost: false };
        }
        if (typeof b.after !== 'number') throw bad('notifyPoll needs after (number or null)');
        const after = b.after;
        const waitMs = Math.min(
          MAX_POLL_WAIT_MS,
          Math.max(0, typeof b.waitMs === 'number' ? b.waitMs : 0),
        );
        let r = machine.notificationsAfter(after, MAX_POLL_ENTRIES);
        if (r.entries.length === 0 && waitMs > 0 && r.head <= after) {
          await waitForNotify(waitMs);
          r = machine.notificationsAfter(after, MAX_POLL_ENTRIES);
        }
        return r;
      },
    ],
    /** {command}: one advisory lock command; the leader stamps its clock into it. */
    [
      'meta.advisory',
      async (body) => {
        const c = (body as { command?: { type?: unknown } }).command;
        if (!c || typeof c.type !== 'string' || !ADVISORY_TYPES.has(c.type))
          throw bad('not an advisory lock command');
        const command = { ...(c as AdvisoryCommand), nowMs: now() } as AdvisoryCommand;
        return { result: await propose(command) };
      },
    ],
    [
      'meta.advisoryHolds',
      async () => {
        await readBarrier();
        return { holds: machine.advisoryHolds };
      },
    ],
  ];

  return {
    handlers,
    close() {
      for (const w of [...waiters]) w();
    },
  };
}
