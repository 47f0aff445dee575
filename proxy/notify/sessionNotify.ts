/**
 * One session's LISTEN / UNLISTEN / NOTIFY state, with PostgreSQL 15's transaction rules
 * (src/backend/commands/async.c):
 *
 * - NOTIFY and pg_notify() queue a notification; it is sent when the transaction commits,
 *   and dropped if it rolls back. The same (channel, payload) twice in one transaction is
 *   sent once; otherwise the order of the transaction's notifications is kept.
 * - LISTEN / UNLISTEN take effect at commit (applied before the transaction's own
 *   notifications are sent, so LISTEN a; NOTIFY a in one transaction notifies itself).
 * - The channel is an identifier: not empty, shorter than NAMEDATALEN (64 bytes); the
 *   payload shorter than 8000 bytes (22023 otherwise).
 */
import { SqlError } from '../../common/errors';
import type { NotificationHub, NotificationListener } from './hub';

/** PostgreSQL's NOTIFY_PAYLOAD_MAX_LENGTH (BLCKSZ - NAMEDATALEN - 128). */
export const NOTIFY_PAYLOAD_MAX_BYTES = 8000;
const NAMEDATALEN = 64;

type ListenAction = { op: 'listen'; channel: string } | { op: 'unlisten'; channel: string | null };

export function checkNotification(channel: string, payload: string): void {
  if (channel === '') throw new SqlError('22023', 'channel name cannot be empty');
  if (Buffer.byteLength(channel) >= NAMEDATALEN)
    throw new SqlError('22023', 'channel name too long');
  if (Buffer.byteLength(payload) >= NOTIFY_PAYLOAD_MAX_BYTES)
    throw new SqlError('22023', 'payload string too long');
}

export class SessionNotifications implements NotificationListener {
  private readonly listening = new Set<string>();
  private actions: ListenAction[] = [];
  private queued: Array<{ channel: string; payload: string }> = [];
  private readonly queuedKeys = new Set<string>();

  constructor(
    private readonly hub: NotificationHub,
    private readonly pid: number,
    private readonly send: (pid: number, channel: string, payload: string) => void,
  ) {}

  deliver(pid: number, channel: string, payload: string): void {
    this.send(pid, channel, payload);
  }

  listen(channel: string): void {
    this.actions.push({ op: 'listen', channel });
  }

  /** null: UNLISTEN *. */
  unlisten(channel: string | null): void {
    this.actions.push({ op: 'unlisten', channel });
  }

  notify(channel: string, payload: string): void {
    checkNotification(channel, payload);
    // NUL cannot occur in a PostgreSQL text value, so it separates the two unambiguously.
    const key = `${channel}\u0000${payload}`;
    if (this.queuedKeys.has(key)) return;
    this.queuedKeys.add(key);
    this.queued.push({ channel, payload });
  }

  /** Whether commit() has anything to do (the common case is nothing). */
  get pending(): boolean {
    return this.actions.length > 0 || this.queued.length > 0;
  }

  /** Channels this session listens on (pg_listening_channels). */
  channels(): string[] {
    return [...this.listening];
  }

  /** The transaction committed: apply LISTEN/UNLISTEN, then send its notifications. */
  async commit(): Promise<void> {
    if (!this.pending) return;
    const actions = this.actions;
    const queued = this.queued;
    this.discard();
    const listens: Array<Promise<void>> = [];
    for (const a of actions) {
      if (a.op === 'listen') {
        if (this.listening.has(a.channel)) continue;
        this.listening.add(a.channel);
        listens.push(this.hub.listen(this, a.channel));
      } else {
        for (const ch of a.channel === null ? [...this.listening] : [a.channel]) {
          if (!this.listening.delete(ch)) continue;
          this.hub.unlisten(this, ch);
        }
      }
    }
    await Promise.all(listens);
    await this.hub.publish(this.pid, queued);
  }

  /** The transaction rolled back: nothing it queued happens. */
  discard(): void {
    this.actions = [];
    this.queued = [];
    this.queuedKeys.clear();
  }

  /** The session ends (or DISCARD ALL): stop listening at once. */
  unlistenAll(): void {
    this.discard();
    for (const ch of this.listening) this.hub.unlisten(this, ch);
    this.listening.clear();
  }
}
