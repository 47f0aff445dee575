/**
 * A raw protocol client for tests: pg-protocol builds the frontend messages (or the test
 * writes bytes by hand) and parses the backend ones, independently of our codec.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { serialize } from 'pg-protocol';
import type { BackendMessage } from 'pg-protocol/dist/messages';
import { Parser } from 'pg-protocol/dist/parser';

export { serialize };

export interface Msg extends BackendMessage {
  // pg-protocol's message classes carry different fields per type; tests read them by name.
  readonly [field: string]: unknown;
}

/** Waits for a condition, polling, with a deadline (no sleep-as-synchronization). */
export async function waitFor(
  cond: () => boolean,
  timeoutMs = 3000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export class RawClient {
  readonly messages: Msg[] = [];
  private cursor = 0;
  private readonly parser = new Parser();
  closed = false;
  /** Raw bytes received before startup framing (the answer to SSLRequest etc.). */
  readonly rawBytes: number[] = [];
  private framed: boolean;
  private sock: net.Socket | tls.TLSSocket;

  constructor(sock: net.Socket, framed = true) {
    this.sock = sock;
    this.framed = framed;
    this.listen(sock);
  }

  private listen(s: net.Socket): void {
    s.on('data', (chunk: Buffer) => this.onData(chunk));
    s.on('close', () => (this.closed = true));
    s.on('error', () => (this.closed = true));
  }

  private onData(chunk: Buffer): void {
    if (!this.framed) {
      for (const b of chunk) this.rawBytes.push(b);
      return;
    }
    this.parser.parse(chunk, (m) => this.messages.push(m as Msg));
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new RawClient(s, false)));
      s.once('error', reject);
    });
  }

  /** Connects and completes a trust startup; returns once ReadyForQuery arrives. */
  static async connect(port: number, params: Record<string, string> = {}): Promise<RawClient> {
    const c = await RawClient.open(port);
    c.startFraming();
    c.send(serialize.startup({ user: 'tester', database: 'db', ...params }));
    await c.until('readyForQuery');
    return c;
  }

  /** From now on, parse bytes as backend messages. */
  startFraming(): void {
    this.framed = true;
  }

  /** Upgrades to TLS (after the server said 'S'). */
  async startTls(): Promise<void> {
    const raw = this.sock as net.Socket;
    raw.removeAllListeners('data');
    const secure = tls.connect({ socket: raw, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.sock = secure;
    this.framed = true;
    this.listen(secure);
  }

  send(...bufs: Buffer[]): void {
    this.sock.write(bufs.length === 1 ? bufs[0] : Buffer.concat(bufs));
  }

  /** Messages received since the last until(), up to and including the first named `name`. */
  async until(name: string, timeoutMs = 3000): Promise<Msg[]> {
    let found = -1;
    await waitFor(
      () => {
        for (let i = this.cursor; i < this.messages.length; i++) {
          if (this.messages[i].name === name) {
            found = i;
            return true;
          }
        }
        return this.closed;
      },
      timeoutMs,
      `backend message ${name}`,
    );
    if (found < 0)
      throw new Error(
        `connection closed before ${name}; got ${this.names(this.messages.slice(this.cursor))}`,
      );
    const out = this.messages.slice(this.cursor, found + 1);
    this.cursor = found + 1;
    return out;
  }

  /** Waits until the server closes the connection; returns what arrived meanwhile. */
  async untilClosed(timeoutMs = 3000): Promise<Msg[]> {
    await waitFor(() => this.closed, timeoutMs, 'server to close the connection');
    const out = this.messages.slice(this.cursor);
    this.cursor = this.messages.length;
    return out;
  }

  names(ms: readonly Msg[]): string[] {
    return ms.map((m) => (m.name === 'error' ? `error:${String(m.code)}` : m.name));
  }

  end(): void {
    this.sock.destroy();
  }
}

/** Bytes of a typed frontend message built by hand (for malformed input). */
export function frame(type: string, body: Buffer): Buffer {
  const b = Buffer.alloc(5 + body.length);
  b.write(type, 0, 'latin1');
  b.writeInt32BE(4 + body.length, 1);
  body.copy(b, 5);
  return b;
}

/** An untyped startup-phase packet: length, then the body. */
export function startupPacket(body: Buffer): Buffer {
  const b = Buffer.alloc(4 + body.length);
  b.writeInt32BE(4 + body.length, 0);
  body.copy(b, 4);
  return b;
}

export function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}
