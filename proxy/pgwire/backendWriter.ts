/**
 * Backend (server → client) messages, written straight into a reused output slab.
 *
 * Messages accumulate between flushes; take() hands the written bytes out as a subarray and
 * keeps writing after them in the same slab, so a buffer still queued in the socket is never
 * overwritten and the hot path allocates only when a slab is full (then a new one, the old
 * one being dropped once the socket has written it).
 */
import type { SqlError } from '../../common/errors';
import type { ColumnDescription, Notice } from '../engine';

const slabSize = 64 * 1024;

export class BackendWriter {
  private buf: Buffer = Buffer.allocUnsafe(slabSize);
  /** Start of the bytes written since the last take(). */
  private start = 0;
  private off = 0;

  /** Bytes written and not yet taken. */
  get length(): number {
    return this.off - this.start;
  }

  /** Hands out everything written since the last call (empty buffer when nothing). */
  take(): Buffer {
    const out = this.buf.subarray(this.start, this.off);
    this.start = this.off;
    return out;
  }

  /** Drops everything written since the last take() (used when the connection dies). */
  discard(): void {
    this.off = this.start;
  }

  ensure(n: number): void {
    if (this.off + n <= this.buf.length) return;
    const pending = this.off - this.start;
    const next = Buffer.allocUnsafe(Math.max(slabSize, 2 * (pending + n)));
    this.buf.copy(next, 0, this.start, this.off);
    this.buf = next;
    this.start = 0;
    this.off = pending;
  }

  // --- primitives (callers ensure() first) -------------------------------------------------

  /**
   * Starts a message; returns where its length field is, relative to the untaken output
   * (ensure() may move that output to a new slab, keeping relative offsets).
   */
  begin(type: number, bodyHint = 0): number {
    this.ensure(5 + bodyHint);
    this.buf[this.off] = type;
    const at = this.off + 1 - this.start;
    this.off += 5;
    return at;
  }

  /** Drops a message begun at `rel` (begin's answer) and everything written after it. */
  abandon(rel: number): void {
    this.off = this.start + rel - 1;
  }

  end(rel: number): void {
    const at = this.start + rel;
    this.buf.writeInt32BE(this.off - at, at);
  }

  int8(v: number): void {
    this.ensure(1);
    this.buf[this.off++] = v;
  }

  int16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.off);
    this.off += 2;
  }

  int32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v | 0, this.off);
    this.off += 4;
  }

  cstring(s: string): void {
    this.ensure(s.length * 3 + 1);
    this.off += this.buf.write(s, this.off, 'utf8');
    this.buf[this.off++] = 0;
  }

  bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.off);
    this.off += b.length;
  }

  /** A length-prefixed value (DataRow field). */
  lengthPrefixedString(s: string): void {
    this.ensure(4 + s.length * 3);
    const n = this.buf.write(s, this.off + 4, 'utf8');
    this.buf.writeInt32BE(n, this.off);
    this.off += 4 + n;
  }

  lengthPrefixedBytes(b: Buffer): void {
    this.ensure(4 + b.length);
    this.buf.writeInt32BE(b.length, this.off);
    b.copy(this.buf, this.off + 4);
    this.off += 4 + b.length;
  }

  /** A SQL NULL field (length -1). */
  nullField(): void {
    this.int32(-1);
  }

  // --- messages ------------------------------------------------------------------------------

  /** One raw byte outside any message: the answer to SSLRequest / GSSENCRequest. */
  rawByte(b: number): void {
    this.int8(b);
  }

  authentication(code: number, extra?: Buffer): void {
    const at = this.begin(0x52, 4 + (extra ? extra.length : 0));
    this.int32(code);
    if (extra) this.bytes(extra);
    this.end(at);
  }

  /** AuthenticationSASL: the list of mechanisms, each NUL-terminated, then a final NUL. */
  authenticationSasl(mechanisms: readonly string[]): void {
    const at = this.begin(0x52);
    this.int32(10);
    for (const m of mechanisms) this.cstring(m);
    this.int8(0);
    this.end(at);
  }

  parameterStatus(name: string, value: string): void {
    const at = this.begin(0x53);
    this.cstring(name);
    this.cstring(value);
    this.end(at);
  }

  /** NotificationResponse ('A'): notifying backend's pid, channel, payload. */
  notificationResponse(pid: number, channel: string, payload: string): void {
    const at = this.begin(0x41, 4);
    this.int32(pid);
    this.cstring(channel);
    this.cstring(payload);
    this.end(at);
  }

  backendKeyData(pid: number, secret: number): void {
    const at = this.begin(0x4b, 8);
    this.int32(pid);
    this.int32(secret);
    this.end(at);
  }

  negotiateProtocolVersion(newestMinor: number, unrecognized: readonly string[]): void {
    const at = this.begin(0x76);
    this.int32(newestMinor);
    this.int32(unrecognized.length);
    for (const o of unrecognized) this.cstring(o);
    this.end(at);
  }

  readyForQuery(status: number): void {
    this.ensure(6);
    const b = this.buf;
    let o = this.off;
    b[o++] = 0x5a;
    b[o++] = 0;
    b[o++] = 0;
    b[o++] = 0;
    b[o++] = 5;
    b[o++] = status;
    this.off = o;
  }

  /** A message with an empty body: ParseComplete '1', BindComplete '2', CloseComplete '3', NoData 'n', PortalSuspended 's', EmptyQueryResponse 'I', CopyDone 'c'. */
  empty(type: number): void {
    this.ensure(5);
    const b = this.buf;
    const o = this.off;
    b[o] = type;
    b[o + 1] = 0;
    b[o + 2] = 0;
    b[o + 3] = 0;
    b[o + 4] = 4;
    this.off = o + 5;
  }

  commandComplete(tag: string): void {
    const at = this.begin(0x43, tag.length + 1);
    this.cstring(tag);
    this.end(at);
  }

  parameterDescription(oids: readonly number[]): void {
    const at = this.begin(0x74, 2 + 4 * oids.length);
    this.int16(oids.length);
    for (const o of oids) this.int32(o);
    this.end(at);
  }

  /**
   * RowDescription. `formats` follows Bind's result-format rule: empty → all text, one →
   * applies to every column, else one per column.
   */
  rowDescription(columns: readonly ColumnDescription[], formats: readonly number[]): void {
    const at = this.begin(0x54);
    this.int16(columns.length);
    for (let i = 0; i < columns.length; i++) {
      const c = columns[i];
      this.cstring(c.name);
      this.ensure(18);
      const b = this.buf;
      let o = this.off;
      b.writeInt32BE(c.tableOid | 0, o);
      b.writeInt16BE(c.columnAttr, o + 4);
      b.writeInt32BE(c.typeOid | 0, o + 6);
      b.writeInt16BE(c.typeSize, o + 10);
      b.writeInt32BE(c.typeModifier, o + 12);
      b.writeInt16BE(
        formats.length === 0 ? 0 : formats.length === 1 ? formats[0] : formats[i],
        o + 16,
      );
      o += 18;
      this.off = o;
    }
    this.end(at);
  }

  copyResponse(type: 0x47 | 0x48 | 0x57, format: number, columnFormats: readonly number[]): void {
    const at = this.begin(type);
    this.int8(format);
    this.int16(columnFormats.length);
    for (const f of columnFormats) this.int16(f);
    this.end(at);
  }

  copyData(chunk: Buffer): void {
    const at = this.begin(0x64, chunk.length);
    this.bytes(chunk);
    this.end(at);
  }

  /** ErrorResponse ('E') or NoticeResponse ('N') fields (protocol.html §55.8). */
  errorResponse(err: SqlError): void {
    const at = this.begin(0x45);
    this.field(0x53, err.severity); // S: localized severity
    this.field(0x56, err.severity); // V: non-localized severity (9.6+)
    this.field(0x43, String(err.code));
    this.field(0x4d, err.message);
    if (err.detail !== undefined) this.field(0x44, err.detail);
    if (err.hint !== undefined) this.field(0x48, err.hint);
    if (err.position !== undefined) this.field(0x50, String(err.position));
    if (err.schema !== undefined) this.field(0x73, err.schema);
    if (err.table !== undefined) this.field(0x74, err.table);
    if (err.column !== undefined) this.field(0x63, err.column);
    if (err.constraint !== undefined) this.field(0x6e, err.constraint);
    // W (context): SqlError has no such field yet; the engine's COPY errors carry one.
    const where = (err as SqlError & { where?: unknown }).where;
    if (typeof where === 'string') this.field(0x57, where);
    this.int8(0);
    this.end(at);
  }

  noticeResponse(n: Notice): void {
    const at = this.begin(0x4e);
    this.field(0x53, n.severity);
    this.field(0x56, n.severity);
    this.field(0x43, n.code);
    this.field(0x4d, n.message);
    if (n.detail !== undefined) this.field(0x44, n.detail);
    if (n.hint !== undefined) this.field(0x48, n.hint);
    this.int8(0);
    this.end(at);
  }

  private field(code: number, value: string): void {
    this.int8(code);
    this.cstring(value);
  }
}

export const BackendType = {
  parseComplete: 0x31,
  bindComplete: 0x32,
  closeComplete: 0x33,
  noData: 0x6e,
  portalSuspended: 0x73,
  emptyQuery: 0x49,
  copyDone: 0x63,
  copyInResponse: 0x47,
  copyOutResponse: 0x48,
} as const;
