/**
 * Stable OIDs for our catalog objects, so pg_class.oid, pg_attribute.attrelid,
 * RowDescription's table OID and `'t'::regclass` agree across statements and proxies.
 *
 * PostgreSQL hands out user OIDs from 16384 (FirstNormalObjectId). We derive ours from the
 * ids meta assigns, leaving a block of 1000 per table for the objects that belong to it:
 *
 *   table        20000 + id * 1000
 *   index        table + indexId            (indexId < 500, ids never reused)
 *   primary key  table + 500                (its index; its constraint is table + 501)
 *   constraints  table + 600 + n            (n: unique, check, foreign keys in catalog order)
 *   row type     table + 999                (pg_type of the table's composite type)
 *
 * Sequences and schemas carry no numeric id in meta; their OIDs are a hash of the name in
 * ranges no table block reaches (ids below ~2 million), so they are stable for a name.
 */

export const FIRST_TABLE_OID = 20000;
export const NAMESPACE_PG_CATALOG = 11;
export const NAMESPACE_PUBLIC = 2200;
export const NAMESPACE_INFORMATION_SCHEMA = 13000;
export const DATABASE_OID = 5;
export const BOOTSTRAP_SUPERUSER_OID = 10;

export function tableOid(tableId: number): number {
  return FIRST_TABLE_OID + tableId * 1000;
}

/** The table id of a table OID, or -1 when the OID is not one of ours. */
export function tableIdOf(oid: number): number {
  if (oid < FIRST_TABLE_OID || oid >= 2_000_000_000) return -1;
  const rel = oid - FIRST_TABLE_OID;
  return rel % 1000 === 0 ? rel / 1000 : -1;
}

export function indexOid(tableId: number, indexId: number): number {
  return tableOid(tableId) + indexId;
}

export function pkIndexOid(tableId: number): number {
  return tableOid(tableId) + 500;
}

export function pkConstraintOid(tableId: number): number {
  return tableOid(tableId) + 501;
}

export function constraintOid(tableId: number, n: number): number {
  return tableOid(tableId) + 600 + n;
}

export function rowTypeOid(tableId: number): number {
  return tableOid(tableId) + 999;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Sequences: 2 100 000 000 … 2 140 000 000 (above every table block, below 2^31). */
export function sequenceOid(schema: string, name: string): number {
  return 2_100_000_000 + (fnv1a(`${schema}.${name}`) % 40_000_000);
}

export function namespaceOid(schema: string): number {
  if (schema === 'pg_catalog') return NAMESPACE_PG_CATALOG;
  if (schema === 'public') return NAMESPACE_PUBLIC;
  if (schema === 'information_schema') return NAMESPACE_INFORMATION_SCHEMA;
  if (schema === 'pg_toast') return 99;
  return 2_050_000_000 + (fnv1a(schema) % 40_000_000);
}

/** Roles other than the bootstrap superuser (oid 10): 2 060 000 000 … 2 090 000 000, by name. */
export function roleOid(name: string): number {
  return name === 'postgres' ? 10 : 2_060_000_000 + (fnv1a(`role:${name}`) % 30_000_000);
}
