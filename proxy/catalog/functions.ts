/**
 * Catalog and session functions (format_type, pg_get_*def, current_setting, advisory locks
 * …): resolved at plan time to `pg.<name>` calls, which the evaluator hands back to
 * callCatalogFunction at run time with the statement's CatalogRuntime. They never run on
 * shards (isPushable refuses `pg.` functions).
 */
import { SqlError, SqlState } from '../../common/errors';
import type { Datum } from '../../common/types/datum';
import { TypeOid } from '../../common/types/datum';
import type { Expr } from '../../common/expr/expr';
import { typeByName, typeInfo } from '../../common/types/typeTable';
import { Numeric } from '../../common/expr/numeric';
import { constraintDef, constraintsOf, indexDef, indexesOf, quoteIdent } from './constraints';
import { formatType } from './formatType';
import { BOOTSTRAP_SUPERUSER_OID, namespaceOid, tableOid } from './oids';
import { sequenceOwners } from './pgCatalog';
import { PG_PROCS } from './procs';
import { callAsync, type CatalogRuntime } from './runtime';
import { isSuperuser } from './terminate';
import type { CatalogSnapshot } from './snapshot';
import { SERVER_VERSION_TEXT } from './version';
import { pgSleep, pgSleepFor, pgSleepUntil } from './sleep';
import type { Interval } from '../../common/types/interval';

const T = TypeOid;

export interface CatalogFunction {
  /** Argument types the call is coerced to (by count); the result type. */
  readonly sigs: ReadonlyArray<{ args: readonly number[]; ret: number }>;
  /** Needs the statement's catalog snapshot (relations, types …). */
  readonly snapshot?: boolean;
  /** Called even when an argument is NULL. */
  readonly nonStrict?: boolean;
  readonly call: (args: Datum[], rt: CatalogRuntime) => Datum;
}

const REG_TYPES = new Set<number>([T.regclass, T.regtype, T.regproc]);

export function isRegType(t: number): boolean {
  return REG_TYPES.has(t);
}

function snap(rt: CatalogRuntime): CatalogSnapshot {
  if (!rt.snapshot) throw new SqlError(SqlState.internalError, 'catalog snapshot missing');
  return rt.snapshot;
}

function sig(args: number[], ret: number): { args: number[]; ret: number } {
  return { args, ret };
}

let txidCounter = 1000n;

/** Roles we know: the bootstrap superuser, public's owner role, the session's user. */
function roleName(oid: number, rt: CatalogRuntime): string {
  if (oid === BOOTSTRAP_SUPERUSER_OID) return 'postgres';
  if (oid === 6171) return 'pg_database_owner';
  if (oid === 16384) return rt.session.user;
  return `unknown (OID=${oid})`;
}

/** A relation name as regclass input reads it: optionally schema-qualified, maybe quoted. */
function parseQualified(text: string): { schema?: string; name: string } {
  const parts: string[] = [];
  const re = /\s*(?:"((?:[^"]|"")*)"|([^."]+))\s*(\.|$)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null && m[0] !== '') {
    parts.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2].toLowerCase());
    if (m[3] === '') break;
  }
  if (parts.length === 2) return { schema: parts[0], name: parts[1] };
  return { name: parts[parts.length - 1] ?? text };
}

export function regclassIn(text: string, s: CatalogSnapshot, missingOk: boolean): number | null {
  if (/^\d+$/.test(text)) return Number(text);
  const q = parseQualified(text);
  const schemas = q.schema ? [q.schema] : ['pg_catalog', 'public', 'information_schema'];
  for (const sc of schemas) {
    const r = s.relByName.get(`${sc}.${q.name}`);
    if (r) return r.oid;
  }
  if (missingOk) return null;
  throw new SqlError(SqlState.undefinedTable, `relation "${text}" does not exist`);
}

export function regclassOut(oid: number, s: CatalogSnapshot): string {
  const r = s.relByOid.get(oid);
  if (!r) return String(oid);
  const name = quoteIdent(r.name);
  return r.schema === 'public' || r.schema === 'pg_catalog'
    ? name
    : `${quoteIdent(r.schema)}.${name}`;
}

const TYPE_ALIASES: Record<string, string> = {
  integer: 'int4',
  int: 'int4',
  smallint: 'int2',
  bigint: 'int8',
  boolean: 'bool',
  real: 'float4',
  'double precision': 'float8',
  'character varying': 'varchar',
  character: 'bpchar',
  decimal: 'numeric',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz',
  'time without time zone': 'time',
};

export function regtypeIn(text: string, missingOk: boolean): number | null {
  if (/^\d+$/.test(text)) return Number(text);
  // Qualified and quoted forms: pg_catalog.int4, "pg_catalog"."int4", "varchar".
  let n = text
    .trim()
    .replace(/^"?pg_catalog"?\./i, '')
    .replace(/^"(.*)"$/, '$1')
    .toLowerCase();
  let arr = false;
  if (n.endsWith('[]')) {
    arr = true;
    n = n.slice(0, -2);
  }
  n = TYPE_ALIASES[n] ?? n;
  const info = typeByName(arr ? `_${n}` : n);
  if (info) return info.oid;
  if (missingOk) return null;
  throw new SqlError(SqlState.undefinedObject, `type "${text}" does not exist`);
}

function regprocIn(text: string): string {
  return text.replace(/^pg_catalog\./, '');
}

function relationOf(s: CatalogSnapshot, oid: number) {
  return s.relByOid.get(oid);
}

function lockKey(args: Datum[]): string {
  return args.length === 1 ? `1:${String(args[0])}` : `2:${String(args[0])}:${String(args[1])}`;
}

/** lock_timeout in ms, undefined when 0 (no timeout): '0', '150' (ms), '2s', '1min'. */
function lockTimeoutMs(rt: CatalogRuntime): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h|d)?\s*$/i.exec(
    rt.session.setting('lock_timeout') ?? '0',
  );
  if (!m) return undefined;
  const mult: Record<string, number> = { ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };
  const ms = Number(m[1]) * mult[(m[2] ?? 'ms').toLowerCase()];
  return ms > 0 ? ms : undefined;
}

/**
 * The pg_advisory_* family, cluster-wide through meta (advisoryLocks.ts); each call is an
 * asynchronous catalog call (runtime.ts callAsync).
 */
function advisory(kind: 'lock' | 'try' | 'unlock', shared: boolean, xact = false): CatalogFunction {
  const ret = kind === 'lock' ? T.void : T.bool;
  return {
    sigs: [sig([T.int8], ret), sig([T.int4, T.int4], ret)],
    call: (args, rt) => {
      const key = lockKey(args);
      const pid = rt.session.pid;
      const locks = rt.services.locks;
      return callAsync(rt, async () => {
        if (kind === 'unlock') {
          const ok = await locks.unlock(key, pid, shared);
          if (!ok)
            rt.session.notice?.({
              severity: 'WARNING',
              code: '01000',
              message: `you don't own a lock of type ${shared ? 'ShareLock' : 'ExclusiveLock'}`,
            });
          return ok;
        }
        if (kind === 'try') return locks.tryLock(key, pid, shared, xact);
        const entry = rt.services.sessions.get(pid);
        await locks.lock(key, pid, shared, xact, {
          timeoutMs: lockTimeoutMs(rt),
          cancelled: () => entry !== undefined && entry.cancels !== entry.statementCancels,
        });
        return null;
      });
    },
  };
}

/** pg_terminate_backend(pid [, timeout]): PostgreSQL 15's answers (terminate.ts). */
const terminateBackend: CatalogFunction = {
  sigs: [sig([T.int4], T.bool), sig([T.int4, T.int8], T.bool)],
  call: ([pid], rt) =>
    callAsync(rt, async () => {
      const target = pid as number;
      const terminator = rt.services.terminator;
      const roles = (await rt.services.roles?.()) ?? [];
      const user = rt.session.user;
      const outcome =
        terminator === undefined
          ? 'nopid'
          : await terminator.terminate(target, { user, superuser: isSuperuser(user, roles) });
      switch (outcome) {
        case 'ok':
          return true;
        case 'superuser':
          throw new SqlError(
            SqlState.insufficientPrivilege,
            'must be a superuser to terminate superuser process',
          );
        case 'permission':
          throw new SqlError(
            SqlState.insufficientPrivilege,
            'must be a member of the role whose process is being terminated or member of pg_signal_backend',
          );
        default:
          rt.session.notice?.({
            severity: 'WARNING',
            code: '01000',
            message: `PID ${target} is not a PostgreSQL backend process`,
          });
          return false;
      }
    }),
};

/** pg_notify(channel, payload): NOTIFY with computed arguments. */
const pgNotify: CatalogFunction = {
  sigs: [sig([T.text, T.text], T.void)],
  nonStrict: true,
  call: ([channel, payload], rt) => {
    const notify = rt.session.notify;
    if (notify === undefined)
      throw new SqlError(SqlState.featureNotSupported, 'pg_notify is not available here');
    notify((channel as string | null) ?? '', (payload as string | null) ?? '');
    return null;
  },
};

function sizePretty(v: Datum): string {
  let n =
    typeof v === 'bigint' ? Number(v) : v instanceof Numeric ? Number(v.toString()) : Number(v);
  const neg = n < 0;
  n = Math.abs(n);
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let u = 0;
  // PostgreSQL switches unit when the value reaches 10 240 of the current one, rounding half up.
  while (u < units.length - 1 && n >= 10 * 1024 - 0.5) {
    n = n / 1024;
    u++;
  }
  const r = u === 0 ? n : Math.round(n);
  return `${neg ? '-' : ''}${r} ${units[u]}`;
}

const yes: CatalogFunction['call'] = () => true;
const privilege = (n: number): CatalogFunction => ({
  sigs:
    n === 3
      ? [sig([T.text, T.text, T.text], T.bool)]
      : [sig([T.text, T.text], T.bool), sig([T.text, T.text, T.text], T.bool)],
  call: yes,
});

export const CATALOG_FUNCTIONS: ReadonlyMap<string, CatalogFunction> = new Map<
  string,
  CatalogFunction
>([
  [
    'format_type',
    {
      sigs: [sig([T.oid, T.int4], T.text)],
      nonStrict: true,
      call: ([o, m]) => (o === null ? null : formatType(o as number, m as number | null)),
    },
  ],
  [
    'pg_get_indexdef',
    {
      sigs: [sig([T.oid], T.text), sig([T.oid, T.int4, T.bool], T.text)],
      snapshot: true,
      call: ([oid, col], rt) => {
        const r = relationOf(snap(rt), oid as number);
        const ix = r?.table ? indexesOf(r.table).find((x) => x.oid === oid) : undefined;
        if (!ix) return null;
        if (col !== undefined && col !== 0) {
          const c = ix.table.columns.find((x) => x.id === ix.cols[(col as number) - 1]);
          return c ? quoteIdent(c.name) : '';
        }
        return indexDef(ix);
      },
    },
  ],
  [
    'pg_get_constraintdef',
    {
      sigs: [sig([T.oid], T.text), sig([T.oid, T.bool], T.text)],
      snapshot: true,
      call: ([oid, pretty], rt) => {
        const s = snap(rt);
        for (const t of s.tables)
          for (const c of constraintsOf(t, (sc, n) =>
            s.tables.find((x) => x.schema === sc && x.name === n),
          ))
            if (c.oid === oid) return constraintDef(c, pretty === true);
        return null;
      },
    },
  ],
  // pg_attrdef.adbin and pg_constraint.conbin already hold the display text.
  [
    'pg_get_expr',
    {
      sigs: [sig([T.text, T.oid], T.text), sig([T.text, T.oid, T.bool], T.text)],
      call: ([e]) => e,
    },
  ],
  [
    'pg_table_is_visible',
    {
      sigs: [sig([T.oid], T.bool)],
      snapshot: true,
      call: ([oid], rt) => {
        const r = relationOf(snap(rt), oid as number);
        return r !== undefined && ['public', 'pg_catalog'].includes(r.schema);
      },
    },
  ],
  ['pg_type_is_visible', { sigs: [sig([T.oid], T.bool)], call: () => true }],
  ['pg_function_is_visible', { sigs: [sig([T.oid], T.bool)], call: () => true }],
  [
    'pg_get_userbyid',
    {
      sigs: [sig([T.oid], T.name)],
      call: ([oid], rt) => roleName(oid as number, rt),
    },
  ],
  [
    'obj_description',
    { sigs: [sig([T.oid], T.text), sig([T.oid, T.name], T.text)], call: () => null },
  ],
  ['shobj_description', { sigs: [sig([T.oid, T.name], T.text)], call: () => null }],
  ['col_description', { sigs: [sig([T.oid, T.int4], T.text)], call: () => null }],
  ['pg_size_pretty', { sigs: [sig([T.int8], T.text)], call: ([v]) => sizePretty(v) }],
  ['pg_total_relation_size', { sigs: [sig([T.oid], T.int8)], call: () => 0n }],
  [
    'pg_relation_size',
    { sigs: [sig([T.oid], T.int8), sig([T.oid, T.text], T.int8)], call: () => 0n },
  ],
  ['pg_table_size', { sigs: [sig([T.oid], T.int8)], call: () => 0n }],
  ['pg_indexes_size', { sigs: [sig([T.oid], T.int8)], call: () => 0n }],
  ['pg_database_size', { sigs: [sig([T.name], T.int8), sig([T.oid], T.int8)], call: () => 0n }],
  ['pg_tablespace_location', { sigs: [sig([T.oid], T.text)], call: () => '' }],
  [
    'array_to_string',
    {
      sigs: [sig([T._text, T.text], T.text), sig([T._text, T.text, T.text], T.text)],
      call: ([arr, sep, nul]) =>
        (arr as Datum[])
          .filter((x) => x !== null || nul !== undefined)
          .map((x) => (x === null ? (nul as string) : String(x)))
          .join(sep as string),
    },
  ],
  [
    'pg_get_serial_sequence',
    {
      sigs: [sig([T.text, T.text], T.text)],
      snapshot: true,
      call: ([table, column], rt) => {
        const s = snap(rt);
        const oid = regclassIn(table as string, s, false) as number;
        const t = relationOf(s, oid)?.table;
        const col = t?.columns.find((c) => c.name === column);
        if (!t || !col)
          throw new SqlError(
            SqlState.undefinedColumn,
            `column "${String(column)}" of relation "${t?.name ?? String(table)}" does not exist`,
          );
        const own = sequenceOwners(s).find((o) => o.table === tableOid(t.id) && o.col === col.id);
        const r = own ? relationOf(s, own.seq) : undefined;
        return r ? `${quoteIdent(r.schema)}.${quoteIdent(r.name)}` : null;
      },
    },
  ],
  ['current_schema', { sigs: [sig([], T.name)], call: () => 'public' }],
  [
    'current_schemas',
    {
      sigs: [sig([T.bool], T._name)],
      call: ([implicit]) => (implicit ? ['pg_catalog', 'public'] : ['public']),
    },
  ],
  ['current_database', { sigs: [sig([], T.name)], call: (_a, rt) => rt.session.database }],
  ['current_user', { sigs: [sig([], T.name)], call: (_a, rt) => rt.session.user }],
  ['session_user', { sigs: [sig([], T.name)], call: (_a, rt) => rt.session.user }],
  ['version', { sigs: [sig([], T.text)], call: () => SERVER_VERSION_TEXT }],
  [
    'current_setting',
    {
      sigs: [sig([T.text], T.text), sig([T.text, T.bool], T.text)],
      call: ([name, missingOk], rt) => {
        const v = rt.session.setting(name as string);
        if (v === undefined) {
          if (missingOk === true) return null;
          throw new SqlError(
            SqlState.undefinedObject,
            `unrecognized configuration parameter "${String(name)}"`,
          );
        }
        return v;
      },
    },
  ],
  [
    'set_config',
    {
      sigs: [sig([T.text, T.text, T.bool], T.text)],
      nonStrict: true,
      call: ([n, v, local], rt) => {
        if (n === null) throw new SqlError('22004', 'SET requires parameter name');
        return rt.session.setSetting(n as string, (v as string | null) ?? '', local === true);
      },
    },
  ],
  ['pg_backend_pid', { sigs: [sig([], T.int4)], call: (_a, rt) => rt.session.pid }],
  [
    'pg_cancel_backend',
    {
      sigs: [sig([T.int4], T.bool)],
      call: ([pid], rt) => {
        const e = rt.services.sessions.get(pid as number);
        if (!e) return false;
        e.cancel();
        return true;
      },
    },
  ],
  ['pg_terminate_backend', terminateBackend],
  ['pg_notify', pgNotify],
  [
    'pg_encoding_to_char',
    {
      sigs: [sig([T.int4], T.name)],
      call: ([e]) => (e === 6 ? 'UTF8' : e === 0 ? 'SQL_ASCII' : ''),
    },
  ],
  [
    'pg_char_to_encoding',
    { sigs: [sig([T.name], T.int4)], call: ([e]) => (String(e).toUpperCase() === 'UTF8' ? 6 : -1) },
  ],
  ['has_table_privilege', privilege(2)],
  ['has_schema_privilege', privilege(2)],
  ['has_database_privilege', privilege(2)],
  ['has_sequence_privilege', privilege(2)],
  ['has_function_privilege', privilege(2)],
  ['has_column_privilege', privilege(3)],
  ['has_any_column_privilege', privilege(2)],
  ['pg_has_role', privilege(2)],
  ['pg_is_in_recovery', { sigs: [sig([], T.bool)], call: () => false }],
  ['txid_current', { sigs: [sig([], T.int8)], call: () => ++txidCounter }],
  ['pg_current_xact_id', { sigs: [sig([], T.int8)], call: () => ++txidCounter }],
  // Sleeps happen outside evaluation, cancellably (sleep.ts, statementHooks.ts).
  ['pg_sleep', { sigs: [sig([T.float8], T.void)], call: ([s], rt) => pgSleep(s as number, rt) }],
  [
    'pg_sleep_for',
    {
      sigs: [sig([T.interval], T.void)],
      call: ([iv], rt) => pgSleepFor(iv as Interval | string, rt),
    },
  ],
  [
    'pg_sleep_until',
    { sigs: [sig([T.timestamptz], T.void)], call: ([ts], rt) => pgSleepUntil(ts as bigint, rt) },
  ],
  ['pg_advisory_lock', advisory('lock', false)],
  ['pg_advisory_lock_shared', advisory('lock', true)],
  ['pg_try_advisory_lock', advisory('try', false)],
  ['pg_try_advisory_lock_shared', advisory('try', true)],
  ['pg_advisory_unlock', advisory('unlock', false)],
  ['pg_advisory_unlock_shared', advisory('unlock', true)],
  [
    'pg_advisory_unlock_all',
    {
      sigs: [sig([], T.void)],
      call: (_a, rt) =>
        callAsync(rt, async () => {
          await rt.services.locks.release(rt.session.pid, 'session');
          return null;
        }),
    },
  ],
  // Transaction-level locks: released when the session's transaction ends (sql/engine.ts).
  ['pg_advisory_xact_lock', advisory('lock', false, true)],
  ['pg_advisory_xact_lock_shared', advisory('lock', true, true)],
  ['pg_try_advisory_xact_lock', advisory('try', false, true)],
  ['pg_try_advisory_xact_lock_shared', advisory('try', true, true)],
  [
    'pg_get_function_result',
    {
      sigs: [sig([T.oid], T.text)],
      call: ([oid]) => {
        const p = PG_PROCS.find((x) => x.oid === oid);
        return p ? (p.ret === T.void ? 'void' : formatType(p.ret, -1)) : null;
      },
    },
  ],
  [
    'pg_get_function_arguments',
    {
      sigs: [sig([T.oid], T.text)],
      call: ([oid]) => {
        const p = PG_PROCS.find((x) => x.oid === oid);
        return p ? p.args.map((a) => formatType(a, -1)).join(', ') : null;
      },
    },
  ],
  [
    'pg_get_function_identity_arguments',
    {
      sigs: [sig([T.oid], T.text)],
      call: ([oid]) => {
        const p = PG_PROCS.find((x) => x.oid === oid);
        return p ? p.args.map((a) => formatType(a, -1)).join(', ') : null;
      },
    },
  ],
  // Objects we do not have (views, rules, triggers, partition keys, statistics objects):
  // their definition functions exist so that queries naming them plan; they find no object.
  [
    'pg_get_viewdef',
    { sigs: [sig([T.oid], T.text), sig([T.oid, T.bool], T.text)], call: () => null },
  ],
  [
    'pg_get_ruledef',
    { sigs: [sig([T.oid], T.text), sig([T.oid, T.bool], T.text)], call: () => null },
  ],
  [
    'pg_get_triggerdef',
    { sigs: [sig([T.oid], T.text), sig([T.oid, T.bool], T.text)], call: () => null },
  ],
  ['pg_get_partkeydef', { sigs: [sig([T.oid], T.text)], call: () => null }],
  ['pg_get_partition_constraintdef', { sigs: [sig([T.oid], T.text)], call: () => null }],
  ['pg_get_statisticsobjdef_columns', { sigs: [sig([T.oid], T.text)], call: () => null }],
  ['pg_get_statisticsobjdef', { sigs: [sig([T.oid], T.text)], call: () => null }],
  ['pg_relation_is_publishable', { sigs: [sig([T.oid], T.bool)], call: () => false }],
  [
    'to_regclass',
    {
      sigs: [sig([T.text], T.regclass)],
      snapshot: true,
      call: ([t], rt) => regclassIn(t as string, snap(rt), true),
    },
  ],
  ['to_regtype', { sigs: [sig([T.text], T.regtype)], call: ([t]) => regtypeIn(t as string, true) }],
  ['quote_ident', { sigs: [sig([T.text], T.text)], call: ([t]) => quoteIdent(t as string) }],
  ['pg_postmaster_start_time', { sigs: [sig([], T.timestamptz)], call: () => PROCESS_START_US }],
  [
    'pg_typeof_name',
    { sigs: [sig([T.oid], T.text)], call: ([o]) => typeInfo(o as number)?.sqlName ?? null },
  ],
  ['pg_my_temp_schema', { sigs: [sig([], T.oid)], call: () => 0 }],
  ['pg_is_other_temp_schema', { sigs: [sig([T.oid], T.bool)], call: () => false }],
  ['pg_jit_available', { sigs: [sig([], T.bool)], call: () => false }],
  ['inet_server_port', { sigs: [sig([], T.int4)], call: () => null }],
  ['inet_server_addr', { sigs: [sig([], T.text)], call: () => null }],
  ['inet_client_addr', { sigs: [sig([], T.text)], call: () => null }],
  // Internal: the conversions of reg* casts (exprCompiler's cast hook).
  [
    'regclass_in',
    {
      sigs: [sig([T.text], T.regclass)],
      snapshot: true,
      call: ([t], rt) => regclassIn(t as string, snap(rt), false),
    },
  ],
  [
    'regtype_in',
    { sigs: [sig([T.text], T.regtype)], call: ([t]) => regtypeIn(t as string, false) },
  ],
  ['regproc_in', { sigs: [sig([T.text], T.regproc)], call: ([t]) => regprocIn(t as string) }],
  [
    'regclass_out',
    {
      sigs: [sig([T.oid], T.text)],
      snapshot: true,
      call: ([o], rt) => regclassOut(o as number, snap(rt)),
    },
  ],
  [
    'regtype_out',
    {
      sigs: [sig([T.oid], T.text)],
      call: ([o]) => (typeInfo(o as number) ? formatType(o as number, -1) : String(o)),
    },
  ],
  [
    'regnamespace_out',
    {
      sigs: [sig([T.oid], T.text)],
      snapshot: true,
      call: ([o], rt) =>
        snap(rt)
          .schemas.concat(['pg_catalog', 'information_schema'])
          .find((n) => namespaceOid(n) === o) ?? String(o),
    },
  ],
  ['regrole_out', { sigs: [sig([T.oid], T.text)], call: ([o], rt) => roleName(o as number, rt) }],
  [
    'array_cat',
    {
      sigs: [],
      nonStrict: true,
      call: ([a, b]) => (a === null ? b : b === null ? a : [...(a as Datum[]), ...(b as Datum[])]),
    },
  ],
  // A set-returning function in PostgreSQL; without partitions its set is the relation
  // itself, one row, so it runs as a scalar.
  ['pg_partition_ancestors', { sigs: [sig([T.oid], T.regclass)], call: ([o]) => o }],
  ['pg_partition_root', { sigs: [sig([T.oid], T.regclass)], call: ([o]) => o }],
  [
    'array_subscript',
    { sigs: [], call: ([arr, i]) => (arr as Datum[])[(i as number) - 1] ?? null },
  ],
  [
    'array_upper',
    {
      sigs: [sig([T._int2, T.int4], T.int4)],
      call: ([arr, d]) => (d === 1 && (arr as Datum[]).length > 0 ? (arr as Datum[]).length : null),
    },
  ],
  [
    'array_lower',
    {
      sigs: [sig([T._int2, T.int4], T.int4)],
      call: ([arr, d]) => (d === 1 && (arr as Datum[]).length > 0 ? 1 : null),
    },
  ],
  [
    'oid_id',
    { sigs: [sig([T.oid], T.oid)], call: ([o]) => (typeof o === 'bigint' ? Number(o) : o) },
  ],
  [
    'regex',
    {
      sigs: [sig([T.text, T.text, T.bool, T.bool], T.bool)],
      call: ([s, p, ci, neg]) => {
        const m = regexFor(p as string, ci as boolean).test(s as string);
        return neg ? !m : m;
      },
    },
  ],
]);

const PROCESS_START_US = BigInt(Date.now() - Date.UTC(2000, 0, 1)) * 1000n;

const regexCache = new Map<string, RegExp>();

/** POSIX regular expressions (as psql's patterns use them) through JavaScript's engine. */
function regexFor(p: string, ci: boolean): RegExp {
  const key = `${ci ? 'i' : 's'}${p}`;
  let re = regexCache.get(key);
  if (!re) {
    try {
      re = new RegExp(
        p.replace(/\[\[:(\w+):\]\]/g, (_m, cls: string) => POSIX_CLASSES[cls] ?? _m),
        ci ? 'iu' : 'u',
      );
    } catch (err) {
      throw new SqlError('2201B', `invalid regular expression: ${(err as Error).message}`);
    }
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(key, re);
  }
  return re;
}

const POSIX_CLASSES: Record<string, string> = {
  alpha: '[a-zA-Z]',
  digit: '[0-9]',
  alnum: '[a-zA-Z0-9]',
  space: '\\s',
  upper: '[A-Z]',
  lower: '[a-z]',
};

/** Runs `pg.<name>` (the evaluator's hook). */
export function callCatalogFunction(
  f: string,
  args: Datum[],
  rt: CatalogRuntime | undefined,
): Datum {
  const fn = CATALOG_FUNCTIONS.get(f.slice(3));
  if (!fn) throw new SqlError(SqlState.undefinedFunction, `function ${f.slice(3)} does not exist`);
  if (!rt)
    throw new SqlError(SqlState.featureNotSupported, `${f.slice(3)}() is not available here`);
  if (!fn.nonStrict && args.some((a) => a === null)) return null;
  return fn.call(args, rt);
}

/** Does this expression tree call a catalog function that needs a snapshot? */
export function needsSnapshot(e: Expr): boolean {
  return (
    e.k === 'fn' && e.f.startsWith('pg.') && CATALOG_FUNCTIONS.get(e.f.slice(3))?.snapshot === true
  );
}

export { namespaceOid, T as _T };
