/**
 * Memcomparable encoding of one non-null value, ascending: byte order of the encodings
 * equals common/types/compare.ts order. Every encoding is prefix-free (fixed width or
 * terminated), so inverting the bytes gives the descending order. FORMAT.md describes
 * the bytes.
 */
import { SqlError, SqlState } from '../errors';
import { TypeOid, type Datum } from '../types/datum';
import { intervalSpan, trimBpchar } from '../types/compare';
import { Interval } from '../types/interval';
import { JsonObject, Jsonb, makeJsonObject, type JsonValue } from '../types/jsonb';
import { Numeric } from '../types/numeric';
import { elementType, typeInfo } from '../types/typeTable';
import { ByteReader, ByteWriter, KeyDecodeError } from './buffers';

const SIGN64 = 1n << 63n;
const MASK64 = (1n << 64n) - 1n;
const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

const F64 = new Float64Array(1);
const U64 = new BigUint64Array(F64.buffer);

// Numeric class bytes, in order.
const NUM_NEG_INF = 0x01;
const NUM_NEG = 0x02;
const NUM_ZERO = 0x03;
const NUM_POS = 0x04;
const NUM_POS_INF = 0x05;
const NUM_NAN = 0x06;

// Array element markers.
const ARR_END = 0x00;
const ARR_VALUE = 0x01;
const ARR_NULL = 0x02;

/** A signed 64-bit integer, sign bit flipped, big-endian. */
const I64 = Buffer.allocUnsafe(8);
function writeInt64(w: ByteWriter, v: bigint): void {
  I64.writeBigInt64BE(v, 0);
  I64[0] ^= 0x80;
  w.bytes(I64);
}

function writeSmallInt(w: ByteWriter, v: number): void {
  // The int64 encoding of a value that fits in 53 bits, without a bigint.
  const hi = Math.floor(v / 4294967296);
  const lo = v - hi * 4294967296;
  w.u32((hi ^ 0x80000000) >>> 0);
  w.u32(lo);
}

function readInt64(r: ByteReader): bigint {
  const b = r.take(8);
  b[0] ^= 0x80;
  return b.readBigInt64BE(0);
}

/** IEEE-754 bits made order-preserving: negatives inverted, positives sign-flipped. */
function writeFloat(w: ByteWriter, v: number): void {
  if (Number.isNaN(v)) {
    w.u64(0xfff8000000000000n); // canonical NaN (0x7ff8…) with its sign bit flipped: above +Infinity
    return;
  }
  F64[0] = v === 0 ? 0 : v; // -0 = 0
  const bits = U64[0];
  w.u64(bits & SIGN64 ? ~bits & MASK64 : bits ^ SIGN64);
}

function readFloat(r: ByteReader): number {
  const e = r.u64();
  U64[0] = e & SIGN64 ? e ^ SIGN64 : ~e & MASK64;
  return F64[0];
}

/** Bytes with 0x00 escaped as 0x00 0xFF, terminated by 0x00 0x01. */
function writeBytes(w: ByteWriter, b: Uint8Array): void {
  w.escapedBytes(b);
  w.byte(0x00);
  w.byte(0x01);
}

function readBytes(r: ByteReader): Buffer {
  const parts: number[] = [];
  for (;;) {
    const c = r.byte();
    if (c !== 0) {
      parts.push(c);
      continue;
    }
    const n = r.byte();
    if (n === 0x01) return Buffer.from(parts);
    if (n !== 0xff) throw new KeyDecodeError('bad byte-string escape in key');
    parts.push(0);
  }
}

/**
 * numeric: class byte, then for finite non-zero values the decimal exponent E (value =
 * 0.d1d2… × 10^E, int32 sign-flipped) and the significant digits in pairs (byte = pair + 1),
 * terminated by 0x00; both inverted for negative values so that larger magnitudes sort lower.
 */
function writeNumeric(w: ByteWriter, n: Numeric): void {
  switch (n.special) {
    case 'nan':
      w.byte(NUM_NAN);
      return;
    case 'inf':
      w.byte(NUM_POS_INF);
      return;
    case '-inf':
      w.byte(NUM_NEG_INF);
      return;
  }
  if (n.coeff === 0n) {
    w.byte(NUM_ZERO);
    return;
  }
  const neg = n.coeff < 0n;
  let digits = (neg ? -n.coeff : n.coeff).toString();
  const exp = digits.length - n.scale;
  digits = digits.replace(/0+$/, '');
  if (digits.length % 2 === 1) digits += '0';
  w.byte(neg ? NUM_NEG : NUM_POS);
  const start = w.length;
  w.u32((exp ^ 0x80000000) >>> 0);
  for (let i = 0; i < digits.length; i += 2) {
    w.byte((digits.charCodeAt(i) - 48) * 10 + (digits.charCodeAt(i + 1) - 48) + 1);
  }
  w.byte(0x00);
  if (neg) w.invertFrom(start);
}

function readNumeric(r: ByteReader): Numeric {
  const cls = r.byte();
  switch (cls) {
    case NUM_NAN:
      return Numeric.NaN;
    case NUM_POS_INF:
      return Numeric.Infinity;
    case NUM_NEG_INF:
      return Numeric.NegativeInfinity;
    case NUM_ZERO:
      return Numeric.ZERO;
    case NUM_NEG:
    case NUM_POS:
      break;
    default:
      throw new KeyDecodeError(`bad numeric class byte ${cls}`);
  }
  const neg = cls === NUM_NEG;
  const saved = r.mask;
  if (neg) r.mask ^= 0xff;
  const exp = (r.u32() ^ 0x80000000) | 0;
  let digits = '';
  for (;;) {
    const b = r.byte();
    if (b === 0) break;
    const pair = b - 1;
    digits += (pair < 10 ? '0' : '') + pair;
  }
  r.mask = saved;
  digits = digits.replace(/0+$/, '') || '0';
  // value = 0.digits × 10^exp = digits × 10^(exp - len)
  const scale = digits.length - exp;
  const coeff = BigInt(digits);
  return Numeric.of(neg ? -coeff : coeff, scale);
}

function writeUuid(w: ByteWriter, s: string): void {
  w.bytes(Buffer.from(s.replace(/-/g, ''), 'hex'));
}

// jsonb: container and value tags, in jsonb's btree order (compare.ts compareJsonValues).
const JC_ARRAY = 0x01;
const JC_OBJECT = 0x02;
const JV_NULL = 0x00;
const JV_STRING = 0x01;
const JV_NUMBER = 0x02;
const JV_BOOL = 0x03;
const JV_ARRAY = 0x04;
const JV_OBJECT = 0x05;

function writeJsonContainer(w: ByteWriter, v: JsonValue[] | JsonObject, raw: boolean | null): void {
  if (Array.isArray(v)) {
    w.u32(v.length);
    if (raw !== null) w.byte(raw ? 0 : 1); // a top-level scalar sorts below a real array of one
    for (const e of v) writeJsonValue(w, e);
    return;
  }
  w.u32(v.entries.length);
  for (const [k, e] of v.entries) {
    w.escapedString(k);
    writeJsonValue(w, e);
  }
}

function writeJsonValue(w: ByteWriter, v: JsonValue): void {
  if (v === null) w.byte(JV_NULL);
  else if (typeof v === 'string') {
    w.byte(JV_STRING);
    w.escapedString(v);
  } else if (v instanceof Numeric) {
    w.byte(JV_NUMBER);
    writeNumeric(w, v);
  } else if (typeof v === 'boolean') {
    w.byte(JV_BOOL);
    w.byte(v ? 1 : 0);
  } else if (Array.isArray(v)) {
    w.byte(JV_ARRAY);
    writeJsonContainer(w, v, null);
  } else {
    w.byte(JV_OBJECT);
    writeJsonContainer(w, v, null);
  }
}

/** jsonb: arrays (a top-level scalar is a raw one-element array) then objects, sizes first. */
function writeJsonb(w: ByteWriter, j: Jsonb): void {
  const v = j.value;
  if (v instanceof JsonObject) {
    w.byte(JC_OBJECT);
    writeJsonContainer(w, v, null);
  } else {
    w.byte(JC_ARRAY);
    if (Array.isArray(v)) writeJsonContainer(w, v, false);
    else writeJsonContainer(w, [v], true);
  }
}

function readJsonValue(r: ByteReader): JsonValue {
  const tag = r.byte();
  switch (tag) {
    case JV_NULL:
      return null;
    case JV_STRING:
      return readBytes(r).toString('utf8');
    case JV_NUMBER:
      return readNumeric(r);
    case JV_BOOL:
      return r.byte() === 1;
    case JV_ARRAY:
      return readJsonArray(r, false).values;
    case JV_OBJECT:
      return readJsonObject(r);
    default:
      throw new KeyDecodeError(`bad jsonb value tag ${tag}`);
  }
}

function readJsonArray(r: ByteReader, top: boolean): { values: JsonValue[]; raw: boolean } {
  const n = r.u32();
  const raw = top ? r.byte() === 0 : false;
  const values: JsonValue[] = [];
  for (let i = 0; i < n; i++) values.push(readJsonValue(r));
  return { values, raw };
}

function readJsonObject(r: ByteReader): JsonObject {
  const n = r.u32();
  const pairs: [string, JsonValue][] = [];
  for (let i = 0; i < n; i++) {
    const k = readBytes(r).toString('utf8');
    pairs.push([k, readJsonValue(r)]);
  }
  return makeJsonObject(pairs);
}

function readJsonb(r: ByteReader): Jsonb {
  const c = r.byte();
  if (c === JC_OBJECT) return new Jsonb(readJsonObject(r));
  if (c !== JC_ARRAY) throw new KeyDecodeError(`bad jsonb container tag ${c}`);
  const { values, raw } = readJsonArray(r, true);
  return new Jsonb(raw ? values[0] : values);
}

/** Whether values of this type can be key columns. */
export function isKeyEncodable(typeOid: number): boolean {
  switch (typeOid) {
    case TypeOid.json:
    case TypeOid.record:
    case TypeOid.void:
      return false;
  }
  const elem = elementType(typeOid);
  if (elem !== 0) return isKeyEncodable(elem);
  return typeInfo(typeOid) !== undefined;
}

export function writeValue(w: ByteWriter, typeOid: number, v: Datum): void {
  switch (typeOid) {
    case TypeOid.bool:
      w.byte(v ? 1 : 0);
      return;
    case TypeOid.int2:
    case TypeOid.int4:
    case TypeOid.oid:
    case TypeOid.regproc:
    case TypeOid.regclass:
    case TypeOid.regtype:
      writeSmallInt(w, v as number);
      return;
    case TypeOid.int8:
    case TypeOid.timestamp:
    case TypeOid.timestamptz:
      writeInt64(w, v as bigint);
      return;
    case TypeOid.float4:
    case TypeOid.float8:
      writeFloat(w, v as number);
      return;
    case TypeOid.numeric:
      writeNumeric(w, v as Numeric);
      return;
    case TypeOid.text:
    case TypeOid.varchar:
    case TypeOid.name:
    case TypeOid.char:
    case TypeOid.unknown:
      w.escapedString(v as string);
      return;
    case TypeOid.bpchar:
      // bpchar equality ignores trailing spaces (bpcharcmp): so does the key.
      w.escapedString(trimBpchar(v as string));
      return;
    case TypeOid.bytea:
      writeBytes(w, v as Buffer);
      return;
    case TypeOid.date: {
      const d = v as number;
      const i = d === Infinity ? INT32_MAX : d === -Infinity ? INT32_MIN : d;
      w.u32((i ^ 0x80000000) >>> 0);
      return;
    }
    case TypeOid.time:
      writeSmallInt(w, v as number);
      return;
    case TypeOid.interval: {
      const span = intervalSpan(v as Interval);
      const u = BigInt.asUintN(128, span) ^ (1n << 127n);
      w.u64(u >> 64n);
      w.u64(u & MASK64);
      return;
    }
    case TypeOid.uuid:
      writeUuid(w, v as string);
      return;
    case TypeOid.jsonb:
      writeJsonb(w, v as Jsonb);
      return;
    default: {
      const elem = elementType(typeOid);
      if (elem !== 0 && isKeyEncodable(elem)) {
        for (const e of v as Datum[]) {
          if (e === null) {
            w.byte(ARR_NULL);
          } else {
            w.byte(ARR_VALUE);
            writeValue(w, elem, e);
          }
        }
        w.byte(ARR_END);
        return;
      }
      throw new SqlError(
        SqlState.featureNotSupported,
        `type ${typeInfo(typeOid)?.sqlName ?? typeOid} cannot be part of a key`,
      );
    }
  }
}

export function readValue(r: ByteReader, typeOid: number): Datum {
  switch (typeOid) {
    case TypeOid.bool: {
      const b = r.byte();
      if (b > 1) throw new KeyDecodeError(`bad bool byte ${b}`);
      return b === 1;
    }
    case TypeOid.int2:
    case TypeOid.int4:
    case TypeOid.oid:
    case TypeOid.regproc:
    case TypeOid.regclass:
    case TypeOid.regtype:
    case TypeOid.time:
      return Number(readInt64(r));
    case TypeOid.int8:
    case TypeOid.timestamp:
    case TypeOid.timestamptz:
      return readInt64(r);
    case TypeOid.float4:
      return Math.fround(readFloat(r));
    case TypeOid.float8:
      return readFloat(r);
    case TypeOid.numeric:
      return readNumeric(r);
    case TypeOid.text:
    case TypeOid.varchar:
    case TypeOid.name:
    case TypeOid.char:
    case TypeOid.unknown:
    case TypeOid.bpchar:
      return readBytes(r).toString('utf8');
    case TypeOid.bytea:
      return readBytes(r);
    case TypeOid.date: {
      const i = (r.u32() ^ 0x80000000) | 0;
      return i === INT32_MAX ? Infinity : i === INT32_MIN ? -Infinity : i;
    }
    case TypeOid.interval: {
      const hi = r.u64();
      const lo = r.u64();
      const span = BigInt.asIntN(128, ((hi << 64n) | lo) ^ (1n << 127n));
      // Keys keep the span only (interval equality); decode to months/days/µs with a
      // month as 30 days and non-negative µs within the day.
      const day = 86_400_000_000n;
      let days = span / day;
      let micros = span % day;
      if (micros < 0n) {
        micros += day;
        days -= 1n;
      }
      const months = days / 30n;
      return new Interval(Number(months), Number(days - months * 30n), micros);
    }
    case TypeOid.jsonb:
      return readJsonb(r);
    case TypeOid.uuid: {
      const h = r.take(16).toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    default: {
      const elem = elementType(typeOid);
      if (elem === 0) throw new KeyDecodeError(`type ${typeOid} cannot be part of a key`);
      const out: Datum[] = [];
      for (;;) {
        const m = r.byte();
        if (m === ARR_END) return out;
        if (m === ARR_NULL) out.push(null);
        else if (m === ARR_VALUE) out.push(readValue(r, elem));
        else throw new KeyDecodeError(`bad array element marker ${m}`);
      }
    }
  }
}
