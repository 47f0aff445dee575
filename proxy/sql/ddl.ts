/**
 * DDL: CREATE/DROP TABLE, CREATE/DROP INDEX (global secondary indexes, backfilled from
 * existing rows), ALTER TABLE (columns, defaults, NOT NULL, constraints, PRIMARY KEY
 * after load — which re-keys the table), TRUNCATE, CREATE SCHEMA, CREATE/DROP SEQUENCE.
 * Catalog changes are meta commands; data writes go through the WriteBuffer, except the
 * row rewrite of ALTER TABLE (rewriteRows.ts), which pages through the table.
 */
import { isDeepStrictEqual } from 'node:util';
import { Deparser } from 'pgsql-deparser';
import { SqlError, SqlState } from '../../common/errors';
import type {
  CheckDef,
  ColumnDef,
  ForeignKeyDef,
  IndexDef,
  TableDef,
  TableExtras,
} from '../../common/catalog/schema';
import { tableEnd, tableStart } from '../../common/catalog/keyspace';
import { TypeOid, type Datum } from '../../common/types/datum';
import { evalExpr } from '../../common/expr/eval';
import { newEvalCtx } from '../../common/expr/expr';
import { toWire } from '../../common/expr/typesAdapter';
import { untilUnlocked } from './spanLockWait';
import type { CatalogUndo, ExecContext } from './context';
import { arrayTypeOf, names, typmodOf } from './exprCompiler';
import { indexPrefix, keyableType, prefixEnd } from './keys';
import type { AstNode } from './parser';
import { Planner } from './planner';
import { rewriteRows } from './rewriteRows';
import { Scope } from './scope';
import { checkForeignKeys, parseExpr, TableWriter } from './tableWriter';
import { castValue } from '../../common/expr/casts';
import { typeOidOf } from './typeNames';
import { WriteBuffer } from './writeBuffer';
import { deleteBlockWrites, refuseIfBlockWrote, rowsForDdl } from './ddlRows';

const T = TypeOid;

export interface DdlStatement {
  /**
   * `undo` takes the statement back, should its transaction roll back — or, for a change
   * a rollback cannot take back yet, says so (notUndone) so the rollback warns.
   */
  execute(ctx: ExecContext): Promise<{ tag: string; undo?: CatalogUndo }>;
}

/** DROP [TABLE | INDEX | SEQUENCE] IF EXISTS schema.name, as the undo of its CREATE. */
function dropOnRollback(
  kind: 'TABLE' | 'INDEX' | 'SEQUENCE',
  schema: string,
  name: string,
): CatalogUndo {
  const part = (sval: string): AstNode => ({ String: { sval } });
  const drop = compileDrop({
    removeType: `OBJECT_${kind}`,
    objects: [{ List: { items: [part(schema), part(name)] } }],
    missing_ok: true,
    behavior: 'DROP_RESTRICT',
  });
  return {
    what: `CREATE ${kind} "${schema}.${name}"`,
    undo: async (ctx) => {
      await drop.execute(ctx);
    },
  };
}

/**
 * A change whose data is gone when it runs (DROP, TRUNCATE, a column dropped or retyped):
 * a rollback cannot take it back yet, and warns instead of keeping quiet about it.
 */
function notUndone(what: string): CatalogUndo {
  return {
    what,
    undo: () =>
      Promise.reject(
        new Error('its change was applied when it ran (DDL is not fully transactional yet)'),
      ),
  };
}

/** Runs `parts` in order: every one is tried; the first failure is reported. */
function undoAll(what: string, parts: readonly CatalogUndo[]): CatalogUndo {
  return {
    what,
    undo: async (ctx) => {
      let first: unknown = null;
      for (const p of parts) await p.undo(ctx).catch((err: unknown) => (first ??= err));
      if (first !== null) throw first;
    },
  };
}

/** The next column id and index id a definition hands out (older ones lack the counters). */
function nextIds(t: TableDef): { col: number; ix: number } {
  return {
    col: t.nextColumnId ?? Math.max(...t.columns.map((c) => c.id)) + 1,
    ix: t.nextIndexId ?? (t.indexes?.length ?? 0) + 1,
  };
}

/** A definition's content, without what every change (and every undo) moves on. */
function content(t: TableDef): Omit<TableDef, 'version' | 'nextColumnId' | 'nextIndexId'> {
  const { version: _v, nextColumnId: _c, nextIndexId: _i, ...rest } = t;
  return rest;
}

/**
 * Puts the definition `before` back over `after`, which one ALTER TABLE or RENAME left:
 * for changes that live in the definition alone (a column added, defaults, NOT NULL,
 * CHECK and FOREIGN KEY constraints, a UNIQUE constraint's new index, names). Only if the
 * table still reads as `after` — later statements of the transaction were taken back
 * first, newest first, which moved its version on but not its content — and meta's
 * compare-and-set on that version refuses it (40001) if it changes meanwhile. The id
 * counters never go back: stored rows keep the values of a column added and taken back,
 * and a later ADD COLUMN must not read them. The entries of an index the statement added go.
 */
function restoreOnRollback(before: TableDef, after: TableDef, what: string): CatalogUndo {
  return {
    what,
    undo: async (ctx) => {
      const now = await ctx.catalog.find(after.schema, after.name);
      if (!now) throw new Error(`relation "${after.name}" no longer exists`);
      if (!isDeepStrictEqual(content(now), content(after)))
        throw new Error(`relation "${after.name}" was changed again after it`);
      const ids = [nextIds(now), nextIds(after), nextIds(before)];
      await alterTable(ctx, now, {
        ...before,
        nextColumnId: Math.max(...ids.map((i) => i.col)),
        nextIndexId: Math.max(...ids.map((i) => i.ix)),
      });
      const kept = new Set((before.indexes ?? []).map((i) => i.id));
      for (const ix of after.indexes ?? []) {
        if (kept.has(ix.id)) continue;
        const p = indexPrefix(after.id, ix.id);
        await deleteSpan(ctx, p, prefixEnd(p));
      }
      if (after.name !== before.name) {
        ctx.catalog.forget(after.schema, after.name);
        await ctx.catalog.refresh();
      }
    },
  };
}

function deparse(node: AstNode): string {
  return Deparser.deparse(node as never, {});
}

const SERIALS: Record<string, number> = {
  serial: T.int4,
  serial4: T.int4,
  bigserial: T.int8,
  serial8: T.int8,
  smallserial: T.int2,
  serial2: T.int2,
};

function firstColumnRef(node: unknown): string | undefined {
  if (Array.isArray(node)) {
    for (const x of node) {
      const r = firstColumnRef(x);
      if (r) return r;
    }
    return undefined;
  }
  if (node === null || typeof node !== 'object') return undefined;
  const o = node as Record<string, unknown>;
  if (o.ColumnRef) return names((o.ColumnRef as AstNode).fields).pop();
  for (const v of Object.values(o)) {
    const r = firstColumnRef(v);
    if (r) return r;
  }
  return undefined;
}

/** The sequence a column default draws from (`nextval('[schema.]name')`), or null. */
function sequenceOfDefault(defaultExpr: string | undefined): string | null {
  const m = /^nextval\('(?:[^.']+\.)?([^']+)'\)$/.exec(defaultExpr ?? '');
  return m === null ? null : m[1];
}

async function afterCatalogChange(ctx: ExecContext): Promise<void> {
  await Promise.all([ctx.catalog.refresh(), ctx.ranges.refresh()]);
}

/** How long CREATE TABLE waits for a shard to learn the new range map. */
const ADOPT_TIMEOUT_MS = 10_000;

/**
 * CREATE TABLE carves the table's range out of the range that held its key span and may
 * give it to another shard, in meta alone: the old owner learns of it only at its next
 * heartbeat, and until then takes a request that a proxy with an equally old range map
 * sends it under the old range's epoch — a write to the new table landing on the wrong
 * shard, an UPDATE that finds no row. So before CREATE TABLE answers, every shard adopts
 * the new map (range.adopt: refresh, then wait out writes it already took); from then on
 * the old owner answers such requests RANGE_STALE and the proxy re-routes. A shard that
 * cannot be reached is not serving anyone either, and loads the map when it starts again.
 */
async function shardsAdoptRangeMap(ctx: ExecContext): Promise<void> {
  const version = ctx.ranges.knownVersion;
  const shards = [...new Set(ctx.ranges.all.map((r) => r.shardId))];
  await Promise.allSettled(
    shards.map((id) => ctx.router.callShard(id, 'range.adopt', { version }, ADOPT_TIMEOUT_MS)),
  );
}

/**
 * Deletes every key of [start, end). waitForWriters (TRUNCATE): other transactions' locks
 * there are waited out first (spanLockWait.ts); DROP and the undo of a CREATE need not, the
 * catalog no longer names what they delete.
 */
async function deleteSpan(
  ctx: ExecContext,
  start: Buffer,
  end: Buffer,
  waitForWriters = false,
): Promise<void> {
  if (ctx.ranges.all.length === 0) await ctx.ranges.refresh();
  // The locks of the block this runs in stay: its COMMIT still needs them (ddlRows.ts).
  const keepLocksOf = ctx.openTxn?.txn.startTs;
  const resolver = ctx.txnDeps?.resolver;
  const wait =
    !waitForWriters || resolver === undefined
      ? undefined
      : { resolver, cancel: ctx.cancel, lockTimeoutMs: ctx.lockTimeoutMs };
  await Promise.all(
    ctx.ranges.overlapping(start, end).map((r) => {
      const s = Buffer.compare(r.startKey, start) > 0 ? r.startKey : start;
      const e = r.endKey !== null && Buffer.compare(r.endKey, end) < 0 ? r.endKey : end;
      return ctx.router.walk(s, e, async (send, cursor) => {
        const attempt = () =>
          send('sql.deleteSpan', { start: cursor, end: e, keepLocksOf, waitForLocks: !!wait });
        await (wait === undefined ? attempt() : untilUnlocked(wait, attempt));
        return null;
      });
    }),
  );
}

async function alterTable(ctx: ExecContext, before: TableDef, after: TableDef): Promise<TableDef> {
  const { result } = await ctx.meta.sqlCommand<TableDef>({
    type: 'alterTable',
    schema: before.schema,
    name: before.name,
    expectVersion: before.version,
    table: after,
  });
  await afterCatalogChange(ctx);
  return result;
}

/** The backfill is done: the index may serve reads (access.ts skips `building` ones). */
async function indexBuilt(ctx: ExecContext, table: TableDef, indexId: number): Promise<void> {
  await alterTable(ctx, table, {
    ...table,
    indexes: (table.indexes ?? []).map((i) => {
      if (i.id !== indexId) return i;
      const { building: _b, ...rest } = i;
      return rest;
    }),
  });
}

// --- column and constraint definitions ----------------------------------------------------

interface TableBuild {
  columns: Array<Omit<ColumnDef, 'id'>>;
  primaryKey: string[];
  pkName?: string;
  uniques: Array<{ name: string; cols: string[] }>;
  checks: CheckDef[];
  fks: Array<Omit<ForeignKeyDef, 'columns'> & { cols: string[] }>;
  sequences: Array<{ name: string; start: string }>;
}

function columnFrom(
  def: AstNode,
  tableName: string,
  schema: string,
  build: TableBuild,
): Omit<ColumnDef, 'id'> {
  const tn = def.typeName as AstNode;
  const tnames = names(tn.names);
  const last = tnames[tnames.length - 1].toLowerCase();
  const colname = def.colname as string;
  let typeOid: number;
  let defaultExpr: string | undefined;
  let notNull = false;
  let identity: ColumnDef['identity'];
  if (SERIALS[last] !== undefined && tnames.length === 1) {
    typeOid = SERIALS[last];
    const seq = `${tableName}_${colname}_seq`;
    build.sequences.push({ name: seq, start: '1' });
    defaultExpr = `nextval('${schema === 'public' ? '' : `${schema}.`}${seq}')`;
    notNull = true;
  } else {
    typeOid = typeOidOf(
      tnames,
      (tn.location as number | undefined) !== undefined ? (tn.location as number) + 1 : undefined,
    );
    if (Array.isArray(tn.arrayBounds) && tn.arrayBounds.length > 0) typeOid = arrayTypeOf(typeOid);
  }
  const typeMod = typmodOf(typeOid, tn.typmods as AstNode[] | undefined);
  for (const c of (def.constraints as AstNode[] | undefined) ?? []) {
    const con = c.Constraint as AstNode;
    switch (con.contype) {
      case 'CONSTR_PRIMARY':
        if (build.primaryKey.length > 0)
          throw new SqlError(
            SqlState.invalidTableDefinition,
            `multiple primary keys for table "${tableName}" are not allowed`,
          );
        build.primaryKey.push(colname);
        if (con.conname) build.pkName = con.conname as string;
        notNull = true;
        break;
      case 'CONSTR_NOTNULL':
        notNull = true;
        break;
      case 'CONSTR_NULL':
        break;
      case 'CONSTR_DEFAULT':
        defaultExpr = deparse(con.raw_expr as AstNode);
        break;
      case 'CONSTR_UNIQUE':
        build.uniques.push({
          name: (con.conname as string | undefined) ?? `${tableName}_${colname}_key`,
          cols: [colname],
        });
        break;
      case 'CONSTR_CHECK':
        build.checks.push({
          name: (con.conname as string | undefined) ?? `${tableName}_${colname}_check`,
          expr: deparse(con.raw_expr as AstNode),
        });
        break;
      case 'CONSTR_FOREIGN': {
        const pk = con.pktable as AstNode;
        build.fks.push({
          name: (con.conname as string | undefined) ?? `${tableName}_${colname}_fkey`,
          cols: [colname],
          refSchema: (pk.schemaname as string | undefined) ?? 'public',
          refTable: pk.relname as string,
          refColumns: names(con.pk_attrs),
        });
        break;
      }
      case 'CONSTR_IDENTITY': {
        identity = con.generated_when === 'a' ? 'always' : 'by default';
        const seq = `${tableName}_${colname}_seq`;
        build.sequences.push({ name: seq, start: '1' });
        defaultExpr = `nextval('${seq}')`;
        notNull = true;
        break;
      }
      default:
        throw new SqlError(
          SqlState.featureNotSupported,
          `column constraint ${String(con.contype)} is not supported yet`,
        );
    }
  }
  return { name: colname, typeOid, typeMod, notNull, defaultExpr, identity };
}

function tableConstraint(con: AstNode, tableName: string, build: TableBuild): void {
  const keys = names(con.keys);
  switch (con.contype) {
    case 'CONSTR_PRIMARY':
      if (build.primaryKey.length > 0)
        throw new SqlError(
          SqlState.invalidTableDefinition,
          `multiple primary keys for table "${tableName}" are not allowed`,
        );
      build.primaryKey.push(...keys);
      if (con.conname) build.pkName = con.conname as string;
      return;
    case 'CONSTR_UNIQUE':
      build.uniques.push({
        name: (con.conname as string | undefined) ?? `${tableName}_${keys.join('_')}_key`,
        cols: keys,
      });
      return;
    case 'CONSTR_CHECK': {
      const col = firstColumnRef(con.raw_expr);
      build.checks.push({
        name: (con.conname as string | undefined) ?? `${tableName}_${col ? `${col}_` : ''}check`,
        expr: deparse(con.raw_expr as AstNode),
      });
      return;
    }
    case 'CONSTR_FOREIGN': {
      const pk = con.pktable as AstNode;
      const fkCols = names(con.fk_attrs);
      build.fks.push({
        name: (con.conname as string | undefined) ?? `${tableName}_${fkCols.join('_')}_fkey`,
        cols: fkCols,
        refSchema: (pk.schemaname as string | undefined) ?? 'public',
        refTable: pk.relname as string,
        refColumns: names(con.pk_attrs),
      });
      return;
    }
    default:
      throw new SqlError(
        SqlState.featureNotSupported,
        `table constraint ${String(con.contype)} is not supported yet`,
      );
  }
}

// --- CREATE TABLE ---------------------------------------------------------------------------

export function compileCreateTable(stmt: AstNode): DdlStatement {
  const rel = stmt.relation as AstNode;
  const schema = (rel.schemaname as string | undefined) ?? 'public';
  const name = rel.relname as string;
  const build: TableBuild = {
    columns: [],
    primaryKey: [],
    uniques: [],
    checks: [],
    fks: [],
    sequences: [],
  };
  for (const elt of (stmt.tableElts as AstNode[] | undefined) ?? []) {
    if (elt.ColumnDef) {
      const col = columnFrom(elt.ColumnDef as AstNode, name, schema, build);
      if (build.columns.some((c) => c.name === col.name))
        throw new SqlError(
          SqlState.duplicateColumn,
          `column "${col.name}" specified more than once`,
        );
      build.columns.push(col);
    } else if (elt.Constraint) tableConstraint(elt.Constraint as AstNode, name, build);
    else
      throw new SqlError(
        SqlState.featureNotSupported,
        `${Object.keys(elt)[0]} in CREATE TABLE is not supported yet`,
      );
  }
  for (const k of build.primaryKey) {
    const c = build.columns.find((x) => x.name === k);
    if (!c)
      throw new SqlError(SqlState.undefinedColumn, `column "${k}" named in key does not exist`);
    if (!keyableType(c.typeOid))
      throw new SqlError(
        SqlState.featureNotSupported,
        `primary keys of this column type are not supported yet (column "${k}")`,
      );
  }
  if (build.primaryKey.length === 0) {
    // No primary key: a hidden unique rowid from a sequence keys the rows (as CockroachDB does).
    build.sequences.push({ name: `${name}_rowid_seq`, start: '1' });
    build.columns.push({
      name: 'rowid',
      typeOid: T.int8,
      typeMod: -1,
      notNull: true,
      hidden: true,
      defaultExpr: `nextval('${schema === 'public' ? '' : `${schema}.`}${name}_rowid_seq')`,
    });
    build.primaryKey.push('rowid');
  }
  const columns = build.columns.map((c) =>
    build.primaryKey.includes(c.name) ? { ...c, notNull: true } : c,
  );
  const idOf = (n: string): number => {
    const i = columns.findIndex((c) => c.name === n);
    if (i < 0)
      throw new SqlError(SqlState.undefinedColumn, `column "${n}" named in key does not exist`);
    return i + 1;
  };
  const indexes: IndexDef[] = build.uniques.map((u, i) => ({
    id: i + 1,
    name: u.name,
    columns: u.cols.map(idOf),
    unique: true,
    constraint: true,
  }));
  const extras: TableExtras = {
    indexes,
    checks: build.checks,
    foreignKeys: build.fks.map((f) => ({
      name: f.name,
      columns: f.cols.map(idOf),
      refSchema: f.refSchema,
      refTable: f.refTable,
      refColumns: f.refColumns,
    })),
    nextColumnId: columns.length + 1,
    nextIndexId: indexes.length + 1,
    pkName: build.pkName ?? `${name}_pkey`,
  };
  const ifNotExists = stmt.if_not_exists === true;
  return {
    async execute(ctx) {
      for (const fk of extras.foreignKeys ?? []) {
        const ref =
          fk.refTable === name && fk.refSchema === schema
            ? { name, columns }
            : await ctx.catalog.find(fk.refSchema, fk.refTable);
        if (!ref)
          throw new SqlError(SqlState.undefinedTable, `relation "${fk.refTable}" does not exist`);
      }
      if (ifNotExists && (await ctx.catalog.find(schema, name))) return { tag: 'CREATE TABLE' };
      for (const s of build.sequences) {
        await ctx.meta.sqlCommand({
          type: 'createSequence',
          schema,
          name: s.name,
          start: s.start,
          increment: '1',
          ifNotExists: true,
        });
        ctx.sequences?.forget(`${schema}.${s.name}`);
      }
      const { table: created } = await ctx.meta.createTable(
        { schema, name, columns, primaryKey: build.primaryKey, extras },
        ifNotExists,
      );
      await afterCatalogChange(ctx);
      // IF NOT EXISTS met a table this proxy's catalog had not seen yet: not ours to drop.
      if (created === null) return { tag: 'CREATE TABLE' };
      await shardsAdoptRangeMap(ctx);
      return { tag: 'CREATE TABLE', undo: dropOnRollback('TABLE', schema, name) };
    },
  };
}

// --- DROP -------------------------------------------------------------------------------------

export function compileDrop(stmt: AstNode): DdlStatement {
  const type = String(stmt.removeType);
  const objects = (stmt.objects as AstNode[]).map((o) =>
    o.List ? names((o.List as AstNode).items) : names([o]),
  );
  const ifExists = stmt.missing_ok === true;
  return {
    async execute(ctx) {
      const dropped: string[] = [];
      for (const parts of objects) {
        const name = parts[parts.length - 1];
        const schema = parts.length > 1 ? parts[parts.length - 2] : 'public';
        if (type === 'OBJECT_TABLE') {
          const table = await ctx.catalog.find(schema, name);
          if (table) {
            const refs = ctx.catalog.all.filter(
              (t) =>
                t !== table &&
                (t.foreignKeys ?? []).some((f) => f.refTable === name && f.refSchema === schema),
            );
            if (refs.length > 0 && stmt.behavior !== 'DROP_CASCADE') {
              throw new SqlError(
                '2BP01',
                `cannot drop table ${name} because other objects depend on it`,
                { hint: 'Use DROP ... CASCADE to drop the dependent objects too.' },
              );
            }
            for (const r of refs) {
              await alterTable(ctx, r, {
                ...r,
                foreignKeys: (r.foreignKeys ?? []).filter((f) => f.refTable !== name),
              });
            }
          }
          if (table) await deleteBlockWrites(ctx, table);
          const gone = await ctx.meta.dropTable(schema, name, ifExists);
          if (gone.table !== null) dropped.push(`"${schema}.${name}"`);
          ctx.catalog.forget(schema, name);
          if (table) {
            await deleteSpan(ctx, tableStart(table.id), tableEnd(table.id));
            for (const c of table.columns) {
              const seq = sequenceOfDefault(c.defaultExpr);
              if (seq !== null && seq.startsWith(`${name}_`))
                await ctx.meta.sqlCommand({
                  type: 'dropSequence',
                  schema,
                  name: seq,
                  ifExists: true,
                });
            }
          }
        } else if (type === 'OBJECT_INDEX') {
          const table = ctx.catalog.all.find(
            (t) => t.schema === schema && (t.indexes ?? []).some((i) => i.name === name),
          );
          if (!table) {
            if (ifExists) continue;
            throw new SqlError(SqlState.undefinedObject, `index "${name}" does not exist`);
          }
          const ix = (table.indexes ?? []).find((i) => i.name === name) as IndexDef;
          await alterTable(ctx, table, {
            ...table,
            indexes: (table.indexes ?? []).filter((i) => i !== ix),
          });
          dropped.push(`"${schema}.${name}"`);
          const p = indexPrefix(table.id, ix.id);
          await deleteSpan(ctx, p, prefixEnd(p));
        } else if (type === 'OBJECT_SEQUENCE') {
          const { result } = await ctx.meta.sqlCommand({
            type: 'dropSequence',
            schema,
            name,
            ifExists,
          });
          if (result !== null) dropped.push(`"${schema}.${name}"`);
          ctx.sequences?.forget(`${schema}.${name}`);
        } else if (type === 'OBJECT_SCHEMA' || type === 'OBJECT_VIEW') {
          throw new SqlError(
            SqlState.featureNotSupported,
            `DROP ${type.replace('OBJECT_', '')} is not supported yet`,
          );
        } else {
          throw new SqlError(
            SqlState.featureNotSupported,
            `DROP ${type.replace('OBJECT_', '')} is not supported yet`,
          );
        }
      }
      await afterCatalogChange(ctx);
      const what = type.replace('OBJECT_', '');
      if (dropped.length === 0) return { tag: `DROP ${what}` };
      return { tag: `DROP ${what}`, undo: notUndone(`DROP ${what} ${dropped.join(', ')}`) };
    },
  };
}

// --- indexes --------------------------------------------------------------------------------

async function buildIndex(ctx: ExecContext, table: TableDef, ix: IndexDef): Promise<void> {
  const after = await ctx.catalog.find(table.schema, table.name);
  const planner = new Planner(() => table, []);
  const { committed, own } = await rowsForDdl(ctx, after ?? table);
  const seen = new Set<string>();
  // Entries for this index only; uniqueness checked here over the existing rows.
  const cols = ix.columns.map((id) => (after ?? table).columns.findIndex((c) => c.id === id));
  for (const r of [...committed, ...own]) {
    const vals = cols.map((p) => r[p]);
    if (ix.unique && vals.every((v) => v !== null)) {
      const k = JSON.stringify(vals.map((v) => String(v)));
      if (seen.has(k)) {
        throw new SqlError(SqlState.uniqueViolation, `could not create unique index "${ix.name}"`, {
          detail: `Key (${cols.map((p) => (after ?? table).columns[p].name).join(', ')})=(${vals.map(String).join(', ')}) is duplicated.`,
        });
      }
      seen.add(k);
    }
  }
  const single = new TableWriter({ ...(after ?? table), indexes: [ix] }, planner);
  const entries = (rows: readonly Datum[][]): WriteBuffer => {
    const wb = new WriteBuffer();
    for (const r of rows) {
      const fake = new WriteBuffer();
      single.insert(fake, r);
      // The first op is the row itself; the rest are this index's entry.
      const ops = (fake as unknown as { ops: Array<{ key: Buffer; value: Buffer | null }> }).ops;
      for (const op of ops.slice(1)) wb.put(op.key, op.value as Buffer);
    }
    return wb;
  };
  await entries(committed).flush(ctx);
  // The block's own rows are not committed yet: their entries commit (or not) with them.
  if (own.length > 0) await entries(own).flush({ ...ctx, txn: ctx.openTxn });
}

export function compileCreateIndex(stmt: AstNode): DdlStatement {
  const rel = stmt.relation as AstNode;
  const schema = (rel.schemaname as string | undefined) ?? 'public';
  const colNames = (stmt.indexParams as AstNode[]).map((p) => {
    const e = p.IndexElem as AstNode;
    if (!e.name)
      throw new SqlError(SqlState.featureNotSupported, 'expression indexes are not supported yet');
    return e.name as string;
  });
  return {
    async execute(ctx) {
      const table = await ctx.catalog.find(schema, rel.relname as string);
      if (!table)
        throw new SqlError(
          SqlState.undefinedTable,
          `relation "${rel.relname as string}" does not exist`,
        );
      const name =
        (stmt.idxname as string | undefined) ?? `${table.name}_${colNames.join('_')}_idx`;
      if (
        ctx.catalog.all.some(
          (t) =>
            t.schema === schema &&
            ((t.indexes ?? []).some((i) => i.name === name) || t.name === name),
        )
      ) {
        if (stmt.if_not_exists) return { tag: 'CREATE INDEX' };
        throw new SqlError(SqlState.duplicateTable, `relation "${name}" already exists`);
      }
      const columns = colNames.map((n) => {
        const c = table.columns.find((x) => x.name === n);
        if (!c) throw new SqlError(SqlState.undefinedColumn, `column "${n}" does not exist`);
        if (!keyableType(c.typeOid))
          throw new SqlError(
            SqlState.featureNotSupported,
            `indexes on column "${n}" of this type are not supported yet`,
          );
        return c.id;
      });
      const ix: IndexDef = {
        id: table.nextIndexId ?? (table.indexes?.length ?? 0) + 1,
        name,
        columns,
        unique: stmt.unique === true,
        building: true,
      };
      // Catalog first so concurrent writers maintain the index, then backfill existing rows.
      const after = await alterTable(ctx, table, {
        ...table,
        indexes: [...(table.indexes ?? []), ix],
        nextIndexId: ix.id + 1,
      });
      try {
        await buildIndex(ctx, after, ix);
        await indexBuilt(ctx, after, ix.id);
      } catch (err) {
        const now = (await ctx.catalog.find(schema, table.name)) as TableDef;
        await alterTable(ctx, now, {
          ...now,
          indexes: (now.indexes ?? []).filter((i) => i.id !== ix.id),
        });
        const p = indexPrefix(table.id, ix.id);
        await deleteSpan(ctx, p, prefixEnd(p));
        throw err;
      }
      return { tag: 'CREATE INDEX', undo: dropOnRollback('INDEX', schema, name) };
    },
  };
}

// --- ALTER TABLE ----------------------------------------------------------------------------

export function compileAlterTable(stmt: AstNode): DdlStatement {
  const rel = stmt.relation as AstNode;
  const schema = (rel.schemaname as string | undefined) ?? 'public';
  const cmds = ((stmt.cmds as AstNode[] | undefined) ?? []).map((c) => c.AlterTableCmd as AstNode);
  const name = rel.relname as string;
  const what = `ALTER TABLE "${schema}.${name}"`;
  return {
    async execute(ctx) {
      let first: TableDef | undefined;
      let restorable = true;
      const sequences: CatalogUndo[] = [];
      // The statement's undo so far: the definition as it was, then its new sequences.
      const undo = async (): Promise<CatalogUndo | undefined> => {
        const last = first && (await ctx.catalog.find(schema, name));
        if (!first || !last || last.version === first.version)
          return sequences.length > 0 ? undoAll(what, sequences) : undefined;
        if (!restorable) return notUndone(what);
        return undoAll(what, [restoreOnRollback(first, last, what), ...sequences]);
      };
      try {
        for (const cmd of cmds) {
          const table = await ctx.catalog.find(schema, name);
          if (!table) {
            if (stmt.missing_ok) return { tag: 'ALTER TABLE' };
            throw new SqlError(SqlState.undefinedTable, `relation "${name}" does not exist`);
          }
          first ??= table;
          try {
            await alterOne(ctx, table, cmd, sequences);
          } finally {
            const now = await ctx.catalog.find(schema, name);
            if (now?.version !== table.version && !definitionOnly(cmd, table)) restorable = false;
          }
        }
      } catch (err) {
        // PostgreSQL undoes a failed statement whole: take back the commands that ran. If
        // that fails too, the statement's own error is the one to report.
        try {
          await (await undo())?.undo(ctx);
        } catch {
          /* reported: err */
        }
        throw err;
      }
      return { tag: 'ALTER TABLE', undo: await undo() };
    },
  };
}

/**
 * Whether putting the old definition back takes `cmd` back whole (restoreOnRollback):
 * not for a dropped column or index-backed constraint (their index entries are deleted),
 * a retyped column (its rows are rewritten), or a primary key added (the table re-keyed).
 */
function definitionOnly(cmd: AstNode, table: TableDef): boolean {
  switch (cmd.subtype) {
    case 'AT_AddColumn':
    case 'AT_ColumnDefault':
    case 'AT_SetNotNull':
    case 'AT_DropNotNull':
      return true;
    case 'AT_AddConstraint':
      return ((cmd.def as AstNode).Constraint as AstNode).contype !== 'CONSTR_PRIMARY';
    case 'AT_DropConstraint':
      return !(table.indexes ?? []).some((i) => i.name === cmd.name && i.constraint);
    default:
      return false;
  }
}

/** One ALTER TABLE command; the sequences a serial column made get their undo in `created`. */
async function alterOne(
  ctx: ExecContext,
  table: TableDef,
  cmd: AstNode,
  created: CatalogUndo[],
): Promise<void> {
  const colIndex = (n: string): number => {
    const i = table.columns.findIndex((c) => c.name === n && !c.hidden);
    if (i < 0)
      throw new SqlError(
        SqlState.undefinedColumn,
        `column "${n}" of relation "${table.name}" does not exist`,
      );
    return i;
  };
  const replaceCol = (i: number, c: ColumnDef): ColumnDef[] =>
    table.columns.map((x, j) => (j === i ? c : x));
  switch (cmd.subtype) {
    case 'AT_AddColumn': {
      const build: TableBuild = {
        columns: [],
        primaryKey: [],
        uniques: [],
        checks: [],
        fks: [],
        sequences: [],
      };
      const spec = columnFrom(
        ((cmd.def as AstNode).ColumnDef ?? cmd.def) as AstNode,
        table.name,
        table.schema,
        build,
      );
      if (table.columns.some((c) => c.name === spec.name)) {
        if (cmd.missing_ok) return;
        throw new SqlError(
          SqlState.duplicateColumn,
          `column "${spec.name}" of relation "${table.name}" already exists`,
        );
      }
      if (build.primaryKey.length > 0 || build.fks.length > 0 || build.uniques.length > 0)
        throw new SqlError(
          SqlState.featureNotSupported,
          'constraints in ADD COLUMN are not supported yet; add them with ADD CONSTRAINT',
        );
      for (const s of build.sequences) {
        const { result } = await ctx.meta.sqlCommand({
          type: 'createSequence',
          schema: table.schema,
          name: s.name,
          start: '1',
          increment: '1',
          ifNotExists: true,
        });
        if (result !== null) created.push(dropOnRollback('SEQUENCE', table.schema, s.name));
      }
      const id = table.nextColumnId ?? Math.max(...table.columns.map((c) => c.id)) + 1;
      let missing: unknown = null;
      if (spec.defaultExpr) {
        const planner = new Planner(() => table, []);
        const e = planner.compiler(new Scope([]), 'DEFAULT').compile(parseExpr(spec.defaultExpr));
        if (e.k === 'const' || e.k === 'cast' || e.k === 'neg')
          missing = toWire(spec.typeOid, evalExpr(e, [], newEvalCtx()));
        else if (build.sequences.length > 0 || e.k === 'fn')
          throw new SqlError(
            SqlState.featureNotSupported,
            'ADD COLUMN with a volatile default is not supported yet',
          );
      }
      if (spec.notNull && missing === null) {
        const rows = await rowsForDdl(ctx, table);
        if (rows.committed.length + rows.own.length > 0)
          throw new SqlError(
            SqlState.notNullViolation,
            `column "${spec.name}" of relation "${table.name}" contains null values`,
          );
      }
      await alterTable(ctx, table, {
        ...table,
        columns: [...table.columns, { ...spec, id, missing }],
        nextColumnId: id + 1,
        checks: [...(table.checks ?? []), ...build.checks],
      });
      return;
    }
    case 'AT_DropColumn': {
      const i = table.columns.findIndex((c) => c.name === cmd.name && !c.hidden);
      if (i < 0) {
        if (cmd.missing_ok) return;
        throw new SqlError(
          SqlState.undefinedColumn,
          `column "${cmd.name as string}" of relation "${table.name}" does not exist`,
        );
      }
      const id = table.columns[i].id;
      if (table.primaryKey.includes(id))
        throw new SqlError(
          '2BP01',
          `cannot drop column ${cmd.name as string} of table ${table.name} because other objects depend on it`,
        );
      const dropped = (table.indexes ?? []).filter((x) => x.columns.includes(id));
      await alterTable(ctx, table, {
        ...table,
        columns: table.columns.filter((_, j) => j !== i),
        indexes: (table.indexes ?? []).filter((x) => !x.columns.includes(id)),
        foreignKeys: (table.foreignKeys ?? []).filter((f) => !f.columns.includes(id)),
        checks: (table.checks ?? []).filter(
          (c) => !new RegExp(`\\b${cmd.name as string}\\b`).test(c.expr),
        ),
      });
      for (const ix of dropped) {
        const p = indexPrefix(table.id, ix.id);
        await deleteSpan(ctx, p, prefixEnd(p));
      }
      return;
    }
    case 'AT_ColumnDefault': {
      const i = colIndex(cmd.name as string);
      const def = cmd.def ? deparse(cmd.def as AstNode) : undefined;
      await alterTable(ctx, table, {
        ...table,
        columns: replaceCol(i, { ...table.columns[i], defaultExpr: def }),
      });
      return;
    }
    case 'AT_SetNotNull': {
      const i = colIndex(cmd.name as string);
      const { committed, own } = await rowsForDdl(ctx, table);
      if (committed.some((r) => r[i] === null) || own.some((r) => r[i] === null))
        throw new SqlError(
          SqlState.notNullViolation,
          `column "${cmd.name as string}" of relation "${table.name}" contains null values`,
        );
      await alterTable(ctx, table, {
        ...table,
        columns: replaceCol(i, { ...table.columns[i], notNull: true }),
      });
      return;
    }
    case 'AT_DropNotNull': {
      const i = colIndex(cmd.name as string);
      if (table.primaryKey.includes(table.columns[i].id))
        throw new SqlError(
          SqlState.invalidTableDefinition,
          `column "${cmd.name as string}" is in a primary key`,
        );
      await alterTable(ctx, table, {
        ...table,
        columns: replaceCol(i, { ...table.columns[i], notNull: false }),
      });
      return;
    }
    case 'AT_AddConstraint':
      await addConstraint(ctx, table, (cmd.def as AstNode).Constraint as AstNode);
      return;
    case 'AT_DropConstraint': {
      const name = cmd.name as string;
      const ix = (table.indexes ?? []).find((i) => i.name === name && i.constraint);
      const has =
        ix ||
        (table.checks ?? []).some((c) => c.name === name) ||
        (table.foreignKeys ?? []).some((f) => f.name === name);
      if (!has) {
        if (cmd.missing_ok) return;
        throw new SqlError(
          SqlState.undefinedObject,
          `constraint "${name}" of relation "${table.name}" does not exist`,
        );
      }
      await alterTable(ctx, table, {
        ...table,
        indexes: (table.indexes ?? []).filter((i) => i !== ix),
        checks: (table.checks ?? []).filter((c) => c.name !== name),
        foreignKeys: (table.foreignKeys ?? []).filter((f) => f.name !== name),
      });
      if (ix) {
        const p = indexPrefix(table.id, ix.id);
        await deleteSpan(ctx, p, prefixEnd(p));
      }
      return;
    }
    case 'AT_AlterColumnType': {
      const i = colIndex(cmd.name as string);
      // The parser wraps the new type in a ColumnDef node ({ ColumnDef: { typeName } }).
      const raw = cmd.def as AstNode;
      const def = (raw.ColumnDef ?? raw) as AstNode;
      const tn = def.typeName as AstNode;
      const to = typeOidOf(names(tn.names));
      const tm = typmodOf(to, tn.typmods as AstNode[] | undefined);
      const col = table.columns[i];
      // Same type and modifier: nothing to rewrite (ORMs re-state every column on sync).
      if (to === col.typeOid && tm === col.typeMod) return;
      refuseIfBlockWrote(ctx, table, 'ALTER COLUMN TYPE');
      const after: TableDef = {
        ...table,
        columns: replaceCol(i, { ...col, typeOid: to, typeMod: tm }),
      };
      if (table.primaryKey.includes(col.id))
        throw new SqlError(
          SqlState.featureNotSupported,
          'changing the type of a primary-key column is not supported yet',
        );
      // A timestamptz is converted in the session's TimeZone, as PostgreSQL's ALTER TYPE does.
      const timeZone = ctx.catalogAccess?.runtime().session.setting('TimeZone') ?? undefined;
      await rewriteRows(ctx, table, after, (r) => {
        const n = [...r];
        n[i] = castValue(col.typeOid, to, r[i], tm, false, timeZone);
        return n;
      });
      await alterTable(ctx, table, after);
      return;
    }
    default:
      throw new SqlError(
        SqlState.featureNotSupported,
        `ALTER TABLE ${String(cmd.subtype).replace('AT_', '')} is not supported yet`,
      );
  }
}

async function addConstraint(ctx: ExecContext, table: TableDef, con: AstNode): Promise<void> {
  const build: TableBuild = {
    columns: [],
    primaryKey: [],
    uniques: [],
    checks: [],
    fks: [],
    sequences: [],
  };
  tableConstraint(con, table.name, build);
  const idOf = (n: string): number => {
    const c = table.columns.find((x) => x.name === n && !x.hidden);
    if (!c)
      throw new SqlError(SqlState.undefinedColumn, `column "${n}" named in key does not exist`);
    return c.id;
  };
  if (build.primaryKey.length > 0) {
    const hiddenKey =
      table.primaryKey.length === 1 &&
      table.columns.find((c) => c.id === table.primaryKey[0])?.hidden;
    if (!hiddenKey)
      throw new SqlError(
        SqlState.invalidTableDefinition,
        `multiple primary keys for table "${table.name}" are not allowed`,
      );
    // PRIMARY KEY after load (pgbench -i does this): re-key every row under the new key.
    refuseIfBlockWrote(ctx, table, 'ADD PRIMARY KEY');
    const ids = build.primaryKey.map(idOf);
    for (const id of ids) {
      const c = table.columns.find((x) => x.id === id) as ColumnDef;
      if (!keyableType(c.typeOid))
        throw new SqlError(
          SqlState.featureNotSupported,
          `primary keys of this column type are not supported yet (column "${c.name}")`,
        );
    }
    // The hidden rowid keyed the rows until now; it goes with the rewrite (rows get
    // smaller, inserts stop drawing from its sequence). Its column id stays used up.
    const rowidPos = table.columns.findIndex((c) => c.id === table.primaryKey[0]);
    const rowid = table.columns[rowidPos];
    const after: TableDef = {
      ...table,
      primaryKey: ids,
      pkName: build.pkName ?? `${table.name}_pkey`,
      nextColumnId: table.nextColumnId ?? Math.max(...table.columns.map((c) => c.id)) + 1,
      columns: table.columns
        .filter((_, i) => i !== rowidPos)
        .map((c) => (ids.includes(c.id) ? { ...c, notNull: true } : c)),
    };
    const pos = ids.map((id) => table.columns.findIndex((c) => c.id === id));
    await rewriteRows(ctx, table, after, (r) => {
      for (const p of pos) {
        if (r[p] === null)
          throw new SqlError(
            SqlState.notNullViolation,
            `column "${table.columns[p].name}" of relation "${table.name}" contains null values`,
          );
      }
      return r.filter((_, i) => i !== rowidPos);
    });
    await alterTable(ctx, table, after);
    const seq = sequenceOfDefault(rowid.defaultExpr);
    if (seq !== null) {
      ctx.sequences?.forget(`${table.schema}.${seq}`);
      // The ALTER has committed: a sequence left behind (meta unreachable now) is unused
      // and harmless, not a reason to answer an error.
      await ctx.meta
        .sqlCommand({ type: 'dropSequence', schema: table.schema, name: seq, ifExists: true })
        .catch(() => undefined);
    }
    return;
  }
  if (build.uniques.length > 0) {
    const u = build.uniques[0];
    const ix: IndexDef = {
      id: table.nextIndexId ?? (table.indexes?.length ?? 0) + 1,
      name: u.name,
      columns: u.cols.map(idOf),
      unique: true,
      constraint: true,
      building: true,
    };
    const after = await alterTable(ctx, table, {
      ...table,
      indexes: [...(table.indexes ?? []), ix],
      nextIndexId: ix.id + 1,
    });
    try {
      await buildIndex(ctx, after, ix);
      await indexBuilt(ctx, after, ix.id);
    } catch (err) {
      const now = (await ctx.catalog.find(table.schema, table.name)) as TableDef;
      await alterTable(ctx, now, {
        ...now,
        indexes: (now.indexes ?? []).filter((i) => i.id !== ix.id),
      });
      throw err;
    }
    return;
  }
  if (build.checks.length > 0) {
    const ch = build.checks[0];
    const planner = new Planner(() => table, []);
    const writer = new TableWriter({ ...table, checks: [ch] }, planner);
    const { committed, own } = await rowsForDdl(ctx, table);
    for (const r of [...committed, ...own]) {
      try {
        writer.validate(r, newEvalCtx());
      } catch (err) {
        if (err instanceof SqlError && err.code === SqlState.checkViolation) {
          throw new SqlError(
            SqlState.checkViolation,
            `check constraint "${ch.name}" of relation "${table.name}" is violated by some row`,
          );
        }
        throw err;
      }
    }
    await alterTable(ctx, table, { ...table, checks: [...(table.checks ?? []), ch] });
    return;
  }
  if (build.fks.length > 0) {
    const f = build.fks[0];
    const fk: ForeignKeyDef = {
      name: f.name,
      columns: f.cols.map(idOf),
      refSchema: f.refSchema,
      refTable: f.refTable,
      refColumns: f.refColumns,
    };
    const ref = await ctx.catalog.find(f.refSchema, f.refTable);
    if (!ref)
      throw new SqlError(SqlState.undefinedTable, `relation "${f.refTable}" does not exist`);
    const { committed, own } = await rowsForDdl(ctx, table);
    const rows = [...committed, ...own];
    await checkForeignKeys(
      ctx,
      { ...table, foreignKeys: [fk] },
      rows,
      newEvalCtx(),
      async (ref) => {
        const parents = await rowsForDdl(ctx, ref);
        return [...parents.committed, ...parents.own];
      },
    );
    await alterTable(ctx, table, { ...table, foreignKeys: [...(table.foreignKeys ?? []), fk] });
  }
}

// --- RENAME, TRUNCATE, SCHEMA, SEQUENCE ----------------------------------------------------

export function compileRename(stmt: AstNode): DdlStatement {
  const rel = stmt.relation as AstNode;
  const schema = (rel.schemaname as string | undefined) ?? 'public';
  return {
    async execute(ctx) {
      const table = await ctx.catalog.find(schema, rel.relname as string);
      if (!table)
        throw new SqlError(
          SqlState.undefinedTable,
          `relation "${rel.relname as string}" does not exist`,
        );
      const what = `ALTER TABLE "${schema}.${table.name}" RENAME`;
      const newName = stmt.newname as string;
      // Foreign keys name the table and columns they reference: they follow the rename.
      const refersHere = (f: ForeignKeyDef): boolean =>
        f.refTable === table.name && f.refSchema === schema;
      if (stmt.renameType === 'OBJECT_TABLE') {
        const follow = (f: ForeignKeyDef): ForeignKeyDef =>
          refersHere(f) ? { ...f, refTable: newName } : f;
        const after = await alterTable(ctx, table, {
          ...table,
          name: newName,
          ...(table.foreignKeys && { foreignKeys: table.foreignKeys.map(follow) }),
        });
        ctx.catalog.forget(schema, table.name);
        await ctx.catalog.refresh();
        const undo = [restoreOnRollback(table, after, what)];
        undo.push(...(await repointForeignKeys(ctx, table, refersHere, follow)));
        return { tag: 'ALTER TABLE', undo: undoAll(what, undo) };
      }
      if (stmt.renameType === 'OBJECT_COLUMN') {
        const i = table.columns.findIndex((c) => c.name === stmt.subname && !c.hidden);
        if (i < 0)
          throw new SqlError(
            SqlState.undefinedColumn,
            `column "${stmt.subname as string}" does not exist`,
          );
        if (table.columns.some((c) => c.name === stmt.newname))
          throw new SqlError(
            SqlState.duplicateColumn,
            `column "${stmt.newname as string}" of relation "${table.name}" already exists`,
          );
        const re = new RegExp(`\\b${stmt.subname as string}\\b`, 'g');
        const follow = (f: ForeignKeyDef): ForeignKeyDef =>
          refersHere(f)
            ? { ...f, refColumns: f.refColumns.map((n) => (n === stmt.subname ? newName : n)) }
            : f;
        const after = await alterTable(ctx, table, {
          ...table,
          columns: table.columns.map((c, j) => (j === i ? { ...c, name: newName } : c)),
          checks: (table.checks ?? []).map((c) => ({
            ...c,
            expr: c.expr.replace(re, newName),
          })),
          ...(table.foreignKeys && { foreignKeys: table.foreignKeys.map(follow) }),
        });
        const undo = [restoreOnRollback(table, after, what)];
        undo.push(...(await repointForeignKeys(ctx, table, refersHere, follow)));
        return { tag: 'ALTER TABLE', undo: undoAll(what, undo) };
      }
      throw new SqlError(
        SqlState.featureNotSupported,
        `ALTER … RENAME of ${String(stmt.renameType)} is not supported yet`,
      );
    },
  };
}

/**
 * Rewrites the foreign keys other tables hold on `table` (those `refersHere` picks) with
 * `follow`, after `table` or one of its columns was renamed; returns their undos.
 */
async function repointForeignKeys(
  ctx: ExecContext,
  table: TableDef,
  refersHere: (f: ForeignKeyDef) => boolean,
  follow: (f: ForeignKeyDef) => ForeignKeyDef,
): Promise<CatalogUndo[]> {
  const undo: CatalogUndo[] = [];
  for (const other of ctx.catalog.all) {
    if (other.id === table.id || !(other.foreignKeys ?? []).some(refersHere)) continue;
    const after = await alterTable(ctx, other, {
      ...other,
      foreignKeys: (other.foreignKeys ?? []).map(follow),
    });
    undo.push(restoreOnRollback(other, after, `ALTER TABLE "${other.schema}.${other.name}"`));
  }
  return undo;
}

export function compileTruncate(stmt: AstNode): DdlStatement {
  const rels = (stmt.relations as AstNode[]).map((r) => r.RangeVar as AstNode);
  return {
    async execute(ctx) {
      for (const rel of rels) {
        const table = await ctx.catalog.find(
          (rel.schemaname as string | undefined) ?? 'public',
          rel.relname as string,
        );
        if (!table)
          throw new SqlError(
            SqlState.undefinedTable,
            `relation "${rel.relname as string}" does not exist`,
          );
        await deleteBlockWrites(ctx, table);
        await deleteSpan(ctx, tableStart(table.id), tableEnd(table.id), true);
      }
      const named = rels.map((r) => `"${r.relname as string}"`).join(', ');
      return { tag: 'TRUNCATE TABLE', undo: notUndone(`TRUNCATE ${named}`) };
    },
  };
}

export function compileCreateSchema(stmt: AstNode): DdlStatement {
  return {
    async execute(ctx) {
      await ctx.meta.sqlCommand({
        type: 'createSchema',
        name: stmt.schemaname as string,
        ifNotExists: stmt.if_not_exists === true,
      });
      await afterCatalogChange(ctx);
      return { tag: 'CREATE SCHEMA' };
    },
  };
}

export function compileCreateSequence(stmt: AstNode): DdlStatement {
  const rel = stmt.sequence as AstNode;
  let start = '1';
  let increment = '1';
  for (const o of (stmt.options as AstNode[] | undefined) ?? []) {
    const d = o.DefElem as AstNode;
    const arg = d.arg as AstNode | undefined;
    const v = String(
      (arg?.Integer as { ival?: number } | undefined)?.ival ??
        (arg?.Float as { fval?: string } | undefined)?.fval ??
        0,
    );
    if (d.defname === 'start') start = v;
    else if (d.defname === 'increment') increment = v;
  }
  return {
    async execute(ctx) {
      const schema = (rel.schemaname as string | undefined) ?? 'public';
      const name = rel.relname as string;
      const { result } = await ctx.meta.sqlCommand({
        type: 'createSequence',
        schema,
        name,
        start,
        increment,
        ifNotExists: stmt.if_not_exists === true,
      });
      await afterCatalogChange(ctx);
      // IF NOT EXISTS met a sequence made earlier (meta answers null): not ours to drop.
      if (result === null) return { tag: 'CREATE SEQUENCE' };
      return { tag: 'CREATE SEQUENCE', undo: dropOnRollback('SEQUENCE', schema, name) };
    },
  };
}
