/**
 * pg_catalog as virtual tables generated from our catalog (PostgreSQL 15's column lists).
 * Tables for features we do not have (inheritance, partitions, policies, publications,
 * extended statistics, enums, ranges, triggers) exist and are empty, so the queries that
 * psql, pgbench and ORMs send about them run and find nothing, as on a PostgreSQL without
 * such objects.
 */
import type { Datum } from '../../common/types/datum';
import type { DatabaseDef, RoleDef } from '../../common/catalog/schema';
import { TypeOid } from '../../common/types/datum';
import { allTypes } from '../../common/types/typeTable';
import { constraintDef, constraintsOf, indexesOf, refAttnums, visibleColumns } from './constraints';
import { defaultDisplay } from './defaults';
import {
  BOOTSTRAP_SUPERUSER_OID,
  DATABASE_OID,
  namespaceOid,
  rowTypeOid,
  sequenceOid,
  tableOid,
  roleOid,
} from './oids';
import { PG_PROCS } from './procs';
import type { CatalogSnapshot } from './snapshot';
import { defineVirtual } from './virtualTable';

const OWNER = BOOTSTRAP_SUPERUSER_OID;
const HEAP_AM = 2;
const BTREE_AM = 403;

function findTable(s: CatalogSnapshot, schema: string, name: string) {
  return s.tables.find((t) => t.schema === schema && t.name === name);
}

/** Schemas: the catalog ones PostgreSQL always has, then ours. */
function namespaces(s: CatalogSnapshot): string[] {
  return [
    'pg_toast',
    'pg_catalog',
    ...s.schemas.filter((x) => x !== 'public'),
    'public',
    'information_schema',
  ].filter((x, i, a) => a.indexOf(x) === i);
}

defineVirtual(
  'pg_catalog',
  'pg_namespace',
  2615,
  'oid:oid nspname:name nspowner:oid nspacl:_text',
  (s) => namespaces(s).map((n) => [namespaceOid(n), n, n === 'public' ? 6171 : OWNER, null]),
);

defineVirtual(
  'pg_catalog',
  'pg_class',
  1259,
  `oid:oid relname:name relnamespace:oid reltype:oid reloftype:oid relowner:oid relam:oid
   relfilenode:oid reltablespace:oid relpages:int4 reltuples:float4 relallvisible:int4
   reltoastrelid:oid relhasindex:bool relisshared:bool relpersistence:char relkind:char
   relnatts:int2 relchecks:int2 relhasrules:bool relhastriggers:bool relhassubclass:bool
   relrowsecurity:bool relforcerowsecurity:bool relispopulated:bool relreplident:char
   relispartition:bool relrewrite:oid relfrozenxid:int4 relminmxid:int4 relacl:_text
   reloptions:_text relpartbound:text`,
  (s) => {
    const fkTables = new Set<number>();
    for (const t of s.tables)
      for (const fk of t.foreignKeys ?? []) {
        fkTables.add(t.id);
        const ref = findTable(s, fk.refSchema, fk.refTable);
        if (ref) fkTables.add(ref.id);
      }
    return s.relations.map((r) => {
      const t = r.kind === 'r' || r.kind === 'v' ? r.table : undefined;
      const natts = r.table
        ? r.kind === 'i'
          ? (indexesOf(r.table).find((ix) => ix.oid === r.oid)?.cols.length ?? 0)
          : visibleColumns(r.table).length
        : r.kind === 'S'
          ? 3
          : 0;
      return [
        r.oid,
        r.name,
        namespaceOid(r.schema),
        t ? rowTypeOid(t.id) : 0,
        0,
        OWNER,
        r.kind === 'i' ? BTREE_AM : r.kind === 'r' ? HEAP_AM : 0,
        r.oid,
        0,
        0,
        -1,
        0,
        0,
        t ? indexesOf(t).length > 0 : false,
        false,
        'p',
        r.kind,
        natts,
        t ? (t.checks ?? []).length : 0,
        false,
        // Foreign keys are enforced by triggers in PostgreSQL, on both tables; psql looks for
        // foreign keys only when relhastriggers says so.
        t ? fkTables.has(t.id) : false,
        false,
        false,
        false,
        true,
        r.kind === 'r' || r.kind === 'S' ? 'd' : 'n',
        false,
        0,
        0,
        0,
        null,
        null,
        null,
      ];
    });
  },
);

defineVirtual(
  'pg_catalog',
  'pg_attribute',
  1249,
  `attrelid:oid attname:name atttypid:oid attstattarget:int4 attlen:int2 attnum:int2
   attndims:int4 attcacheoff:int4 atttypmod:int4 attbyval:bool attalign:char attstorage:char
   attcompression:char attnotnull:bool atthasdef:bool atthasmissing:bool attidentity:char
   attgenerated:char attisdropped:bool attislocal:bool attinhcount:int4 attcollation:oid
   attacl:_text attoptions:_text attfdwoptions:_text attmissingval:text`,
  (s) => {
    const out: Datum[][] = [];
    const typlen = new Map(allTypes().map((t) => [t.oid, t]));
    const att = (
      rel: number,
      name: string,
      type: number,
      num: number,
      typmod: number,
      notNull: boolean,
      hasDef: boolean,
      identity: string,
    ): Datum[] => {
      const info = typlen.get(type);
      const collatable = info !== undefined && info.category === 'S' && type !== TypeOid.name;
      return [
        rel,
        name,
        type,
        -1,
        info?.typlen ?? -1,
        num,
        info?.category === 'A' ? 1 : 0,
        -1,
        typmod,
        info?.typbyval ?? false,
        'i',
        info?.typlen === -1 ? 'x' : 'p',
        '',
        notNull,
        hasDef,
        false,
        identity,
        '',
        false,
        true,
        0,
        collatable ? 100 : 0,
        null,
        null,
        null,
        null,
      ];
    };
    for (const r of s.relations) {
      if (!r.table) {
        if (r.kind === 'S') {
          out.push(att(r.oid, 'last_value', TypeOid.int8, 1, -1, true, false, ''));
          out.push(att(r.oid, 'log_cnt', TypeOid.int8, 2, -1, true, false, ''));
          out.push(att(r.oid, 'is_called', TypeOid.bool, 3, -1, true, false, ''));
        }
        continue;
      }
      const t = r.table;
      if (r.kind === 'i') {
        const ix = indexesOf(t).find((x) => x.oid === r.oid);
        ix?.cols.forEach((id, i) => {
          const c = t.columns.find((x) => x.id === id);
          if (c) out.push(att(r.oid, c.name, c.typeOid, i + 1, c.typeMod, false, false, ''));
        });
        continue;
      }
      for (const c of visibleColumns(t))
        out.push(
          att(
            r.oid,
            c.name,
            c.typeOid,
            c.id,
            c.typeMod,
            c.notNull || t.primaryKey.includes(c.id),
            c.defaultExpr !== undefined && c.identity === undefined,
            c.identity === 'always' ? 'a' : c.identity === 'by default' ? 'd' : '',
          ),
        );
    }
    return out;
  },
);

defineVirtual(
  'pg_catalog',
  'pg_attrdef',
  2604,
  'oid:oid adrelid:oid adnum:int2 adbin:text',
  (s) => {
    const out: Datum[][] = [];
    for (const t of s.tables)
      for (const c of visibleColumns(t))
        if (c.defaultExpr !== undefined && c.identity === undefined)
          out.push([
            tableOid(t.id) + 900 + c.id,
            tableOid(t.id),
            c.id,
            defaultDisplay(c.defaultExpr, c.typeOid),
          ]);
    return out;
  },
);

defineVirtual(
  'pg_catalog',
  'pg_type',
  1247,
  `oid:oid typname:name typnamespace:oid typowner:oid typlen:int2 typbyval:bool typtype:char
   typcategory:char typispreferred:bool typisdefined:bool typdelim:char typrelid:oid
   typsubscript:regproc typelem:oid typarray:oid typinput:regproc typoutput:regproc
   typreceive:regproc typsend:regproc typmodin:regproc typmodout:regproc typanalyze:regproc
   typalign:char typstorage:char typnotnull:bool typbasetype:oid typtypmod:int4 typndims:int4
   typcollation:oid typdefaultbin:text typdefault:text typacl:_text`,
  (s) => {
    const out: Datum[][] = allTypes().map((t) => [
      t.oid,
      t.name,
      namespaceOid('pg_catalog'),
      OWNER,
      t.typlen,
      t.typbyval,
      t.oid === TypeOid.record ? 'p' : t.category === 'X' ? 'p' : 'b',
      t.category,
      t.preferred,
      true,
      t.typdelim,
      0,
      t.category === 'A' ? 'array_subscript_handler' : '-',
      t.typelem,
      t.typarray,
      t.typinput,
      t.typoutput,
      t.typreceive,
      t.typsend,
      '-',
      '-',
      '-',
      t.typlen === 8 ? 'd' : t.typlen === 2 ? 's' : t.typlen === 1 || t.typlen === -2 ? 'c' : 'i',
      t.typlen === -1 ? 'x' : 'p',
      false,
      0,
      -1,
      0,
      t.category === 'S' && t.oid !== TypeOid.name ? 100 : 0,
      null,
      null,
      null,
    ]);
    for (const t of s.tables)
      out.push([
        rowTypeOid(t.id),
        t.name,
        namespaceOid(t.schema),
        OWNER,
        -1,
        false,
        'c',
        'C',
        false,
        true,
        ',',
        tableOid(t.id),
        '-',
        0,
        0,
        'record_in',
        'record_out',
        'record_recv',
        'record_send',
        '-',
        '-',
        '-',
        'd',
        'x',
        false,
        0,
        -1,
        0,
        0,
        null,
        null,
        null,
      ]);
    return out;
  },
);

defineVirtual(
  'pg_catalog',
  'pg_index',
  2610,
  `indexrelid:oid indrelid:oid indnatts:int2 indnkeyatts:int2 indisunique:bool
   indnullsnotdistinct:bool indisprimary:bool indisexclusion:bool indimmediate:bool
   indisclustered:bool indisvalid:bool indcheckxmin:bool indisready:bool indislive:bool
   indisreplident:bool indkey:int2vector indcollation:oidvector indclass:oidvector
   indoption:int2vector indexprs:text indpred:text`,
  (s) =>
    s.tables.flatMap((t) =>
      indexesOf(t).map((ix) => [
        ix.oid,
        tableOid(t.id),
        ix.cols.length,
        ix.cols.length,
        ix.unique,
        false,
        ix.primary,
        false,
        true,
        false,
        true,
        false,
        true,
        true,
        false,
        [...ix.cols],
        ix.cols.map(() => 0),
        ix.cols.map(() => 1978),
        ix.cols.map(() => 0),
        null,
        null,
      ]),
    ),
);

defineVirtual(
  'pg_catalog',
  'pg_constraint',
  2606,
  `oid:oid conname:name connamespace:oid contype:char condeferrable:bool condeferred:bool
   convalidated:bool conrelid:oid contypid:oid conindid:oid conparentid:oid confrelid:oid
   confupdtype:char confdeltype:char confmatchtype:char conislocal:bool coninhcount:int4
   connoinherit:bool conkey:_int2 confkey:_int2 conpfeqop:_oid conppeqop:_oid conffeqop:_oid
   confdelsetcols:_int2 conexclop:_oid conbin:text`,
  (s) =>
    s.tables.flatMap((t) =>
      constraintsOf(t, (sc, n) => findTable(s, sc, n)).map((c) => {
        const ref = c.ref ? findTable(s, c.ref.schema, c.ref.table) : undefined;
        const del = { cascade: 'c', 'set null': 'n', restrict: 'r', 'no action': 'a' }[
          c.onDelete ?? 'no action'
        ];
        return [
          c.oid,
          c.name,
          namespaceOid(t.schema),
          c.type,
          false,
          false,
          true,
          tableOid(t.id),
          0,
          c.indexOid,
          0,
          ref ? tableOid(ref.id) : 0,
          c.type === 'f' ? 'a' : ' ',
          c.type === 'f' ? (del ?? 'a') : ' ',
          c.type === 'f' ? 's' : ' ',
          true,
          0,
          c.type === 'c' ? false : true,
          c.cols.length > 0 ? [...c.cols] : null,
          c.type === 'f' ? refAttnums(c, ref) : null,
          null,
          null,
          null,
          null,
          null,
          c.type === 'c' ? constraintDef(c) : null,
        ];
      }),
    ),
);

defineVirtual(
  'pg_catalog',
  'pg_am',
  2601,
  'oid:oid amname:name amhandler:regproc amtype:char',
  () => [
    [HEAP_AM, 'heap', 'heap_tableam_handler', 't'],
    [BTREE_AM, 'btree', 'bthandler', 'i'],
    [405, 'hash', 'hashhandler', 'i'],
    [783, 'gist', 'gisthandler', 'i'],
    [2742, 'gin', 'ginhandler', 'i'],
    [4000, 'spgist', 'spghandler', 'i'],
    [3580, 'brin', 'brinhandler', 'i'],
  ],
);

defineVirtual(
  'pg_catalog',
  'pg_database',
  1262,
  `oid:oid datname:name datdba:oid encoding:int4 datlocprovider:char datistemplate:bool
   datallowconn:bool datconnlimit:int4 datfrozenxid:int4 datminmxid:int4 dattablespace:oid
   datcollate:text datctype:text daticulocale:text datcollversion:text datacl:_text`,
  (s) =>
    databaseRows(s).map((d) => [
      d.oid,
      d.name,
      roleOid(d.owner),
      6, // PG_UTF8
      'c',
      d.isTemplate,
      d.allowConnections,
      -1,
      0,
      1,
      1663,
      d.collate,
      d.ctype,
      null,
      null,
      d.acl ? [...d.acl] : null,
    ]),
);

/** The catalog's databases; before meta lists them (an older meta), the session's own. */
function databaseRows(s: CatalogSnapshot): readonly DatabaseDef[] {
  if (s.databases.length > 0) return s.databases;
  return [
    {
      oid: DATABASE_OID,
      name: s.session.database,
      owner: 'postgres',
      encoding: 'UTF8',
      collate: 'C',
      ctype: 'C',
      isTemplate: false,
      allowConnections: true,
    },
  ];
}

function roleRows(s: CatalogSnapshot): RoleDef[] {
  return [...s.roles];
}

defineVirtual(
  'pg_catalog',
  'pg_roles',
  1260,
  `rolname:name rolsuper:bool rolinherit:bool rolcreaterole:bool rolcreatedb:bool
   rolcanlogin:bool rolreplication:bool rolconnlimit:int4 rolpassword:text
   rolvaliduntil:timestamptz rolbypassrls:bool rolconfig:_text oid:oid`,
  (s) =>
    roleRows(s).map((r) => [
      r.name,
      r.superuser,
      true,
      r.createrole,
      r.createdb,
      r.login,
      r.superuser,
      -1,
      '********',
      null,
      r.superuser,
      null,
      roleOid(r.name),
    ]),
);

defineVirtual(
  'pg_catalog',
  'pg_authid',
  1260,
  `oid:oid rolname:name rolsuper:bool rolinherit:bool rolcreaterole:bool rolcreatedb:bool
   rolcanlogin:bool rolreplication:bool rolbypassrls:bool rolconnlimit:int4 rolpassword:text
   rolvaliduntil:timestamptz`,
  (s) =>
    roleRows(s).map((r) => [
      roleOid(r.name),
      r.name,
      r.superuser,
      true,
      r.createrole,
      r.createdb,
      r.login,
      r.superuser,
      r.superuser,
      -1,
      null,
      null,
    ]),
);

defineVirtual(
  'pg_catalog',
  'pg_user',
  12000,
  `usename:name usesysid:oid usecreatedb:bool usesuper:bool userepl:bool usebypassrls:bool
   passwd:text valuntil:timestamptz useconfig:_text`,
  (s) =>
    roleRows(s)
      .filter((r) => r.login)
      .map((r) => [
        r.name,
        roleOid(r.name),
        r.createdb,
        r.superuser,
        r.superuser,
        r.superuser,
        '********',
        null,
        null,
      ]),
);

defineVirtual(
  'pg_catalog',
  'pg_auth_members',
  1261,
  'roleid:oid member:oid grantor:oid admin_option:bool',
  () => [],
);

defineVirtual(
  'pg_catalog',
  'pg_proc',
  1255,
  `oid:oid proname:name pronamespace:oid proowner:oid prolang:oid procost:float4 prorows:float4
   provariadic:oid prosupport:regproc prokind:char prosecdef:bool proleakproof:bool
   proisstrict:bool proretset:bool provolatile:char proparallel:char pronargs:int2
   pronargdefaults:int2 prorettype:oid proargtypes:oidvector proallargtypes:_oid
   proargmodes:_char proargnames:_text proargdefaults:text protrftypes:_oid prosrc:text
   probin:text prosqlbody:text proconfig:_text proacl:_text`,
  () =>
    PG_PROCS.map((p) => [
      p.oid,
      p.name,
      namespaceOid('pg_catalog'),
      OWNER,
      12,
      1,
      0,
      0,
      '-',
      p.kind ?? 'f',
      false,
      false,
      true,
      false,
      'v',
      's',
      p.args.length,
      0,
      p.ret,
      [...p.args],
      null,
      null,
      null,
      null,
      null,
      p.name,
      null,
      null,
      null,
      null,
    ]),
);

defineVirtual(
  'pg_catalog',
  'pg_description',
  2609,
  'objoid:oid classoid:oid objsubid:int4 description:text',
  () => [],
);
defineVirtual(
  'pg_catalog',
  'pg_shdescription',
  2396,
  'objoid:oid classoid:oid description:text',
  () => [],
);
defineVirtual(
  'pg_catalog',
  'pg_inherits',
  2611,
  'inhrelid:oid inhparent:oid inhseqno:int4 inhdetachpending:bool',
  () => [],
);

defineVirtual(
  'pg_catalog',
  'pg_sequence',
  2224,
  'seqrelid:oid seqtypid:oid seqstart:int8 seqincrement:int8 seqmax:int8 seqmin:int8 seqcache:int8 seqcycle:bool',
  (s) =>
    s.sequences.map((q) => [
      sequenceOid(q.schema, q.name),
      sequenceType(s, q).oid,
      BigInt(q.start),
      BigInt(q.increment),
      sequenceType(s, q).max,
      1n,
      1n,
      false,
    ]),
);

defineVirtual(
  'pg_catalog',
  'pg_sequences',
  12100,
  `schemaname:name sequencename:name sequenceowner:name data_type:regtype start_value:int8
   min_value:int8 max_value:int8 increment_by:int8 cycle:bool cache_size:int8 last_value:int8`,
  (s) =>
    s.sequences.map((q) => [
      q.schema,
      q.name,
      'postgres',
      sequenceType(s, q).oid,
      BigInt(q.start),
      1n,
      sequenceType(s, q).max,
      BigInt(q.increment),
      false,
      1n,
      null,
    ]),
);

/**
 * A sequence's data type: a serial column's sequence has the column's integer type (serial
 * → integer, as PostgreSQL creates it); any other is bigint.
 */
export function sequenceType(
  s: CatalogSnapshot,
  q: { schema: string; name: string },
): { oid: number; max: bigint; name: string } {
  const own = sequenceOwners(s).find((o) => o.seq === sequenceOid(q.schema, q.name));
  const t = own ? s.tables.find((x) => tableOid(x.id) === own.table) : undefined;
  const col = t?.columns.find((c) => c.id === own?.col);
  if (col?.typeOid === TypeOid.int4)
    return { oid: TypeOid.int4, max: 2147483647n, name: 'integer' };
  if (col?.typeOid === TypeOid.int2) return { oid: TypeOid.int2, max: 32767n, name: 'smallint' };
  return { oid: TypeOid.int8, max: 9223372036854775807n, name: 'bigint' };
}

/** Which serial column owns each sequence (pg_depend 'a' entries, pg_get_serial_sequence). */
export function sequenceOwners(
  s: CatalogSnapshot,
): Array<{ seq: number; table: number; col: number }> {
  const out: Array<{ seq: number; table: number; col: number }> = [];
  for (const t of s.tables)
    for (const c of t.columns) {
      const m = /^nextval\('(?:([^.']+)\.)?([^']+)'/.exec(c.defaultExpr ?? '');
      if (!m || c.hidden) continue;
      const schema = m[1] ?? t.schema;
      const rel = s.relByName.get(`${schema}.${m[2]}`);
      if (rel && rel.kind === 'S') out.push({ seq: rel.oid, table: tableOid(t.id), col: c.id });
    }
  return out;
}

defineVirtual(
  'pg_catalog',
  'pg_depend',
  2608,
  'classid:oid objid:oid objsubid:int4 refclassid:oid refobjid:oid refobjsubid:int4 deptype:char',
  (s) => sequenceOwners(s).map((o) => [1259, o.seq, 0, 1259, o.table, o.col, 'a']),
);

defineVirtual(
  'pg_catalog',
  'pg_settings',
  12200,
  `name:text setting:text unit:text category:text short_desc:text extra_desc:text context:text
   vartype:text source:text min_val:text max_val:text enumvals:_text boot_val:text
   reset_val:text sourcefile:text sourceline:int4 pending_restart:bool`,
  (s) =>
    [...s.session.settings()]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([n, v]) => [
        n,
        v,
        null,
        'Ungrouped',
        '',
        null,
        'user',
        'string',
        'default',
        null,
        null,
        null,
        v,
        v,
        null,
        null,
        false,
      ]),
);

defineVirtual(
  'pg_catalog',
  'pg_collation',
  3456,
  `oid:oid collname:name collnamespace:oid collowner:oid collprovider:char
   collisdeterministic:bool collencoding:int4 collcollate:text collctype:text
   colliculocale:text collversion:text`,
  () => [
    [100, 'default', 11, OWNER, 'd', true, -1, null, null, null, null],
    [950, 'C', 11, OWNER, 'c', true, -1, 'C', 'C', null, null],
    [951, 'POSIX', 11, OWNER, 'c', true, -1, 'POSIX', 'POSIX', null, null],
  ],
);

defineVirtual(
  'pg_catalog',
  'pg_tablespace',
  1213,
  'oid:oid spcname:name spcowner:oid spcacl:_text spcoptions:_text',
  () => [
    [1663, 'pg_default', OWNER, null, null],
    [1664, 'pg_global', OWNER, null, null],
  ],
);

defineVirtual(
  'pg_catalog',
  'pg_stat_activity',
  12300,
  `datid:oid datname:name pid:int4 leader_pid:int4 usesysid:oid usename:name
   application_name:text client_addr:text client_hostname:text client_port:int4
   backend_start:timestamptz xact_start:timestamptz query_start:timestamptz
   state_change:timestamptz wait_event_type:text wait_event:text state:text backend_xid:int4
   backend_xmin:int4 query_id:int8 query:text backend_type:text`,
  (s) =>
    s.sessionList.map((e) => [
      s.databases.find((d) => d.name === e.database)?.oid ?? DATABASE_OID,
      e.database,
      e.pid,
      null,
      OWNER,
      e.user,
      e.applicationName(),
      e.clientAddr,
      null,
      null,
      e.backendStartUs,
      null,
      e.queryStartUs,
      e.queryStartUs,
      null,
      null,
      e.state,
      null,
      null,
      null,
      e.query,
      'client backend',
    ]),
);

defineVirtual(
  'pg_catalog',
  'pg_range',
  3541,
  'rngtypid:oid rngsubtype:oid rngmultitypid:oid rngcollation:oid rngsubopc:oid rngcanonical:regproc rngsubdiff:regproc',
  () => [],
);
defineVirtual(
  'pg_catalog',
  'pg_enum',
  3501,
  'oid:oid enumtypid:oid enumsortorder:float4 enumlabel:name',
  () => [],
);
defineVirtual(
  'pg_catalog',
  'pg_policy',
  3256,
  'oid:oid polname:name polrelid:oid polcmd:char polpermissive:bool polroles:_oid polqual:text polwithcheck:text',
  () => [],
);
defineVirtual(
  'pg_catalog',
  'pg_publication',
  6104,
  'oid:oid pubname:name pubowner:oid puballtables:bool pubinsert:bool pubupdate:bool pubdelete:bool pubtruncate:bool pubviaroot:bool',
  () => [],
);
defineVirtual(
  'pg_catalog',
  'pg_publication_rel',
  6106,
  'oid:oid prpubid:oid prrelid:oid prqual:text prattrs:int2vector',
  () => [],
);
defineVirtual(
  'pg_catalog',
  'pg_publication_namespace',
  6237,
  'oid:oid pnpubid:oid pnnspid:oid',
  () => [],
);
defineVirtual(
  'pg_catalog',
  'pg_statistic_ext',
  3381,
  'oid:oid stxrelid:oid stxname:name stxnamespace:oid stxowner:oid stxstattarget:int4 stxkeys:int2vector stxkind:_char stxexprs:text',
  () => [],
);
defineVirtual(
  'pg_catalog',
  'pg_partitioned_table',
  3350,
  'partrelid:oid partstrat:char partnatts:int2 partdefid:oid partattrs:int2vector partclass:oidvector partcollation:oidvector partexprs:text',
  () => [],
);
defineVirtual(
  'pg_catalog',
  'pg_trigger',
  2620,
  `oid:oid tgrelid:oid tgparentid:oid tgname:name tgfoid:oid tgtype:int2 tgenabled:char
   tgisinternal:bool tgconstrrelid:oid tgconstrindid:oid tgconstraint:oid tgdeferrable:bool
   tginitdeferred:bool tgnargs:int2 tgattr:int2vector tgargs:text tgqual:text
   tgoldtable:name tgnewtable:name`,
  () => [],
);
defineVirtual(
  'pg_catalog',
  'pg_rewrite',
  2618,
  'oid:oid rulename:name ev_class:oid ev_type:char ev_enabled:char is_instead:bool ev_qual:text ev_action:text',
  () => [],
);
defineVirtual(
  'pg_catalog',
  'pg_extension',
  3079,
  'oid:oid extname:name extowner:oid extnamespace:oid extrelocatable:bool extversion:text extconfig:_oid extcondition:_text',
  () => [[13500, 'plpgsql', OWNER, 11, false, '1.0', null, null]],
);
defineVirtual(
  'pg_catalog',
  'pg_foreign_table',
  3118,
  'ftrelid:oid ftserver:oid ftoptions:_text',
  () => [],
);
defineVirtual(
  'pg_catalog',
  'pg_foreign_server',
  1417,
  'oid:oid srvname:name srvowner:oid srvfdw:oid srvtype:text srvversion:text srvacl:_text srvoptions:_text',
  () => [],
);
defineVirtual(
  'pg_catalog',
  'pg_views',
  12400,
  'schemaname:name viewname:name viewowner:name definition:text',
  () => [],
);
defineVirtual(
  'pg_catalog',
  'pg_matviews',
  12410,
  'schemaname:name matviewname:name matviewowner:name tablespace:name hasindexes:bool ispopulated:bool definition:text',
  () => [],
);

defineVirtual(
  'pg_catalog',
  'pg_tables',
  12420,
  'schemaname:name tablename:name tableowner:name tablespace:name hasindexes:bool hasrules:bool hastriggers:bool rowsecurity:bool',
  (s) =>
    s.tables.map((t) => [
      t.schema,
      t.name,
      'postgres',
      null,
      indexesOf(t).length > 0,
      false,
      false,
      false,
    ]),
);

defineVirtual(
  'pg_catalog',
  'pg_indexes',
  12430,
  'schemaname:name tablename:name indexname:name tablespace:name indexdef:text',
  (s) =>
    s.tables.flatMap((t) =>
      indexesOf(t).map((ix) => [t.schema, t.name, ix.name, null, indexDefText(ix)]),
    ),
);

defineVirtual(
  'pg_catalog',
  'pg_statio_all_tables',
  12440,
  `relid:oid schemaname:name relname:name heap_blks_read:int8 heap_blks_hit:int8
   idx_blks_read:int8 idx_blks_hit:int8 toast_blks_read:int8 toast_blks_hit:int8
   tidx_blks_read:int8 tidx_blks_hit:int8`,
  (s) =>
    s.tables.map((t) => [tableOid(t.id), t.schema, t.name, 0n, 0n, 0n, 0n, null, null, null, null]),
);

defineVirtual(
  'pg_catalog',
  'pg_stat_user_tables',
  12450,
  'relid:oid schemaname:name relname:name seq_scan:int8 n_live_tup:int8 n_dead_tup:int8',
  (s) => s.tables.map((t) => [tableOid(t.id), t.schema, t.name, 0n, 0n, 0n]),
);

import { indexDef as indexDefText } from './constraints';
