/**
 * How SQL values live in memory, in every role. One representation per type, chosen so
 * that the hot types (int4, text, bool) are plain JS primitives with no allocation.
 *
 * | SQL type                         | JS value                                                    |
 * |----------------------------------|-------------------------------------------------------------|
 * | NULL (any type)                  | null                                                        |
 * | bool                             | boolean                                                     |
 * | int2, int4, oid                  | number (an integer)                                         |
 * | int8                             | bigint                                                      |
 * | float4, float8                   | number                                                      |
 * | numeric                          | Numeric (common/types/numeric.ts: exact, bigint-scaled)     |
 * | text, varchar, bpchar, name      | string                                                      |
 * | "char"                           | string of at most one character (one byte; '' for the zero byte) |
 * | bytea                            | Buffer                                                      |
 * | date                             | number: days since 2000-01-01; ±Infinity for ±infinity      |
 * | time                             | number: microseconds since midnight                         |
 * | timestamp, timestamptz           | bigint: microseconds since 2000-01-01 00:00 UTC, PostgreSQL's own epoch; ±infinity as the int64 extremes, as PostgreSQL does |
 * | interval                         | Interval { months, days, micros: bigint } (interval.ts)     |
 * | uuid                             | string, lower-case canonical 8-4-4-4-12                     |
 * | json                             | string (the text as given)                                  |
 * | jsonb                            | Jsonb (common/types/jsonb.ts: parsed, normalized)           |
 * | one-dimensional arrays           | Datum[] (elements may be null)                              |
 * | int2vector, oidvector            | number[] (subscripts start at 0, as in PostgreSQL)          |
 *
 * A value never carries its type: the type travels beside it (column descriptions, plan
 * nodes), as in PostgreSQL, so a row is a plain Datum[].
 */
export type Datum =
  | null
  | boolean
  | number
  | bigint
  | string
  | Buffer
  | { readonly kind: string } // Numeric, Interval, Jsonb: classes with a `kind` tag
  | Datum[];

/** PostgreSQL's type OIDs for the types we support (pg_type.oid, fixed across versions). */
export const TypeOid = {
  bool: 16,
  bytea: 17,
  char: 18,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  regproc: 24,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  unknown: 705,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  numeric: 1700,
  regclass: 2205,
  regtype: 2206,
  uuid: 2950,
  jsonb: 3802,
  void: 2278,
  record: 2249,
  // int2vector / oidvector: catalog-only arrays with lower bound 0, printed space-separated
  int2vector: 22,
  oidvector: 30,
  // one-dimensional arrays
  _bool: 1000,
  _bytea: 1001,
  _name: 1003,
  _int2: 1005,
  _int4: 1007,
  _text: 1009,
  _bpchar: 1014,
  _varchar: 1015,
  _int8: 1016,
  _float4: 1021,
  _float8: 1022,
  _oid: 1028,
  _timestamp: 1115,
  _date: 1182,
  _time: 1183,
  _timestamptz: 1185,
  _interval: 1187,
  _numeric: 1231,
  _uuid: 2951,
  _json: 199,
  _jsonb: 3807,
  _int2vector: 1006,
  _oidvector: 1013,
} as const;
export type TypeOidValue = (typeof TypeOid)[keyof typeof TypeOid];
