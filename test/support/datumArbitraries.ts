/**
 * fast-check arbitraries of in-memory SQL values (common/types/datum.ts representation),
 * one per type, covering the edges: NaN/±Infinity/-0, int extremes, numeric specials and
 * scales, strings with NUL and astral characters, ±infinity dates and timestamps.
 */
import fc from 'fast-check';
import { TypeOid, type Datum } from '../../common/types/datum';
import { Interval } from '../../common/types/interval';
import { Jsonb } from '../../common/types/jsonb';
import { Numeric } from '../../common/types/numeric';
import {
  DATE_END,
  DATE_MIN,
  END_TIMESTAMP,
  MIN_TIMESTAMP,
  TIMESTAMP_NOBEGIN,
  TIMESTAMP_NOEND,
} from '../../common/types/calendar';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export const numericArb: fc.Arbitrary<Numeric> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      Numeric.NaN,
      Numeric.Infinity,
      Numeric.NegativeInfinity,
      Numeric.ZERO,
      Numeric.of(0n, 3),
    ),
  },
  {
    weight: 8,
    arbitrary: fc
      .tuple(
        fc.oneof(
          fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }),
          fc.bigInt({ min: -1000n, max: 1000n }),
        ),
        fc.integer({ min: 0, max: 25 }),
      )
      .map(([c, s]) => Numeric.of(c, s)),
  },
);

export const intervalArb: fc.Arbitrary<Interval> = fc
  .tuple(
    fc.oneof(fc.integer({ min: -2147483648, max: 2147483647 }), fc.integer({ min: -30, max: 30 })),
    fc.oneof(fc.integer({ min: -2147483648, max: 2147483647 }), fc.integer({ min: -60, max: 60 })),
    fc.oneof(
      fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }),
      fc.bigInt({ min: -86_400_000_000n * 3n, max: 86_400_000_000n * 3n }),
    ),
  )
  .map(([m, d, us]) => new Interval(m, d, us));

const textArb = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({
    unit: fc.constantFrom('\0', '\x01', 'a', 'b', '\xff', '\uffff', '😀', ' '),
    maxLength: 8,
  }),
);

/** An arbitrary of non-null values of a scalar type. */
export function scalarArb(typeOid: number): fc.Arbitrary<Datum> {
  switch (typeOid) {
    case TypeOid.bool:
      return fc.boolean();
    case TypeOid.int2:
      return fc.integer({ min: -32768, max: 32767 });
    case TypeOid.int4:
      return fc.oneof(fc.integer(), fc.constantFrom(-2147483648, 2147483647, 0, -1));
    case TypeOid.oid:
      return fc.integer({ min: 0, max: 4294967295 });
    case TypeOid.int8:
      return fc.oneof(
        fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
        fc.bigInt({ min: -1000n, max: 1000n }),
        fc.constantFrom(INT64_MIN, INT64_MAX),
      );
    case TypeOid.float8:
      return fc.oneof(
        fc.double(),
        fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, Number.MIN_VALUE, -Number.MIN_VALUE),
      );
    case TypeOid.float4:
      return fc.float().map((f) => Math.fround(f));
    case TypeOid.numeric:
      return numericArb;
    case TypeOid.text:
    case TypeOid.varchar:
      return textArb;
    case TypeOid.bpchar:
      return fc.tuple(textArb, fc.nat({ max: 3 })).map(([s, n]) => s + ' '.repeat(n));
    case TypeOid.bytea:
      return fc.uint8Array({ maxLength: 12 }).map((u) => Buffer.from(u));
    case TypeOid.date:
      return fc.oneof(
        fc.integer({ min: DATE_MIN, max: DATE_END - 1 }),
        fc.constantFrom(Infinity, -Infinity, 0),
      );
    case TypeOid.time:
      return fc.integer({ min: 0, max: 86_400_000_000 });
    case TypeOid.timestamp:
    case TypeOid.timestamptz:
      return fc.oneof(
        fc.bigInt({ min: MIN_TIMESTAMP, max: END_TIMESTAMP - 1n }),
        fc.constantFrom(TIMESTAMP_NOBEGIN, TIMESTAMP_NOEND, 0n),
      );
    case TypeOid.interval:
      return intervalArb;
    case TypeOid.uuid:
      return fc.uuid();
    case TypeOid.jsonb:
      return fc.json({ maxDepth: 2 }).map((s) => Jsonb.parse(s));
    default:
      throw new Error(`no arbitrary for type ${typeOid}`);
  }
}

/** Key-encodable scalar types. */
export const KEY_TYPES: readonly number[] = [
  TypeOid.bool,
  TypeOid.int2,
  TypeOid.int4,
  TypeOid.int8,
  TypeOid.oid,
  TypeOid.float4,
  TypeOid.float8,
  TypeOid.numeric,
  TypeOid.text,
  TypeOid.varchar,
  TypeOid.bpchar,
  TypeOid.bytea,
  TypeOid.date,
  TypeOid.time,
  TypeOid.timestamp,
  TypeOid.timestamptz,
  TypeOid.interval,
  TypeOid.uuid,
  TypeOid.jsonb,
];

/** Arrays of the given array type (elements may be null). */
export function arrayArb(elemOid: number): fc.Arbitrary<Datum[]> {
  return fc.array(fc.option(scalarArb(elemOid), { nil: null }), { maxLength: 4 });
}

/** A value of a scalar type or null (about one in eight). */
export function nullableArb(typeOid: number): fc.Arbitrary<Datum> {
  return fc.option(scalarArb(typeOid), { nil: null, freq: 8 });
}
