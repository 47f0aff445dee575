/**
 * The constraints and indexes of a table in PostgreSQL's terms (pg_constraint, pg_index),
 * with their OIDs (oids.ts) and the definitions pg_get_constraintdef / pg_get_indexdef
 * print. One place, so pg_catalog and information_schema agree.
 */
import type { ColumnDef, TableDef } from '../../common/catalog/schema';
import { constraintOid, indexOid, pkConstraintOid, pkIndexOid } from './oids';

export interface ConstraintInfo {
  readonly oid: number;
  readonly name: string;
  readonly type: 'p' | 'u' | 'c' | 'f';
  readonly table: TableDef;
  /** attnums (column ids). */
  readonly cols: readonly number[];
  /** The index that enforces it (p, u), or the referenced key's index (f). */
  readonly indexOid: number;
  readonly check?: string;
  readonly ref?: { schema: string; table: string; columns: readonly string[] };
  readonly onDelete?: string;
}

export interface IndexInfo {
  readonly oid: number;
  readonly name: string;
  readonly table: TableDef;
  readonly cols: readonly number[];
  readonly unique: boolean;
  readonly primary: boolean;
}

/** A quoted identifier as quote_ident does it: only when needed. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name)
    ? name
    : `"${name.replace(/"/g, '""')}"`;
}

const RESERVED = new Set([
  'all',
  'analyse',
  'analyze',
  'and',
  'any',
  'array',
  'as',
  'asc',
  'asymmetric',
  'both',
  'case',
  'cast',
  'check',
  'collate',
  'column',
  'constraint',
  'create',
  'current_catalog',
  'current_date',
  'current_role',
  'current_time',
  'current_timestamp',
  'current_user',
  'default',
  'deferrable',
  'desc',
  'distinct',
  'do',
  'else',
  'end',
  'except',
  'false',
  'fetch',
  'for',
  'foreign',
  'from',
  'grant',
  'group',
  'having',
  'in',
  'initially',
  'intersect',
  'into',
  'lateral',
  'leading',
  'limit',
  'localtime',
  'localtimestamp',
  'not',
  'null',
  'offset',
  'on',
  'only',
  'or',
  'order',
  'placing',
  'primary',
  'references',
  'returning',
  'select',
  'session_user',
  'some',
  'symmetric',
  'table',
  'then',
  'to',
  'trailing',
  'true',
  'union',
  'unique',
  'user',
  'using',
  'variadic',
  'when',
  'where',
  'window',
  'with',
]);

export function visibleColumns(t: TableDef): ColumnDef[] {
  return t.columns.filter((c) => !c.hidden);
}

function colName(t: TableDef, id: number): string {
  return quoteIdent(t.columns.find((c) => c.id === id)?.name ?? `?${id}`);
}

export function hasVisiblePk(t: TableDef): boolean {
  return t.primaryKey.length > 0 && !t.columns.some((c) => c.hidden && t.primaryKey.includes(c.id));
}

export function indexesOf(t: TableDef): IndexInfo[] {
  const out: IndexInfo[] = [];
  if (hasVisiblePk(t))
    out.push({
      oid: pkIndexOid(t.id),
      name: t.pkName ?? `${t.name}_pkey`,
      table: t,
      cols: t.primaryKey,
      unique: true,
      primary: true,
    });
  for (const ix of t.indexes ?? [])
    out.push({
      oid: indexOid(t.id, ix.id),
      name: ix.name,
      table: t,
      cols: ix.columns,
      unique: ix.unique,
      primary: false,
    });
  return out;
}

export function constraintsOf(
  t: TableDef,
  findTable: (schema: string, name: string) => TableDef | undefined,
): ConstraintInfo[] {
  const out: ConstraintInfo[] = [];
  if (hasVisiblePk(t))
    out.push({
      oid: pkConstraintOid(t.id),
      name: t.pkName ?? `${t.name}_pkey`,
      type: 'p',
      table: t,
      cols: t.primaryKey,
      indexOid: pkIndexOid(t.id),
    });
  let n = 0;
  for (const ix of t.indexes ?? []) {
    if (ix.constraint)
      out.push({
        oid: constraintOid(t.id, n),
        name: ix.name,
        type: 'u',
        table: t,
        cols: ix.columns,
        indexOid: indexOid(t.id, ix.id),
      });
    n++;
  }
  for (const c of t.checks ?? [])
    out.push({
      oid: constraintOid(t.id, n++),
      name: c.name,
      type: 'c',
      table: t,
      cols: [],
      indexOid: 0,
      check: c.expr,
    });
  for (const fk of t.foreignKeys ?? []) {
    const ref = findTable(fk.refSchema, fk.refTable);
    let refIndex = 0;
    if (ref) {
      const refIds = fk.refColumns.map((name) => ref.columns.find((c) => c.name === name)?.id);
      const same = (a: readonly number[]): boolean =>
        a.length === refIds.length && a.every((x, i) => x === refIds[i]);
      refIndex = indexesOf(ref).find((ix) => ix.unique && same(ix.cols))?.oid ?? 0;
    }
    out.push({
      oid: constraintOid(t.id, n++),
      name: fk.name,
      type: 'f',
      table: t,
      cols: fk.columns,
      indexOid: refIndex,
      ref: { schema: fk.refSchema, table: fk.refTable, columns: fk.refColumns },
      onDelete: fk.onDelete,
    });
  }
  return out;
}

/** Referenced key columns of a foreign key, as attnums of the referenced table. */
export function refAttnums(c: ConstraintInfo, ref: TableDef | undefined): number[] {
  if (!c.ref || !ref) return [];
  return c.ref.columns.map((name) => ref.columns.find((x) => x.name === name)?.id ?? 0);
}

/** pg_get_constraintdef(oid). */
/** pg_get_constraintdef(oid, pretty): pretty printing drops the CHECK's redundant parentheses. */
export function constraintDef(c: ConstraintInfo, pretty = false): string {
  const cols = c.cols.map((id) => colName(c.table, id)).join(', ');
  switch (c.type) {
    case 'p':
      return `PRIMARY KEY (${cols})`;
    case 'u':
      return `UNIQUE (${cols})`;
    case 'c': {
      const e = (c.check ?? '').trim().replace(/^\((.*)\)$/s, '$1');
      return pretty ? `CHECK (${e})` : `CHECK ((${e}))`;
    }
    case 'f': {
      const ref = c.ref as NonNullable<ConstraintInfo['ref']>;
      const target =
        ref.schema === 'public'
          ? quoteIdent(ref.table)
          : `${quoteIdent(ref.schema)}.${quoteIdent(ref.table)}`;
      const action =
        c.onDelete && c.onDelete !== 'no action' ? ` ON DELETE ${c.onDelete.toUpperCase()}` : '';
      return `FOREIGN KEY (${cols}) REFERENCES ${target}(${ref.columns.map(quoteIdent).join(', ')})${action}`;
    }
  }
}

/** pg_get_indexdef(oid). */
export function indexDef(ix: IndexInfo): string {
  const t = ix.table;
  return `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdent(ix.name)} ON ${quoteIdent(t.schema)}.${quoteIdent(t.name)} USING btree (${ix.cols.map((id) => colName(t, id)).join(', ')})`;
}
