/**
 * One parsed statement → a CompiledStatement: planned once (cached per text and declared
 * parameter types by the session's plan cache), executed per Bind with its parameters.
 * The catalog entries a statement names are fetched before planning, so the planner
 * itself is synchronous.
 */
import { attachRuntime, callCatalogFunction, findVirtual } from '../catalog';
import { catalogUseOf, runWithCatalog } from '../catalog/statementHooks';
import { SqlError, SqlState } from '../../common/errors';
import type { TableDef } from '../../common/catalog/schema';
import type { Datum } from '../../common/types/datum';
import { TypeOid } from '../../common/types/datum';
import { newEvalCtx, type EvalCtx } from '../../common/expr/expr';
import type { ColumnDescription } from '../engine';
import type { ExecContext } from './context';
import {
  compileAlterTable,
  compileCreateIndex,
  compileCreateSchema,
  compileCreateSequence,
  compileCreateTable,
  compileDrop,
  type DdlStatement,
  compileRename,
  compileTruncate,
} from './ddl';
import { compileDelete, compileInsert, compileUpdate } from './dml';
import { newRunEnv, run } from './executor';
import { explainPlan } from './explain';
import { compileRoleStatement } from './roles';
import { compileDatabaseStatement } from './databases';
import type { AstNode } from './parser';
import type { OutputColumn } from './plan';
import { Planner, type TableLookup } from './planner';
import { typeSizeOf } from './typeNames';
import type { PlanNode } from './plan';
import { lockTargetRows } from './rowLocks';
import { lockJoinedRows, planJoinLocks } from './joinLocks';
import { rowKey } from './keys';
import { claimForStatement } from './sequences';
import { compareValues } from '../../common/expr/typesAdapter';

export interface StatementResult {
  readonly rows: Datum[][];
  readonly tag: string;
}

export interface CompiledStatement {
  readonly paramTypes: readonly number[];
  readonly columns: readonly ColumnDescription[] | null;
  /**
   * Reads no table, catalog or sequence and locks nothing (SELECT 1, SELECT now(), a pool's
   * health check): outside a transaction block it needs no snapshot, so no timestamp.
   */
  readonly readsNoData?: boolean;
  execute(ctx: ExecContext, params: readonly Datum[]): Promise<StatementResult>;
}

const EPOCH_2000_MS = Date.UTC(2000, 0, 1);

/**
 * Whether a plan (as JSON text) runs on the proxy alone without data: no table scan (shards), no catalog
 * table or catalog function (they want the catalog as fresh as a timestamp makes it,
 * SqlSession.catchUpWithMeta), no sequence.
 */
function readsNoData(planText: string): boolean {
  return !/"kind":"(scan|virtual)"|"f":"(pg\.|nextval|setval|currval|lastval)/.test(planText);
}

export function statementTime(): bigint {
  return BigInt(Date.now() - EPOCH_2000_MS) * 1000n;
}

export function describe(cols: readonly OutputColumn[]): ColumnDescription[] {
  return cols.map((c) => ({
    name: c.name,
    tableOid: c.tableOid,
    columnAttr: c.attnum,
    typeOid: c.t,
    typeSize: typeSizeOf(c.t),
    typeModifier: c.tm,
  }));
}

/** Every table name the statement mentions (RangeVar nodes), to fetch before planning. */
function relationNames(node: unknown, out: Array<{ schema?: string; name: string }>): void {
  if (Array.isArray(node)) {
    for (const x of node) relationNames(x, out);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (o.RangeVar) {
    const rv = o.RangeVar as { schemaname?: string; relname: string };
    out.push({ schema: rv.schemaname, name: rv.relname });
  }
  if (
    o.relation &&
    typeof o.relation === 'object' &&
    (o.relation as { relname?: string }).relname
  ) {
    const rv = o.relation as { schemaname?: string; relname: string };
    out.push({ schema: rv.schemaname, name: rv.relname });
  }
  for (const [k, v] of Object.entries(o)) {
    // VALUES rows hold only expressions; walking a 2000-row INSERT costs more than planning it.
    // A table named in a subquery there still resolves through the catalog cache.
    if (k === 'valuesLists' || k === 'A_Const') continue;
    relationNames(v, out);
  }
}

async function lookupFor(ctx: ExecContext, node: AstNode): Promise<TableLookup> {
  const wanted: Array<{ schema?: string; name: string }> = [];
  relationNames(node, wanted);
  const found = new Map<string, TableDef>();
  for (const w of wanted) {
    if (findVirtual(w.schema, w.name)) continue;
    const t = await ctx.catalog.find(w.schema ?? 'public', w.name);
    if (t) found.set(`${w.schema ?? 'public'}.${w.name}`, t);
  }
  return (schema, name, position) => {
    const v = findVirtual(schema, name);
    if (v) return v;
    const t =
      found.get(`${schema ?? 'public'}.${name}`) ?? ctx.catalog.peek(schema ?? 'public', name);
    if (!t)
      throw new SqlError(
        SqlState.undefinedTable,
        `relation "${schema ? `${schema}.` : ''}${name}" does not exist`,
        { position },
      );
    return t;
  };
}

function evalCtxFor(ctx: ExecContext, params: readonly Datum[]): EvalCtx {
  const ev = newEvalCtx(params, statementTime());
  const seqs = ctx.sequences;
  if (seqs) ev.nextval = (name) => seqs.take(name);
  if (ctx.catalogAccess) {
    const rt = ctx.catalogAccess.runtime();
    ev.timeZone = rt.session.setting('TimeZone') ?? undefined;
    attachRuntime(ev, rt);
    ev.proxyFn = (f, args) => callCatalogFunction(f, args, rt);
  }
  return ev;
}

function finalTypes(paramTypes: number[]): number[] {
  return paramTypes.map((t) => (t === 0 || t === TypeOid.unknown ? TypeOid.text : t));
}

function ddl(stmt: DdlStatement, paramTypes: number[]): CompiledStatement {
  return {
    paramTypes,
    columns: null,
    async execute(ctx) {
      const { tag, undo } = await stmt.execute(ctx);
      if (undo !== undefined) ctx.noteCatalogUndo?.(undo);
      return { rows: [], tag };
    },
  };
}

interface ForUpdate {
  readonly table: TableDef;
  readonly plan: PlanNode;
  readonly targetWidth: number;
  readonly nowait: boolean;
  readonly skipLocked: boolean;
  /** A constant LIMIT: lock rows one by one in ORDER BY order until this many are held. */
  readonly limit: number | null;
  /** ORDER BY over plain columns of the table (column index, direction), or null. */
  readonly order: Array<{ i: number; desc: boolean }> | null;
}

/**
 * SELECT … FOR UPDATE / FOR NO KEY UPDATE / FOR SHARE / FOR KEY SHARE (all taken as
 * exclusive row locks), NOWAIT, SKIP LOCKED: on one table, the rows its WHERE selects.
 * Called only when planJoinLocks left the statement alone: its FROM is one plain table.
 */
function planForUpdate(stmt: AstNode, planner: Planner, lookup: TableLookup): ForUpdate | null {
  const clauses = stmt.lockingClause as AstNode[] | undefined;
  if (!clauses || clauses.length === 0) return null;
  const from = stmt.fromClause as AstNode[]; // one plain table: planJoinLocks took the rest
  const lc = clauses[0].LockingClause as AstNode;
  const rv = from[0].RangeVar as AstNode;
  const table = lookup(rv.schemaname as string | undefined, rv.relname as string);
  const src = planner.planDmlSource(from[0], [], stmt.whereClause as AstNode | undefined);
  const lim = ((stmt.limitCount as AstNode | undefined)?.A_Const as AstNode | undefined)?.ival as
    AstNode | undefined;
  let order: Array<{ i: number; desc: boolean }> | null = [];
  for (const sb of (stmt.sortClause as AstNode[] | undefined) ?? []) {
    const by = sb.SortBy as AstNode;
    const fields = ((by.node as AstNode).ColumnRef as AstNode | undefined)?.fields as
      AstNode[] | undefined;
    const name = (fields?.[fields.length - 1]?.String as AstNode | undefined)?.sval;
    const i = table.columns.findIndex((c) => c.name === name);
    if (i < 0) {
      order = null;
      break;
    }
    order.push({ i, desc: by.sortby_dir === 'SORTBY_DESC' });
  }
  return {
    table,
    plan: src.plan,
    targetWidth: src.targetWidth,
    nowait: lc.waitPolicy === 'LockWaitError',
    skipLocked: lc.waitPolicy === 'LockWaitSkip',
    limit:
      lim !== undefined && stmt.limitOffset === undefined && order !== null
        ? Number(lim.ival ?? 0)
        : null,
    order,
  };
}

/**
 * Locks the rows first, then (READ COMMITTED) reads again at a new snapshot so the SELECT
 * returns the latest committed version of each locked row, as PostgreSQL does; rows SKIP
 * LOCKED left out read as absent.
 */
async function lockForUpdate(
  ctx: ExecContext,
  fu: ForUpdate,
  ev: EvalCtx,
  paramTypes: number[],
): Promise<ExecContext> {
  const st = ctx.txn;
  if (st === undefined) return ctx;
  const rows = await run(fu.plan, newRunEnv(ctx, ev, paramTypes));
  const locked =
    fu.limit !== null
      ? await lockUpTo(ctx, fu, rows, ev)
      : await lockTargetRows(ctx, fu.table, fu.targetWidth, rows, null, ev, {
          nowait: fu.nowait,
          skipLocked: fu.skipLocked,
        });
  if (st.txn.options.isolation === 'read committed') await st.txn.beginStatement();
  if (!fu.skipLocked || locked.length === rows.length) return ctx;
  const pkPos = fu.table.primaryKey.map((id) => fu.table.columns.findIndex((c) => c.id === id));
  const keyOf = (r: Datum[]): Buffer =>
    rowKey(
      fu.table,
      pkPos.map((p) => r[p]),
    );
  const kept = new Set(locked.map((r) => keyOf(r).toString('hex')));
  const skip = (fu.limit !== null ? (locked as LockedUpTo).skipped : rows)
    .map(keyOf)
    .filter((k) => !kept.has(k.toString('hex')));
  return { ...ctx, txn: { ...st, skip: skip.sort(Buffer.compare) } };
}

type LockedUpTo = Datum[][] & { skipped: Datum[][] };

/**
 * … ORDER BY … LIMIT n FOR UPDATE [SKIP LOCKED]: PostgreSQL locks rows as it returns them,
 * so only the n rows returned are locked (a job queue's `LIMIT 1 … SKIP LOCKED` takes one
 * job, not all of them). Rows are tried one at a time in the query's order.
 */
async function lockUpTo(
  ctx: ExecContext,
  fu: ForUpdate,
  rows: Datum[][],
  ev: EvalCtx,
): Promise<LockedUpTo> {
  const order = fu.order ?? [];
  const types = fu.table.columns.map((c) => c.typeOid);
  const sorted = [...rows].sort((a, b) => {
    for (const o of order) {
      const x = a[o.i],
        y = b[o.i];
      // PostgreSQL's default: NULLS LAST ascending, NULLS FIRST descending.
      const c =
        x === null || y === null
          ? x === y
            ? 0
            : x === null
              ? 1
              : -1
          : compareValues(types[o.i], x, y);
      if (c !== 0) return o.desc ? -c : c;
    }
    return 0;
  });
  const out = [] as unknown as LockedUpTo;
  out.skipped = [];
  for (const row of sorted) {
    if (out.length >= (fu.limit as number)) break;
    try {
      out.push(
        ...(await lockTargetRows(ctx, fu.table, fu.targetWidth, [row], null, ev, {
          nowait: fu.nowait || fu.skipLocked,
        })),
      );
    } catch (err) {
      const e = err as { code?: string; sqlState?: string };
      if (!fu.skipLocked || (e.code !== '55P03' && e.sqlState !== '55P03')) throw err;
      out.skipped.push(row);
    }
  }
  return out;
}

/** Compiles one parsed statement; paramTypes holds the client's declared types and is completed by inference. */
export async function compileStatement(
  node: AstNode,
  ctx: ExecContext,
  paramTypes: number[],
): Promise<CompiledStatement> {
  const [kind] = Object.keys(node);
  const stmt = node[kind] as AstNode;
  const roleStatement = compileRoleStatement(kind, stmt);
  if (roleStatement) return ddl(roleStatement, paramTypes);
  const databaseStatement = compileDatabaseStatement(kind, stmt);
  if (databaseStatement) return ddl(databaseStatement, paramTypes);
  switch (kind) {
    case 'CreateStmt':
      return ddl(compileCreateTable(stmt), paramTypes);
    case 'DropStmt':
      return ddl(compileDrop(stmt), paramTypes);
    case 'IndexStmt':
      return ddl(compileCreateIndex(stmt), paramTypes);
    case 'AlterTableStmt':
      return ddl(compileAlterTable(stmt), paramTypes);
    case 'RenameStmt':
      return ddl(compileRename(stmt), paramTypes);
    case 'TruncateStmt':
      return ddl(compileTruncate(stmt), paramTypes);
    case 'CreateSchemaStmt':
      return ddl(compileCreateSchema(stmt), paramTypes);
    case 'CreateSeqStmt':
      return ddl(compileCreateSequence(stmt), paramTypes);
    default:
      break;
  }
  const lookup = await lookupFor(ctx, node);
  const planner = new Planner(lookup, paramTypes);
  switch (kind) {
    case 'SelectStmt': {
      const joinLocks = planJoinLocks(stmt, planner, lookup);
      const forUpdate = joinLocks === null ? planForUpdate(stmt, planner, lookup) : null;
      const q = planner.planSelect(node);
      const planText = JSON.stringify(q.plan, (_k, v: unknown) =>
        typeof v === 'bigint' ? String(v) : v,
      );
      const sequencesUsed = [
        ...planText.matchAll(/"f":"nextval","a":\[\{"k":"const","t":\d+,"v":"([^"]+)"/g),
      ].map((m) => m[1]);
      const catalogUse = catalogUseOf(q.plan, q.columns);
      return {
        paramTypes: finalTypes(paramTypes),
        columns: describe(q.columns),
        readsNoData: forUpdate === null && joinLocks === null && readsNoData(planText),
        async execute(ctx2, params) {
          // Sequence values are claimed per evaluation context (runWithCatalog may retry with
          // a new one after a catalog change); FOR UPDATE rows are locked once.
          const releases: Array<() => void> = [];
          let runCtx = ctx2;
          let locked = false;
          let rows: Datum[][];
          try {
            rows = await runWithCatalog(
              ctx2,
              catalogUse,
              () => evalCtxFor(ctx2, params),
              async (ev) => {
                const claim = claimForStatement(ctx2.sequences, ev, sequencesUsed, 1);
                releases.push(typeof claim === 'function' ? claim : await claim);
                if (forUpdate && !locked) {
                  runCtx = await lockForUpdate(ctx2, forUpdate, ev, paramTypes);
                  locked = true;
                }
                if (joinLocks && !locked) {
                  await lockJoinedRows(ctx2, joinLocks, ev, paramTypes);
                  locked = true;
                }
                return run(q.plan, newRunEnv(runCtx, ev, paramTypes));
              },
            );
          } finally {
            for (const release of releases) release();
          }
          return { rows, tag: `SELECT ${rows.length}` };
        },
      };
    }
    case 'InsertStmt':
    case 'UpdateStmt':
    case 'DeleteStmt': {
      if (stmt.withClause)
        throw new SqlError(
          SqlState.featureNotSupported,
          `WITH in ${kind.replace('Stmt', '').toUpperCase()} is not supported yet`,
        );
      const d =
        kind === 'InsertStmt'
          ? compileInsert(stmt, planner, lookup, paramTypes)
          : kind === 'UpdateStmt'
            ? compileUpdate(stmt, planner, lookup, paramTypes)
            : compileDelete(stmt, planner, lookup);
      return {
        paramTypes: finalTypes(paramTypes),
        columns: d.columns ? describe(d.columns) : null,
        execute: (ctx2, params) => d.execute(ctx2, params, evalCtxFor(ctx2, params)),
      };
    }
    case 'ExplainStmt': {
      const analyze = ((stmt.options as AstNode[] | undefined) ?? []).some(
        (o) =>
          (o.DefElem as AstNode).defname === 'analyze' &&
          ((o.DefElem as AstNode).arg === undefined ||
            JSON.stringify((o.DefElem as AstNode).arg).includes('true') ||
            JSON.stringify((o.DefElem as AstNode).arg).includes('on')),
      );
      const query = stmt.query as AstNode;
      if (!query.SelectStmt)
        throw new SqlError(SqlState.featureNotSupported, 'EXPLAIN supports SELECT only yet');
      const q = planner.planSelect(query);
      return {
        paramTypes: finalTypes(paramTypes),
        columns: [
          {
            name: 'QUERY PLAN',
            tableOid: 0,
            columnAttr: 0,
            typeOid: TypeOid.text,
            typeSize: -1,
            typeModifier: -1,
          },
        ],
        async execute(ctx2, params) {
          const ev = evalCtxFor(ctx2, params);
          if (ctx2.ranges.all.length === 0) await ctx2.ranges.refresh();
          let lines: string[];
          if (analyze) {
            const env = newRunEnv(ctx2, ev, paramTypes, true);
            const started = process.hrtime.bigint();
            const rows = await run(q.plan, env);
            lines = explainPlan(ctx2, q.plan, ev, env);
            lines.push(
              `rows: ${rows.length}`,
              `execution time: ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(3)} ms`,
            );
          } else {
            lines = explainPlan(ctx2, q.plan, ev, null);
          }
          return { rows: lines.map((l) => [l]), tag: 'EXPLAIN' };
        },
      };
    }
    default:
      throw new SqlError(
        SqlState.featureNotSupported,
        `${kind.replace(/Stmt$/, '')} statements are not supported yet`,
      );
  }
}
