/**
 * The first SQL path: CREATE/DROP TABLE, INSERT … VALUES, and SELECT from one table by
 * primary key, by scan with equality filters, or count(*) — each statement compiled once
 * into a plan that runs against the shards through the router. The distributed planner
 * (point/range/scatter with pushed-down fragments) grows from here.
 */
import { SqlError, SqlState } from '../../common/errors';
import { asBuffer } from '../../common/codec';
import type { ColumnDef, TableDef } from '../../common/catalog/schema';
import { rowPrefix, tableEnd } from '../../common/catalog/keyspace';
import type { Datum } from '../../common/types/datum';
import { TypeOid } from '../../common/types/datum';
import type { ColumnDescription } from '../engine';
import type { AstNode } from './parser';
import type { ExecContext } from './context';
import { typeOidOf, typeSizeOf } from './typeNames';
import { resolve, valueSource, ValueSource } from './values';
import { decodeRow, encodeRow, rowKey } from './rowCodec';

export interface StatementResult {
  readonly rows: Datum[][];
  readonly tag: string;
}

export interface CompiledStatement {
  readonly paramTypes: readonly number[];
  readonly columns: readonly ColumnDescription[] | null;
  execute(ctx: ExecContext, params: readonly Datum[]): Promise<StatementResult>;
}

type Names = Array<{ String: { sval: string } }>;
interface RangeVarNode {
  schemaname?: string;
  relname: string;
  location?: number;
}

const DEFAULT_SCHEMA = 'public';

function names(list: Names | undefined): string[] {
  return (list ?? []).map((n) => n.String.sval);
}

function describeColumn(table: TableDef, col: ColumnDef, name = col.name): ColumnDescription {
  return { name, tableOid: table.id, columnAttr: col.id, typeOid: col.typeOid, typeSize: typeSizeOf(col.typeOid), typeModifier: col.typeMod };
}

async function tableOf(ctx: ExecContext, rel: RangeVarNode): Promise<TableDef> {
  const table = await ctx.catalog.find(rel.schemaname ?? DEFAULT_SCHEMA, rel.relname);
  if (!table) {
    throw new SqlError(SqlState.undefinedTable, `relation "${rel.relname}" does not exist`, {
      position: rel.location !== undefined ? rel.location + 1 : undefined,
    });
  }
  return table;
}

function columnOf(table: TableDef, name: string, location?: number): ColumnDef {
  const col = table.columns.find((c) => c.name === name);
  if (!col) {
    throw new SqlError(SqlState.undefinedColumn, `column "${name}" of relation "${table.name}" does not exist`, {
      position: location !== undefined ? location + 1 : undefined,
    });
  }
  return col;
}

function typmodOf(typeOid: number, mods: AstNode[] | undefined): number {
  if (!mods || mods.length === 0) return -1;
  const n = ((mods[0].A_Const as { ival?: { ival?: number } }).ival?.ival) ?? 0;
  if (typeOid === TypeOid.varchar || typeOid === TypeOid.bpchar) return n + 4;
  if (typeOid === TypeOid.numeric) {
    const scale = mods[1] ? (((mods[1].A_Const as { ival?: { ival?: number } }).ival?.ival) ?? 0) : 0;
    return ((n << 16) | scale) + 4;
  }
  return -1;
}

// --- CREATE TABLE / DROP TABLE ---------------------------------------------------------

function compileCreateTable(stmt: AstNode): CompiledStatement {
  const rel = stmt.relation as RangeVarNode;
  const columns: Array<Omit<ColumnDef, 'id'>> = [];
  const primaryKey: string[] = [];
  for (const elt of (stmt.tableElts as AstNode[]) ?? []) {
    if (elt.ColumnDef) {
      const def = elt.ColumnDef as { colname: string; typeName: { names: Names; typmods?: AstNode[]; location?: number }; constraints?: Array<{ Constraint: { contype: string; raw_expr?: unknown } }> };
      const typeOid = typeOidOf(names(def.typeName.names), def.typeName.location);
      let notNull = false;
      for (const c of def.constraints ?? []) {
        if (c.Constraint.contype === 'CONSTR_PRIMARY') {
          primaryKey.push(def.colname);
          notNull = true;
        } else if (c.Constraint.contype === 'CONSTR_NOTNULL') {
          notNull = true;
        }
      }
      columns.push({ name: def.colname, typeOid, typeMod: typmodOf(typeOid, def.typeName.typmods), notNull });
    } else if (elt.Constraint) {
      const c = elt.Constraint as { contype: string; keys?: Names };
      if (c.contype === 'CONSTR_PRIMARY') {
        if (primaryKey.length > 0) throw new SqlError(SqlState.invalidTableDefinition, `multiple primary keys for table "${rel.relname}" are not allowed`);
        primaryKey.push(...names(c.keys));
      }
    }
  }
  if (primaryKey.length === 0) {
    throw new SqlError(SqlState.featureNotSupported, 'tables without a primary key are not supported yet');
  }
  const pkCols = primaryKey.map((n) => columns.find((c) => c.name === n));
  pkCols.forEach((c, i) => {
    if (!c) throw new SqlError(SqlState.undefinedColumn, `column "${primaryKey[i]}" named in key does not exist`);
  });
  const spec = {
    schema: rel.schemaname ?? DEFAULT_SCHEMA,
    name: rel.relname,
    columns: columns.map((c) => (primaryKey.includes(c.name) ? { ...c, notNull: true } : c)),
    primaryKey,
  };
  const ifNotExists = stmt.if_not_exists === true;
  return {
    paramTypes: [],
    columns: null,
    async execute(ctx) {
      const { table, catalogVersion } = await ctx.meta.createTable(spec, ifNotExists);
      if (table) ctx.catalog.learned(table, catalogVersion);
      await ctx.ranges.refresh();
      return { rows: [], tag: 'CREATE TABLE' };
    },
  };
}

function compileDrop(stmt: AstNode): CompiledStatement {
  if (stmt.removeType !== 'OBJECT_TABLE') throw new SqlError(SqlState.featureNotSupported, `DROP ${String(stmt.removeType).replace('OBJECT_', '')} is not supported yet`);
  const objects = (stmt.objects as Array<{ List: { items: Names } }>).map((o) => names(o.List.items));
  const ifExists = stmt.missing_ok === true;
  return {
    paramTypes: [],
    columns: null,
    async execute(ctx) {
      for (const parts of objects) {
        const name = parts[parts.length - 1];
        const schema = parts.length > 1 ? parts[parts.length - 2] : DEFAULT_SCHEMA;
        await ctx.meta.dropTable(schema, name, ifExists);
        ctx.catalog.forget(schema, name);
      }
      return { rows: [], tag: 'DROP TABLE' };
    },
  };
}

// --- INSERT ----------------------------------------------------------------------------

async function compileInsert(stmt: AstNode, ctx: ExecContext, paramTypes: number[]): Promise<CompiledStatement> {
  const table = await tableOf(ctx, stmt.relation as RangeVarNode);
  const target = stmt.cols
    ? (stmt.cols as Array<{ ResTarget: { name: string; location?: number } }>).map((c) => columnOf(table, c.ResTarget.name, c.ResTarget.location))
    : table.columns.filter((c) => !c.hidden);
  const select = (stmt.selectStmt as { SelectStmt?: AstNode } | undefined)?.SelectStmt;
  const lists = select?.valuesLists as Array<{ List: { items: AstNode[] } }> | undefined;
  if (!lists) throw new SqlError(SqlState.featureNotSupported, 'INSERT supports VALUES lists only yet');
  if (stmt.returningList) throw new SqlError(SqlState.featureNotSupported, 'INSERT … RETURNING is not supported yet');
  if (stmt.onConflictClause) throw new SqlError(SqlState.featureNotSupported, 'INSERT … ON CONFLICT is not supported yet');
  const rows: ValueSource[][] = lists.map((l) => {
    if (l.List.items.length > target.length) throw new SqlError(SqlState.syntaxError, 'INSERT has more expressions than target columns');
    return l.List.items.map((item, i) => valueSource(item, target[i].typeOid, paramTypes));
  });
  const positions = target.map((c) => table.columns.indexOf(c));
  const pkIndexes = table.primaryKey.map((id) => table.columns.findIndex((c) => c.id === id));
  return {
    paramTypes,
    columns: null,
    async execute(ctx2, params) {
      // Group rows by the range that owns their key: one write per range.
      const byRange = new Map<number, { key: Buffer; puts: Array<[Buffer, Buffer]>; rows: Datum[][] }>();
      for (const row of rows) {
        const values = new Array<Datum>(table.columns.length).fill(null);
        row.forEach((src, i) => (values[positions[i]] = resolve(src, params)));
        table.columns.forEach((c, i) => {
          if (c.notNull && values[i] === null) {
            throw new SqlError(SqlState.notNullViolation, `null value in column "${c.name}" of relation "${table.name}" violates not-null constraint`, { table: table.name, column: c.name });
          }
        });
        const key = rowKey(table, pkIndexes.map((i) => values[i]));
        const r = ctx2.ranges.lookup(key);
        const group = byRange.get(r?.id ?? -1) ?? { key, puts: [], rows: [] };
        group.puts.push([key, encodeRow(table, values)]);
        group.rows.push(values);
        byRange.set(r?.id ?? -1, group);
      }
      for (const group of byRange.values()) {
        const result = await ctx2.router.onKey<{ conflict?: number }>(group.key, 'kv.write', { puts: group.puts, mustNotExist: true });
        if (result.conflict !== undefined) {
          const values = group.rows[result.conflict];
          const pkNames = pkIndexes.map((i) => table.columns[i].name).join(', ');
          const pkValues = pkIndexes.map((i) => String(values[i])).join(', ');
          throw new SqlError(SqlState.uniqueViolation, `duplicate key value violates unique constraint "${table.name}_pkey"`, {
            detail: `Key (${pkNames})=(${pkValues}) already exists.`,
            table: table.name,
            constraint: `${table.name}_pkey`,
          });
        }
      }
      return { rows: [], tag: `INSERT 0 ${rows.length}` };
    },
  };
}

// --- SELECT ----------------------------------------------------------------------------

interface Filter {
  readonly column: number;
  readonly value: ValueSource;
}

function compileWhere(where: AstNode | undefined, table: TableDef, paramTypes: number[]): Filter[] {
  if (!where) return [];
  if (where.BoolExpr && (where.BoolExpr as { boolop: string }).boolop === 'AND_EXPR') {
    return ((where.BoolExpr as { args: AstNode[] }).args).flatMap((a) => compileWhere(a, table, paramTypes));
  }
  const e = where.A_Expr as { kind: string; name: Names; lexpr: AstNode; rexpr: AstNode } | undefined;
  if (e && e.kind === 'AEXPR_OP' && names(e.name)[0] === '=') {
    let colNode = e.lexpr;
    let valNode = e.rexpr;
    if (!colNode.ColumnRef) [colNode, valNode] = [valNode, colNode];
    if (colNode.ColumnRef) {
      const ref = colNode.ColumnRef as { fields: Names; location?: number };
      const colName = names(ref.fields).pop() as string;
      const col = columnOf(table, colName, ref.location);
      return [{ column: table.columns.indexOf(col), value: valueSource(valNode, col.typeOid, paramTypes) }];
    }
  }
  throw new SqlError(SqlState.featureNotSupported, 'WHERE supports equality on columns (combined with AND) only yet');
}

function sameDatum(a: Datum, b: Datum): boolean {
  if (a === null || b === null) return false;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return a === b || (typeof a === 'bigint' || typeof b === 'bigint' ? BigInt(a as number) === BigInt(b as number) : false);
}

function compileConstantSelect(stmt: AstNode, paramTypes: number[]): CompiledStatement {
  const targets = stmt.targetList as Array<{ ResTarget: { name?: string; val: AstNode } }>;
  const items = targets.map((t) => {
    const v = t.ResTarget.val;
    const typeOid = v.A_Const && (v.A_Const as AstNode).ival !== undefined ? TypeOid.int4 : v.TypeCast ? typeOidOf(names((v.TypeCast as { typeName: { names: Names } }).typeName.names)) : TypeOid.text;
    const src = valueSource(v, typeOid, paramTypes);
    return { src, typeOid, name: t.ResTarget.name ?? (v.TypeCast ? names((v.TypeCast as { typeName: { names: Names } }).typeName.names).pop() as string : '?column?') };
  });
  return {
    paramTypes,
    columns: items.map((i) => ({ name: i.name, tableOid: 0, columnAttr: 0, typeOid: i.typeOid, typeSize: typeSizeOf(i.typeOid), typeModifier: -1 })),
    async execute(_ctx, params) {
      return { rows: [items.map((i) => resolve(i.src, params))], tag: 'SELECT 1' };
    },
  };
}

async function compileSelect(stmt: AstNode, ctx: ExecContext, paramTypes: number[]): Promise<CompiledStatement> {
  const from = stmt.fromClause as Array<{ RangeVar?: RangeVarNode }> | undefined;
  if (!from) return compileConstantSelect(stmt, paramTypes);
  if (from.length !== 1 || !from[0].RangeVar) throw new SqlError(SqlState.featureNotSupported, 'SELECT from one table only yet');
  for (const clause of ['groupClause', 'sortClause', 'limitCount', 'limitOffset', 'distinctClause', 'havingClause', 'withClause']) {
    if (stmt[clause]) throw new SqlError(SqlState.featureNotSupported, `${clause.replace('Clause', '').toUpperCase()} is not supported yet`);
  }
  const table = await tableOf(ctx, from[0].RangeVar);
  const targets = stmt.targetList as Array<{ ResTarget: { name?: string; val: AstNode; location?: number } }>;
  const isCount = targets.length === 1 && (targets[0].ResTarget.val.FuncCall as { agg_star?: boolean; funcname?: Names } | undefined)?.agg_star === true && names((targets[0].ResTarget.val.FuncCall as { funcname: Names }).funcname).pop() === 'count';
  const output: Array<{ index: number; desc: ColumnDescription }> = [];
  if (!isCount) {
    for (const t of targets) {
      const ref = t.ResTarget.val.ColumnRef as { fields: Array<{ String?: { sval: string }; A_Star?: unknown }>; location?: number } | undefined;
      if (!ref) throw new SqlError(SqlState.featureNotSupported, 'SELECT lists support columns, * and count(*) only yet');
      const last = ref.fields[ref.fields.length - 1];
      if (last.A_Star) {
        table.columns.forEach((c, i) => !c.hidden && output.push({ index: i, desc: describeColumn(table, c) }));
      } else {
        const col = columnOf(table, (last.String as { sval: string }).sval, ref.location);
        output.push({ index: table.columns.indexOf(col), desc: describeColumn(table, col, t.ResTarget.name ?? col.name) });
      }
    }
  }
  const filters = compileWhere(stmt.whereClause as AstNode | undefined, table, paramTypes);
  const pkIndexes = table.primaryKey.map((id) => table.columns.findIndex((c) => c.id === id));
  const pointFilters = pkIndexes.map((i) => filters.find((f) => f.column === i));
  const isPoint = pointFilters.every((f) => f !== undefined);
  const columns: ColumnDescription[] = isCount
    ? [{ name: targets[0].ResTarget.name ?? 'count', tableOid: 0, columnAttr: 0, typeOid: TypeOid.int8, typeSize: 8, typeModifier: -1 }]
    : output.map((o) => o.desc);

  const matches = (row: Datum[], params: readonly Datum[]): boolean => filters.every((f) => sameDatum(row[f.column], resolve(f.value, params)));
  const project = (row: Datum[]): Datum[] => output.map((o) => row[o.index]);

  return {
    paramTypes,
    columns,
    async execute(ctx2, params) {
      let rows: Datum[][] = [];
      if (isPoint) {
        const pkValues = pointFilters.map((f) => resolve((f as Filter).value, params));
        if (pkValues.some((v) => v === null)) return finish([]);
        const key = rowKey(table, pkValues);
        const value = await ctx2.router.onKey<Uint8Array | null>(key, 'kv.get', { key });
        if (value !== null) {
          const row = decodeRow(table, value);
          if (matches(row, params)) rows.push(row);
        }
        return finish(rows);
      }
      const start = rowPrefix(table.id);
      const end = tableEnd(table.id);
      if (isCount && filters.length === 0) {
        // count(*) is pushed down: each range counts its own rows.
        let n = 0;
        await ctx2.router.walk(start, end, async (send, cursor) => {
          n += await send<number>('kv.count', { start: cursor, end });
          return null;
        });
        return { rows: [[BigInt(n)]], tag: 'SELECT 1' };
      }
      await ctx2.router.walk(start, end, async (send, cursor) => {
        const page = await send<{ entries: Array<[Uint8Array, Uint8Array]>; more: boolean }>('kv.scan', { start: cursor, end });
        for (const [, v] of page.entries) {
          const row = decodeRow(table, v);
          if (matches(row, params)) rows.push(row);
        }
        if (!page.more || page.entries.length === 0) return null;
        const last = asBuffer(page.entries[page.entries.length - 1][0]);
        return Buffer.concat([last, Buffer.from([0])]);
      });
      if (isCount) return { rows: [[BigInt(rows.length)]], tag: 'SELECT 1' };
      return finish(rows);

      function finish(found: Datum[][]): StatementResult {
        rows = found.map(project);
        return { rows, tag: `SELECT ${rows.length}` };
      }
    },
  };
}

/** Compiles one parsed statement; paramTypes holds the client's declared types and is completed by inference. */
export async function compileStatement(node: AstNode, ctx: ExecContext, paramTypes: number[]): Promise<CompiledStatement> {
  const [kind] = Object.keys(node);
  const stmt = node[kind] as AstNode;
  switch (kind) {
    case 'CreateStmt':
      return compileCreateTable(stmt);
    case 'DropStmt':
      return compileDrop(stmt);
    case 'InsertStmt':
      return compileInsert(stmt, ctx, paramTypes);
    case 'SelectStmt':
      return compileSelect(stmt, ctx, paramTypes);
    default:
      throw new SqlError(SqlState.featureNotSupported, `${kind.replace(/Stmt$/, '')} statements are not supported yet`);
  }
}
