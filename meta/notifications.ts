/**
 * The cluster's NOTIFY log: a bounded, ordered log of notifications in the meta state
 * machine, which every proxy process that has listeners reads with a cursor
 * (meta/sessionMethods.ts, `meta.notifyPoll`, a long poll answered as soon as the leader
 * applies a new entry).
 *
 * Why through meta and not proxy to proxy: proxies do not know each other (each only knows
 * the meta addresses), workers come and go, and the log gives one total order of
 * notifications that every listener sees the same way, as PostgreSQL's single queue does
 * (async.c): a notifying transaction's entries are consecutive and in its order. A commit
 * that carries NOTIFY costs one Raft entry; a listener sees it one long-poll answer later
 * (a few ms on loopback).
 *
 * Retention is bounded (entries and bytes, the oldest go first): memory stays bounded even
 * when a listening proxy is gone, and a poller whose cursor fell behind the retained window
 * is told so (`lost`), which the proxy logs. PostgreSQL instead refuses new NOTIFYs when its
 * 8 GB queue is full; a listener here that falls that far behind misses notifications.
 */

export interface NotificationEntry {
  /** Position in the log, from 1, strictly increasing. */
  readonly seq: number;
  /** The proxy process that published it (it delivers its own locally, at commit). */
  readonly origin: string;
  /** Backend pid of the notifying session. */
  readonly pid: number;
  readonly channel: string;
  readonly payload: string;
}

export interface NotificationLogState {
  /** seq of the newest entry (0: none yet). */
  head: number;
  entries: NotificationEntry[];
  /** Sum of channel and payload lengths of the retained entries. */
  bytes: number;
}

export interface NotifyCommand {
  readonly type: 'notify';
  readonly origin: string;
  readonly pid: number;
  readonly items: ReadonlyArray<{ readonly channel: string; readonly payload: string }>;
}

export const NOTIFY_RETAIN_ENTRIES = 20_000;
export const NOTIFY_RETAIN_BYTES = 16 * 1024 * 1024;

export function emptyNotificationLog(): NotificationLogState {
  return { head: 0, entries: [], bytes: 0 };
}

/** Appends one transaction's notifications; returns the seq of its last entry. */
export function applyNotify(log: NotificationLogState, c: NotifyCommand): number {
  for (const item of c.items) {
    log.head++;
    log.entries.push({
      seq: log.head,
      origin: c.origin,
      pid: c.pid,
      channel: item.channel,
      payload: item.payload,
    });
    log.bytes += item.channel.length + item.payload.length;
  }
  let drop = 0;
  let bytes = log.bytes;
  while (
    drop < log.entries.length &&
    (log.entries.length - drop > NOTIFY_RETAIN_ENTRIES || bytes > NOTIFY_RETAIN_BYTES)
  ) {
    bytes -= log.entries[drop].channel.length + log.entries[drop].payload.length;
    drop++;
  }
  if (drop > 0) {
    log.entries.splice(0, drop);
    log.bytes = bytes;
  }
  return log.head;
}

export interface NotifyRead {
  readonly head: number;
  readonly entries: readonly NotificationEntry[];
  /** Entries after `after` were dropped by retention before this reader got them. */
  readonly lost: boolean;
}

/** Entries after `after`, at most `max` of them (head then is the last one returned). */
export function readNotifications(
  log: NotificationLogState,
  after: number,
  max: number,
): NotifyRead {
  const entries = log.entries;
  if (after >= log.head || entries.length === 0)
    return { head: log.head, entries: [], lost: false };
  const first = entries[0].seq;
  const lost = after + 1 < first;
  const start = Math.max(0, after + 1 - first);
  const out = entries.slice(start, start + max);
  return { head: out.length > 0 ? out[out.length - 1].seq : log.head, entries: out, lost };
}
