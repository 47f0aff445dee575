/**
 * Keys of the ordered key space (DESIGN.md "Keys and rows"; bytes in FORMAT.md):
 *   row key:   't' tableId(u32 BE) 'r' key-columns
 *   index key: 't' tableId(u32 BE) 'i' indexId(u32 BE) key-columns
 * Key columns are memcomparable: comparing keys bytewise gives the SQL order of the column
 * values (common/types/compare.ts), each column ascending or descending, NULLs first or last.
 */
import type { Datum } from '../types/datum';
import { ByteReader, ByteWriter, KeyDecodeError } from './buffers';
import { readValue, writeValue } from './valueEncoding';

/** 'asc' / 'desc' use PostgreSQL's defaults: ASC NULLS LAST, DESC NULLS FIRST. */
export type Direction = 'asc' | 'desc' | { readonly desc: boolean; readonly nullsFirst: boolean };

export const KEY_TABLE = 0x74; // 't'
export const KEY_ROW = 0x72; // 'r'
export const KEY_INDEX = 0x69; // 'i'

const NULL_LOW = 0x00;
const VALUE = 0x01;
const NULL_HIGH = 0xff;

function isDesc(d: Direction | undefined): boolean {
  return d === 'desc' || (typeof d === 'object' && d.desc);
}

function nullsFirst(d: Direction | undefined): boolean {
  if (d === undefined || d === 'asc') return false;
  if (d === 'desc') return true;
  return d.nullsFirst;
}

/** Appends the memcomparable encoding of `values` (types[i], directions[i]) to w. */
export function writeKeyColumns(
  w: ByteWriter,
  values: readonly Datum[],
  types: readonly number[],
  directions?: readonly Direction[],
): void {
  for (let i = 0; i < values.length; i++) {
    const d = directions?.[i];
    const desc = isDesc(d);
    const start = w.length;
    const v = values[i];
    if (v === null || v === undefined) {
      // In ascending bytes, a NULL that must end up first (after any inversion) is 0x00.
      w.byte(nullsFirst(d) !== desc ? NULL_LOW : NULL_HIGH);
    } else {
      w.byte(VALUE);
      writeValue(w, types[i], v);
    }
    if (desc) w.invertFrom(start);
  }
}

/** One writer reused by the key builders below (keys are copied out of it). */
const scratch = new ByteWriter(256);

/** The memcomparable encoding of a tuple of values (no table prefix). */
export function encodeKey(
  values: readonly Datum[],
  types: readonly number[],
  directions?: readonly Direction[],
): Buffer {
  const w = new ByteWriter(16 + values.length * 10);
  writeKeyColumns(w, values, types, directions);
  return w.toBuffer();
}

/**
 * Decodes `types.length` key columns starting at `offset`. Returns the values and the
 * offset after them (so a caller can decode a prefix, or index columns then pk columns).
 * Lossy where the key is (FORMAT.md): numeric scale, bpchar trailing spaces, interval
 * months/days split, float -0.
 */
export function decodeKey(
  key: Buffer,
  types: readonly number[],
  directions?: readonly Direction[],
  offset = 0,
): { values: Datum[]; offset: number } {
  const r = new ByteReader(key, offset);
  const values: Datum[] = [];
  for (let i = 0; i < types.length; i++) {
    r.mask = isDesc(directions?.[i]) ? 0xff : 0;
    const m = r.byte();
    if (m === NULL_LOW || m === NULL_HIGH) values.push(null);
    else if (m === VALUE) values.push(readValue(r, types[i]));
    else throw new KeyDecodeError(`bad column marker ${m} at ${r.pos - 1}`);
  }
  return { values, offset: r.pos };
}

/** 't' + tableId */
export function tablePrefix(tableId: number): Buffer {
  const b = Buffer.allocUnsafe(5);
  b[0] = KEY_TABLE;
  b.writeUInt32BE(tableId, 1);
  return b;
}

/** 't' + tableId + 'r': every row key of the table starts with it. */
export function rowPrefix(tableId: number): Buffer {
  const b = Buffer.allocUnsafe(6);
  b[0] = KEY_TABLE;
  b.writeUInt32BE(tableId, 1);
  b[5] = KEY_ROW;
  return b;
}

/** 't' + tableId + 'i' + indexId */
export function indexPrefix(tableId: number, indexId: number): Buffer {
  const b = Buffer.allocUnsafe(10);
  b[0] = KEY_TABLE;
  b.writeUInt32BE(tableId, 1);
  b[5] = KEY_INDEX;
  b.writeUInt32BE(indexId, 6);
  return b;
}

export function rowKey(
  tableId: number,
  pk: readonly Datum[],
  types: readonly number[],
  directions?: readonly Direction[],
): Buffer {
  scratch.reset();
  scratch.byte(KEY_TABLE);
  scratch.u32(tableId);
  scratch.byte(KEY_ROW);
  writeKeyColumns(scratch, pk, types, directions);
  return scratch.toBuffer();
}

/**
 * Index key: the indexed columns, then (for a non-unique index) the primary key columns;
 * pass the primary key values in `pk` or an empty array for unique indexes.
 */
export function indexKey(
  tableId: number,
  indexId: number,
  cols: readonly Datum[],
  colTypes: readonly number[],
  colDirections: readonly Direction[] | undefined,
  pk: readonly Datum[] = [],
  pkTypes: readonly number[] = [],
  pkDirections?: readonly Direction[],
): Buffer {
  scratch.reset();
  scratch.byte(KEY_TABLE);
  scratch.u32(tableId);
  scratch.byte(KEY_INDEX);
  scratch.u32(indexId);
  writeKeyColumns(scratch, cols, colTypes, colDirections);
  if (pk.length > 0) writeKeyColumns(scratch, pk, pkTypes, pkDirections);
  return scratch.toBuffer();
}

export type ParsedKeyPrefix =
  | { readonly kind: 'row'; readonly tableId: number; readonly offset: number }
  | {
      readonly kind: 'index';
      readonly tableId: number;
      readonly indexId: number;
      readonly offset: number;
    };

/** Reads a key's table/index prefix; `offset` is where the key columns start. */
export function parseKeyPrefix(key: Buffer): ParsedKeyPrefix {
  if (key.length < 6 || key[0] !== KEY_TABLE) throw new KeyDecodeError('not a table key');
  const tableId = key.readUInt32BE(1);
  if (key[5] === KEY_ROW) return { kind: 'row', tableId, offset: 6 };
  if (key[5] === KEY_INDEX && key.length >= 10)
    return { kind: 'index', tableId, indexId: key.readUInt32BE(6), offset: 10 };
  throw new KeyDecodeError('unknown key kind');
}

/**
 * The first key after every key that starts with `prefix` (exclusive upper bound of a
 * prefix scan), or null when there is none (the prefix is all 0xFF).
 */
export function prefixEnd(prefix: Buffer): Buffer | null {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i] !== 0xff) {
      const out = Buffer.from(prefix.subarray(0, i + 1));
      out[i]++;
      return out;
    }
  }
  return null;
}

/** The smallest key greater than `key` (inclusive-to-exclusive bound conversion). */
export function keySuccessor(key: Buffer): Buffer {
  const out = Buffer.allocUnsafe(key.length + 1);
  key.copy(out);
  out[key.length] = 0;
  return out;
}
