/**
 * The stored row value (DESIGN.md "Keys and rows"): msgpack of [schemaVersion, col1, …]
 * indexed by column id (index 0 is the version), values in their wire form
 * (typesAdapter.toWire). A column added after a row was written reads as its
 * `missing` value (the constant default given to ADD COLUMN), else NULL.
 * Part of the typesAdapter seam: common/keys' row codec replaces these bodies.
 */
import { decodeValue, encodeValue } from '../codec';
import type { Datum } from '../types/datum';
import { fromWire, needsWireConversion, toWire } from './typesAdapter';

/** A column as a reader of stored rows needs it. */
export interface StoredColumn {
  readonly id: number;
  readonly t: number;
  /** Wire form of the value rows written before the column existed read as. */
  readonly missing?: unknown;
}

export function encodeStoredRow(
  version: number,
  cols: readonly StoredColumn[],
  values: readonly Datum[],
): Buffer {
  let maxId = 0;
  for (const c of cols) if (c.id > maxId) maxId = c.id;
  const out = new Array<unknown>(maxId + 1).fill(null);
  out[0] = version;
  for (let i = 0; i < cols.length; i++) out[cols[i].id] = toWire(cols[i].t, values[i]);
  return Buffer.from(encodeValue(out));
}

export function decodeStoredRow(cols: readonly StoredColumn[], data: Uint8Array): Datum[] {
  const raw = decodeValue(data) as unknown[];
  const out = new Array<Datum>(cols.length);
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i];
    let v = raw[c.id];
    if (v === undefined) v = c.missing ?? null;
    out[i] = v === null ? null : needsWireConversion(c.t) ? fromWire(c.t, v) : (v as Datum);
  }
  return out;
}

/** Row values to their wire form (results crossing RPC). */
export function rowToWire(types: readonly number[], row: readonly Datum[]): unknown[] {
  const out = new Array<unknown>(row.length);
  for (let i = 0; i < row.length; i++)
    out[i] = needsWireConversion(types[i]) ? toWire(types[i], row[i]) : row[i];
  return out;
}

export function rowFromWire(types: readonly number[], row: unknown[]): Datum[] {
  for (let i = 0; i < row.length; i++) {
    if (needsWireConversion(types[i])) row[i] = fromWire(types[i], row[i]);
    else if (row[i] === undefined) row[i] = null;
  }
  return row as Datum[];
}
