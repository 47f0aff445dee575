/**
 * pg_proc rows for the functions we implement, so catalog queries that look a function up
 * by name (`\df pg_catalog.lower`, JDBC's getFunctions) find it. OIDs are PostgreSQL 15's
 * where we know them, otherwise from a private range.
 */
import { TypeOid } from '../../common/types/datum';

const T = TypeOid;

export interface ProcRow {
  readonly oid: number;
  readonly name: string;
  readonly args: readonly number[];
  readonly ret: number;
  readonly kind?: 'f' | 'a' | 'w';
}

export const PG_PROCS: readonly ProcRow[] = [
  { oid: 870, name: 'lower', args: [T.text], ret: T.text },
  { oid: 871, name: 'upper', args: [T.text], ret: T.text },
  { oid: 1317, name: 'length', args: [T.text], ret: T.int4 },
  { oid: 1299, name: 'now', args: [], ret: T.timestamptz },
  { oid: 1574, name: 'nextval', args: [T.regclass], ret: T.int8 },
  { oid: 1575, name: 'currval', args: [T.regclass], ret: T.int8 },
  { oid: 1576, name: 'setval', args: [T.regclass, T.int8], ret: T.int8 },
  { oid: 2147, name: 'count', args: [], ret: T.int8, kind: 'a' },
  { oid: 2108, name: 'sum', args: [T.int4], ret: T.int8, kind: 'a' },
  { oid: 2132, name: 'min', args: [T.int4], ret: T.int4, kind: 'a' },
  { oid: 2116, name: 'max', args: [T.int4], ret: T.int4, kind: 'a' },
  { oid: 2101, name: 'avg', args: [T.int4], ret: T.numeric, kind: 'a' },
  { oid: 1081, name: 'format_type', args: [T.oid, T.int4], ret: T.text },
  { oid: 1716, name: 'pg_get_expr', args: [T.text, T.oid], ret: T.text },
  { oid: 1387, name: 'pg_get_constraintdef', args: [T.oid], ret: T.text },
  { oid: 1643, name: 'pg_get_indexdef', args: [T.oid], ret: T.text },
  { oid: 1642, name: 'pg_get_userbyid', args: [T.oid], ret: T.name },
  { oid: 2079, name: 'pg_table_is_visible', args: [T.oid], ret: T.bool },
  { oid: 89, name: 'version', args: [], ret: T.text },
  { oid: 861, name: 'current_database', args: [], ret: T.name },
  { oid: 1402, name: 'current_schema', args: [], ret: T.name },
  { oid: 2077, name: 'current_setting', args: [T.text], ret: T.text },
  { oid: 2078, name: 'set_config', args: [T.text, T.text, T.bool], ret: T.text },
  { oid: 2026, name: 'pg_backend_pid', args: [], ret: T.int4 },
  { oid: 2171, name: 'pg_cancel_backend', args: [T.int4], ret: T.bool },
  { oid: 2096, name: 'pg_terminate_backend', args: [T.int4, T.int8], ret: T.bool },
  { oid: 2626, name: 'pg_sleep', args: [T.float8], ret: T.void },
  { oid: 3935, name: 'pg_sleep_for', args: [T.interval], ret: T.void },
  { oid: 3936, name: 'pg_sleep_until', args: [T.timestamptz], ret: T.void },
  { oid: 2880, name: 'pg_advisory_lock', args: [T.int8], ret: T.void },
  { oid: 2882, name: 'pg_try_advisory_lock', args: [T.int8], ret: T.bool },
  { oid: 2885, name: 'pg_advisory_unlock', args: [T.int8], ret: T.bool },
  { oid: 2892, name: 'pg_advisory_unlock_all', args: [], ret: T.void },
  { oid: 3060, name: 'gen_random_uuid', args: [], ret: T.uuid },
];
