/**
 * The type table: what pg_type says about every type in datum.ts (PostgreSQL 15's
 * pg_type.dat), plus the names our I/O uses. pgwire uses it for RowDescription (typlen),
 * the catalog emulation for pg_type rows, the planner for categories (implicit casts).
 */
import { TypeOid } from './datum';

export interface TypeInfo {
  readonly oid: number;
  /** pg_type.typname */
  readonly name: string;
  /** format_type() name, as in error messages and information_schema. */
  readonly sqlName: string;
  /** pg_type.typlen: bytes, -1 varlena, -2 C string. */
  readonly typlen: number;
  readonly typbyval: boolean;
  /** pg_type.typcategory */
  readonly category: string;
  /** Whether this is the preferred type of its category (pg_type.typispreferred). */
  readonly preferred: boolean;
  /** Array type of this element type (0 if none). */
  readonly typarray: number;
  /** Element type, for array types (0 otherwise). */
  readonly typelem: number;
  readonly typdelim: string;
  /** Whether formatBinary/parseBinary handle it. */
  readonly binary: boolean;
  /** Function names, for pg_type emulation. */
  readonly typinput: string;
  readonly typoutput: string;
  readonly typreceive: string;
  readonly typsend: string;
}

type Row = [
  oid: number,
  name: string,
  sqlName: string,
  typlen: number,
  byval: boolean,
  cat: string,
  preferred: boolean,
  array: number,
  fn: string,
];

// fn: the stem of the I/O function names (e.g. 'int4' → int4in/int4out/int4recv/int4send).
const BASE: Row[] = [
  [TypeOid.bool, 'bool', 'boolean', 1, true, 'B', true, TypeOid._bool, 'bool'],
  [TypeOid.bytea, 'bytea', 'bytea', -1, false, 'U', false, TypeOid._bytea, 'bytea'],
  [TypeOid.char, 'char', '"char"', 1, true, 'Z', false, 1002, 'char'],
  [TypeOid.name, 'name', 'name', 64, false, 'S', false, TypeOid._name, 'name'],
  [TypeOid.int8, 'int8', 'bigint', 8, true, 'N', false, TypeOid._int8, 'int8'],
  [TypeOid.int2, 'int2', 'smallint', 2, true, 'N', false, TypeOid._int2, 'int2'],
  [TypeOid.int4, 'int4', 'integer', 4, true, 'N', false, TypeOid._int4, 'int4'],
  [TypeOid.regproc, 'regproc', 'regproc', 4, true, 'N', false, 1008, 'regproc'],
  [TypeOid.text, 'text', 'text', -1, false, 'S', true, TypeOid._text, 'text'],
  [TypeOid.oid, 'oid', 'oid', 4, true, 'N', false, TypeOid._oid, 'oid'],
  [TypeOid.json, 'json', 'json', -1, false, 'U', false, TypeOid._json, 'json'],
  [TypeOid.float4, 'float4', 'real', 4, true, 'N', false, TypeOid._float4, 'float4'],
  [TypeOid.float8, 'float8', 'double precision', 8, true, 'N', true, TypeOid._float8, 'float8'],
  [TypeOid.unknown, 'unknown', 'unknown', -2, false, 'X', false, 0, 'unknown'],
  [TypeOid.bpchar, 'bpchar', 'character', -1, false, 'S', false, TypeOid._bpchar, 'bpchar'],
  [
    TypeOid.varchar,
    'varchar',
    'character varying',
    -1,
    false,
    'S',
    false,
    TypeOid._varchar,
    'varchar',
  ],
  [TypeOid.date, 'date', 'date', 4, true, 'D', false, TypeOid._date, 'date'],
  [TypeOid.time, 'time', 'time without time zone', 8, true, 'D', false, TypeOid._time, 'time'],
  [
    TypeOid.timestamp,
    'timestamp',
    'timestamp without time zone',
    8,
    true,
    'D',
    false,
    TypeOid._timestamp,
    'timestamp',
  ],
  [
    TypeOid.timestamptz,
    'timestamptz',
    'timestamp with time zone',
    8,
    true,
    'D',
    true,
    TypeOid._timestamptz,
    'timestamptz',
  ],
  [TypeOid.interval, 'interval', 'interval', 16, false, 'T', true, TypeOid._interval, 'interval'],
  [TypeOid.numeric, 'numeric', 'numeric', -1, false, 'N', false, TypeOid._numeric, 'numeric'],
  [TypeOid.regclass, 'regclass', 'regclass', 4, true, 'N', false, 2210, 'regclass'],
  [TypeOid.regtype, 'regtype', 'regtype', 4, true, 'N', false, 2211, 'regtype'],
  [TypeOid.uuid, 'uuid', 'uuid', 16, false, 'U', false, TypeOid._uuid, 'uuid'],
  [TypeOid.jsonb, 'jsonb', 'jsonb', -1, false, 'U', false, TypeOid._jsonb, 'jsonb'],
  [TypeOid.void, 'void', 'void', 4, true, 'P', false, 0, 'void'],
  [TypeOid.record, 'record', 'record', -1, false, 'P', false, 2287, 'record'],
  [
    TypeOid.int2vector,
    'int2vector',
    'int2vector',
    -1,
    false,
    'A',
    false,
    TypeOid._int2vector,
    'int2vector',
  ],
  [
    TypeOid.oidvector,
    'oidvector',
    'oidvector',
    -1,
    false,
    'A',
    false,
    TypeOid._oidvector,
    'oidvector',
  ],
];

/**
 * pg_type.dat: int2vector and oidvector are arrays (category 'A') of int2 / oid, so
 * unnest, casts to int2[] / oid[] and subscripts treat them as arrays of their elements.
 */
const VECTOR_ELEM: Record<number, number> = {
  [TypeOid.int2vector]: TypeOid.int2,
  [TypeOid.oidvector]: TypeOid.oid,
};

/** Types whose binary I/O we implement (the ones the pgwire brief lists). */
const BINARY = new Set<number>([
  TypeOid.bool,
  TypeOid.bytea,
  TypeOid.char,
  TypeOid.name,
  TypeOid.int8,
  TypeOid.int2,
  TypeOid.int4,
  TypeOid.text,
  TypeOid.oid,
  TypeOid.json,
  TypeOid.float4,
  TypeOid.float8,
  TypeOid.bpchar,
  TypeOid.varchar,
  TypeOid.date,
  TypeOid.time,
  TypeOid.timestamp,
  TypeOid.timestamptz,
  TypeOid.interval,
  TypeOid.numeric,
  TypeOid.uuid,
  TypeOid.jsonb,
  TypeOid.regproc,
  TypeOid.regclass,
  TypeOid.regtype,
  TypeOid.unknown,
  TypeOid.int2vector,
  TypeOid.oidvector,
]);

const byOid = new Map<number, TypeInfo>();
const byName = new Map<string, TypeInfo>();

for (const [oid, name, sqlName, typlen, byval, cat, preferred, array, fn] of BASE) {
  const info: TypeInfo = {
    oid,
    name,
    sqlName,
    typlen,
    typbyval: byval,
    category: cat,
    preferred,
    typarray: array,
    typelem: oid === TypeOid.name ? TypeOid.char : (VECTOR_ELEM[oid] ?? 0),
    typdelim: ',',
    binary: BINARY.has(oid),
    typinput: `${fn}in`,
    typoutput: `${fn}out`,
    typreceive: `${fn}recv`,
    typsend: `${fn}send`,
  };
  byOid.set(oid, info);
  byName.set(name, info);
  if (array !== 0 && oid !== TypeOid.record) {
    const a: TypeInfo = {
      oid: array,
      name: '_' + name,
      sqlName: sqlName + '[]',
      typlen: -1,
      typbyval: false,
      category: 'A',
      preferred: false,
      typarray: 0,
      typelem: oid,
      typdelim: ',',
      binary: BINARY.has(oid),
      typinput: 'array_in',
      typoutput: 'array_out',
      typreceive: 'array_recv',
      typsend: 'array_send',
    };
    byOid.set(array, a);
    byName.set(a.name, a);
  }
}

export function typeInfo(oid: number): TypeInfo | undefined {
  return byOid.get(oid);
}

export function typeByName(name: string): TypeInfo | undefined {
  return byName.get(name);
}

/** Element type of an array type, or 0. */
export function elementType(oid: number): number {
  return byOid.get(oid)?.category === 'A' ? (byOid.get(oid) as TypeInfo).typelem : 0;
}

/** Whether `oid` is int2vector or oidvector (space-separated text, subscripts from 0). */
export function isVectorType(oid: number): boolean {
  return VECTOR_ELEM[oid] !== undefined;
}

export function arrayTypeOf(elemOid: number): number {
  return byOid.get(elemOid)?.typarray ?? 0;
}

export function allTypes(): readonly TypeInfo[] {
  return [...byOid.values()];
}
