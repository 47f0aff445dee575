/**
 * Arithmetic with PostgreSQL's overflow and division rules (int2/int4/int8 overflow →
 * 22003 "<type> out of range"; x/0 → 22012; integer division truncates toward zero).
 */
import { SqlError, SqlState } from '../errors';
import type { Datum } from '../types/datum';
import { TypeOid } from '../types/datum';
import type { ArithOp } from './expr';
import { Numeric } from './numeric';
import { Interval } from '../types/interval';
import {
  dateMinus,
  datePlusDays,
  intervalDiv,
  intervalMinus,
  intervalMul,
  intervalPlus,
  negateInterval,
  timestampMinus,
  timestampMinusInterval,
  timestampPlusInterval,
  timestamptzMinusInterval,
  timestamptzPlusInterval,
} from '../types/datetimeArith';
import { zoneOf } from './zonedTime';

const T = TypeOid;
const INT8_MIN = -(1n << 63n);
const INT8_MAX = (1n << 63n) - 1n;

function outOfRange(t: number): SqlError {
  const name = t === T.int2 ? 'smallint' : t === T.int4 ? 'integer' : 'bigint';
  return new SqlError(SqlState.numericValueOutOfRange, `${name} out of range`);
}

export function divisionByZero(): SqlError {
  return new SqlError(SqlState.divisionByZero, 'division by zero');
}

function checkInt(t: number, n: number): number {
  if (t === T.int2 ? n < -32768 || n > 32767 : n < -2147483648 || n > 2147483647)
    throw outOfRange(t);
  return n;
}

export function checkInt8(n: bigint): bigint {
  if (n < INT8_MIN || n > INT8_MAX) throw outOfRange(T.int8);
  return n;
}

function checkFloat(t: number, f: number, a: number, b: number): number {
  if (!Number.isFinite(f) && Number.isFinite(a) && Number.isFinite(b)) {
    throw new SqlError(SqlState.numericValueOutOfRange, 'value out of range: overflow');
  }
  return t === T.float4 ? Math.fround(f) : f;
}

/**
 * a op b for non-null operands of the operator's input type t (result type rt);
 * timestamptz ± interval steps months and days in `timeZone` (the session's; absent: UTC).
 */
export function arith(
  op: ArithOp,
  t: number,
  a: Datum,
  b: Datum,
  rt: number,
  timeZone?: string,
): Datum {
  if (op === 'concat') return String(a) + String(b);
  switch (t) {
    case T.int2:
    case T.int4: {
      const x = a as number,
        y = b as number;
      switch (op) {
        case 'add':
          return checkInt(t, x + y);
        case 'sub':
          return checkInt(t, x - y);
        case 'mul': {
          const r = x * y;
          if (!Number.isSafeInteger(r)) throw outOfRange(t);
          return checkInt(t, r);
        }
        case 'div':
          if (y === 0) throw divisionByZero();
          return checkInt(t, Math.trunc(x / y));
        case 'mod':
          if (y === 0) throw divisionByZero();
          return x % y === 0 ? 0 : x % y;
        case 'band':
          return x & y;
        case 'bor':
          return x | y;
        case 'shl':
          return checkInt(t, x << y);
        case 'shr':
          return x >> y;
        default:
          break;
      }
      break;
    }
    case T.int8: {
      const x = a as bigint,
        y = b as bigint;
      switch (op) {
        case 'add':
          return checkInt8(x + y);
        case 'sub':
          return checkInt8(x - y);
        case 'mul':
          return checkInt8(x * y);
        case 'div':
          if (y === 0n) throw divisionByZero();
          return checkInt8(x / y);
        case 'mod':
          if (y === 0n) throw divisionByZero();
          return x % y;
        case 'band':
          return x & y;
        case 'bor':
          return x | y;
        default:
          break;
      }
      break;
    }
    case T.float4:
    case T.float8: {
      const x = a as number,
        y = b as number;
      switch (op) {
        case 'add':
          return checkFloat(t, x + y, x, y);
        case 'sub':
          return checkFloat(t, x - y, x, y);
        case 'mul':
          return checkFloat(t, x * y, x, y);
        case 'div':
          if (y === 0) throw divisionByZero();
          return checkFloat(t, x / y, x, y);
        case 'pow': {
          if (x === 0 && y < 0)
            throw new SqlError('2201F', 'zero raised to a negative power is undefined');
          if (x < 0 && !Number.isInteger(y))
            throw new SqlError(
              '2201F',
              'a negative number raised to a non-integer power yields a complex result',
            );
          return checkFloat(t, Math.pow(x, y), x, y);
        }
        default:
          break;
      }
      break;
    }
    case T.numeric: {
      const x = a as Numeric,
        y = b as Numeric;
      switch (op) {
        case 'add':
          return x.add(y);
        case 'sub':
          return x.sub(y);
        case 'mul':
          return x.mul(y);
        case 'div':
          return x.div(y);
        case 'mod':
          return x.mod(y);
        case 'pow': {
          if (y.scale === 0 || y.v % 10n ** BigInt(y.scale) === 0n) {
            const e = Number(y.trunc(0).v);
            if (e >= 0 && e <= 1000) {
              const r = new Numeric(x.v ** BigInt(e), x.scale * e);
              return r.scale < 16 ? r.withScale(16) : r;
            }
          }
          return Numeric.fromFloat(Math.pow(x.toNumber(), y.toNumber()));
        }
        default:
          break;
      }
      break;
    }
    case T.date: {
      // date ± integer days → date; date - date → integer.
      if (rt === T.int4) return dateMinus(a as number, b as number);
      if (op === 'add') return datePlusDays(a as number, b as number);
      if (op === 'sub') return datePlusDays(a as number, -(b as number));
      break;
    }
    case T.timestamp:
    case T.timestamptz: {
      if (op === 'sub' && rt === T.interval) return timestampMinus(a as bigint, b as bigint);
      if (b instanceof Interval) {
        // timestamptz steps months and days in the session zone (timestamptz_pl_interval).
        if (t === T.timestamptz) {
          if (op === 'add') return timestamptzPlusInterval(a as bigint, b, zoneOf(timeZone));
          if (op === 'sub') return timestamptzMinusInterval(a as bigint, b, zoneOf(timeZone));
          break;
        }
        if (op === 'add') return timestampPlusInterval(a as bigint, b);
        if (op === 'sub') return timestampMinusInterval(a as bigint, b);
      }
      break;
    }
    case T.interval: {
      const x = a as Interval;
      switch (op) {
        case 'add':
          return intervalPlus(x, b as Interval);
        case 'sub':
          return intervalMinus(x, b as Interval);
        case 'mul':
          return intervalMul(x, b as number);
        case 'div':
          return intervalDiv(x, b as number);
        default:
          break;
      }
      break;
    }
    default:
      break;
  }
  throw new SqlError(SqlState.undefinedFunction, `operator ${op} is not defined for type ${t}`);
}

/** Unary minus. */
export function negate(t: number, a: Datum): Datum {
  switch (t) {
    case T.int2:
    case T.int4:
      return checkInt(t, -(a as number));
    case T.int8:
      return checkInt8(-(a as bigint));
    case T.numeric:
      return (a as Numeric).neg();
    case T.interval:
      return negateInterval(a as Interval);
    default:
      return -(a as number);
  }
}
