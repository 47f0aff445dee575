/**
 * A virtual catalog table: a name, PostgreSQL's column list, and a generator of rows from
 * the statement's CatalogSnapshot. The planner sees it as a TableDef (so scopes, `*`,
 * joins, filters, functions and casts work as for any table) and plans a `virtual` leaf
 * that the executor fills from the generator instead of scanning shards.
 */
import type { TableDef } from '../../common/catalog/schema';
import type { Datum } from '../../common/types/datum';
import { TypeOid } from '../../common/types/datum';
import type { CatalogSnapshot } from './snapshot';
import { virtualRelations } from './snapshot';
import { namespaceOid } from './oids';

const T = TypeOid;

/** Column type spellings used in the column lists below. */
const TYPES: Record<string, number> = {
  oid: T.oid,
  name: T.name,
  text: T.text,
  bool: T.bool,
  char: T.char,
  int2: T.int2,
  int4: T.int4,
  int8: T.int8,
  float4: T.float4,
  float8: T.float8,
  varchar: T.varchar,
  regproc: T.regproc,
  regtype: T.regtype,
  regclass: T.regclass,
  timestamptz: T.timestamptz,
  interval: T.interval,
  _oid: T._oid,
  _text: T._text,
  _name: T._name,
  _int2: T._int2,
  _char: 1002,
  // Space-separated in text (Sequelize splits indkey on ' '); subscripts from 0.
  int2vector: T.int2vector,
  oidvector: T.oidvector,
};

export interface VirtualTableDef extends TableDef {
  readonly virtual: {
    readonly rows: (s: CatalogSnapshot) => Datum[][];
  };
}

export function isVirtual(t: TableDef): t is VirtualTableDef {
  return (t as Partial<VirtualTableDef>).virtual !== undefined;
}

const registry = new Map<string, VirtualTableDef>();

/**
 * Registers a virtual table. `columns` is "name:type name:type …"; `oid` is PostgreSQL's own
 * OID for the catalog (pg_class is 1259) so `'pg_class'::regclass` and classoid agree.
 */
export function defineVirtual(
  schema: 'pg_catalog' | 'information_schema',
  name: string,
  oid: number,
  columns: string,
  rows: (s: CatalogSnapshot) => Datum[][],
): void {
  const cols = columns
    .trim()
    .split(/\s+/)
    .map((spec, i) => {
      const [col, type] = spec.split(':');
      const typeOid = TYPES[type];
      if (typeOid === undefined) throw new Error(`virtual ${name}.${col}: unknown type ${type}`);
      return { id: i + 1, name: col, typeOid, typeMod: -1, notNull: false };
    });
  const def: VirtualTableDef = {
    // Negative ids never collide with meta's; RowDescription carries `oid` below instead.
    id: -oid,
    schema,
    name,
    columns: cols,
    primaryKey: [],
    version: 0,
    virtual: { rows },
  };
  registry.set(`${schema}.${name}`, def);
  virtualRelations.push({ oid, schema, name, kind: schema === 'pg_catalog' ? 'r' : 'v' });
}

/** A virtual table by (optional) schema and name; unqualified pg_* names resolve to pg_catalog first, as PostgreSQL's implicit search path does. */
export function findVirtual(schema: string | undefined, name: string): VirtualTableDef | undefined {
  if (schema !== undefined) return registry.get(`${schema}.${name}`);
  return registry.get(`pg_catalog.${name}`);
}

export function allVirtual(): VirtualTableDef[] {
  return [...registry.values()];
}

export { namespaceOid };
