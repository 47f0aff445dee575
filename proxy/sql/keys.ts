/**
 * Primary-key and index keys (DESIGN.md "Keys and rows"), first version until common/keys
 * lands (this file is the seam to swap): memcomparable parts for integers (sign-flipped
 * 8-byte BE), text/bytea (0x00 escaped as 0x00 0xff, terminated 0x00 0x01), bool, date,
 * timestamp, uuid, float8; NULL (index keys only) as a single 0x00 byte before any value.
 */
import { SqlError, SqlState } from '../../common/errors';
import type { ColumnDef, TableDef } from '../../common/catalog/schema';
import { rowPrefix } from '../../common/catalog/keyspace';
import type { Datum } from '../../common/types/datum';
import { TypeOid } from '../../common/types/datum';
import { formatValue, typeName } from '../../common/expr/typesAdapter';

const T = TypeOid;
const SIGN = 1n << 63n;
const INDEX_TAG = 0x69; // 'i'

function u64(n: bigint): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(BigInt.asUintN(64, n) ^ SIGN);
  return b;
}

function escaped(raw: Buffer): Buffer {
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
  return b;
}

/** Can values of this type be key columns? */
export function keyableType(t: number): boolean {
  return [
    T.int2,
    T.int4,
    T.int8,
    T.text,
    T.varchar,
    T.bpchar,
    T.bool,
    T.date,
    T.timestamp,
    T.timestamptz,
    T.uuid,
    T.bytea,
    T.float8,
    T.float4,
    T.name,
  ].includes(t as 21);
}

/** Appends the encoding of one non-null value. A 0x01 marker precedes values so NULL (0x00) sorts first. */
export function encodeKeyPart(t: number, v: Datum, out: Buffer[], withNullMarker = false): void {
  if (withNullMarker) {
    if (v === null) {
      out.push(Buffer.from([0]));
      return;
    }
    out.push(Buffer.from([1]));
  }
  switch (t) {
    case T.int2:
    case T.int4:
    case T.int8:
    case T.date:
    case T.timestamp:
    case T.timestamptz:
      if (t === T.date && !Number.isFinite(v as number)) {
        out.push(u64((v as number) > 0 ? SIGN - 1n : -SIGN));
        return;
      }
      out.push(u64(BigInt(v as number | bigint)));
      return;
    case T.float4:
    case T.float8: {
      // IEEE bits: flip all bits of negatives, only the sign bit of positives.
      const b = Buffer.allocUnsafe(8);
      b.writeDoubleBE((v as number) === 0 ? 0 : (v as number));
      if (b[0] & 0x80) for (let i = 0; i < 8; i++) b[i] = ~b[i] & 0xff;
      else b[0] |= 0x80;
      out.push(b);
      return;
    }
    case T.text:
    case T.varchar:
    case T.bpchar:
    case T.name:
      out.push(escaped(Buffer.from(v as string, 'utf8')));
      return;
    case T.bytea:
      out.push(escaped(v as Buffer));
      return;
    case T.bool:
      out.push(Buffer.from([v ? 1 : 0]));
      return;
    case T.uuid:
      out.push(Buffer.from((v as string).replace(/-/g, ''), 'hex'));
      return;
    default:
      throw new SqlError(
        SqlState.featureNotSupported,
        `key columns of type ${typeName(t)} are not supported yet`,
      );
  }
}

/** pkColumns per table definition, re-derived if the definition's arrays were replaced. */
const pkCache = new WeakMap<
  TableDef,
  { primaryKey: TableDef['primaryKey']; columns: TableDef['columns']; cols: ColumnDef[] }
>();

/** The primary-key columns in key order (memoized: point statements ask on every execution). */
export function pkColumns(table: TableDef): ColumnDef[] {
  const hit = pkCache.get(table);
  if (hit !== undefined && hit.primaryKey === table.primaryKey && hit.columns === table.columns)
    return hit.cols;
  const cols = table.primaryKey.map((id) => table.columns.find((c) => c.id === id) as ColumnDef);
  pkCache.set(table, { primaryKey: table.primaryKey, columns: table.columns, cols });
  return cols;
}

/** Row key for the primary-key values (in key order); a prefix when fewer values are given. */
export function rowKey(table: TableDef, pkValues: readonly Datum[]): Buffer {
  const parts: Buffer[] = [rowPrefix(table.id)];
  const cols = pkColumns(table);
  for (let i = 0; i < pkValues.length; i++) {
    const v = pkValues[i];
    if (v === null) {
      throw new SqlError(
        SqlState.notNullViolation,
        `null value in column "${cols[i].name}" of relation "${table.name}" violates not-null constraint`,
      );
    }
    encodeKeyPart(cols[i].typeOid, v, parts);
  }
  return Buffer.concat(parts);
}

/** `t` + tableId + `i` + indexId: the prefix of every entry of one index. */
export function indexPrefix(tableId: number, indexId: number): Buffer {
  const b = Buffer.allocUnsafe(10);
  b[0] = 0x74;
  b.writeUInt32BE(tableId, 1);
  b[5] = INDEX_TAG;
  b.writeUInt32BE(indexId, 6);
  return b;
}

export function indexKey(
  tableId: number,
  indexId: number,
  types: readonly number[],
  values: readonly Datum[],
  pkSuffix: Buffer | null,
): Buffer {
  const parts: Buffer[] = [indexPrefix(tableId, indexId)];
  for (let i = 0; i < values.length; i++) encodeKeyPart(types[i], values[i], parts, true);
  if (pkSuffix) parts.push(pkSuffix);
  return Buffer.concat(parts);
}

/** The smallest key greater than every key that starts with prefix. */
export function prefixEnd(prefix: Buffer): Buffer {
  const b = Buffer.from(prefix);
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i] < 0xff) {
      b[i]++;
      return b.subarray(0, i + 1);
    }
  }
  return Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
}

/** Decodes as many primary-key values as the key holds, for SHOW RANGES (best effort). */
export function describeKey(table: TableDef, key: Buffer): string {
  const prefix = rowPrefix(table.id);
  if (key.length < prefix.length || !key.subarray(0, prefix.length).equals(prefix)) {
    if (key.length <= 5) return `/Table/${table.name}`;
    return `/Table/${table.name}/${key.subarray(5).toString('hex')}`;
  }
  const cols = pkColumns(table);
  const parts: string[] = [];
  let o = prefix.length;
  for (const c of cols) {
    if (o >= key.length) break;
    switch (c.typeOid) {
      case T.int2:
      case T.int4:
      case T.int8:
      case T.date:
      case T.timestamp:
      case T.timestamptz: {
        if (o + 8 > key.length) return parts.join('/') + '/…';
        const n = BigInt.asIntN(64, key.readBigUInt64BE(o) ^ SIGN);
        parts.push(
          c.typeOid === T.int8 || c.typeOid === T.int4 || c.typeOid === T.int2
            ? String(n)
            : formatValue(c.typeOid, c.typeOid === T.date ? Number(n) : n),
        );
        o += 8;
        break;
      }
      case T.text:
      case T.varchar:
      case T.bpchar: {
        const bytes: number[] = [];
        while (o < key.length) {
          if (key[o] === 0 && key[o + 1] === 1) {
            o += 2;
            break;
          }
          if (key[o] === 0 && key[o + 1] === 0xff) {
            bytes.push(0);
            o += 2;
            continue;
          }
          bytes.push(key[o++]);
        }
        parts.push(`'${Buffer.from(bytes).toString('utf8')}'`);
        break;
      }
      default:
        parts.push(key.subarray(o).toString('hex'));
        o = key.length;
    }
  }
  return parts.join('/');
}
