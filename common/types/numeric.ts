/**
 * numeric: an exact decimal, `coeff / 10^scale`, with PostgreSQL's display scale (dscale:
 * '1.50' keeps scale 2) and its special values NaN, Infinity and -Infinity.
 *
 * Arithmetic follows src/backend/utils/adt/numeric.c: add/sub keep max(dscale), mul keeps
 * the sum of dscales, div picks its scale with select_div_scale(); rounding is half away
 * from zero (round_var). Ordering puts NaN above +Infinity (cmp_numerics).
 */
import { SqlError, SqlState } from '../errors';

export type NumericSpecial = 'finite' | 'nan' | 'inf' | '-inf';

/** PostgreSQL limits (numeric.h): digits before the point, and dscale. */
const MAX_WEIGHT_DIGITS = 131072;
export const NUMERIC_MAX_DISPLAY_SCALE = 1000;
export const NUMERIC_DSCALE_MAX = 0x3fff;
const NUMERIC_MIN_SIG_DIGITS = 16;

const POW10: bigint[] = [1n];
for (let i = 1; i <= 64; i++) POW10.push(POW10[i - 1] * 10n);
export function pow10(n: number): bigint {
  // Small powers from a table; large ones (up to 10^131072) by exponentiation, not cached.
  return n <= 64 ? POW10[n] : 10n ** BigInt(n);
}

function absBig(v: bigint): bigint {
  return v < 0n ? -v : v;
}

/** a / b rounded half away from zero (b > 0 or b < 0). */
export function divRoundHalfAway(a: bigint, b: bigint): bigint {
  const q = a / b;
  const r = a % b;
  if (r === 0n) return q;
  if (absBig(r) * 2n >= absBig(b)) return a < 0n !== b < 0n ? q - 1n : q + 1n;
  return q;
}

function overflow(): SqlError {
  return new SqlError(SqlState.numericValueOutOfRange, 'value overflows numeric format');
}

export class Numeric {
  readonly kind = 'numeric' as const;

  private constructor(
    /** The unscaled value; 0n for special values. */
    readonly coeff: bigint,
    /** Display scale (digits after the point), >= 0. */
    readonly scale: number,
    readonly special: NumericSpecial,
  ) {}

  static readonly NaN = new Numeric(0n, 0, 'nan');
  static readonly Infinity = new Numeric(0n, 0, 'inf');
  static readonly NegativeInfinity = new Numeric(0n, 0, '-inf');
  static readonly ZERO = new Numeric(0n, 0, 'finite');

  /** coeff / 10^scale. Checks PostgreSQL's size limits. */
  static of(coeff: bigint, scale = 0): Numeric {
    if (scale < 0) {
      coeff *= pow10(-scale);
      scale = 0;
    }
    if (scale > NUMERIC_DSCALE_MAX) throw overflow();
    const n = new Numeric(coeff, scale, 'finite');
    if (n.integerDigits() > MAX_WEIGHT_DIGITS) throw overflow();
    return n;
  }

  static fromBigInt(v: bigint | number): Numeric {
    return new Numeric(BigInt(v), 0, 'finite');
  }

  isFinite(): boolean {
    return this.special === 'finite';
  }
  isNaN(): boolean {
    return this.special === 'nan';
  }
  /** -1, 0 or 1; NaN gives 0 (callers check isNaN first). */
  sign(): number {
    if (this.special === 'inf') return 1;
    if (this.special === '-inf') return -1;
    return this.coeff > 0n ? 1 : this.coeff < 0n ? -1 : 0;
  }

  /** Number of decimal digits before the point (0 for |x| < 1). */
  integerDigits(): number {
    const a = absBig(this.coeff);
    if (a < pow10(this.scale)) return 0;
    return a.toString().length - this.scale;
  }

  /** numeric_in. Throws 22P02 on bad syntax, 22003 when out of range. */
  static parse(text: string): Numeric {
    const m = /^[ \t\n\r\v\f]*(.*?)[ \t\n\r\v\f]*$/s.exec(text);
    const s = m ? m[1] : text;
    const lower = s.toLowerCase();
    switch (lower) {
      case 'nan':
        return Numeric.NaN;
      case 'infinity':
      case '+infinity':
      case 'inf':
      case '+inf':
        return Numeric.Infinity;
      case '-infinity':
      case '-inf':
        return Numeric.NegativeInfinity;
    }
    // The exponent is read with strtol, which skips leading whitespace ('1e 5').
    const nm = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE][ \t\n\r\v\f]*([+-]?\d+))?$/.exec(s);
    if (!nm || (nm[2] === '' && (nm[3] === undefined || nm[3] === ''))) {
      throw new SqlError(
        SqlState.invalidTextRepresentation,
        `invalid input syntax for type numeric: "${text}"`,
      );
    }
    const intPart = nm[2];
    const frac = nm[3] ?? '';
    let exp = 0;
    if (nm[4] !== undefined) {
      exp = Number(nm[4]);
      // Far outside the storage limits (131072 digits before the point, dscale 16383).
      if (exp > 1_000_000 || exp < -1_000_000) throw overflow();
    }
    let coeff = BigInt((intPart + frac).replace(/^0+(?=\d)/, '') || '0');
    let scale = frac.length - exp;
    if (scale < 0) {
      coeff *= pow10(-scale);
      scale = 0;
    }
    if (nm[1] === '-') coeff = -coeff;
    return Numeric.of(coeff, scale);
  }

  /** numeric_out. */
  toString(): string {
    switch (this.special) {
      case 'nan':
        return 'NaN';
      case 'inf':
        return 'Infinity';
      case '-inf':
        return '-Infinity';
    }
    const neg = this.coeff < 0n;
    let digits = absBig(this.coeff).toString();
    if (this.scale === 0) return (neg ? '-' : '') + digits;
    if (digits.length <= this.scale) digits = '0'.repeat(this.scale - digits.length + 1) + digits;
    const ip = digits.slice(0, digits.length - this.scale);
    const fp = digits.slice(digits.length - this.scale);
    return (neg ? '-' : '') + ip + '.' + fp;
  }

  /** The value at another scale, rounded half away from zero when digits are dropped. */
  withScale(scale: number): Numeric {
    if (!this.isFinite() || scale === this.scale) return this;
    if (scale > this.scale) return Numeric.of(this.coeff * pow10(scale - this.scale), scale);
    if (scale >= 0)
      return Numeric.of(divRoundHalfAway(this.coeff, pow10(this.scale - scale)), scale);
    // Negative scale (numeric(p, -s), PostgreSQL 15): round to tens, hundreds, ...; dscale 0.
    return Numeric.of(divRoundHalfAway(this.coeff, pow10(this.scale - scale)) * pow10(-scale), 0);
  }

  /** The value at a smaller scale, truncated toward zero (trunc_var). */
  truncateScale(scale: number): Numeric {
    if (!this.isFinite() || scale >= this.scale) return this;
    return Numeric.of(this.coeff / pow10(this.scale - scale), scale);
  }

  /**
   * apply_typmod for numeric(precision, scale): round to `scale`, then require fewer than
   * precision - scale integer digits (22003 "numeric field overflow").
   */
  applyTypmod(precision: number, scale: number): Numeric {
    if (this.special === 'nan') return this;
    if (!this.isFinite()) {
      throw new SqlError(SqlState.numericValueOutOfRange, 'numeric field overflow', {
        detail: `A field with precision ${precision}, scale ${scale} cannot hold an infinite value.`,
      });
    }
    const r = this.withScale(scale);
    const maxDigits = precision - scale;
    // |r| must be < 10^maxDigits, i.e. |coeff| < 10^(maxDigits + r.scale).
    const e = maxDigits + r.scale;
    if (r.coeff !== 0n && (e <= 0 || absBig(r.coeff) >= pow10(e))) {
      throw new SqlError(SqlState.numericValueOutOfRange, 'numeric field overflow', {
        detail: `A field with precision ${precision}, scale ${scale} must round to an absolute value less than ${maxDigits !== 0 ? '10^' + maxDigits : '1'}.`,
      });
    }
    return r;
  }

  /** cmp_numerics: -1, 0, 1; NaN equals NaN and sorts above everything. */
  compare(o: Numeric): number {
    const ra = rank(this);
    const rb = rank(o);
    if (ra !== rb || ra !== 1) return ra < rb ? -1 : ra > rb ? 1 : 0;
    const s = Math.max(this.scale, o.scale);
    const a = this.coeff * pow10(s - this.scale);
    const b = o.coeff * pow10(s - o.scale);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  equals(o: Numeric): boolean {
    return this.compare(o) === 0;
  }

  negate(): Numeric {
    switch (this.special) {
      case 'nan':
        return this;
      case 'inf':
        return Numeric.NegativeInfinity;
      case '-inf':
        return Numeric.Infinity;
    }
    return new Numeric(-this.coeff, this.scale, 'finite');
  }

  abs(): Numeric {
    return this.sign() < 0 ? this.negate() : this;
  }

  add(o: Numeric): Numeric {
    if (!this.isFinite() || !o.isFinite()) {
      if (this.isNaN() || o.isNaN()) return Numeric.NaN;
      if (!this.isFinite() && !o.isFinite()) return this.special === o.special ? this : Numeric.NaN;
      return this.isFinite() ? o : this;
    }
    const s = Math.max(this.scale, o.scale);
    return Numeric.of(this.coeff * pow10(s - this.scale) + o.coeff * pow10(s - o.scale), s);
  }

  sub(o: Numeric): Numeric {
    return this.add(o.negate());
  }

  mul(o: Numeric): Numeric {
    if (!this.isFinite() || !o.isFinite()) {
      if (this.isNaN() || o.isNaN()) return Numeric.NaN;
      const s = this.sign() * o.sign();
      if (s === 0) return Numeric.NaN; // Infinity * 0
      return s > 0 ? Numeric.Infinity : Numeric.NegativeInfinity;
    }
    return Numeric.of(this.coeff * o.coeff, this.scale + o.scale);
  }

  /** numeric_div: 22012 on division by zero. */
  div(o: Numeric): Numeric {
    if (!this.isFinite() || !o.isFinite()) {
      if (this.isNaN() || o.isNaN()) return Numeric.NaN;
      if (!this.isFinite()) {
        if (!o.isFinite()) return Numeric.NaN;
        if (o.sign() === 0) throw divisionByZero();
        return this.sign() * o.sign() > 0 ? Numeric.Infinity : Numeric.NegativeInfinity;
      }
      return Numeric.ZERO; // finite / ±Infinity
    }
    if (o.coeff === 0n) throw divisionByZero();
    const rscale = selectDivScale(this, o);
    // (a / 10^sa) / (b / 10^sb) at rscale = a * 10^(rscale + sb - sa) / b.
    const shift = rscale + o.scale - this.scale;
    let num = this.coeff;
    let den = o.coeff;
    if (shift >= 0) num *= pow10(shift);
    else den *= pow10(-shift);
    return Numeric.of(divRoundHalfAway(num, den), rscale);
  }

  /** numeric_mod: a - trunc(a / b) * b, display scale max(dscale a, dscale b). */
  mod(o: Numeric): Numeric {
    if (!this.isFinite() || !o.isFinite()) {
      if (this.isNaN() || o.isNaN()) return Numeric.NaN;
      if (!this.isFinite()) {
        if (o.sign() === 0) throw divisionByZero();
        return Numeric.NaN; // ±Infinity % anything non-zero
      }
      return this; // x % ±Infinity = x
    }
    if (o.coeff === 0n) throw divisionByZero();
    const sc = Math.max(this.scale, o.scale);
    const a = this.coeff * pow10(sc - this.scale);
    const b = o.coeff * pow10(sc - o.scale);
    return Numeric.of(a % b, sc); // BigInt % truncates toward zero, as mod_var does
  }

  /** round(numeric, s): half away from zero; display scale max(s, 0). */
  round(scale = 0): Numeric {
    if (!this.isFinite()) return this;
    return this.withScale(clampResultScale(scale));
  }

  /** trunc(numeric, s): toward zero; display scale max(s, 0). */
  trunc(scale = 0): Numeric {
    if (!this.isFinite()) return this;
    const s = clampResultScale(scale);
    if (s >= this.scale) return this.withScale(s);
    if (s >= 0) return this.truncateScale(s);
    const p = pow10(this.scale - s);
    return Numeric.of((this.coeff / p) * pow10(-s), 0);
  }

  /** ceil(numeric): the least integer >= x, scale 0. */
  ceil(): Numeric {
    if (!this.isFinite()) return this;
    const p = pow10(this.scale);
    let q = this.coeff / p;
    if (this.coeff > 0n && this.coeff % p !== 0n) q += 1n;
    return Numeric.of(q, 0);
  }

  /** floor(numeric): the greatest integer <= x, scale 0. */
  floor(): Numeric {
    if (!this.isFinite()) return this;
    const p = pow10(this.scale);
    let q = this.coeff / p;
    if (this.coeff < 0n && this.coeff % p !== 0n) q -= 1n;
    return Numeric.of(q, 0);
  }

  /** Base-10000 digits as numeric_send writes them (leading/trailing zero groups stripped). */
  toNbase(): { weight: number; digits: number[] } {
    if (!this.isFinite() || this.coeff === 0n) return { weight: 0, digits: [] };
    const s = absBig(this.coeff).toString();
    let ip = s.length > this.scale ? s.slice(0, s.length - this.scale) : '';
    let fp =
      s.length > this.scale
        ? s.slice(s.length - this.scale)
        : '0'.repeat(this.scale - s.length) + s;
    ip = '0'.repeat((4 - (ip.length % 4)) % 4) + ip;
    fp = fp + '0'.repeat((4 - (fp.length % 4)) % 4);
    const groups: number[] = [];
    for (let i = 0; i < ip.length; i += 4) groups.push(Number(ip.slice(i, i + 4)));
    for (let i = 0; i < fp.length; i += 4) groups.push(Number(fp.slice(i, i + 4)));
    let weight = ip.length / 4 - 1;
    let start = 0;
    while (start < groups.length && groups[start] === 0) {
      start++;
      weight--;
    }
    let end = groups.length;
    while (end > start && groups[end - 1] === 0) end--;
    return { weight, digits: groups.slice(start, end) };
  }

  /** From base-10000 digits; digits below dscale are truncated away, as numeric_recv does. */
  static fromNbase(
    negative: boolean,
    weight: number,
    dscale: number,
    digits: readonly number[],
  ): Numeric {
    // One BigInt parse of the decimal digits (a loop of n * 10000n + d is quadratic).
    let text = '';
    for (const d of digits)
      text += d < 10 ? '000' + d : d < 100 ? '00' + d : d < 1000 ? '0' + d : String(d);
    const n = text === '' ? 0n : BigInt(text);
    // n * 10000^(weight - ndigits + 1)
    const e10 = 4 * (weight - digits.length + 1);
    let coeff: bigint;
    if (e10 + dscale >= 0) coeff = n * pow10(e10 + dscale);
    else coeff = n / pow10(-(e10 + dscale));
    return Numeric.of(negative ? -coeff : coeff, dscale);
  }

  /** A JS number (float8 semantics), via the decimal text. */
  toNumber(): number {
    switch (this.special) {
      case 'nan':
        return NaN;
      case 'inf':
        return Infinity;
      case '-inf':
        return -Infinity;
    }
    return Number(this.toString());
  }
}

/** NUMERIC_MAX_RESULT_SCALE: round/trunc clamp their scale argument to ±2000. */
function clampResultScale(s: number): number {
  return Math.max(-2000, Math.min(2000, s));
}

function divisionByZero(): SqlError {
  return new SqlError(SqlState.divisionByZero, 'division by zero');
}

function rank(n: Numeric): number {
  switch (n.special) {
    case '-inf':
      return 0;
    case 'finite':
      return 1;
    case 'inf':
      return 2;
    default:
      return 3;
  }
}

/** select_div_scale (numeric.c): about 16 significant digits, at least either input's dscale. */
function selectDivScale(a: Numeric, b: Numeric): number {
  const na = a.toNbase();
  const nb = b.toNbase();
  const w1 = na.digits.length ? na.weight : 0;
  const f1 = na.digits.length ? na.digits[0] : 0;
  const w2 = nb.digits.length ? nb.weight : 0;
  const f2 = nb.digits.length ? nb.digits[0] : 0;
  let qweight = w1 - w2;
  if (f1 <= f2) qweight--;
  let rscale = NUMERIC_MIN_SIG_DIGITS - qweight * 4;
  rscale = Math.max(rscale, a.scale, b.scale, 0);
  return Math.min(rscale, NUMERIC_MAX_DISPLAY_SCALE);
}
