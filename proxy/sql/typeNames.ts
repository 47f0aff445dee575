/** SQL type names (as the grammar spells them) to type OIDs and RowDescription sizes. */
import { SqlError, SqlState } from '../../common/errors';
import { TypeOid } from '../../common/types/datum';

const byName = new Map<string, number>([
  ['int2', TypeOid.int2],
  ['smallint', TypeOid.int2],
  ['int4', TypeOid.int4],
  ['int', TypeOid.int4],
  ['integer', TypeOid.int4],
  ['int8', TypeOid.int8],
  ['bigint', TypeOid.int8],
  ['float4', TypeOid.float4],
  ['real', TypeOid.float4],
  ['float8', TypeOid.float8],
  ['double precision', TypeOid.float8],
  ['numeric', TypeOid.numeric],
  ['decimal', TypeOid.numeric],
  ['text', TypeOid.text],
  ['varchar', TypeOid.varchar],
  ['bpchar', TypeOid.bpchar],
  ['char', TypeOid.bpchar],
  ['bool', TypeOid.bool],
  ['boolean', TypeOid.bool],
  ['bytea', TypeOid.bytea],
  ['date', TypeOid.date],
  ['time', TypeOid.time],
  ['timestamp', TypeOid.timestamp],
  ['timestamptz', TypeOid.timestamptz],
  ['interval', TypeOid.interval],
  ['uuid', TypeOid.uuid],
  ['json', TypeOid.json],
  ['jsonb', TypeOid.jsonb],
  ['oid', TypeOid.oid],
  ['name', TypeOid.name],
  ['regclass', TypeOid.regclass],
  ['regtype', TypeOid.regtype],
  ['regproc', TypeOid.regproc],
  ['int2vector', TypeOid.int2vector],
  ['oidvector', TypeOid.oidvector],
  // Cast targets only: the catalog emulation turns `x::regnamespace` into the name (text).
  ['regnamespace', 4089],
  ['regrole', 4096],
]);

const sizes = new Map<number, number>([
  [TypeOid.bool, 1],
  [TypeOid.int2, 2],
  [TypeOid.int4, 4],
  [TypeOid.int8, 8],
  [TypeOid.float4, 4],
  [TypeOid.float8, 8],
  [TypeOid.date, 4],
  [TypeOid.time, 8],
  [TypeOid.timestamp, 8],
  [TypeOid.timestamptz, 8],
  [TypeOid.interval, 16],
  [TypeOid.uuid, 16],
  [TypeOid.oid, 4],
  // pg_type.typlen as PostgreSQL 15 reports them in RowDescription (pg_sleep's void, name).
  [TypeOid.void, 4],
  [TypeOid.name, 64],
]);

/** The OID for a TypeName node's names (e.g. ['pg_catalog', 'int4']). */
export function typeOidOf(names: readonly string[], position?: number): number {
  const name = names[names.length - 1].toLowerCase();
  const oid = byName.get(name);
  if (oid === undefined) {
    throw new SqlError(SqlState.undefinedObject, `type "${name}" does not exist`, { position });
  }
  return oid;
}

/** pg_type.typlen: bytes, or -1 for variable length. */
export function typeSizeOf(oid: number): number {
  return sizes.get(oid) ?? -1;
}
