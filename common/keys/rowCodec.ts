/**
 * Row values: msgpack of [schemaVersion, col0, col1, …] where position k+1 holds the value
 * of column id k (DESIGN.md "Keys and rows"). A row written before a column was added is
 * shorter: that column reads as `undefined` (the caller substitutes its default). Dropped
 * columns are written as nil and never read.
 *
 * Datums that msgpack has no type for travel as extension types (FORMAT.md):
 *   1 bigint (int64 BE), 2 Numeric (numeric_send bytes), 3 Interval (interval_send bytes),
 *   4 Jsonb (its text), 5 the float -0.
 *
 * The codec is hand-written for the row hot path (one pass over a reused buffer, no
 * per-value closures); the tests check that @msgpack/msgpack with the same extension
 * types reads what it writes and the other way round.
 */
import { SqlError, SqlState } from '../errors';
import { TypeOid, type Datum } from '../types/datum';
import { formatBinary, parseBinary } from '../types/io';
import { Interval } from '../types/interval';
import { Jsonb } from '../types/jsonb';
import { Numeric } from '../types/numeric';

export const EXT_BIGINT = 1;
export const EXT_NUMERIC = 2;
export const EXT_INTERVAL = 3;
export const EXT_JSONB = 4;
export const EXT_NEG_ZERO = 5;

let buf = Buffer.allocUnsafe(1024);
let pos = 0;

function ensure(n: number): void {
  if (pos + n <= buf.length) return;
  let cap = buf.length * 2;
  while (cap < pos + n) cap *= 2;
  const nb = Buffer.allocUnsafe(cap);
  buf.copy(nb, 0, 0, pos);
  buf = nb;
}

function writeHeader(
  len: number,
  fix: number,
  fixMax: number,
  c8: number,
  c16: number,
  c32: number,
): void {
  ensure(5);
  if (len <= fixMax && fix >= 0) buf[pos++] = fix | len;
  else if (len < 0x100 && c8 >= 0) {
    buf[pos++] = c8;
    buf[pos++] = len;
  } else if (len < 0x10000) {
    buf[pos++] = c16;
    buf.writeUInt16BE(len, pos);
    pos += 2;
  } else {
    buf[pos++] = c32;
    buf.writeUInt32BE(len, pos);
    pos += 4;
  }
}

function writeExt(type: number, data: Uint8Array): void {
  const n = data.length;
  ensure(6 + n);
  if (n === 8) buf[pos++] = 0xd7;
  else if (n === 16) buf[pos++] = 0xd8;
  else if (n < 0x100) {
    buf[pos++] = 0xc7;
    buf[pos++] = n;
  } else if (n < 0x10000) {
    buf[pos++] = 0xc8;
    buf.writeUInt16BE(n, pos);
    pos += 2;
  } else {
    buf[pos++] = 0xc9;
    buf.writeUInt32BE(n, pos);
    pos += 4;
  }
  buf[pos++] = type;
  buf.set(data, pos);
  pos += n;
}

function writeNumber(v: number): void {
  ensure(9);
  if (Number.isInteger(v) && !Object.is(v, -0)) {
    if (v >= 0) {
      if (v < 0x80) {
        buf[pos++] = v;
        return;
      }
      if (v < 0x100) {
        buf[pos++] = 0xcc;
        buf[pos++] = v;
        return;
      }
      if (v < 0x10000) {
        buf[pos++] = 0xcd;
        buf.writeUInt16BE(v, pos);
        pos += 2;
        return;
      }
      if (v < 0x100000000) {
        buf[pos++] = 0xce;
        buf.writeUInt32BE(v, pos);
        pos += 4;
        return;
      }
    } else {
      if (v >= -0x20) {
        buf[pos++] = v & 0xff;
        return;
      }
      if (v >= -0x80) {
        buf[pos++] = 0xd0;
        buf.writeInt8(v, pos);
        pos += 1;
        return;
      }
      if (v >= -0x8000) {
        buf[pos++] = 0xd1;
        buf.writeInt16BE(v, pos);
        pos += 2;
        return;
      }
      if (v >= -0x80000000) {
        buf[pos++] = 0xd2;
        buf.writeInt32BE(v, pos);
        pos += 4;
        return;
      }
    }
  } else if (Object.is(v, -0)) {
    writeExt(EXT_NEG_ZERO, EMPTY);
    return;
  }
  // Everything else (fractions, NaN, ±Infinity, integers beyond 32 bits) as float64: exact.
  buf[pos++] = 0xcb;
  buf.writeDoubleBE(v, pos);
  pos += 8;
}

const EMPTY = new Uint8Array(0);
const INT64 = Buffer.allocUnsafe(8);

function writeValue(v: Datum | undefined): void {
  if (v === null || v === undefined) {
    ensure(1);
    buf[pos++] = 0xc0;
    return;
  }
  switch (typeof v) {
    case 'number':
      writeNumber(v);
      return;
    case 'string': {
      const len = v.length;
      if (len <= 31) {
        // Short ASCII strings without a native call (the common case for keys and names).
        ensure(1 + len);
        const start = pos;
        buf[pos++] = 0xa0 | len;
        let i = 0;
        for (; i < len; i++) {
          const ch = v.charCodeAt(i);
          if (ch >= 0x80) break;
          buf[pos++] = ch;
        }
        if (i === len) return;
        pos = start;
      }
      const n = Buffer.byteLength(v, 'utf8');
      writeHeader(n, 0xa0, 31, 0xd9, 0xda, 0xdb);
      ensure(n);
      pos += buf.write(v, pos, 'utf8');
      return;
    }
    case 'boolean':
      ensure(1);
      buf[pos++] = v ? 0xc3 : 0xc2;
      return;
    case 'bigint':
      INT64.writeBigInt64BE(v);
      writeExt(EXT_BIGINT, INT64);
      return;
  }
  if (Buffer.isBuffer(v)) {
    writeHeader(v.length, -1, -1, 0xc4, 0xc5, 0xc6);
    ensure(v.length);
    v.copy(buf, pos);
    pos += v.length;
    return;
  }
  if (Array.isArray(v)) {
    writeHeader(v.length, 0x90, 15, -1, 0xdc, 0xdd);
    for (const e of v) writeValue(e);
    return;
  }
  if (v instanceof Numeric) return writeExt(EXT_NUMERIC, formatBinary(TypeOid.numeric, v));
  if (v instanceof Interval) return writeExt(EXT_INTERVAL, formatBinary(TypeOid.interval, v));
  if (v instanceof Jsonb) return writeExt(EXT_JSONB, Buffer.from(v.toString(), 'utf8'));
  throw new SqlError(
    SqlState.internalError,
    `cannot store a value of kind ${(v as { kind?: string }).kind ?? typeof v}`,
  );
}

/** Encodes a row: `columns[k]` is the value of column id k (undefined for a dropped column). */
export function encodeRow(schemaVersion: number, columns: readonly (Datum | undefined)[]): Buffer {
  pos = 0;
  writeHeader(columns.length + 1, 0x90, 15, -1, 0xdc, 0xdd);
  writeNumber(schemaVersion);
  for (let i = 0; i < columns.length; i++) writeValue(columns[i]);
  const out = Buffer.allocUnsafe(pos);
  buf.copy(out, 0, 0, pos);
  return out;
}

export interface DecodedRow {
  readonly schemaVersion: number;
  /** Values by column id; a column the row predates is absent (index >= length). */
  readonly columns: Datum[];
}

class Reader {
  pos = 0;
  constructor(readonly b: Buffer) {}

  need(n: number): void {
    if (this.pos + n > this.b.length) throw corrupt('truncated');
  }

  value(): Datum {
    this.need(1);
    const b = this.b;
    const c = b[this.pos++];
    if (c < 0x80) return c;
    if (c >= 0xe0) return c - 0x100;
    if (c >= 0xa0 && c <= 0xbf) return this.str(c & 0x1f);
    if (c >= 0x90 && c <= 0x9f) return this.array(c & 0x0f);
    if (c >= 0x80 && c <= 0x8f) throw corrupt('map in a row');
    let v: Datum;
    switch (c) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        this.need(1);
        return this.bin(b[this.pos++]);
      case 0xc5:
        this.need(2);
        v = b.readUInt16BE(this.pos);
        this.pos += 2;
        return this.bin(v);
      case 0xc6:
        this.need(4);
        v = b.readUInt32BE(this.pos);
        this.pos += 4;
        return this.bin(v);
      case 0xc7:
        this.need(1);
        return this.ext(b[this.pos++]);
      case 0xc8:
        this.need(2);
        v = b.readUInt16BE(this.pos);
        this.pos += 2;
        return this.ext(v);
      case 0xc9:
        this.need(4);
        v = b.readUInt32BE(this.pos);
        this.pos += 4;
        return this.ext(v);
      case 0xca:
        this.need(4);
        v = b.readFloatBE(this.pos);
        this.pos += 4;
        return v;
      case 0xcb:
        this.need(8);
        v = b.readDoubleBE(this.pos);
        this.pos += 8;
        return v;
      case 0xcc:
        this.need(1);
        return b[this.pos++];
      case 0xcd:
        this.need(2);
        v = b.readUInt16BE(this.pos);
        this.pos += 2;
        return v;
      case 0xce:
        this.need(4);
        v = b.readUInt32BE(this.pos);
        this.pos += 4;
        return v;
      case 0xcf:
      case 0xd3: {
        this.need(8);
        const big = c === 0xcf ? b.readBigUInt64BE(this.pos) : b.readBigInt64BE(this.pos);
        this.pos += 8;
        if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER))
          throw corrupt('64-bit integer');
        return Number(big);
      }
      case 0xd0:
        this.need(1);
        return b.readInt8(this.pos++);
      case 0xd1:
        this.need(2);
        v = b.readInt16BE(this.pos);
        this.pos += 2;
        return v;
      case 0xd2:
        this.need(4);
        v = b.readInt32BE(this.pos);
        this.pos += 4;
        return v;
      case 0xd4:
        return this.ext(1);
      case 0xd5:
        return this.ext(2);
      case 0xd6:
        return this.ext(4);
      case 0xd7:
        return this.ext(8);
      case 0xd8:
        return this.ext(16);
      case 0xd9:
        this.need(1);
        return this.str(b[this.pos++]);
      case 0xda:
        this.need(2);
        v = b.readUInt16BE(this.pos);
        this.pos += 2;
        return this.str(v);
      case 0xdb:
        this.need(4);
        v = b.readUInt32BE(this.pos);
        this.pos += 4;
        return this.str(v);
      case 0xdc:
        this.need(2);
        v = b.readUInt16BE(this.pos);
        this.pos += 2;
        return this.array(v);
      case 0xdd:
        this.need(4);
        v = b.readUInt32BE(this.pos);
        this.pos += 4;
        return this.array(v);
      default:
        throw corrupt(`byte 0x${c.toString(16)}`);
    }
  }

  str(n: number): string {
    this.need(n);
    const b = this.b;
    const start = this.pos;
    this.pos += n;
    if (n < 24) {
      // Short ASCII strings without a native call.
      let s = '';
      for (let i = start; i < start + n; i++) {
        const ch = b[i];
        if (ch >= 0x80) return b.toString('utf8', start, start + n);
        s += String.fromCharCode(ch);
      }
      return s;
    }
    return b.toString('utf8', start, start + n);
  }

  bin(n: number): Buffer {
    this.need(n);
    const out = Buffer.allocUnsafe(n);
    this.b.copy(out, 0, this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  array(n: number): Datum[] {
    const out: Datum[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.value();
    return out;
  }

  ext(n: number): Datum {
    this.need(1 + n);
    const type = this.b[this.pos++];
    const data = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    switch (type) {
      case EXT_BIGINT:
        if (n !== 8) throw corrupt('bigint length');
        return data.readBigInt64BE(0);
      case EXT_NUMERIC:
        return parseBinary(TypeOid.numeric, data);
      case EXT_INTERVAL:
        return parseBinary(TypeOid.interval, data);
      case EXT_JSONB:
        return Jsonb.parse(data.toString('utf8'));
      case EXT_NEG_ZERO:
        return -0;
      default:
        throw corrupt(`extension type ${type}`);
    }
  }
}

function corrupt(what: string): SqlError {
  return new SqlError(SqlState.dataCorrupted, `corrupt row value: ${what}`);
}

export function decodeRow(data: Uint8Array): DecodedRow {
  const b = Buffer.isBuffer(data)
    ? data
    : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const r = new Reader(b);
  let raw: Datum;
  try {
    raw = r.value();
  } catch (e) {
    if (e instanceof SqlError && e.code === SqlState.dataCorrupted) throw e;
    throw corrupt((e as Error).message);
  }
  if (!Array.isArray(raw) || typeof raw[0] !== 'number') throw corrupt('not [schemaVersion, …]');
  if (r.pos !== b.length) throw corrupt('trailing bytes');
  const schemaVersion = raw[0];
  raw.shift();
  return { schemaVersion, columns: raw };
}
