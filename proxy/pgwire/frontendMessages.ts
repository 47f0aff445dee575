/**
 * Frontend (client → server) messages of protocol v3, decoded from a frame body.
 * Pure: one small function per message type over a bounds-checked reader; anything
 * malformed (missing terminator, counts past the end, trailing bytes) is a ProtocolError,
 * as PostgreSQL's pq_getmsg* + pq_getmsgend report "invalid message format".
 */
import { ProtocolError } from './protocolError';

export const enum FrontendType {
  Bind = 0x42, // 'B'
  Close = 0x43, // 'C'
  Describe = 0x44, // 'D'
  Execute = 0x45, // 'E'
  FunctionCall = 0x46, // 'F'
  Flush = 0x48, // 'H'
  Parse = 0x50, // 'P'
  Query = 0x51, // 'Q'
  Sync = 0x53, // 'S'
  Terminate = 0x58, // 'X'
  CopyFail = 0x66, // 'f'
  CopyDone = 0x63, // 'c'
  CopyData = 0x64, // 'd'
  Password = 0x70, // 'p' (also SASLInitialResponse, SASLResponse, GSSResponse)
}

/** Startup-phase request codes (protocol.html §55.7). */
export const startupCodes = {
  cancel: 80877102,
  ssl: 80877103,
  gssenc: 80877104,
  protocol30: 196608,
} as const;

export class BodyReader {
  private off = 0;
  constructor(private readonly buf: Buffer) {}

  int16(): number {
    if (this.off + 2 > this.buf.length) throw malformed();
    const v = this.buf.readInt16BE(this.off);
    this.off += 2;
    return v;
  }

  int32(): number {
    if (this.off + 4 > this.buf.length) throw malformed();
    const v = this.buf.readInt32BE(this.off);
    this.off += 4;
    return v;
  }

  byte(): number {
    if (this.off + 1 > this.buf.length) throw malformed();
    return this.buf[this.off++];
  }

  cstring(): string {
    const nul = this.buf.indexOf(0, this.off);
    if (nul < 0) throw malformed();
    const s = this.buf.toString('utf8', this.off, nul);
    this.off = nul + 1;
    return s;
  }

  bytes(n: number): Buffer {
    if (n < 0 || this.off + n > this.buf.length) throw malformed();
    const b = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return b;
  }

  rest(): Buffer {
    const b = this.buf.subarray(this.off);
    this.off = this.buf.length;
    return b;
  }

  get remaining(): number {
    return this.buf.length - this.off;
  }

  /** pq_getmsgend: the message must be consumed exactly. */
  end(): void {
    if (this.off !== this.buf.length) throw malformed();
  }
}

function malformed(): ProtocolError {
  return new ProtocolError('invalid message format');
}

export interface ParseMessage {
  readonly name: string;
  readonly sql: string;
  readonly paramTypes: number[];
}

export interface BindMessage {
  readonly portal: string;
  readonly statement: string;
  /** 0 entries: all text; 1: applies to all; n: one per parameter. */
  readonly paramFormats: number[];
  readonly params: (Buffer | null)[];
  readonly resultFormats: number[];
}

export interface DescribeMessage {
  /** 'S' statement or 'P' portal, as a char code. */
  readonly kind: number;
  readonly name: string;
}

export interface ExecuteMessage {
  readonly portal: string;
  readonly maxRows: number;
}

export function readQuery(body: Buffer): string {
  const r = new BodyReader(body);
  const sql = r.cstring();
  r.end();
  return sql;
}

export function readParse(body: Buffer): ParseMessage {
  const r = new BodyReader(body);
  const name = r.cstring();
  const sql = r.cstring();
  const n = r.int16();
  if (n < 0) throw malformed();
  const paramTypes = new Array<number>(n);
  // OIDs are unsigned 32-bit on the wire.
  for (let i = 0; i < n; i++) paramTypes[i] = r.int32() >>> 0;
  r.end();
  return { name, sql, paramTypes };
}

export function readBind(body: Buffer): BindMessage {
  const r = new BodyReader(body);
  const portal = r.cstring();
  const statement = r.cstring();
  const nf = r.int16();
  if (nf < 0) throw malformed();
  const paramFormats = new Array<number>(nf);
  for (let i = 0; i < nf; i++) paramFormats[i] = formatCode(r.int16());
  const np = r.int16();
  if (np < 0) throw malformed();
  // postgres.c exec_bind_message: format count must be 0, 1 or the parameter count.
  if (nf > 1 && nf !== np) {
    throw new ProtocolError(`bind message has ${nf} parameter formats but ${np} parameters`);
  }
  const params = new Array<Buffer | null>(np);
  for (let i = 0; i < np; i++) {
    const len = r.int32();
    if (len === -1) params[i] = null;
    else if (len < -1) throw malformed();
    else params[i] = r.bytes(len);
  }
  const nr = r.int16();
  if (nr < 0) throw malformed();
  const resultFormats = new Array<number>(nr);
  for (let i = 0; i < nr; i++) resultFormats[i] = formatCode(r.int16());
  r.end();
  return { portal, statement, paramFormats, params, resultFormats };
}

function formatCode(c: number): number {
  if (c !== 0 && c !== 1) throw new ProtocolError(`unsupported format code: ${c}`);
  return c;
}

export function readDescribeOrClose(body: Buffer): DescribeMessage {
  const r = new BodyReader(body);
  const kind = r.byte();
  if (kind !== 0x53 && kind !== 0x50) {
    throw new ProtocolError(`invalid DESCRIBE/CLOSE message subtype ${kind}`);
  }
  const name = r.cstring();
  r.end();
  return { kind, name };
}

export function readExecute(body: Buffer): ExecuteMessage {
  const r = new BodyReader(body);
  const portal = r.cstring();
  const maxRows = r.int32();
  r.end();
  // A negative count is treated as "all rows" by PostgreSQL (max_rows <= 0).
  return { portal, maxRows: maxRows < 0 ? 0 : maxRows };
}

export function readCopyFail(body: Buffer): string {
  const r = new BodyReader(body);
  const m = r.cstring();
  r.end();
  return m;
}

export function readPassword(body: Buffer): string {
  const r = new BodyReader(body);
  const p = r.cstring();
  r.end();
  return p;
}

export interface SaslInitialResponse {
  readonly mechanism: string;
  readonly data: Buffer | null;
}

export function readSaslInitialResponse(body: Buffer): SaslInitialResponse {
  const r = new BodyReader(body);
  const mechanism = r.cstring();
  const len = r.int32();
  const data = len === -1 ? null : r.bytes(len);
  r.end();
  return { mechanism, data };
}

export type StartupRequest =
  | { readonly kind: 'ssl' }
  | { readonly kind: 'gssenc' }
  | { readonly kind: 'cancel'; readonly pid: number; readonly secret: number }
  | {
      readonly kind: 'startup';
      readonly major: number;
      readonly minor: number;
      readonly parameters: Map<string, string>;
    };

export function readStartup(body: Buffer): StartupRequest {
  const r = new BodyReader(body);
  const code = r.int32();
  if (code === startupCodes.ssl) {
    r.end();
    return { kind: 'ssl' };
  }
  if (code === startupCodes.gssenc) {
    r.end();
    return { kind: 'gssenc' };
  }
  if (code === startupCodes.cancel) {
    const pid = r.int32();
    const secret = r.int32();
    r.end();
    return { kind: 'cancel', pid, secret };
  }
  const major = code >>> 16;
  const minor = code & 0xffff;
  const parameters = new Map<string, string>();
  if (major === 3) {
    // Name/value pairs, then a terminating zero byte (postmaster.c ProcessStartupPacket).
    for (;;) {
      const name = r.cstring();
      if (name === '') break;
      parameters.set(name, r.cstring());
    }
    r.end();
  }
  return { kind: 'startup', major, minor, parameters };
}
