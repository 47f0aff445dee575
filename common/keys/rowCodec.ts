/**
 * Row values: msgpack of [schemaVersion, col0, col1, …] where position k+1 holds the value
 * of column id k (DESIGN.md "Keys and rows"). A row written before a column was added is
 * shorter: that column reads as `undefined` (the caller substitutes its default). Dropped
 * columns are written as nil and never read.
 *
 * Datums that msgpack has no type for travel as extension types (FORMAT.md):
 *   1 bigint (int64 BE), 2 Numeric (numeric_send bytes), 3 Interval (interval_send bytes),
 *   4 Jsonb (its text), 5 the float -0.
 * Buffers are msgpack bin; strings str; other numbers int/float64; booleans and null as such.
 */
import { Decoder, Encoder, ExtensionCodec } from '@msgpack/msgpack';
import { SqlError, SqlState } from '../errors';
import { TypeOid, type Datum } from '../types/datum';
import { formatBinary, parseBinary } from '../types/io';
import { Interval } from '../types/interval';
import { Jsonb } from '../types/jsonb';
import { Numeric } from '../types/numeric';

const EXT_BIGINT = 1;
const EXT_NUMERIC = 2;
const EXT_INTERVAL = 3;
const EXT_JSONB = 4;
const EXT_NEG_ZERO = 5;

/** Stands for -0 while encoding (msgpack would write it as the integer 0). */
const NEG_ZERO = { kind: 'negzero' } as const;

const codec = new ExtensionCodec();
codec.register({
  type: EXT_BIGINT,
  encode: (v: unknown) => {
    if (typeof v !== 'bigint') return null;
    const b = Buffer.allocUnsafe(8);
    b.writeBigInt64BE(v);
    return b;
  },
  decode: (data: Uint8Array) =>
    Buffer.from(data.buffer, data.byteOffset, data.byteLength).readBigInt64BE(0),
});
codec.register({
  type: EXT_NUMERIC,
  encode: (v: unknown) => (v instanceof Numeric ? formatBinary(TypeOid.numeric, v) : null),
  decode: (data: Uint8Array) =>
    parseBinary(TypeOid.numeric, Buffer.from(data.buffer, data.byteOffset, data.byteLength)),
});
codec.register({
  type: EXT_INTERVAL,
  encode: (v: unknown) => (v instanceof Interval ? formatBinary(TypeOid.interval, v) : null),
  decode: (data: Uint8Array) =>
    parseBinary(TypeOid.interval, Buffer.from(data.buffer, data.byteOffset, data.byteLength)),
});
codec.register({
  type: EXT_JSONB,
  encode: (v: unknown) => (v instanceof Jsonb ? Buffer.from(v.toString(), 'utf8') : null),
  decode: (data: Uint8Array) =>
    Jsonb.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')),
});
codec.register({
  type: EXT_NEG_ZERO,
  encode: (v: unknown) => (v === NEG_ZERO ? new Uint8Array(0) : null),
  decode: () => -0,
});

const encoder = new Encoder({ extensionCodec: codec });
const decoder = new Decoder({ extensionCodec: codec });

function prepare(v: Datum | undefined): unknown {
  if (v === undefined) return null;
  if (typeof v === 'number') return Object.is(v, -0) ? NEG_ZERO : v;
  if (Array.isArray(v)) return v.map(prepare);
  return v;
}

function restore(v: unknown): Datum {
  if (v instanceof Uint8Array)
    return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (Array.isArray(v)) return v.map(restore);
  return v as Datum;
}

/** Encodes a row: `columns[k]` is the value of column id k (undefined for a dropped column). */
export function encodeRow(schemaVersion: number, columns: readonly (Datum | undefined)[]): Buffer {
  const arr: unknown[] = new Array(columns.length + 1);
  arr[0] = schemaVersion;
  for (let i = 0; i < columns.length; i++) arr[i + 1] = prepare(columns[i]);
  const out = encoder.encode(arr);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

export interface DecodedRow {
  readonly schemaVersion: number;
  /** Values by column id; a column the row predates is absent (index >= length). */
  readonly columns: Datum[];
}

export function decodeRow(data: Uint8Array): DecodedRow {
  let raw: unknown;
  try {
    raw = decoder.decode(data);
  } catch (e) {
    throw new SqlError(SqlState.dataCorrupted, `corrupt row value: ${(e as Error).message}`);
  }
  if (!Array.isArray(raw) || typeof raw[0] !== 'number') {
    throw new SqlError(SqlState.dataCorrupted, 'corrupt row value: not [schemaVersion, …]');
  }
  const columns: Datum[] = new Array(raw.length - 1);
  for (let i = 1; i < raw.length; i++) columns[i - 1] = restore(raw[i]);
  return { schemaVersion: raw[0], columns };
}
