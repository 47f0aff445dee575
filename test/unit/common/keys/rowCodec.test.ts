import { Decoder, Encoder, ExtensionCodec } from '@msgpack/msgpack';
import { expect } from 'chai';
import fc from 'fast-check';
import { decodeRow, encodeRow } from '../../../../common/keys';
import { SqlError } from '../../../../common/errors';
import { TypeOid, type Datum } from '../../../../common/types/datum';
import { Interval } from '../../../../common/types/interval';
import { Jsonb } from '../../../../common/types/jsonb';
import { Numeric } from '../../../../common/types/numeric';
import { arrayArb, nullableArb } from '../../../support/datumArbitraries';
import { formatBinary, parseBinary } from '../../../../common/types/io';

/** The extension types of FORMAT.md, for @msgpack/msgpack: an independent reader and writer. */
const NEG_ZERO = { negzero: true };
const codec = new ExtensionCodec();
codec.register({
  type: 1,
  encode: (v: unknown) => {
    if (typeof v !== 'bigint') return null;
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v);
    return b;
  },
  decode: (d: Uint8Array) => Buffer.from(d).readBigInt64BE(0),
});
codec.register({
  type: 2,
  encode: (v: unknown) => (v instanceof Numeric ? formatBinary(TypeOid.numeric, v) : null),
  decode: (d: Uint8Array) => parseBinary(TypeOid.numeric, Buffer.from(d)),
});
codec.register({
  type: 3,
  encode: (v: unknown) => (v instanceof Interval ? formatBinary(TypeOid.interval, v) : null),
  decode: (d: Uint8Array) => parseBinary(TypeOid.interval, Buffer.from(d)),
});
codec.register({
  type: 4,
  encode: (v: unknown) => (v instanceof Jsonb ? Buffer.from(v.toString()) : null),
  decode: (d: Uint8Array) => Jsonb.parse(Buffer.from(d).toString()),
});
codec.register({
  type: 5,
  encode: (v: unknown) => (v === NEG_ZERO ? new Uint8Array(0) : null),
  decode: () => -0,
});
const libEncoder = new Encoder({ extensionCodec: codec });
const libDecoder = new Decoder({ extensionCodec: codec });
const forLib = (v: Datum): unknown =>
  Object.is(v, -0) ? NEG_ZERO : Array.isArray(v) ? v.map(forLib) : v;
const fromLib = (v: unknown): Datum =>
  v instanceof Uint8Array ? Buffer.from(v) : Array.isArray(v) ? v.map(fromLib) : (v as Datum);

const ALL_TYPES = [
  TypeOid.bool,
  TypeOid.int2,
  TypeOid.int4,
  TypeOid.int8,
  TypeOid.oid,
  TypeOid.float4,
  TypeOid.float8,
  TypeOid.numeric,
  TypeOid.text,
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

/** Exact equality of in-memory values: Numeric scale, Interval fields, -0, Buffer vs Uint8Array all count. */
function same(a: Datum, b: Datum): boolean {
  if (a instanceof Numeric)
    return (
      b instanceof Numeric && a.special === b.special && a.coeff === b.coeff && a.scale === b.scale
    );
  if (a instanceof Interval) return b instanceof Interval && a.equals(b);
  if (a instanceof Jsonb) return b instanceof Jsonb && a.toString() === b.toString();
  if (Buffer.isBuffer(a)) return Buffer.isBuffer(b) && a.equals(b);
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  return Object.is(a, b);
}

describe('common/keys/rowCodec: row values', () => {
  it('round-trips rows of every type exactly (scale, -0, bigint, Buffer, intervals, jsonb, arrays)', () => {
    const rowArb = fc.tuple(
      fc.nat({ max: 1000 }),
      fc.tuple(...ALL_TYPES.map((t) => nullableArb(t))),
      arrayArb(TypeOid.numeric),
      arrayArb(TypeOid.bytea),
    );
    fc.assert(
      fc.property(rowArb, ([version, cols, nums, bufs]) => {
        const row: Datum[] = [...(cols as Datum[]), nums, bufs];
        const back = decodeRow(encodeRow(version, row));
        expect(back.schemaVersion).to.equal(version);
        expect(back.columns.length).to.equal(row.length);
        row.forEach((v, i) =>
          expect(same(back.columns[i], v), `column ${i}: ${String(v)}`).to.equal(true),
        );
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('is msgpack: @msgpack/msgpack reads our rows and we read its rows', () => {
    const rowArb = fc.tuple(
      fc.nat({ max: 100000 }),
      fc.tuple(...ALL_TYPES.map((t) => nullableArb(t))),
      arrayArb(TypeOid.int8),
    );
    fc.assert(
      fc.property(rowArb, ([version, cols, arr]) => {
        const row: Datum[] = [...(cols as Datum[]), arr];
        const theirs = (libDecoder.decode(encodeRow(version, row)) as unknown[]).map(fromLib);
        expect(theirs[0]).to.equal(version);
        row.forEach((v, i) =>
          expect(same(theirs[i + 1], v), `lib reads column ${i}`).to.equal(true),
        );
        const ours = decodeRow(libEncoder.encode([version, ...row.map(forLib)]));
        row.forEach((v, i) =>
          expect(same(ours.columns[i], v), `we read column ${i}`).to.equal(true),
        );
      }),
      { numRuns: 200, seed: 12 },
    );
  });

  it('reads a row written before columns were added as shorter (absent, not NULL)', () => {
    const old = encodeRow(1, [1, 'a']);
    const r = decodeRow(old);
    expect(r.columns).to.deep.equal([1, 'a']);
    expect(r.columns[2]).to.equal(undefined);
    // A dropped column (undefined) is written as nil and its neighbours keep their ids.
    expect(decodeRow(encodeRow(2, [1, undefined, 'x'])).columns).to.deep.equal([1, null, 'x']);
  });

  it('keeps -0 apart from 0 and NaN/Infinity as floats', () => {
    const r = decodeRow(encodeRow(1, [-0, 0, NaN, Infinity, -Infinity, 1.5]));
    expect(Object.is(r.columns[0], -0)).to.equal(true);
    expect(Object.is(r.columns[1], 0)).to.equal(true);
    expect(r.columns.slice(2)).to.deep.equal([NaN, Infinity, -Infinity, 1.5]);
  });

  it('reports a corrupt value as XX001', () => {
    expect(() => decodeRow(Buffer.from([0xc1])))
      .to.throw(SqlError)
      .with.property('code', 'XX001');
    expect(() => decodeRow(Buffer.from([0xa1, 0x61])))
      .to.throw(SqlError)
      .with.property('code', 'XX001');
  });
});
