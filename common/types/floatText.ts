/**
 * float4/float8 text I/O as PostgreSQL 12+ does it (src/backend/utils/adt/float.c):
 * extra_float_digits > 0 gives the shortest text that reads back to the same value (Ryu),
 * in fixed notation when the decimal exponent X satisfies -4 <= X < 15 (float8) or
 * X < 6 (float4), else d.ddde+XX; extra_float_digits <= 0 gives printf's %.{N}g with
 * N = DBL_DIG (15) or FLT_DIG (6) plus extra_float_digits.
 */
import { SqlError, SqlState } from '../errors';

const WS = /^[ \t\n\r\v\f]+|[ \t\n\r\v\f]+$/g;

function special(v: number): string | null {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return null;
}

/** Lays out significant digits `digits` (no sign, no point) with decimal exponent x. */
function layout(neg: boolean, digits: string, x: number, fixedBelow: number): string {
  const sign = neg ? '-' : '';
  if (x < -4 || x >= fixedBelow) {
    const mant = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    const ax = Math.abs(x);
    return `${sign}${mant}e${x < 0 ? '-' : '+'}${ax < 10 ? '0' : ''}${ax}`;
  }
  if (x < 0) return `${sign}0.${'0'.repeat(-x - 1)}${digits}`;
  if (digits.length <= x + 1) return sign + digits + '0'.repeat(x + 1 - digits.length);
  return `${sign}${digits.slice(0, x + 1)}.${digits.slice(x + 1)}`;
}

/** Splits toExponential()/toPrecision-style output into digits and exponent. */
function splitExp(s: string): { digits: string; x: number } {
  const e = s.indexOf('e');
  let digits = s.charCodeAt(1) === 46 ? s[0] + s.slice(2, e) : s.slice(0, e);
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === 48) end--;
  if (end !== digits.length) digits = digits.slice(0, end);
  return { digits, x: Number(s.slice(e + 1)) };
}

/**
 * a (> 0) rounded to p significant digits, ties to even as glibc's printf and Ryu do
 * (toExponential rounds ties up). Returns digits (trailing zeros dropped) and exponent.
 */
function roundDigits(a: number, p: number): { digits: string; x: number } {
  const up = splitExp(a.toExponential(p - 1));
  // A tie needs a to be exactly a (p+1)-digit decimal ending in 5: check that cheaply first.
  const next = a.toExponential(p);
  if (next.charCodeAt(next.indexOf('e') - 1) !== 53 || Number(next) !== a) return up;
  const full = a.toExponential(Math.min(100, p + 30));
  const e = full.indexOf('e');
  const d = full.slice(0, e).replace('.', '');
  if (d[p] === '5' && /^0*$/.test(d.slice(p + 1)) && Number(d[p - 1]) % 2 === 0) {
    return { digits: d.slice(0, p).replace(/0+$/, '') || '0', x: Number(full.slice(e + 1)) };
  }
  return up;
}

const F64 = new Float64Array(1);
const U64 = new BigUint64Array(F64.buffer);
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** |x| * 2^1100, exactly (every finite double is a multiple of 2^-1074). */
function scaled(x: number): bigint {
  F64[0] = Math.abs(x);
  const bits = U64[0];
  const e = Number(bits >> 52n);
  const m = bits & 0xfffffffffffffn;
  if (e === 0) return m << 26n;
  return (m | 0x10000000000000n) << BigInt(e + 25);
}

function neighbours64(a: number): [number, number] {
  F64[0] = a;
  const b = U64[0];
  U64[0] = b + 1n;
  const up = F64[0];
  U64[0] = b - 1n;
  return [b === 0n ? 0 : F64[0], up];
}

function neighbours32(a: number): [number, number] {
  F32[0] = a;
  const b = U32[0];
  U32[0] = b + 1;
  const up = U32[0] >= 0x7f800000 ? 2 ** 128 : F32[0];
  U32[0] = b - 1;
  return [b === 0 ? 0 : F32[0], up];
}

/**
 * Whether digits×10^(x-len+1) is exactly the midpoint between a and a neighbour. Ryu (as
 * PostgreSQL uses it) never prints such a boundary value, while ECMAScript's shortest
 * output may (1e23 reads back to the same double only by ties-to-even).
 */
function onBoundary(digits: string, x: number, a: number, neighbours: [number, number]): boolean {
  const d = BigInt(digits);
  const k = x - digits.length + 1;
  const twice = (n: number) => scaled(a) + scaled(n);
  for (const nb of neighbours) {
    const mid2 = twice(nb);
    if (
      k >= 0
        ? d * 10n ** BigInt(k) * 2n ** 1101n === mid2
        : d * 2n ** 1101n === mid2 * 10n ** BigInt(-k)
    )
      return true;
  }
  return false;
}

/** Cheap pre-check: only a dyadic decimal can be a boundary. */
function maybeDyadic(digits: string, x: number): boolean {
  const k = x - digits.length + 1;
  if (k >= 0) return true;
  return -k <= 1100 && BigInt(digits) % 5n ** BigInt(-k) === 0n;
}

/** printf("%.*g", precision, v) for finite v. */
export function formatG(v: number, precision: number): string {
  const p = Math.max(1, precision);
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  if (a === 0) return neg ? '-0' : '0';
  const { digits, x } = roundDigits(a, p);
  return layout(neg, digits, x, p);
}

/** Shortest digits that read back to a (> 0), never on a rounding boundary (Ryu). */
function shortest(a: number, isFloat4: boolean): { digits: string; x: number } {
  const reads = (s: { digits: string; x: number }) => {
    const n = Number(`${s.digits}e${s.x - s.digits.length + 1}`);
    return isFloat4 ? Math.fround(n) === a : n === a;
  };
  // Below 2^53 (float8) or 2^24 (float4) a midpoint between neighbours has more decimal
  // digits than the value itself, so the shortest output can never be one.
  const mayTie = a >= (isFloat4 ? 16777216 : 9007199254740992);
  const boundary = (s: { digits: string; x: number }) =>
    mayTie &&
    maybeDyadic(s.digits, s.x) &&
    onBoundary(s.digits, s.x, a, isFloat4 ? neighbours32(a) : neighbours64(a));
  if (!isFloat4) {
    // toExponential() without an argument yields the shortest round-trip digits (ECMA-262 Number::toString).
    const s = splitExp(a.toExponential());
    if (!boundary(s)) return s;
    for (let p = s.digits.length + 1; p <= 17; p++) {
      const t = roundDigits(a, p);
      if (reads(t) && !boundary(t)) return t;
    }
    return roundDigits(a, 17);
  }
  // float4: the least p whose p-digit rounding reads back (binary search; 9 digits always do).
  let lo = 1;
  let hi = 9;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (reads(splitExp(a.toExponential(mid - 1)))) hi = mid;
    else lo = mid + 1;
  }
  for (let p = lo; p <= 9; p++) {
    const t = roundDigits(a, p);
    if (reads(t) && !boundary(t)) return t;
  }
  return roundDigits(a, 9);
}

export function formatFloat8(v: number, extraFloatDigits: number): string {
  const sp = special(v);
  if (sp !== null) return sp;
  if (extraFloatDigits > 0) {
    if (v === 0) return Object.is(v, -0) ? '-0' : '0';
    // For 1e-4 <= |v| < 1e15 both ECMAScript and PostgreSQL print the shortest digits in
    // fixed notation, and no tie case exists below 2^53.
    const av = Math.abs(v);
    if (av >= 1e-4 && av < 1e15) return String(v);
    const { digits, x } = shortest(av, false);
    return layout(v < 0, digits, x, 15);
  }
  return formatG(v, 15 + extraFloatDigits);
}

export function formatFloat4(v: number, extraFloatDigits: number): string {
  const sp = special(v);
  if (sp !== null) return sp;
  const f = Math.fround(v);
  if (extraFloatDigits > 0) {
    if (f === 0) return Object.is(f, -0) ? '-0' : '0';
    // Integers below 10^6 are exact in float4 and print as themselves.
    if (Number.isInteger(f) && Math.abs(f) < 1e6) return String(f);
    const { digits, x } = shortest(Math.abs(f), true);
    return layout(f < 0, digits, x, 6);
  }
  return formatG(f, 6 + extraFloatDigits);
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function parseFloatText(text: string, typeName: string): number {
  const s = text.replace(WS, '');
  if (DECIMAL.test(s)) {
    const v = Number(s);
    if (!Number.isFinite(v) || (v === 0 && /[1-9]/.test(s.replace(/[eE].*$/, '')))) {
      throw new SqlError(
        SqlState.numericValueOutOfRange,
        `"${s}" is out of range for type ${typeName}`,
      );
    }
    return v;
  }
  const hex = /^([+-]?)0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/i.exec(s);
  if (hex && (hex[2] || hex[3])) {
    // strtod reads C99 hexadecimal floats.
    const frac = hex[3] ?? '';
    const m = BigInt('0x' + (hex[2] + frac || '0'));
    const e2 = Number(hex[4] ?? 0) - 4 * frac.length;
    const v =
      e2 >= 0
        ? Number(m) * 2 ** Math.min(e2, 2000)
        : Number(m) / 2 ** Math.min(-e2, 1074) / 2 ** Math.max(0, -e2 - 1074);
    if (!Number.isFinite(v) || (v === 0 && m !== 0n)) {
      throw new SqlError(
        SqlState.numericValueOutOfRange,
        `"${s}" is out of range for type ${typeName}`,
      );
    }
    return hex[1] === '-' ? -v : v;
  }
  if (/^[+-]?nan\([0-9a-z_]*\)$/i.test(s)) return NaN;
  switch (s.toLowerCase()) {
    case 'nan':
    case '+nan':
    case '-nan':
      return NaN;
    case 'infinity':
    case '+infinity':
    case 'inf':
    case '+inf':
      return Infinity;
    case '-infinity':
    case '-inf':
      return -Infinity;
  }
  throw new SqlError(
    SqlState.invalidTextRepresentation,
    `invalid input syntax for type ${typeName}: "${text}"`,
  );
}

export function parseFloat8(text: string): number {
  return parseFloatText(text, 'double precision');
}

/**
 * The float4 nearest to the exact decimal `s` (what strtof returns). Math.fround(Number(s))
 * rounds twice; it is wrong only when the double lands exactly on a midpoint between two
 * float4s, so that case is decided on the exact decimal.
 */
export function decimalToFloat4(s: string): number {
  const d = Number(s);
  const f = Math.fround(d);
  if (!Number.isFinite(d) || d === f) return f;
  const [lo, hi] =
    f > d
      ? [neighbours32(Math.abs(f))[0] * Math.sign(f), f]
      : [f, neighbours32(Math.abs(f))[1] * Math.sign(f)];
  const a = Math.min(Math.abs(lo), Math.abs(hi));
  const b = Math.max(Math.abs(lo), Math.abs(hi));
  const mid2 = scaled(a) + scaled(b);
  if (scaled(Math.abs(d)) * 2n !== mid2) return f; // the double is not on the midpoint: one rounding only
  const m = /^[+-]?(\d*)\.?(\d*)(?:[eE]([+-]?\d+))?$/.exec(s.trim());
  if (!m) return f;
  const digits = BigInt((m[1] + m[2]).replace(/^0+(?=\d)/, '') || '0');
  const k = Number(m[3] ?? 0) - m[2].length;
  // Compare |decimal| * 2^1101 with mid2.
  const lhs = k >= 0 ? digits * 10n ** BigInt(k) * 2n ** 1101n : digits * 2n ** 1101n;
  const rhs = k >= 0 ? mid2 : mid2 * 10n ** BigInt(-k);
  const sign = d < 0 ? -1 : 1;
  if (lhs > rhs) return sign * b;
  if (lhs < rhs) return sign * a;
  // An exact tie: to the float4 with an even mantissa.
  F32[0] = a;
  return sign * (U32[0] % 2 === 0 ? a : b);
}

export function parseFloat4(text: string): number {
  const v = parseFloatText(text, 'real');
  if (!Number.isFinite(v) || v === 0) return Math.fround(v);
  const t = text.replace(WS, '');
  const f = /^[+-]?0x/i.test(t) ? Math.fround(v) : decimalToFloat4(t);
  if (!Number.isFinite(f) || f === 0) {
    throw new SqlError(
      SqlState.numericValueOutOfRange,
      `"${text.replace(WS, '')}" is out of range for type real`,
    );
  }
  return f;
}
