/**
 * INSERT (VALUES with DEFAULT, INSERT … SELECT, ON CONFLICT DO NOTHING / DO UPDATE with
 * EXCLUDED, RETURNING), UPDATE (… FROM, RETURNING) and DELETE (… USING, RETURNING).
 * Reads go through the planner like any SELECT; every write of the statement is
 * collected in one WriteBuffer and flushed at the end.
 */
import { SqlError, SqlState } from '../../common/errors';
import type { TableDef } from '../../common/catalog/schema';
import type { Datum } from '../../common/types/datum';
import { TypeOid } from '../../common/types/datum';
import { castValue } from '../../common/expr/casts';
import { evalExpr } from '../../common/expr/eval';
import type { EvalCtx, Expr } from '../../common/expr/expr';
import { assignMismatch, canAssignCast, coerce, type ParamTypes } from './coerce';
import type { ExecContext } from './context';
import { newRunEnv, run } from './executor';
import { figureColname, loc, names, type ExprCompiler } from './exprCompiler';
import type { AstNode } from './parser';
import type { OutputColumn, PlanNode, SubqueryPlan } from './plan';
import type { Planner, TableLookup } from './planner';
import { Scope } from './scope';
import { checkForeignKeys, checkReferenced, tableScopeColumns, TableWriter } from './tableWriter';
import { WriteBuffer } from './writeBuffer';
import { lockArbiters, lockFirstPointRows, lockTargetRows } from './rowLocks';
import { conflictArbiters, type Arbiter } from './conflictArbiters';

/** The WHERE of an UPDATE/DELETE compiled over its source scope, for READ COMMITTED re-checks. */
function compileRecheck(planner: Planner, scope: Scope, where: AstNode | undefined): Expr | null {
  if (!where) return null;
  try {
    const subqs: SubqueryPlan[] = [];
    const e = planner.compiler(scope, 'WHERE', subqs).condition(where, 'WHERE');
    return subqs.length === 0 ? e : null;
  } catch {
    return null; // not re-checkable on its own: the row is taken as locked
  }
}

const T = TypeOid;

export interface DmlStatement {
  readonly columns: OutputColumn[] | null;
  execute(
    ctx: ExecContext,
    params: readonly Datum[],
    ev: EvalCtx,
  ): Promise<{ rows: Datum[][]; tag: string }>;
}

interface Returning {
  readonly exprs: Expr[];
  readonly columns: OutputColumn[];
  readonly subqs: SubqueryPlan[];
}

function compileReturning(
  list: AstNode[] | undefined,
  compiler: ExprCompiler,
  scope: Scope,
): Returning | null {
  if (!list || list.length === 0) return null;
  const exprs: Expr[] = [];
  const columns: OutputColumn[] = [];
  for (const t of list) {
    const rt = t.ResTarget as AstNode;
    const val = rt.val as AstNode;
    const cr = val.ColumnRef as AstNode | undefined;
    if (cr && (cr.fields as AstNode[]).some((f) => f.A_Star)) {
      const parts = names(cr.fields);
      const rel = parts.length > 1 ? parts[parts.length - 2] : null;
      scope.cols.forEach((c, i) => {
        if (c.hidden || (rel !== null && c.rel !== rel)) return;
        exprs.push({ k: 'col', t: c.t, i });
        columns.push({ name: c.name, t: c.t, tm: c.tm, tableOid: c.tableOid, attnum: c.attnum });
      });
      continue;
    }
    const e = compiler.compile(val);
    const fixed = e.t === T.unknown ? coerce(e, T.text, compiler.params) : e;
    exprs.push(fixed);
    const src = e.k === 'col' ? scope.cols[e.i] : undefined;
    columns.push({
      name: (rt.name as string | undefined) ?? figureColname(val),
      t: fixed.t,
      tm: src?.tm ?? -1,
      tableOid: src?.tableOid ?? 0,
      attnum: src?.attnum ?? 0,
    });
  }
  return { exprs, columns, subqs: compiler.hooks.subqs };
}

function project(ret: Returning | null, rows: Datum[][], ev: EvalCtx): Datum[][] {
  if (!ret) return [];
  return rows.map((r) => ret.exprs.map((e) => evalExpr(e, r, ev)));
}

function tableOf(lookup: TableLookup, rel: AstNode): { table: TableDef; alias: string } {
  const table = lookup(
    rel.schemaname as string | undefined,
    rel.relname as string,
    (rel.location as number | undefined) !== undefined ? (rel.location as number) + 1 : undefined,
  );
  const alias = ((rel.alias as AstNode | undefined)?.aliasname as string | undefined) ?? table.name;
  return { table, alias };
}

// --- INSERT ---------------------------------------------------------------------------------

const DEFAULT_MARK: Expr = { k: 'const', t: T.unknown, v: null };
const noRelease = (): void => undefined;

export function compileInsert(
  stmt: AstNode,
  planner: Planner,
  lookup: TableLookup,
  params: ParamTypes,
): DmlStatement {
  const rel = stmt.relation as AstNode;
  const { table, alias } = tableOf(lookup, rel);
  const writer = new TableWriter(table, planner);
  const targets = stmt.cols
    ? (stmt.cols as AstNode[]).map((c) => {
        const rt = c.ResTarget as AstNode;
        const i = table.columns.findIndex((col) => col.name === rt.name && !col.hidden);
        if (i < 0)
          throw new SqlError(
            SqlState.undefinedColumn,
            `column "${rt.name as string}" of relation "${table.name}" does not exist`,
            { position: loc(c) },
          );
        return i;
      })
    : table.columns.map((c, i) => (c.hidden ? -1 : i)).filter((i) => i >= 0);
  const select = (stmt.selectStmt as AstNode | undefined)?.SelectStmt as AstNode | undefined;
  let valueRows: Expr[][] | null = null;
  let source: { plan: PlanNode; types: number[] } | null = null;
  const valueSubqs: SubqueryPlan[] = [];
  if (!select) {
    valueRows = [[]]; // INSERT … DEFAULT VALUES
  } else if (select.valuesLists && !select.sortClause && !select.limitCount) {
    const c = planner.compiler(new Scope([]), 'VALUES', valueSubqs);
    valueRows = (select.valuesLists as AstNode[]).map((l) => {
      const items = (l.List as AstNode).items as AstNode[];
      if (items.length > targets.length)
        throw new SqlError(
          SqlState.syntaxError,
          'INSERT has more expressions than target columns',
          { position: loc(items[targets.length]) },
        );
      return items.map((item, j) => {
        if (item.SetToDefault) return DEFAULT_MARK;
        const col = table.columns[targets[j]];
        return coerce(c.compile(item), col.typeOid, params, {
          assign: true,
          tm: col.typeMod,
          what: `column "${col.name}"`,
          position: loc(item),
        });
      });
    });
  } else {
    const q = planner.planSelect({ SelectStmt: select });
    if (q.columns.length > targets.length)
      throw new SqlError(SqlState.syntaxError, 'INSERT has more expressions than target columns');
    // PostgreSQL's assignment coercion of the SELECT's columns (transformInsertStmt): a
    // type with no assignment cast to the column is 42804. Literals and parameters the
    // SELECT left untyped take the column's type when the rows are cast.
    const simple = (select.op ?? 'SETOP_NONE') === 'SETOP_NONE';
    const selected = simple ? (select.targetList as AstNode[] | undefined) : undefined;
    q.columns.forEach((out, j) => {
      const col = table.columns[targets[j]];
      if (out.t === T.unknown || out.t === 0 || canAssignCast(out.t, col.typeOid)) return;
      if (selected !== undefined && isUntyped(selected[j])) return;
      throw assignMismatch(
        col.typeOid,
        out.t,
        `column "${col.name}"`,
        selected ? loc(selected[j]) : undefined,
      );
    });
    source = { plan: q.plan, types: q.columns.map((col) => col.t) };
  }

  const scope = new Scope(tableScopeColumns(table, alias));
  const ret = compileReturning(
    stmt.returningList as AstNode[] | undefined,
    planner.compiler(scope, 'RETURNING'),
    scope,
  );

  // ON CONFLICT
  const oc = stmt.onConflictClause as AstNode | undefined;
  let onConflict:
    | { action: 'nothing' }
    | {
        action: 'update';
        sets: Array<{ i: number; e: Expr }>;
        where: Expr | null;
        subqs: SubqueryPlan[];
      }
    | null = null;
  let arbiters: Arbiter[] = [];
  if (oc) {
    const infer = oc.infer as AstNode | undefined;
    if (infer === undefined && oc.action !== 'ONCONFLICT_NOTHING')
      throw new SqlError(
        SqlState.syntaxError,
        'ON CONFLICT DO UPDATE requires inference specification or constraint name',
        { hint: 'For example, ON CONFLICT (column_name).' },
      );
    arbiters = conflictArbiters(table, infer);
    if (oc.action === 'ONCONFLICT_NOTHING') onConflict = { action: 'nothing' };
    else {
      const both = new Scope([
        ...tableScopeColumns(table, alias),
        ...tableScopeColumns(table, 'excluded'),
      ]);
      const subqs: SubqueryPlan[] = [];
      const c = planner.compiler(both, 'ON CONFLICT', subqs);
      const sets = ((oc.targetList as AstNode[] | undefined) ?? []).map((t) => {
        const rt = t.ResTarget as AstNode;
        const i = table.columns.findIndex((col) => col.name === rt.name);
        if (i < 0)
          throw new SqlError(
            SqlState.undefinedColumn,
            `column "${rt.name as string}" of relation "${table.name}" does not exist`,
            { position: loc(t) },
          );
        const col = table.columns[i];
        const v = rt.val as AstNode;
        return {
          i,
          e: v.SetToDefault
            ? DEFAULT_MARK
            : coerce(c.compile(v), col.typeOid, params, {
                assign: true,
                tm: col.typeMod,
                what: `column "${col.name}"`,
              }),
        };
      });
      const where = oc.whereClause ? c.condition(oc.whereClause as AstNode, 'WHERE') : null;
      onConflict = { action: 'update', sets, where, subqs };
    }
  }

  return {
    columns: ret?.columns ?? null,
    async execute(ctx, params, ev) {
      const env = newRunEnv(ctx, ev, paramsTypes(params, planner));
      let inputs: Datum[][];
      let release: () => void;
      if (valueRows) {
        for (const sq of valueSubqs) {
          const rows = await run(sq.plan, env);
          ev.subq[sq.id] =
            sq.mode === 'exists'
              ? rows.length > 0
              : sq.mode === 'scalar'
                ? (rows[0]?.[0] ?? null)
                : ({
                    values: rows.map((r) => r[0]),
                    hasNull: rows.some((r) => r[0] === null),
                  } as unknown as Datum);
        }
        const claim = writer.reserve(ctx, valueRows.length, ev);
        release = typeof claim === 'function' ? claim : await claim;
        inputs = valueRows.map((r) =>
          r.map((e) =>
            e === DEFAULT_MARK ? (DEFAULT_MARK as unknown as Datum) : evalExpr(e, [], ev),
          ),
        );
      } else {
        const rows = await run((source as { plan: PlanNode }).plan, env);
        const claim = writer.reserve(ctx, rows.length, ev);
        release = typeof claim === 'function' ? claim : await claim;
        const types = (source as { types: number[] }).types;
        inputs = rows.map((r) =>
          r.map((v, j) =>
            castValue(
              types[j] === T.unknown ? T.text : types[j],
              table.columns[targets[j]].typeOid,
              v,
              table.columns[targets[j]].typeMod,
              false,
              ev.timeZone,
            ),
          ),
        );
      }
      const full: Datum[][] = inputs.map((input) => {
        const values = new Array<Datum>(table.columns.length);
        const given = new Array<boolean>(table.columns.length).fill(false);
        input.forEach((v, j) => {
          if (v !== (DEFAULT_MARK as unknown as Datum)) {
            values[targets[j]] = v;
            given[targets[j]] = true;
          }
        });
        for (let i = 0; i < values.length; i++)
          if (!given[i]) values[i] = writer.defaultValue(i, ev);
        return values;
      });
      release();
      for (const v of full) writer.validate(v, ev);
      const wb = new WriteBuffer();
      const written: Datum[][] = [];
      if (onConflict) {
        // Each proposed row's arbiter keys: its primary key (a new hidden rowid conflicts
        // with nothing) and its unique-index entries (none where a value is NULL).
        const pkArbiter = !writer.hiddenKey && arbiters.some((a) => a.kind === 'pk');
        const entryKeysOf = (v: readonly Datum[]): Buffer[] =>
          arbiters.flatMap((a) => {
            const k = a.kind === 'unique' ? writer.uniqueEntryKey(a.ix, v) : null;
            return k === null ? [] : [k];
          });
        const arbiterKeysOf = (v: readonly Datum[]): Buffer[] =>
          pkArbiter ? [writer.key(v), ...entryKeysOf(v)] : entryKeysOf(v);
        const arbiterKeys = full.map(arbiterKeysOf);
        // With a primary-key arbiter, each row's list starts with its primary key.
        const {
          rows: existing,
          owners,
          newlyLocked,
        } = await lockArbiters(
          ctx,
          table,
          pkArbiter ? arbiterKeys.map((ks) => ks[0]) : [],
          arbiterKeys.flatMap((ks) => (pkArbiter ? ks.slice(1) : ks)),
        );
        // Arbiter key (hex) → hex primary key of the row that holds it: an existing row, or
        // one this statement inserts (a later duplicate in the same statement meets it).
        const holder = new Map<string, string>();
        for (const hex of existing.keys()) holder.set(hex, hex);
        for (const [entry, pk] of owners)
          if (existing.has(pk.toString('hex'))) holder.set(entry, pk.toString('hex'));
        const affected = new Set<string>();
        const toInsert: Datum[][] = [];
        for (let i = 0; i < full.length; i++) {
          let target: string | undefined;
          for (const k of arbiterKeys[i]) {
            target = holder.get(k.toString('hex'));
            if (target !== undefined) break;
          }
          if (target === undefined) {
            const pk = writer.key(full[i]).toString('hex');
            for (const k of arbiterKeys[i]) holder.set(k.toString('hex'), pk);
            affected.add(pk);
            toInsert.push(full[i]);
            continue;
          }
          if (onConflict.action === 'nothing') continue;
          const old = existing.get(target);
          if (affected.has(target) || old === undefined) {
            throw new SqlError(
              '21000',
              'ON CONFLICT DO UPDATE command cannot affect row a second time',
              {
                hint: 'Ensure that no rows proposed for insertion within the same command have duplicate constrained values.',
              },
            );
          }
          const row = [...old, ...full[i]];
          if (onConflict.where && evalExpr(onConflict.where, row, ev) !== true) continue;
          const next = [...old];
          for (const s of onConflict.sets)
            next[s.i] =
              s.e === DEFAULT_MARK ? writer.defaultValue(s.i, ev) : evalExpr(s.e, row, ev);
          writer.validate(next, ev);
          writer.update(wb, old, next);
          // Later rows meet the row as updated: the values it gave up are free again.
          for (const k of arbiterKeysOf(old)) holder.delete(k.toString('hex'));
          const moved = writer.key(next).toString('hex');
          for (const k of arbiterKeysOf(next)) holder.set(k.toString('hex'), moved);
          existing.set(moved, next);
          affected.add(moved);
          written.push(next);
        }
        if (onConflict.action === 'nothing' && ctx.txn !== undefined && !ctx.txn.implicit) {
          // The rows skipped stay unlocked, as in PostgreSQL; the inserted ones' keys stay ours.
          // (An implicit transaction ends with the statement: its commit releases them.)
          const used = new Set(toInsert.flatMap(arbiterKeysOf).map((k) => k.toString('hex')));
          await ctx.txn.txn.release(newlyLocked.filter((k) => !used.has(k.toString('hex'))));
        }
        await checkForeignKeys(ctx, table, [...toInsert, ...written], ev);
        for (const v of toInsert) writer.insert(wb, v);
        written.push(...toInsert);
      } else {
        await checkForeignKeys(ctx, table, full, ev);
        for (const v of full) writer.insert(wb, v);
        written.push(...full);
      }
      // A plain INSERT only creates rows: an autocommit one may commit optimistically (1PC).
      await wb.flush(ctx, onConflict === null);
      return { rows: project(ret, written, ev), tag: `INSERT 0 ${written.length}` };
    },
  };
}

/** One source row per target row (a join may produce several; PostgreSQL uses the first). */
function dedupe(rows: Datum[][], writer: TableWriter, width: number): Datum[][] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const k = writer.key(r.slice(0, width)).toString('hex');
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function paramsTypes(_params: readonly Datum[], planner: Planner): number[] {
  return planner.params;
}

// --- UPDATE / DELETE -----------------------------------------------------------------------

export function compileUpdate(
  stmt: AstNode,
  planner: Planner,
  lookup: TableLookup,
  params: ParamTypes,
): DmlStatement {
  const rel = stmt.relation as AstNode;
  const { table } = tableOf(lookup, rel);
  const writer = new TableWriter(table, planner);
  const src = planner.planDmlSource(
    { RangeVar: rel },
    (stmt.fromClause as AstNode[] | undefined) ?? [],
    stmt.whereClause as AstNode | undefined,
  );
  const updRecheck = compileRecheck(planner, src.scope, stmt.whereClause as AstNode | undefined);
  const subqs: SubqueryPlan[] = [];
  const c = planner.compiler(src.scope, 'UPDATE', subqs);
  const sets: Array<{ i: number; e: Expr }> = [];
  for (const t of stmt.targetList as AstNode[]) {
    const rt = t.ResTarget as AstNode;
    if (rt.indirection)
      throw new SqlError(
        SqlState.featureNotSupported,
        'UPDATE of array elements or fields is not supported yet',
        { position: loc(t) },
      );
    if ((rt.val as AstNode).MultiAssignRef)
      throw new SqlError(
        SqlState.featureNotSupported,
        'UPDATE SET (a, b) = … is not supported yet',
        { position: loc(t) },
      );
    const i = table.columns.findIndex((col) => col.name === rt.name && !col.hidden);
    if (i < 0)
      throw new SqlError(
        SqlState.undefinedColumn,
        `column "${rt.name as string}" of relation "${table.name}" does not exist`,
        { position: loc(t) },
      );
    const col = table.columns[i];
    const v = rt.val as AstNode;
    sets.push({
      i,
      e: v.SetToDefault
        ? DEFAULT_MARK
        : coerce(c.compile(v), col.typeOid, params, {
            assign: true,
            tm: col.typeMod,
            what: `column "${col.name}"`,
            position: loc(v),
          }),
    });
  }
  const setsDefault = sets.some((s) => s.e === DEFAULT_MARK);
  const ret = compileReturning(
    stmt.returningList as AstNode[] | undefined,
    planner.compiler(src.scope, 'RETURNING'),
    src.scope,
  );
  const plan: PlanNode =
    subqs.length > 0
      ? {
          kind: 'project',
          input: src.plan,
          exprs: src.scope.cols.map((col, i) => ({ k: 'col', t: col.t, i }) as Expr),
          types: src.plan.types,
          subqs: [],
        }
      : src.plan;
  return {
    columns: ret?.columns ?? null,
    async execute(ctx, _params, ev) {
      const env = newRunEnv(ctx, ev, planner.params);
      const rows =
        (await lockFirstPointRows(ctx, plan, updRecheck, ev)) ??
        (await lockTargetRows(
          ctx,
          table,
          src.targetWidth,
          dedupe(await run(plan, env), writer, src.targetWidth),
          updRecheck,
          ev,
        ));
      const corr = [] as SubqueryPlan[];
      for (const sq of subqs) {
        if (sq.correlated) corr.push(sq);
        else {
          const r = await run(sq.plan, env);
          ev.subq[sq.id] =
            sq.mode === 'exists'
              ? r.length > 0
              : sq.mode === 'scalar'
                ? (r[0]?.[0] ?? null)
                : ({
                    values: r.map((x) => x[0]),
                    hasNull: r.some((x) => x[0] === null),
                  } as unknown as Datum);
        }
      }
      if (corr.length > 0)
        throw new SqlError(
          SqlState.featureNotSupported,
          'correlated subqueries in UPDATE SET are not supported yet',
        );
      // Only SET c = DEFAULT evaluates a default (a nextval): claim for nothing else.
      const claim = setsDefault ? writer.reserve(ctx, rows.length, ev) : noRelease;
      const release = typeof claim === 'function' ? claim : await claim;
      const seen = new Set<string>();
      const wb = new WriteBuffer();
      const olds: Datum[][] = [];
      const news: Datum[][] = [];
      const outRows: Datum[][] = [];
      for (const r of rows) {
        const old = r.slice(0, src.targetWidth);
        const k = writer.key(old).toString('hex');
        if (seen.has(k)) continue;
        seen.add(k);
        const next = [...old];
        for (const s of sets)
          next[s.i] = s.e === DEFAULT_MARK ? writer.defaultValue(s.i, ev) : evalExpr(s.e, r, ev);
        writer.validate(next, ev);
        olds.push(old);
        news.push(next);
        outRows.push([...next, ...r.slice(src.targetWidth)]);
      }
      release();
      await checkForeignKeys(ctx, table, news, ev);
      const rekeyed = olds.filter((o, i) => !writer.key(o).equals(writer.key(news[i])));
      await checkReferenced(ctx, table, rekeyed, ev);
      for (let i = 0; i < olds.length; i++) writer.update(wb, olds[i], news[i]);
      await wb.flush(ctx);
      return { rows: project(ret, outRows, ev), tag: `UPDATE ${olds.length}` };
    },
  };
}

export function compileDelete(stmt: AstNode, planner: Planner, lookup: TableLookup): DmlStatement {
  const rel = stmt.relation as AstNode;
  const { table } = tableOf(lookup, rel);
  const writer = new TableWriter(table, planner);
  const src = planner.planDmlSource(
    { RangeVar: rel },
    (stmt.usingClause as AstNode[] | undefined) ?? [],
    stmt.whereClause as AstNode | undefined,
  );
  const ret = compileReturning(
    stmt.returningList as AstNode[] | undefined,
    planner.compiler(src.scope, 'RETURNING'),
    src.scope,
  );
  const delRecheck = compileRecheck(planner, src.scope, stmt.whereClause as AstNode | undefined);
  return {
    columns: ret?.columns ?? null,
    async execute(ctx, _params, ev) {
      const env = newRunEnv(ctx, ev, planner.params);
      const rows =
        (await lockFirstPointRows(ctx, src.plan, delRecheck, ev)) ??
        (await lockTargetRows(
          ctx,
          table,
          src.targetWidth,
          dedupe(await run(src.plan, env), writer, src.targetWidth),
          delRecheck,
          ev,
        ));
      const seen = new Set<string>();
      const olds: Datum[][] = [];
      const outRows: Datum[][] = [];
      for (const r of rows) {
        const old = r.slice(0, src.targetWidth);
        const k = writer.key(old).toString('hex');
        if (seen.has(k)) continue;
        seen.add(k);
        olds.push(old);
        outRows.push(r);
      }
      await checkReferenced(ctx, table, olds, ev);
      const wb = new WriteBuffer();
      for (const o of olds) writer.remove(wb, o);
      await wb.flush(ctx);
      return { rows: project(ret, outRows, ev), tag: `DELETE ${olds.length}` };
    },
  };
}

/**
 * A SELECT item PostgreSQL leaves of type unknown for INSERT … SELECT (the planner here
 * types it text): a string literal, NULL or a parameter, written directly in the list.
 */
function isUntyped(target: AstNode | undefined): boolean {
  const v = (target?.ResTarget as AstNode | undefined)?.val as AstNode | undefined;
  if (v === undefined) return false;
  if (v.ParamRef !== undefined) return true;
  const c = v.A_Const as AstNode | undefined;
  return c !== undefined && (c.sval !== undefined || c.isnull === true);
}
