/**
 * Cancelling a running statement as a client does: a raw CancelRequest (protocol.html:
 * length 16, code 80877102, the session's BackendKeyData) on a connection of its own, and
 * a wait for a session's statement to be running (pg_stat_activity, from another session).
 */
import net from 'node:net';
import type { Client } from 'pg';
import { waitFor } from './waitFor';

interface Keyed {
  readonly processID: number;
  readonly secretKey: number;
}

/** Sends a CancelRequest for c's session; resolves when the server has closed the connection. */
export function sendCancel(port: number, c: Client): Promise<void> {
  const { processID, secretKey } = c as unknown as Keyed;
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const b = Buffer.alloc(16);
    b.writeInt32BE(16, 0);
    b.writeInt32BE(80877102, 4);
    b.writeInt32BE(processID, 8);
    b.writeInt32BE(secretKey, 12);
    s.on('error', reject);
    s.on('connect', () => s.write(b));
    // No reply: the server closes the connection (postmaster.c processCancelRequest).
    s.on('close', () => resolve());
    s.setTimeout(5000, () => s.destroy(new Error('cancel connection not closed by the server')));
  });
}

export function pidOf(c: Client): number {
  return (c as unknown as Keyed).processID;
}

/** Waits until `observer` sees c's session running a statement whose text contains `text`. */
export async function waitUntilRunning(observer: Client, c: Client, text: string): Promise<void> {
  await waitFor(
    `session ${pidOf(c)} running ${text}`,
    async () => {
      const r = await observer.query<{ state: string; query: string }>(
        'SELECT state, query FROM pg_stat_activity WHERE pid = $1',
        [pidOf(c)],
      );
      const row = r.rows[0];
      return row !== undefined && row.state === 'active' && row.query.includes(text);
    },
    10_000,
    5,
  );
}

export interface Outcome {
  readonly code: string;
  readonly message: string;
  /** When the statement's answer (rows or error) arrived (Date.now()). */
  readonly at: number;
}

/** The statement's outcome without throwing: its SQLSTATE ('ok' if it succeeded). */
export function outcomeOf(p: Promise<unknown>): Promise<Outcome> {
  return p.then(
    () => ({ code: 'ok', message: '', at: Date.now() }),
    (err: { code?: string; message?: string }) => ({
      code: err.code ?? 'none',
      message: err.message ?? String(err),
      at: Date.now(),
    }),
  );
}
