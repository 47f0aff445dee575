/**
 * A stand-in exact decimal for the SQL engine until common/types/numeric.ts lands (the
 * types branch owns the real one; typesAdapter.ts is the only place that should change
 * then). Value = v / 10^scale, with PostgreSQL's display-scale rules for + - * /.
 */
import { SqlError, SqlState } from '../errors';

const TEN = 10n;

function pow10(n: number): bigint {
  return TEN ** BigInt(n);
}

export class Numeric {
  readonly kind = 'numeric';
  constructor(
    /** Unscaled value. */
    readonly v: bigint,
    /** Digits after the decimal point (PostgreSQL's dscale). */
    readonly scale: number,
  ) {}

  static fromString(text: string): Numeric {
    const s = text.trim();
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
    if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) {
      throw new SqlError(
        SqlState.invalidTextRepresentation,
        `invalid input syntax for type numeric: "${text}"`,
      );
    }
    const frac = m[3] ?? '';
    let v = BigInt((m[2] || '0') + frac);
    let scale = frac.length;
    if (m[4] !== undefined) {
      const e = Number(m[4]);
      scale -= e;
      if (scale < 0) {
        v *= pow10(-scale);
        scale = 0;
      }
    }
    return new Numeric(m[1] === '-' ? -v : v, scale);
  }

  static fromInt(n: number | bigint): Numeric {
    return new Numeric(BigInt(n), 0);
  }

  /** A float8 as numeric (PostgreSQL: float8_numeric uses 15 significant digits). */
  static fromFloat(f: number): Numeric {
    if (!Number.isFinite(f))
      throw new SqlError(SqlState.featureNotSupported, 'cannot convert infinity or NaN to numeric');
    return Numeric.fromString(Number(f.toPrecision(15)).toString());
  }

  toString(): string {
    const neg = this.v < 0n;
    let digits = (neg ? -this.v : this.v).toString();
    if (this.scale === 0) return (neg ? '-' : '') + digits;
    if (digits.length <= this.scale) digits = '0'.repeat(this.scale - digits.length + 1) + digits;
    const cut = digits.length - this.scale;
    return (neg ? '-' : '') + digits.slice(0, cut) + '.' + digits.slice(cut);
  }

  toNumber(): number {
    return Number(this.toString());
  }

  withScale(scale: number): Numeric {
    if (scale === this.scale) return this;
    if (scale > this.scale) return new Numeric(this.v * pow10(scale - this.scale), scale);
    // Round half away from zero, as PostgreSQL's round_var.
    const d = pow10(this.scale - scale);
    const q = this.v / d;
    const r = this.v % d;
    const twice = (r < 0n ? -r : r) * 2n;
    const adj = twice >= d ? (this.v < 0n ? -1n : 1n) : 0n;
    return new Numeric(q + adj, scale);
  }

  /** Truncation towards zero to scale digits. */
  trunc(scale: number): Numeric {
    if (scale >= this.scale) return this.withScale(scale);
    return new Numeric(this.v / pow10(this.scale - scale), scale);
  }

  /** Rounds toward -infinity to an integer. */
  floor(): Numeric {
    const d = pow10(this.scale);
    let q = this.v / d;
    if (this.v < 0n && this.v % d !== 0n) q -= 1n;
    return new Numeric(q, 0);
  }

  ceil(): Numeric {
    const d = pow10(this.scale);
    let q = this.v / d;
    if (this.v > 0n && this.v % d !== 0n) q += 1n;
    return new Numeric(q, 0);
  }

  sign(): number {
    return this.v < 0n ? -1 : this.v > 0n ? 1 : 0;
  }

  neg(): Numeric {
    return new Numeric(-this.v, this.scale);
  }

  abs(): Numeric {
    return this.v < 0n ? this.neg() : this;
  }

  add(o: Numeric): Numeric {
    const s = Math.max(this.scale, o.scale);
    return new Numeric(this.withScale(s).v + o.withScale(s).v, s);
  }

  sub(o: Numeric): Numeric {
    const s = Math.max(this.scale, o.scale);
    return new Numeric(this.withScale(s).v - o.withScale(s).v, s);
  }

  mul(o: Numeric): Numeric {
    return new Numeric(this.v * o.v, this.scale + o.scale);
  }

  compare(o: Numeric): number {
    const s = Math.max(this.scale, o.scale);
    const a = this.withScale(s).v;
    const b = o.withScale(s).v;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** Weight in base-10000 digits and the first base-10000 digit (PostgreSQL's NumericVar). */
  private weightAndFirst(): { weight: number; first: number } {
    const abs = this.v < 0n ? -this.v : this.v;
    if (abs === 0n) return { weight: 0, first: 0 };
    const digits = abs.toString();
    const intDigits = digits.length - this.scale; // may be <= 0
    // The integer part's base-10000 groups count from the decimal point.
    const weight =
      intDigits > 0 ? Math.floor((intDigits - 1) / 4) : -Math.floor(-intDigits / 4) - 1;
    // First group: the digits of the most significant base-10000 digit.
    const padFront = ((intDigits % 4) + 4) % 4 === 0 ? 0 : 4 - (((intDigits % 4) + 4) % 4);
    const padded = '0'.repeat(padFront) + digits;
    return { weight, first: Number(padded.slice(0, 4)) };
  }

  /** PostgreSQL's numeric_div: result scale from select_div_scale, rounded. */
  div(o: Numeric): Numeric {
    if (o.v === 0n) throw new SqlError(SqlState.divisionByZero, 'division by zero');
    const a = this.weightAndFirst();
    const b = o.weightAndFirst();
    let qweight = a.weight - b.weight;
    if (a.first <= b.first) qweight--;
    let rscale = 16 - qweight * 4;
    rscale = Math.max(rscale, this.scale, o.scale, 0);
    rscale = Math.min(rscale, 1000);
    return this.divScale(o, rscale);
  }

  /** this / o rounded to scale digits. */
  divScale(o: Numeric, scale: number): Numeric {
    if (o.v === 0n) throw new SqlError(SqlState.divisionByZero, 'division by zero');
    // num / den with num scaled so the quotient has scale + 1 digits, then round.
    const shift = scale + 1 + o.scale - this.scale;
    let num = this.v;
    let den = o.v;
    if (shift >= 0) num *= pow10(shift);
    else den *= pow10(-shift);
    const q = num / den;
    return new Numeric(q, scale + 1).withScale(scale);
  }

  /** Integer-truncated remainder, as numeric_mod. */
  mod(o: Numeric): Numeric {
    if (o.v === 0n) throw new SqlError(SqlState.divisionByZero, 'division by zero');
    const s = Math.max(this.scale, o.scale);
    return new Numeric(this.withScale(s).v % o.withScale(s).v, s);
  }

  /** Number of significant digits left of the point (for numeric(p,s) overflow checks). */
  integerDigits(): number {
    const abs = this.v < 0n ? -this.v : this.v;
    const n = abs.toString().length - this.scale;
    return abs === 0n ? 0 : Math.max(0, n);
  }
}

export function isNumeric(v: unknown): v is Numeric {
  return v instanceof Numeric;
}
