/**
 * Rows to keys and values, first version (DESIGN.md "Keys and rows"): primary keys of
 * integer and text columns in a memcomparable form, values as msgpack of
 * [schemaVersion, col1, col2, …] by column id. The full key encoding for every type
 * (common/keys) replaces encodeKeyPart without changing the stored layout for these.
 */
import { SqlError, SqlState } from '../../common/errors';
import { decodeValue, encodeValue } from '../../common/codec';
import type { TableDef } from '../../common/catalog/schema';
import { rowPrefix } from '../../common/catalog/keyspace';
import type { Datum } from '../../common/types/datum';
import { TypeOid } from '../../common/types/datum';

const SIGN = 1n << 63n;

function encodeKeyPart(typeOid: number, value: Datum, out: Buffer[]): void {
  switch (typeOid) {
    case TypeOid.int2:
    case TypeOid.int4:
    case TypeOid.int8: {
      // Two's complement with the sign bit flipped sorts bytewise like the integers.
      const b = Buffer.allocUnsafe(8);
      b.writeBigUInt64BE(BigInt.asUintN(64, BigInt(value as number | bigint)) ^ SIGN);
      out.push(b);
      return;
    }
    case TypeOid.text:
    case TypeOid.varchar:
    case TypeOid.bpchar: {
      // 0x00 escaped as 0x00 0xff, terminated by 0x00 0x01: prefixes sort first.
      const raw = Buffer.from(value as string, 'utf8');
      let zeros = 0;
      for (const byte of raw) if (byte === 0) zeros++;
      const b = Buffer.allocUnsafe(raw.length + zeros + 2);
      let o = 0;
      for (const byte of raw) {
        b[o++] = byte;
        if (byte === 0) b[o++] = 0xff;
      }
      b[o++] = 0;
      b[o] = 1;
      out.push(b);
      return;
    }
    default:
      throw new SqlError(SqlState.featureNotSupported, `primary keys of type oid ${typeOid} are not supported yet`);
  }
}

/** The row key for the primary-key values (in primary-key order). */
export function rowKey(table: TableDef, pkValues: readonly Datum[]): Buffer {
  const parts: Buffer[] = [rowPrefix(table.id)];
  table.primaryKey.forEach((colId, i) => {
    const col = table.columns.find((c) => c.id === colId);
    if (!col) throw new SqlError(SqlState.internalError, `primary key column ${colId} missing`);
    const v = pkValues[i];
    if (v === null || v === undefined) {
      throw new SqlError(SqlState.notNullViolation, `null value in column "${col.name}" of relation "${table.name}" violates not-null constraint`);
    }
    encodeKeyPart(col.typeOid, v, parts);
  });
  return Buffer.concat(parts);
}

/** Column values by column id (index id - 1). */
export function encodeRow(table: TableDef, values: readonly Datum[]): Buffer {
  return Buffer.from(encodeValue([table.version, ...values]));
}

export function decodeRow(table: TableDef, data: Uint8Array): Datum[] {
  const raw = decodeValue(data) as unknown[];
  const out = new Array<Datum>(table.columns.length);
  for (let i = 0; i < table.columns.length; i++) {
    const v = raw[table.columns[i].id];
    out[i] = v === undefined ? null : Buffer.isBuffer(v) || !(v instanceof Uint8Array) ? (v as Datum) : Buffer.from(v);
  }
  return out;
}
