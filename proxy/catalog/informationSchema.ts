/**
 * information_schema views (SQL standard, as PostgreSQL 15 fills them) over our catalog.
 * The standard's domains become their base types: sql_identifier → name, character_data
 * and yes_or_no → varchar, cardinal_number → int4.
 */
import type { Datum } from '../../common/types/datum';
import { TypeOid } from '../../common/types/datum';
import { typeInfo } from '../../common/types/typeTable';
import { constraintsOf, visibleColumns } from './constraints';
import { defaultDisplay } from './defaults';
import { formatType } from './formatType';
import type { CatalogSnapshot } from './snapshot';
import { defineVirtual } from './virtualTable';
import { sequenceType } from './pgCatalog';

const T = TypeOid;

function findTable(s: CatalogSnapshot, schema: string, name: string) {
  return s.tables.find((t) => t.schema === schema && t.name === name);
}

defineVirtual(
  'information_schema',
  'tables',
  13100,
  `table_catalog:name table_schema:name table_name:name table_type:varchar
   self_referencing_column_name:name reference_generation:varchar
   user_defined_type_catalog:name user_defined_type_schema:name user_defined_type_name:name
   is_insertable_into:varchar is_typed:varchar commit_action:varchar`,
  (s) =>
    s.tables.map((t) => [
      s.session.database,
      t.schema,
      t.name,
      'BASE TABLE',
      null,
      null,
      null,
      null,
      null,
      'YES',
      'NO',
      null,
    ]),
);

/** information_schema.columns.data_type: the standard's name, or ARRAY / USER-DEFINED. */
function dataType(oid: number): string {
  const info = typeInfo(oid);
  if (!info) return 'USER-DEFINED';
  if (info.category === 'A') return 'ARRAY';
  return info.sqlName === '"char"' ? '"char"' : info.sqlName;
}

function numericFacts(oid: number, tm: number): [Datum, Datum, Datum] {
  switch (oid) {
    case T.int2:
      return [16, 2, 0];
    case T.int4:
      return [32, 2, 0];
    case T.int8:
      return [64, 2, 0];
    case T.float4:
      return [24, 2, null];
    case T.float8:
      return [53, 2, null];
    case T.numeric:
      return tm >= 0 ? [((tm - 4) >> 16) & 0xffff, 10, (tm - 4) & 0xffff] : [null, 10, null];
    default:
      return [null, null, null];
  }
}

defineVirtual(
  'information_schema',
  'columns',
  13110,
  `table_catalog:name table_schema:name table_name:name column_name:name ordinal_position:int4
   column_default:varchar is_nullable:varchar data_type:varchar character_maximum_length:int4
   character_octet_length:int4 numeric_precision:int4 numeric_precision_radix:int4
   numeric_scale:int4 datetime_precision:int4 interval_type:varchar interval_precision:int4
   character_set_catalog:name character_set_schema:name character_set_name:name
   collation_catalog:name collation_schema:name collation_name:name domain_catalog:name
   domain_schema:name domain_name:name udt_catalog:name udt_schema:name udt_name:name
   scope_catalog:name scope_schema:name scope_name:name maximum_cardinality:int4
   dtd_identifier:name is_self_referencing:varchar is_identity:varchar
   identity_generation:varchar identity_start:varchar identity_increment:varchar
   identity_maximum:varchar identity_minimum:varchar identity_cycle:varchar
   is_generated:varchar generation_expression:varchar is_updatable:varchar`,
  (s) => {
    const out: Datum[][] = [];
    for (const t of s.tables)
      for (const c of visibleColumns(t)) {
        const info = typeInfo(c.typeOid);
        const isChar = c.typeOid === T.varchar || c.typeOid === T.bpchar;
        const isText = isChar || c.typeOid === T.text;
        const maxLen = isChar && c.typeMod >= 4 ? c.typeMod - 4 : null;
        const [prec, radix, scale] = numericFacts(c.typeOid, c.typeMod);
        const dt =
          c.typeOid === T.date
            ? 0
            : [T.time, T.timestamp, T.timestamptz, T.interval].includes(c.typeOid as 1083)
              ? c.typeMod >= 0
                ? c.typeMod & 0xffff
                : 6
              : null;
        out.push([
          s.session.database,
          t.schema,
          t.name,
          c.name,
          c.id,
          c.defaultExpr !== undefined && c.identity === undefined
            ? defaultDisplay(c.defaultExpr, c.typeOid)
            : null,
          c.notNull || t.primaryKey.includes(c.id) ? 'NO' : 'YES',
          dataType(c.typeOid),
          maxLen,
          isText ? (maxLen !== null ? maxLen * 4 : 1073741824) : null,
          prec,
          radix,
          scale,
          dt,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          s.session.database,
          'pg_catalog',
          info?.name ?? formatType(c.typeOid, -1),
          null,
          null,
          null,
          null,
          String(c.id),
          'NO',
          c.identity ? 'YES' : 'NO',
          c.identity === 'always' ? 'ALWAYS' : c.identity === 'by default' ? 'BY DEFAULT' : null,
          c.identity ? '1' : null,
          c.identity ? '1' : null,
          c.identity ? '9223372036854775807' : null,
          c.identity ? '1' : null,
          c.identity ? 'NO' : 'NO',
          'NEVER',
          null,
          'YES',
        ]);
      }
    return out;
  },
);

defineVirtual(
  'information_schema',
  'schemata',
  13120,
  `catalog_name:name schema_name:name schema_owner:name default_character_set_catalog:name
   default_character_set_schema:name default_character_set_name:name sql_path:varchar`,
  (s) =>
    ['pg_catalog', 'information_schema', ...s.schemas].map((n) => [
      s.session.database,
      n,
      n === 'public' ? 'pg_database_owner' : 'postgres',
      null,
      null,
      null,
      null,
    ]),
);

const CONSTRAINT_TYPE = { p: 'PRIMARY KEY', u: 'UNIQUE', c: 'CHECK', f: 'FOREIGN KEY' } as const;

defineVirtual(
  'information_schema',
  'table_constraints',
  13130,
  `constraint_catalog:name constraint_schema:name constraint_name:name table_catalog:name
   table_schema:name table_name:name constraint_type:varchar is_deferrable:varchar
   initially_deferred:varchar enforced:varchar nulls_distinct:varchar`,
  (s) =>
    s.tables.flatMap((t) =>
      constraintsOf(t, (sc, n) => findTable(s, sc, n)).map((c) => [
        s.session.database,
        t.schema,
        c.name,
        s.session.database,
        t.schema,
        t.name,
        CONSTRAINT_TYPE[c.type],
        'NO',
        'NO',
        'YES',
        c.type === 'u' ? 'YES' : null,
      ]),
    ),
);

defineVirtual(
  'information_schema',
  'key_column_usage',
  13140,
  `constraint_catalog:name constraint_schema:name constraint_name:name table_catalog:name
   table_schema:name table_name:name column_name:name ordinal_position:int4
   position_in_unique_constraint:int4`,
  (s) =>
    s.tables.flatMap((t) =>
      constraintsOf(t, (sc, n) => findTable(s, sc, n))
        .filter((c) => c.type !== 'c')
        .flatMap((c) =>
          c.cols.map((id, i) => [
            s.session.database,
            t.schema,
            c.name,
            s.session.database,
            t.schema,
            t.name,
            t.columns.find((x) => x.id === id)?.name ?? null,
            i + 1,
            c.type === 'f' ? i + 1 : null,
          ]),
        ),
    ),
);

defineVirtual(
  'information_schema',
  'constraint_column_usage',
  13145,
  `table_catalog:name table_schema:name table_name:name column_name:name
   constraint_catalog:name constraint_schema:name constraint_name:name`,
  (s) =>
    s.tables.flatMap((t) =>
      constraintsOf(t, (sc, n) => findTable(s, sc, n)).flatMap((c) => {
        // For a foreign key the standard lists the referenced columns.
        if (c.type === 'f' && c.ref)
          return c.ref.columns.map((col) => [
            s.session.database,
            c.ref?.schema ?? null,
            c.ref?.table ?? null,
            col,
            s.session.database,
            t.schema,
            c.name,
          ]);
        return c.cols.map((id) => [
          s.session.database,
          t.schema,
          t.name,
          t.columns.find((x) => x.id === id)?.name ?? null,
          s.session.database,
          t.schema,
          c.name,
        ]);
      }),
    ),
);

defineVirtual(
  'information_schema',
  'referential_constraints',
  13150,
  `constraint_catalog:name constraint_schema:name constraint_name:name
   unique_constraint_catalog:name unique_constraint_schema:name unique_constraint_name:name
   match_option:varchar update_rule:varchar delete_rule:varchar`,
  (s) =>
    s.tables.flatMap((t) =>
      constraintsOf(t, (sc, n) => findTable(s, sc, n))
        .filter((c) => c.type === 'f')
        .map((c) => {
          const ref = c.ref ? findTable(s, c.ref.schema, c.ref.table) : undefined;
          const uniq = ref
            ? constraintsOf(ref, (sc, n) => findTable(s, sc, n)).find(
                (k) => k.indexOid === c.indexOid,
              )
            : undefined;
          return [
            s.session.database,
            t.schema,
            c.name,
            s.session.database,
            c.ref?.schema ?? null,
            uniq?.name ?? null,
            'NONE',
            'NO ACTION',
            (c.onDelete ?? 'no action').toUpperCase(),
          ];
        }),
    ),
);

defineVirtual(
  'information_schema',
  'sequences',
  13160,
  `sequence_catalog:name sequence_schema:name sequence_name:name data_type:varchar
   numeric_precision:int4 numeric_precision_radix:int4 numeric_scale:int4 start_value:varchar
   minimum_value:varchar maximum_value:varchar increment:varchar cycle_option:varchar`,
  (s) =>
    s.sequences.map((q) => [
      s.session.database,
      q.schema,
      q.name,
      sequenceType(s, q).name,
      sequenceType(s, q).oid === TypeOid.int8
        ? 64
        : sequenceType(s, q).oid === TypeOid.int4
          ? 32
          : 16,
      2,
      0,
      String(q.start),
      '1',
      String(sequenceType(s, q).max),
      String(q.increment),
      'NO',
    ]),
);

defineVirtual(
  'information_schema',
  'views',
  13170,
  'table_catalog:name table_schema:name table_name:name view_definition:varchar check_option:varchar is_updatable:varchar is_insertable_into:varchar is_trigger_updatable:varchar is_trigger_deletable:varchar is_trigger_insertable_into:varchar',
  () => [],
);
defineVirtual(
  'information_schema',
  'routines',
  13180,
  'specific_catalog:name specific_schema:name specific_name:name routine_catalog:name routine_schema:name routine_name:name routine_type:varchar data_type:varchar',
  () => [],
);
defineVirtual(
  'information_schema',
  'check_constraints',
  13190,
  'constraint_catalog:name constraint_schema:name constraint_name:name check_clause:varchar',
  (s) =>
    s.tables.flatMap((t) =>
      constraintsOf(t, (sc, n) => findTable(s, sc, n))
        .filter((c) => c.type === 'c')
        .map((c) => [s.session.database, t.schema, c.name, `(${c.check ?? ''})`]),
    ),
);
