/**
 * Framing for the internal RPC: `[u32 BE length][msgpack payload]`. See PROTOCOL.md.
 */
import { decodeValue, encodeValue } from '../codec';

export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

/**
 * Reassembles frames from socket chunks. A frame wholly inside one chunk is decoded in
 * place; only a frame split across chunks is copied.
 */
export class FrameReader {
  private pending: Buffer | null = null;

  constructor(private readonly maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {}

  /**
   * Feeds a chunk; calls onFrame for each whole decoded frame. Throws FrameError on an
   * oversized frame or a payload that is not msgpack: the caller closes the connection,
   * since the stream can no longer be trusted to be in step.
   */
  push(chunk: Buffer, onFrame: (message: unknown) => void): void {
    let buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = null;
    let offset = 0;
    while (buf.length - offset >= 4) {
      const length = buf.readUInt32BE(offset);
      if (length > this.maxFrameBytes) {
        throw new FrameError(`frame of ${length} bytes exceeds the limit of ${this.maxFrameBytes}`);
      }
      if (buf.length - offset - 4 < length) break;
      const payload = buf.subarray(offset + 4, offset + 4 + length);
      offset += 4 + length;
      let message: unknown;
      try {
        message = decodeValue(payload);
      } catch (err) {
        throw new FrameError(`undecodable frame: ${(err as Error).message}`);
      }
      onFrame(message);
    }
    if (offset < buf.length) {
      buf = buf.subarray(offset);
      // Copy so a small remainder does not pin a large chunk.
      this.pending = Buffer.from(buf);
    }
  }

  get bufferedBytes(): number {
    return this.pending?.length ?? 0;
  }
}

/**
 * Collects outgoing frames during one turn of the event loop and writes them with one
 * socket.write: many small responses become one syscall.
 */
export class FrameWriter {
  private frames: Uint8Array[] = [];
  private bytes = 0;
  private scheduled = false;

  constructor(
    private readonly write: (data: Buffer) => void,
    private readonly maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES,
  ) {}

  /** Queues one message; throws FrameError if it encodes larger than the frame limit. */
  send(message: unknown): void {
    const payload = encodeValue(message);
    if (payload.length > this.maxFrameBytes) {
      throw new FrameError(
        `message of ${payload.length} bytes exceeds the frame limit of ${this.maxFrameBytes}`,
      );
    }
    this.frames.push(payload);
    this.bytes += 4 + payload.length;
    if (!this.scheduled) {
      this.scheduled = true;
      // After this turn of the event loop's I/O callbacks, not after this one callback:
      // answers to requests that arrived in several reads (several connections' worth,
      // or a group commit's worth) leave in one write. A loopback write costs far more
      // than a frame's bytes; measured with scripts/bench/shardRpc.ts.
      setImmediate(this.flush);
    }
  }

  readonly flush = (): void => {
    this.scheduled = false;
    if (this.frames.length === 0) return;
    const out = Buffer.allocUnsafe(this.bytes);
    let offset = 0;
    for (const payload of this.frames) {
      out.writeUInt32BE(payload.length, offset);
      out.set(payload, offset + 4);
      offset += 4 + payload.length;
    }
    this.frames = [];
    this.bytes = 0;
    this.write(out);
  };
}
