/**
 * Binary wire format (typsend/typreceive) of every type in datum.ts, as PostgreSQL 15
 * writes and reads it: big-endian integers and IEEE floats, numeric as base-10000 digits,
 * date as int32 days and time/timestamps as int64 µs since 2000-01-01, interval as
 * (int64 µs, int32 days, int32 months), jsonb with a version byte 1, and arrays with a
 * header (ndim, has-null flag, element oid, then size and lower bound per dimension).
 */
import { SqlError, SqlState } from '../errors';
import { isValidDate, isValidTimestamp, TIMESTAMP_NOBEGIN, TIMESTAMP_NOEND } from './calendar';
import { TypeOid, type Datum } from './datum';
import { Interval } from './interval';
import { Jsonb, parseJsonText } from './jsonb';
import { Numeric } from './numeric';
import { elementType, isVectorType } from './typeTable';

const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

function badFormat(): SqlError {
  return new SqlError(SqlState.invalidBinaryRepresentation, 'incorrect binary data format');
}

function need(data: Buffer, len: number): void {
  if (data.length !== len) throw badFormat();
}

const NUMERIC_POS = 0x0000;
const NUMERIC_NEG = 0x4000;
const NUMERIC_NAN = 0xc000;
const NUMERIC_PINF = 0xd000;
const NUMERIC_NINF = 0xf000;

function numericSend(n: Numeric): Buffer {
  if (!n.isFinite()) {
    const b = Buffer.alloc(8);
    b.writeUInt16BE(n.isNaN() ? NUMERIC_NAN : n.special === 'inf' ? NUMERIC_PINF : NUMERIC_NINF, 4);
    // numeric_send writes the dscale bits of the short header; for ±Infinity PostgreSQL 15 has 0x20 there.
    if (!n.isNaN()) b.writeInt16BE(0x20, 6);
    return b;
  }
  const { weight, digits } = n.toNbase();
  const b = Buffer.allocUnsafe(8 + 2 * digits.length);
  b.writeInt16BE(digits.length, 0);
  b.writeInt16BE(weight, 2);
  b.writeUInt16BE(n.coeff < 0n ? NUMERIC_NEG : NUMERIC_POS, 4);
  b.writeInt16BE(n.scale, 6);
  for (let i = 0; i < digits.length; i++) b.writeInt16BE(digits[i], 8 + 2 * i);
  return b;
}

function numericRecv(data: Buffer): Numeric {
  if (data.length < 8) throw badFormat();
  const ndigits = data.readInt16BE(0);
  const weight = data.readInt16BE(2);
  const sign = data.readUInt16BE(4);
  const dscale = data.readInt16BE(6);
  if (ndigits < 0 || ndigits > 0x7fff || data.length !== 8 + 2 * ndigits) {
    throw new SqlError(
      SqlState.invalidBinaryRepresentation,
      'invalid length in external "numeric" value',
    );
  }
  if (
    sign !== NUMERIC_POS &&
    sign !== NUMERIC_NEG &&
    sign !== NUMERIC_NAN &&
    sign !== NUMERIC_PINF &&
    sign !== NUMERIC_NINF
  ) {
    throw new SqlError(
      SqlState.invalidBinaryRepresentation,
      'invalid sign in external "numeric" value',
    );
  }
  if (sign === NUMERIC_NAN) return Numeric.NaN;
  if (sign === NUMERIC_PINF) return Numeric.Infinity;
  if (sign === NUMERIC_NINF) return Numeric.NegativeInfinity;
  const digits: number[] = [];
  for (let i = 0; i < ndigits; i++) {
    const d = data.readInt16BE(8 + 2 * i);
    if (d < 0 || d >= 10000)
      throw new SqlError(
        SqlState.invalidBinaryRepresentation,
        'invalid digit in external "numeric" value',
      );
    digits.push(d);
  }
  if (dscale < 0 || dscale > 0x3fff) {
    throw new SqlError(
      SqlState.invalidBinaryRepresentation,
      'invalid scale in external "numeric" value',
    );
  }
  return Numeric.fromNbase(sign === NUMERIC_NEG, weight, dscale, digits);
}

function utf8(data: Buffer): string {
  const s = data.toString('utf8');
  // pq_getmsgtext verifies the encoding: a lossy decode means invalid UTF-8.
  if (s.includes('\ufffd') && !Buffer.from(s, 'utf8').equals(data)) {
    throw new SqlError(
      SqlState.characterNotInRepertoire,
      'invalid byte sequence for encoding "UTF8"',
    );
  }
  if (s.includes('\0'))
    throw new SqlError(
      SqlState.characterNotInRepertoire,
      'invalid byte sequence for encoding "UTF8": 0x00',
    );
  return s;
}

function int64Buf(v: bigint): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigInt64BE(v);
  return b;
}

export function formatBinaryValue(typeOid: number, value: Datum): Buffer {
  switch (typeOid) {
    case TypeOid.bool:
      return Buffer.from([value ? 1 : 0]);
    case TypeOid.int2: {
      const b = Buffer.allocUnsafe(2);
      b.writeInt16BE(Number(value));
      return b;
    }
    case TypeOid.int4: {
      const b = Buffer.allocUnsafe(4);
      b.writeInt32BE(Number(value));
      return b;
    }
    case TypeOid.oid:
    case TypeOid.regproc:
    case TypeOid.regclass:
    case TypeOid.regtype: {
      const b = Buffer.allocUnsafe(4);
      b.writeUInt32BE(Number(value) >>> 0);
      return b;
    }
    case TypeOid.int8:
      return int64Buf(BigInt(value as bigint | number));
    case TypeOid.float4: {
      const b = Buffer.allocUnsafe(4);
      b.writeFloatBE(value as number);
      return b;
    }
    case TypeOid.float8: {
      const b = Buffer.allocUnsafe(8);
      b.writeDoubleBE(value as number);
      return b;
    }
    case TypeOid.numeric:
      return numericSend(value as Numeric);
    case TypeOid.bytea:
      return Buffer.from(value as Buffer);
    case TypeOid.char:
      return Buffer.from(value as string, 'latin1').subarray(0, 1);
    case TypeOid.date: {
      const d = value as number;
      const b = Buffer.allocUnsafe(4);
      b.writeInt32BE(d === Infinity ? INT32_MAX : d === -Infinity ? INT32_MIN : d);
      return b;
    }
    case TypeOid.time:
      return int64Buf(BigInt(value as number));
    case TypeOid.timestamp:
    case TypeOid.timestamptz:
      return int64Buf(value as bigint);
    case TypeOid.interval: {
      const iv = value as Interval;
      const b = Buffer.allocUnsafe(16);
      b.writeBigInt64BE(iv.micros, 0);
      b.writeInt32BE(iv.days, 8);
      b.writeInt32BE(iv.months, 12);
      return b;
    }
    case TypeOid.uuid:
      return Buffer.from((value as string).replace(/-/g, ''), 'hex');
    case TypeOid.jsonb:
      return Buffer.concat([Buffer.from([1]), Buffer.from((value as Jsonb).toString(), 'utf8')]);
    default: {
      const elem = elementType(typeOid);
      // int2vector / oidvector are sent by array_send with their lower bound of 0.
      if (elem !== 0) return arraySend(elem, value as Datum[], isVectorType(typeOid));
      return Buffer.from(String(value), 'utf8');
    }
  }
}

function arraySend(elemOid: number, values: readonly Datum[], vector = false): Buffer {
  const parts: Buffer[] = [];
  let hasNull = 0;
  // A vector always has one dimension, even when empty (buildint2vector).
  const oneDim = vector || values.length > 0;
  let size = oneDim ? 20 : 12;
  for (const v of values) {
    if (v === null) {
      hasNull = 1;
      size += 4;
      parts.push(Buffer.alloc(0));
    } else {
      const p = formatBinaryValue(elemOid, v);
      parts.push(p);
      size += 4 + p.length;
    }
  }
  const b = Buffer.allocUnsafe(size);
  b.writeInt32BE(oneDim ? 1 : 0, 0);
  b.writeInt32BE(hasNull, 4);
  b.writeUInt32BE(elemOid, 8);
  let o = 12;
  if (oneDim) {
    b.writeInt32BE(values.length, 12);
    b.writeInt32BE(vector ? 0 : 1, 16);
    o = 20;
  }
  for (let i = 0; i < values.length; i++) {
    if (values[i] === null) {
      b.writeInt32BE(-1, o);
      o += 4;
    } else {
      b.writeInt32BE(parts[i].length, o);
      parts[i].copy(b, o + 4);
      o += 4 + parts[i].length;
    }
  }
  return b;
}

function arrayRecv(elemOid: number, data: Buffer): Datum[] {
  if (data.length < 12) throw badFormat();
  const ndim = data.readInt32BE(0);
  const flags = data.readInt32BE(4);
  const elem = data.readUInt32BE(8);
  if (ndim < 0)
    throw new SqlError(
      SqlState.invalidBinaryRepresentation,
      `invalid number of dimensions: ${ndim}`,
    );
  if (ndim > 6) {
    throw new SqlError(
      SqlState.programLimitExceeded,
      `number of array dimensions (${ndim}) exceeds the maximum allowed (6)`,
    );
  }
  if (flags !== 0 && flags !== 1)
    throw new SqlError(SqlState.invalidBinaryRepresentation, 'invalid array flags');
  if (elem !== elemOid)
    throw new SqlError(
      SqlState.datatypeMismatch,
      'binary data has array element type ' + elem + ' instead of expected ' + elemOid,
    );
  if (ndim === 0) {
    if (data.length !== 12) throw badFormat();
    return [];
  }
  if (ndim > 1)
    throw new SqlError(SqlState.featureNotSupported, 'multidimensional arrays are not supported');
  if (data.length < 20) throw badFormat();
  const n = data.readInt32BE(12);
  if (n < 0) throw badFormat();
  let o = 20;
  const out: Datum[] = [];
  for (let i = 0; i < n; i++) {
    if (o + 4 > data.length) throw badFormat();
    const len = data.readInt32BE(o);
    o += 4;
    if (len === -1) {
      out.push(null);
      continue;
    }
    if (len < 0 || o + len > data.length) throw badFormat();
    out.push(parseBinaryValue(elemOid, data.subarray(o, o + len)));
    o += len;
  }
  if (o !== data.length) throw badFormat();
  return out;
}

export function parseBinaryValue(typeOid: number, data: Buffer): Datum {
  switch (typeOid) {
    case TypeOid.bool:
      need(data, 1);
      return data[0] !== 0;
    case TypeOid.int2:
      need(data, 2);
      return data.readInt16BE(0);
    case TypeOid.int4:
      need(data, 4);
      return data.readInt32BE(0);
    case TypeOid.oid:
    case TypeOid.regproc:
    case TypeOid.regclass:
    case TypeOid.regtype:
      need(data, 4);
      return data.readUInt32BE(0);
    case TypeOid.int8:
      need(data, 8);
      return data.readBigInt64BE(0);
    case TypeOid.float4:
      need(data, 4);
      return data.readFloatBE(0);
    case TypeOid.float8:
      need(data, 8);
      return data.readDoubleBE(0);
    case TypeOid.numeric:
      return numericRecv(data);
    case TypeOid.bytea:
      return Buffer.from(data);
    case TypeOid.char:
      need(data, 1);
      return data.toString('latin1');
    case TypeOid.date: {
      need(data, 4);
      const d = data.readInt32BE(0);
      if (d === INT32_MAX) return Infinity;
      if (d === INT32_MIN) return -Infinity;
      if (!isValidDate(d)) throw new SqlError(SqlState.datetimeFieldOverflow, 'date out of range');
      return d;
    }
    case TypeOid.time: {
      need(data, 8);
      const t = data.readBigInt64BE(0);
      if (t < 0n || t > 86_400_000_000n)
        throw new SqlError(SqlState.datetimeFieldOverflow, 'time out of range');
      return Number(t);
    }
    case TypeOid.timestamp:
    case TypeOid.timestamptz: {
      need(data, 8);
      const t = data.readBigInt64BE(0);
      if (t !== TIMESTAMP_NOBEGIN && t !== TIMESTAMP_NOEND && !isValidTimestamp(t)) {
        throw new SqlError(SqlState.datetimeFieldOverflow, 'timestamp out of range');
      }
      return t;
    }
    case TypeOid.interval:
      need(data, 16);
      return new Interval(data.readInt32BE(12), data.readInt32BE(8), data.readBigInt64BE(0));
    case TypeOid.uuid: {
      need(data, 16);
      const h = data.toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    case TypeOid.jsonb: {
      if (data.length < 1) throw badFormat();
      if (data[0] !== 1)
        throw new SqlError(SqlState.internalError, `unsupported jsonb version number ${data[0]}`);
      return Jsonb.parse(utf8(data.subarray(1)));
    }
    case TypeOid.json:
      return parseJsonText(utf8(data));
    case TypeOid.text:
    case TypeOid.varchar:
    case TypeOid.bpchar:
    case TypeOid.name:
    case TypeOid.unknown:
      return utf8(data);
    default: {
      const elem = elementType(typeOid);
      if (elem !== 0) return arrayRecv(elem, data);
      return utf8(data);
    }
  }
}
