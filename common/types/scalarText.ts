/**
 * Text I/O of the simple scalar types: bool, int2/4/8, oid, bytea, uuid, name.
 * Messages and rules follow PostgreSQL 15's boolin, pg_strtoint16/32/64, oidin, byteain/
 * byteaout and uuid_in.
 */
import { SqlError, SqlState } from '../errors';

const WS_CHARS = ' \t\n\r\v\f';
function isSpace(c: string): boolean {
  return WS_CHARS.includes(c);
}

export function trimPgSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s[a])) a++;
  while (b > a && isSpace(s[b - 1])) b--;
  return s.slice(a, b);
}

function invalid(typeName: string, text: string): SqlError {
  return new SqlError(
    SqlState.invalidTextRepresentation,
    `invalid input syntax for type ${typeName}: "${text}"`,
  );
}

/** parse_bool_with_len: case-insensitive prefixes of true/false/yes/no, on/off (>= 2 chars), 1/0. */
export function parseBool(text: string): boolean {
  const s = trimPgSpace(text).toLowerCase();
  const n = s.length;
  if (n > 0) {
    switch (s[0]) {
      case 't':
        if ('true'.startsWith(s)) return true;
        break;
      case 'f':
        if ('false'.startsWith(s)) return false;
        break;
      case 'y':
        if ('yes'.startsWith(s)) return true;
        break;
      case 'n':
        if ('no'.startsWith(s)) return false;
        break;
      case 'o':
        if (n >= 2 && 'on'.startsWith(s)) return true;
        if (n >= 2 && 'off'.startsWith(s)) return false;
        break;
      case '1':
        if (n === 1) return true;
        break;
      case '0':
        if (n === 1) return false;
        break;
    }
  }
  throw invalid('boolean', text);
}

const INT_RE = /^[ \t\n\r\v\f]*([+-]?)0*(\d+)[ \t\n\r\v\f]*$/;

/** pg_strtoint64 and friends: digits only, surrounding whitespace allowed. */
/** int2/int4 input without a bigint on the common path (plain digits, optional '-'). */
export function parseSmallInt(text: string, bits: 16 | 32): number {
  const n = text.length;
  if (n > 0 && n <= 10) {
    let i = text.charCodeAt(0) === 45 ? 1 : 0;
    if (i < n) {
      let v = 0;
      for (; i < n; i++) {
        const c = text.charCodeAt(i) - 48;
        if (c < 0 || c > 9) break;
        v = v * 10 + c;
      }
      if (i === n) {
        if (text.charCodeAt(0) === 45) v = -v;
        const max = bits === 16 ? 32767 : 2147483647;
        if (v <= max && v >= -max - 1) return v === 0 ? 0 : v;
      }
    }
  }
  return Number(parseIntText(text, bits));
}

export function parseIntText(text: string, bits: 16 | 32 | 64): bigint {
  const typeName = bits === 16 ? 'smallint' : bits === 32 ? 'integer' : 'bigint';
  const m = INT_RE.exec(text);
  if (!m) throw invalid(typeName, text);
  const outOfRange = () =>
    new SqlError(
      SqlState.numericValueOutOfRange,
      `value "${text}" is out of range for type ${typeName}`,
    );
  if (m[2].length > 20) throw outOfRange();
  const v = m[1] === '-' ? -BigInt(m[2]) : BigInt(m[2]);
  const max = (1n << BigInt(bits - 1)) - 1n;
  if (v > max || v < -max - 1n) throw outOfRange();
  return v;
}

/** oidin: an unsigned 32-bit value; negative input down to -2^31 wraps, as strtoul does. */
export function parseOid(text: string): number {
  const m = /^[ \t\n\r\v\f]*([+-]?)(\d+)[ \t\n\r\v\f]*$/.exec(text);
  if (!m) throw invalid('oid', text);
  const v = BigInt(m[2].length > 20 ? '99999999999999999999999' : m[2]) * (m[1] === '-' ? -1n : 1n);
  if (v > 4294967295n || v < -2147483648n) {
    throw new SqlError(
      SqlState.numericValueOutOfRange,
      `value "${text}" is out of range for type oid`,
    );
  }
  return Number(v < 0n ? v + 4294967296n : v);
}

/** byteaout. */
export function formatBytea(b: Buffer, output: 'hex' | 'escape'): string {
  if (output === 'hex') return '\\x' + b.toString('hex');
  let s = '';
  for (const c of b) {
    if (c === 0x5c) s += '\\\\';
    else if (c < 0x20 || c > 0x7e) s += '\\' + c.toString(8).padStart(3, '0');
    else s += String.fromCharCode(c);
  }
  return s;
}

const HEX_VAL = (c: number): number => {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
};

/** byteain: '\x' hex (whitespace between byte pairs allowed) or the escape format. */
export function parseBytea(text: string): Buffer {
  if (text.length >= 2 && text[0] === '\\' && text[1] === 'x') {
    const src = Buffer.from(text.slice(2), 'utf8');
    const out = Buffer.allocUnsafe(src.length >> 1);
    let n = 0;
    let i = 0;
    while (i < src.length) {
      const c = src[i];
      if (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) {
        i++;
        continue;
      }
      const hi = HEX_VAL(c);
      if (hi < 0) throw badHexDigit(src, i);
      if (i + 1 >= src.length) {
        throw new SqlError(
          SqlState.invalidParameterValue,
          'invalid hexadecimal data: odd number of digits',
        );
      }
      const lo = HEX_VAL(src[i + 1]);
      if (lo < 0) throw badHexDigit(src, i + 1);
      out[n++] = (hi << 4) | lo;
      i += 2;
    }
    return Buffer.from(out.subarray(0, n));
  }
  const src = Buffer.from(text, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < src.length;) {
    const c = src[i];
    if (c !== 0x5c) {
      out.push(c);
      i++;
    } else if (i + 1 < src.length && src[i + 1] === 0x5c) {
      out.push(0x5c);
      i += 2;
    } else if (
      i + 3 < src.length + 0 &&
      src[i + 1] >= 0x30 &&
      src[i + 1] <= 0x33 &&
      src[i + 2] >= 0x30 &&
      src[i + 2] <= 0x37 &&
      src[i + 3] >= 0x30 &&
      src[i + 3] <= 0x37
    ) {
      out.push(((src[i + 1] - 0x30) << 6) | ((src[i + 2] - 0x30) << 3) | (src[i + 3] - 0x30));
      i += 4;
    } else {
      throw new SqlError(SqlState.invalidTextRepresentation, 'invalid input syntax for type bytea');
    }
  }
  return Buffer.from(out);
}

function badHexDigit(src: Buffer, i: number): SqlError {
  // The message shows the offending character (one UTF-8 character).
  let end = i + 1;
  while (end < src.length && (src[end] & 0xc0) === 0x80) end++;
  return new SqlError(
    SqlState.invalidParameterValue,
    `invalid hexadecimal digit: "${src.subarray(i, end).toString('utf8')}"`,
  );
}

/** uuid_in: 32 hex digits, optional '-' after any even group of 4, optional braces. Lower-cases. */
export function parseUuid(text: string): string {
  let i = 0;
  let braces = false;
  if (text[0] === '{') {
    i = 1;
    braces = true;
  }
  let hex = '';
  for (let k = 0; k < 16; k++) {
    const a = text[i];
    const b = text[i + 1];
    if (a === undefined || b === undefined || !/[0-9a-fA-F]/.test(a) || !/[0-9a-fA-F]/.test(b))
      throw invalid('uuid', text);
    hex += a + b;
    i += 2;
    if (text[i] === '-' && k % 2 === 1 && k < 15) i++;
  }
  if (braces) {
    if (text[i] !== '}') throw invalid('uuid', text);
    i++;
  }
  if (i !== text.length) throw invalid('uuid', text);
  hex = hex.toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** namein: truncated to NAMEDATALEN-1 (63) bytes on a character boundary. */
export function parseName(text: string): string {
  const b = Buffer.from(text, 'utf8');
  if (b.length <= 63) return text;
  let end = 63;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  return b.subarray(0, end).toString('utf8');
}
