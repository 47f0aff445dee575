/**
 * Writing rows of one table: defaults, assignment casts, constraints (NOT NULL 23502,
 * CHECK 23514, UNIQUE/PRIMARY KEY 23505, FOREIGN KEY 23503), the row key and value, and
 * the entries of its global secondary indexes, all into the statement's WriteBuffer.
 */
import { SqlError, SqlState } from '../../common/errors';
import type { ColumnDef, IndexDef, TableDef } from '../../common/catalog/schema';
import type { Datum } from '../../common/types/datum';
import { TypeOid } from '../../common/types/datum';
import { evalExpr } from '../../common/expr/eval';
import { walkExpr, type EvalCtx, type Expr } from '../../common/expr/expr';
import { encodeStoredRow, type StoredColumn } from '../../common/expr/rowFormat';
import { formatValue } from '../../common/expr/typesAdapter';
import type { ExecContext } from './context';
import { indexKey, pkColumns, rowKey } from './keys';
import { parseSql, type AstNode } from './parser';
import type { Planner } from './planner';
import type { ScanNode } from './plan';
import { runScan } from './scanExec';
import { Scope, type ScopeColumn } from './scope';
import type { WriteBuffer } from './writeBuffer';
import { claimForStatement, type StatementClaim } from './sequences';

/** indexEntry of a unique index whose values are all non-null never reads the primary key. */
const NO_PK = Buffer.alloc(0);

export function tableScope(
  table: TableDef,
  rel: string = table.name,
  outer: Scope | null = null,
): Scope {
  return new Scope(tableScopeColumns(table, rel), outer);
}

export function tableScopeColumns(table: TableDef, rel: string = table.name): ScopeColumn[] {
  return table.columns.map((c) => ({
    rel,
    name: c.name,
    t: c.typeOid,
    tm: c.typeMod,
    hidden: c.hidden,
    tableOid: table.id,
    attnum: c.id,
  }));
}

/** Parses a stored SQL expression (DEFAULT, CHECK) back into an AST node. */
export function parseExpr(sql: string): AstNode {
  const [stmt] = parseSql(`SELECT ${sql}`);
  const sel = stmt.node.SelectStmt as AstNode;
  return ((sel.targetList as AstNode[])[0].ResTarget as AstNode).val as AstNode;
}

export function storedColumns(table: TableDef): StoredColumn[] {
  return table.columns.map((c) => ({ id: c.id, t: c.typeOid, missing: c.missing }));
}

/** A scan of every row of `table`, every column in column order (constraint and DDL reads). */
export function scanAll(table: TableDef): ScanNode {
  return {
    kind: 'scan',
    table,
    alias: table.name,
    cols: storedColumns(table),
    access: { kind: 'scatter' },
    types: table.columns.map((c) => c.typeOid),
    correlated: false,
  };
}

function show(t: number, v: Datum): string {
  return v === null ? 'null' : formatValue(t, v);
}

export class TableWriter {
  readonly defaults: Array<Expr | null>;
  readonly checks: Array<{ name: string; e: Expr }>;
  readonly pkPos: number[];
  readonly stored: StoredColumn[];
  readonly sequences = new Set<string>();
  /** The primary key is the hidden rowid. */
  readonly hiddenKey: boolean;

  constructor(
    readonly table: TableDef,
    planner: Planner,
  ) {
    const empty = planner.compiler(new Scope([]), 'DEFAULT expressions');
    this.defaults = table.columns.map((c) =>
      c.defaultExpr ? empty.compile(parseExpr(c.defaultExpr)) : null,
    );
    const rowCompiler = planner.compiler(tableScope(table), 'check constraints');
    this.checks = (table.checks ?? []).map((ch) => ({
      name: ch.name,
      e: rowCompiler.condition(parseExpr(ch.expr), 'CHECK'),
    }));
    this.pkPos = table.primaryKey.map((id) => table.columns.findIndex((c) => c.id === id));
    this.hiddenKey = this.pkPos.length === 1 && table.columns[this.pkPos[0]]?.hidden === true;
    this.stored = storedColumns(table);
    for (const d of this.defaults) {
      if (!d) continue;
      walkExpr(d, (x) => {
        if (x.k === 'fn' && x.f === 'nextval' && x.a[0]?.k === 'const')
          this.sequences.add(String(x.a[0].v));
      });
    }
  }

  /**
   * Claims sequence values for n rows of defaults, served through ev.nextval; call the
   * returned release once the rows are evaluated.
   */
  reserve(ctx: ExecContext, n: number, ev: EvalCtx): StatementClaim {
    return claimForStatement(ctx.sequences, ev, this.sequences, n);
  }

  defaultValue(i: number, ev: EvalCtx): Datum {
    const d = this.defaults[i];
    return d ? evalExpr(d, [], ev) : null;
  }

  /** NOT NULL and CHECK constraints of a complete row. */
  validate(values: Datum[], ev: EvalCtx): void {
    const t = this.table;
    for (let i = 0; i < t.columns.length; i++) {
      const c = t.columns[i];
      if (c.notNull && values[i] === null) {
        throw new SqlError(
          SqlState.notNullViolation,
          `null value in column "${c.name}" of relation "${t.name}" violates not-null constraint`,
          {
            detail: `Failing row contains (${values
              .filter((_, j) => !t.columns[j].hidden)
              .map((v, j) => show(t.columns[j].typeOid, v))
              .join(', ')}).`,
            table: t.name,
            column: c.name,
            schema: t.schema,
          },
        );
      }
    }
    for (const ch of this.checks) {
      if (evalExpr(ch.e, values, ev) === false) {
        throw new SqlError(
          SqlState.checkViolation,
          `new row for relation "${t.name}" violates check constraint "${ch.name}"`,
          {
            detail: `Failing row contains (${values
              .filter((_, j) => !t.columns[j].hidden)
              .map((v, j) => show(t.columns[j].typeOid, v))
              .join(', ')}).`,
            table: t.name,
            constraint: ch.name,
          },
        );
      }
    }
  }

  key(values: readonly Datum[]): Buffer {
    return rowKey(
      this.table,
      this.pkPos.map((p) => values[p]),
    );
  }

  pkConflict(values: readonly Datum[]): () => SqlError {
    const t = this.table;
    const cols = pkColumns(t);
    const name = t.pkName ?? `${t.name}_pkey`;
    return () =>
      new SqlError(
        SqlState.uniqueViolation,
        `duplicate key value violates unique constraint "${name}"`,
        {
          detail: `Key (${cols.map((c) => c.name).join(', ')})=(${this.pkPos.map((p, i) => show(cols[i].typeOid, values[p])).join(', ')}) already exists.`,
          table: t.name,
          constraint: name,
        },
      );
  }

  private indexEntry(
    ix: IndexDef,
    values: readonly Datum[],
    pk: Buffer,
  ): { key: Buffer; unique: boolean; conflict: () => SqlError } {
    const cols = ix.columns.map((id) => this.table.columns.find((c) => c.id === id) as ColumnDef);
    const vals = cols.map((c) => values[this.table.columns.indexOf(c)]);
    // A unique index omits the primary key from its key, unless a value is NULL (NULLs never conflict).
    const enforce = ix.unique && vals.every((v) => v !== null);
    const key = indexKey(
      this.table.id,
      ix.id,
      cols.map((c) => c.typeOid),
      vals,
      enforce ? null : pk,
    );
    return {
      key,
      unique: enforce,
      conflict: () =>
        new SqlError(
          SqlState.uniqueViolation,
          `duplicate key value violates unique constraint "${ix.name}"`,
          {
            detail: `Key (${cols.map((c) => c.name).join(', ')})=(${vals.map((v, i) => show(cols[i].typeOid, v)).join(', ')}) already exists.`,
            table: this.table.name,
            constraint: ix.name,
          },
        ),
    };
  }

  /**
   * The key of a unique index's entry for these values (its value is the row's primary
   * key), or null when one of them is NULL: NULLs never conflict.
   */
  uniqueEntryKey(ix: IndexDef, values: readonly Datum[]): Buffer | null {
    const e = this.indexEntry(ix, values, NO_PK);
    return e.unique ? e.key : null;
  }

  insert(wb: WriteBuffer, values: Datum[]): Buffer {
    const key = this.key(values);
    const row = encodeStoredRow(this.table.version, this.stored, values);
    // A table without a primary key is keyed by a hidden rowid from a sequence: the new
    // key is unique by construction, so it needs neither a uniqueness check nor a lock.
    if (this.hiddenKey) wb.putFresh(key, row);
    else wb.put(key, row, true, this.pkConflict(values));
    for (const ix of this.table.indexes ?? []) {
      const e = this.indexEntry(ix, values, key);
      wb.put(e.key, key, e.unique, e.conflict);
    }
    return key;
  }

  remove(wb: WriteBuffer, values: Datum[]): void {
    const key = this.key(values);
    wb.del(key);
    for (const ix of this.table.indexes ?? []) wb.del(this.indexEntry(ix, values, key).key);
  }

  update(wb: WriteBuffer, oldValues: Datum[], newValues: Datum[]): void {
    const oldKey = this.key(oldValues);
    const newKey = this.key(newValues);
    const moved = !oldKey.equals(newKey);
    if (moved) wb.del(oldKey);
    wb.put(
      newKey,
      encodeStoredRow(this.table.version, this.stored, newValues),
      moved,
      this.pkConflict(newValues),
    );
    for (const ix of this.table.indexes ?? []) {
      const o = this.indexEntry(ix, oldValues, oldKey);
      const n = this.indexEntry(ix, newValues, newKey);
      if (o.key.equals(n.key) && !moved) continue;
      wb.del(o.key);
      wb.put(n.key, newKey, n.unique, n.conflict);
    }
  }
}

/**
 * FOREIGN KEY checks for rows written to `table` (references must exist; 23503).
 * `refRows` gives the referenced table's rows instead of a scan: DDL reads outside its
 * block, and the block's own writes to the referenced table count too (ddlRows.ts).
 */
export async function checkForeignKeys(
  ctx: ExecContext,
  table: TableDef,
  rows: readonly Datum[][],
  ev: EvalCtx,
  refRows?: (ref: TableDef) => Promise<readonly Datum[][]>,
): Promise<void> {
  for (const fk of table.foreignKeys ?? []) {
    const ref = await ctx.catalog.find(fk.refSchema, fk.refTable);
    if (!ref) continue;
    const pos = fk.columns.map((id) => table.columns.findIndex((c) => c.id === id));
    const refPk = pkColumns(ref).map((c) => c.name);
    const byPk =
      refPk.length === fk.refColumns.length && refPk.every((n, i) => n === fk.refColumns[i]);
    const wanted = rows.filter((r) => pos.every((p) => r[p] !== null));
    if (wanted.length === 0) continue;
    const refPos = fk.refColumns.map((n) => ref.columns.findIndex((c) => c.name === n));
    const found = new Set<string>();
    let present: readonly Datum[][];
    if (refRows) present = await refRows(ref);
    else {
      // Referenced by its primary key: fetch just the wanted keys.
      const keys = byPk
        ? wanted.map((r) =>
            rowKey(
              ref,
              pos.map((p) => r[p]),
            ),
          )
        : undefined;
      present = (await runScan(ctx, scanAll(ref), ev, [], undefined, keys)).rows;
    }
    for (const r of present)
      found.add(JSON.stringify(refPos.map((p) => show(ref.columns[p].typeOid, r[p]))));
    for (const r of wanted) {
      const vals = pos.map((p, i) => show(ref.columns[refPos[i]].typeOid, r[p]));
      if (!found.has(JSON.stringify(vals))) {
        throw new SqlError(
          SqlState.foreignKeyViolation,
          `insert or update on table "${table.name}" violates foreign key constraint "${fk.name}"`,
          {
            detail: `Key (${pos.map((p) => table.columns[p].name).join(', ')})=(${vals.join(', ')}) is not present in table "${ref.name}".`,
            table: table.name,
            constraint: fk.name,
          },
        );
      }
    }
  }
}

/** Rows deleted (or re-keyed) from `table` must not be referenced (23503, NO ACTION/RESTRICT). */
export async function checkReferenced(
  ctx: ExecContext,
  table: TableDef,
  rows: readonly Datum[][],
  ev: EvalCtx,
): Promise<void> {
  if (rows.length === 0) return;
  for (const other of ctx.catalog.all) {
    for (const fk of other.foreignKeys ?? []) {
      if (fk.refTable !== table.name || fk.refSchema !== table.schema) continue;
      const refPos = fk.refColumns.map((n) => table.columns.findIndex((c) => c.name === n));
      const keys = new Set(
        rows.map((r) => JSON.stringify(refPos.map((p) => show(table.columns[p].typeOid, r[p])))),
      );
      const out = await runScan(ctx, scanAll(other), ev, []);
      const pos = fk.columns.map((id) => other.columns.findIndex((c) => c.id === id));
      for (const r of out.rows) {
        if (pos.some((p) => r[p] === null)) continue;
        const k = JSON.stringify(pos.map((p, i) => show(table.columns[refPos[i]].typeOid, r[p])));
        if (keys.has(k)) {
          throw new SqlError(
            SqlState.foreignKeyViolation,
            `update or delete on table "${table.name}" violates foreign key constraint "${fk.name}" on table "${other.name}"`,
            {
              detail: `Key (${fk.refColumns.join(', ')})=(${JSON.parse(k).join(', ')}) is still referenced from table "${other.name}".`,
              table: other.name,
              constraint: fk.name,
            },
          );
        }
      }
    }
  }
}

export { TypeOid };
