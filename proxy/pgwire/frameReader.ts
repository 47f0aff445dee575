/**
 * Splits the incoming byte stream into frames. Pure: no socket, no clock.
 *
 * Two frame shapes (protocol.html §55.7 "Message Formats"):
 *  - before startup: Int32 length (self-inclusive) + body (SSLRequest, StartupMessage …);
 *  - after: Byte1 type + Int32 length (self-inclusive) + body.
 *
 * Frame bodies are subarrays of the receive buffer, valid until the caller moves on: we
 * never overwrite bytes already handed out (we append after them, or move the unread tail
 * into a fresh buffer), so a body stays intact while its message is being processed.
 */
import { ProtocolError } from './protocolError';

/** PostgreSQL's MAX_STARTUP_PACKET_LENGTH (libpq/pqcomm.h). */
export const maxStartupPacketLength = 10000;

export interface Frame {
  /** The type byte as a char code; 0 for startup-phase frames. */
  readonly type: number;
  readonly body: Buffer;
}

const emptyBuffer = Buffer.alloc(0);

export class FrameReader {
  private buf: Buffer = emptyBuffer;
  private start = 0;
  private end = 0;
  /** Whether `buf` was allocated here (a socket's chunk is not ours to write into). */
  private owned = false;

  constructor(private readonly maxMessageSize: number) {}

  /** Bytes received and not yet returned as frames. */
  get pending(): number {
    return this.end - this.start;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.start === this.end) {
      // Nothing pending: take the chunk as is, no copy (the common case).
      this.buf = chunk;
      this.start = 0;
      this.end = chunk.length;
      return;
    }
    const unread = this.end - this.start;
    if (this.owned && this.buf.length - this.end >= chunk.length) {
      // Room after the unread tail in a buffer we allocated (a socket's chunk is not ours).
      chunk.copy(this.buf, this.end);
      this.end += chunk.length;
      return;
    }
    const need = unread + chunk.length;
    const size = need + Math.min(need, 65536);
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, this.start, this.end);
    chunk.copy(next, unread);
    this.buf = next;
    this.owned = true;
    this.start = 0;
    this.end = need;
  }

  /** Whether a whole typed frame is buffered (next() would return one, or throw). */
  hasFrame(): boolean {
    const avail = this.end - this.start;
    return avail >= 5 && avail >= this.buf.readInt32BE(this.start + 1) + 1;
  }

  /** The next typed frame, or undefined until more bytes arrive. Throws ProtocolError. */
  next(): Frame | undefined {
    const avail = this.end - this.start;
    if (avail < 5) return this.consumedAll();
    const type = this.buf[this.start];
    const len = this.buf.readInt32BE(this.start + 1);
    // pqcomm.c pq_getmessage: a length below 4 or above the limit is "invalid message length".
    if (len < 4) throw new ProtocolError('invalid message length');
    if (len - 4 > this.maxMessageSize) {
      throw new ProtocolError(
        `message of ${len - 4} bytes exceeds the maximum of ${this.maxMessageSize}`,
      );
    }
    if (avail < len + 1) return undefined;
    const body = this.buf.subarray(this.start + 5, this.start + 1 + len);
    this.start += len + 1;
    return { type, body };
  }

  /** The next untyped (startup-phase) frame, or undefined until more bytes arrive. */
  nextStartup(): Frame | undefined {
    const avail = this.end - this.start;
    if (avail < 4) return this.consumedAll();
    const len = this.buf.readInt32BE(this.start);
    // postmaster.c ProcessStartupPacket: "invalid length of startup packet".
    if (len < 8 || len > maxStartupPacketLength)
      throw new ProtocolError('invalid length of startup packet');
    if (avail < len) return undefined;
    const body = this.buf.subarray(this.start + 4, this.start + len);
    this.start += len;
    return { type: 0, body };
  }

  private consumedAll(): undefined {
    if (this.start === this.end && this.buf !== emptyBuffer) {
      this.buf = emptyBuffer;
      this.owned = false;
      this.start = this.end = 0;
    }
    return undefined;
  }
}
