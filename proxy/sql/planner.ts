/**
 * SELECT → physical plan (plan.ts). Base tables become scans whose pushable predicates,
 * partial aggregates and top-n go to the shards as fragments; access is point, range or
 * scatter by what the WHERE fixes of the primary key (DESIGN.md "Planner"). Joins,
 * subqueries, CTEs, set operations, grouping, windows, DISTINCT, ORDER BY and LIMIT run
 * at the proxy over the merged results.
 */
import { SqlError, SqlState } from '../../common/errors';
import type { TableDef } from '../../common/catalog/schema';
import { TypeOid } from '../../common/types/datum';
import { aggResultType, MERGEABLE, type AggFn } from '../../common/expr/aggregates';
import { isPushable, walkExpr, type Expr } from '../../common/expr/expr';
import { coerce, commonType, type ParamTypes } from './coerce';
import {
  AGGREGATES,
  ExprCompiler,
  figureColname,
  loc,
  names,
  type ExprHooks,
} from './exprCompiler';
import type { AstNode } from './parser';
import type {
  AggCall,
  OutputColumn,
  PlanNode,
  ScanNode,
  SortKey,
  SubqueryPlan,
  WindowCall,
} from './plan';
import { chooseAccess, splitConjuncts } from './access';
import { Scope, type ScopeColumn } from './scope';
import { isVirtual, tableOid } from '../catalog';
import { planRangeFunction } from './rangeFunction';
import { planWithTargetUnnest } from './targetSrf';
import { typeName } from '../../common/expr/typesAdapter';

const T = TypeOid;

export type TableLookup = (schema: string | undefined, name: string, position?: number) => TableDef;

export interface PlannedQuery {
  readonly plan: PlanNode;
  readonly columns: OutputColumn[];
}

interface CteEntry {
  readonly name: string;
  readonly node: PlanNode & { kind: 'cte' | 'worktable' };
  readonly columns: readonly OutputColumn[];
}

/** A LATERAL subquery in FROM (LATERAL functions are refused by planRangeFunction). */
function isLateral(item: AstNode): boolean {
  return (item.RangeSubselect as AstNode | undefined)?.lateral === true;
}

/** Whether an AST refers to a relation by this unqualified name (a CTE's self-reference). */
function refersTo(node: unknown, name: string): boolean {
  if (Array.isArray(node)) return node.some((n) => refersTo(n, name));
  if (node === null || typeof node !== 'object') return false;
  const rv = (node as AstNode).RangeVar as AstNode | undefined;
  if (rv !== undefined && rv.schemaname === undefined && rv.relname === name) return true;
  return Object.values(node).some((v) => refersTo(v, name));
}

/** A stable text key for comparing compiled expressions structurally. */
export function exprKey(e: Expr): string {
  return JSON.stringify(e, (_k, v: unknown) =>
    typeof v === 'bigint'
      ? `${v}n`
      : v instanceof Object && 'kind' in v && (v as { kind: string }).kind === 'numeric'
        ? `N${String(v)}`
        : v,
  );
}

function offsetExpr(e: Expr, by: number, from = 0): Expr {
  return mapCols(e, (i) => (i >= from ? i + by : i));
}

/** Rewrites column positions (depth-0 `col` nodes only). */
export function mapCols(e: Expr, f: (i: number) => number): Expr {
  const walk = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(walk);
    if (
      x === null ||
      typeof x !== 'object' ||
      Buffer.isBuffer(x) ||
      (x as { kind?: string }).kind === 'numeric'
    )
      return x;
    const o = x as Record<string, unknown>;
    if (o.k === 'col') return { ...o, i: f(o.i as number) };
    if (o.k === 'const') return o;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(o)) out[key] = walk(o[key]);
    return out;
  };
  return walk(e) as Expr;
}

function colsUsed(e: Expr): Set<number> {
  const s = new Set<number>();
  walkExpr(e, (x) => {
    if (x.k === 'col') s.add(x.i);
  });
  return s;
}

function hasSubq(e: Expr): boolean {
  let found = false;
  walkExpr(e, (x) => {
    if (x.k === 'subq' || x.k === 'insubq' || x.k === 'outer') found = true;
  });
  return found;
}

function containsAggregate(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(containsAggregate);
  if (node === null || typeof node !== 'object') return false;
  const o = node as Record<string, unknown>;
  if (o.SubLink) return false;
  if (o.FuncCall) {
    const fc = o.FuncCall as AstNode;
    const n = names(fc.funcname);
    if (!fc.over && AGGREGATES.has(n[n.length - 1].toLowerCase())) return true;
  }
  return Object.values(o).some(containsAggregate);
}

function containsWindow(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(containsWindow);
  if (node === null || typeof node !== 'object') return false;
  const o = node as Record<string, unknown>;
  if (o.SubLink) return false;
  if (o.FuncCall && (o.FuncCall as AstNode).over) return true;
  return Object.values(o).some(containsWindow);
}

export class Planner {
  private subqCounter = { n: 0 };
  private cteCounter = { n: 0 };
  private ctes: CteEntry[][] = [];
  /** The correlation flag of the query whose FROM is being planned (functions in FROM). */
  private fromFlag: { correlated: boolean } = { correlated: false };

  constructor(
    readonly lookup: TableLookup,
    readonly params: ParamTypes,
  ) {}

  private hooks(clause: string, subqs: SubqueryPlan[]): ExprHooks {
    return {
      clause,
      subqs,
      subquery: (select, outer) => {
        const flag = { correlated: false };
        const q = this.planSelect(select, outer, flag);
        return { plan: q.plan, types: q.columns.map((c) => c.t), correlated: flag.correlated };
      },
      nextSubqueryId: () => this.subqCounter.n++,
    };
  }

  /** Compiles a standalone expression over a scope (DML: SET, VALUES, RETURNING, defaults). */
  compiler(scope: Scope, clause: string, subqs: SubqueryPlan[] = []): ExprCompiler {
    return new ExprCompiler(scope, this.params, this.hooks(clause, subqs));
  }

  get subqueryCount(): number {
    return this.subqCounter.n;
  }

  planSelect(
    node: AstNode,
    outer: Scope | null = null,
    flag = { correlated: false },
    keepUnknown = false,
  ): PlannedQuery {
    const stmt = (node.SelectStmt ?? node) as AstNode;
    const pushedCtes = this.pushWith(stmt, outer);
    try {
      if (stmt.op && stmt.op !== 'SETOP_NONE') return this.planSetOp(stmt, outer, flag);
      if (stmt.valuesLists)
        return this.finishOrderLimit(this.planValues(stmt, outer, flag), stmt, outer, flag);
      return planWithTargetUnnest(stmt, (s) => this.planSimple(s, outer, flag, keepUnknown));
    } finally {
      if (pushedCtes) this.ctes.pop();
    }
  }

  private pushWith(stmt: AstNode, outer: Scope | null): boolean {
    const w = stmt.withClause as AstNode | undefined;
    if (!w) return false;
    const level: CteEntry[] = [];
    this.ctes.push(level);
    for (const c of w.ctes as AstNode[]) {
      const cte = c.CommonTableExpr as AstNode;
      const aliases = names(cte.aliascolnames);
      if (w.recursive === true && refersTo(cte.ctequery, cte.ctename as string)) {
        level.push(this.planRecursiveCte(cte, aliases, level, outer));
        continue;
      }
      const q = this.planSelect(cte.ctequery as AstNode, outer);
      const columns = q.columns.map((col, i) => ({ ...col, name: aliases[i] ?? col.name }));
      level.push({
        name: cte.ctename as string,
        node: {
          kind: 'cte',
          name: cte.ctename as string,
          plan: q.plan,
          id: this.cteCounter.n++,
          types: q.plan.types,
        },
        columns,
      });
    }
    return true;
  }

  /**
   * A CTE of WITH RECURSIVE that refers to itself: `base UNION [ALL] step`, where step reads
   * the CTE's previous round (a worktable node) and base fixes the column types, as in
   * PostgreSQL (a step column of another type is 42804; the reference must be in step).
   */
  private planRecursiveCte(
    cte: AstNode,
    aliases: string[],
    level: CteEntry[],
    outer: Scope | null,
  ): CteEntry {
    const name = cte.ctename as string;
    const q = ((cte.ctequery as AstNode).SelectStmt ?? cte.ctequery) as AstNode;
    if (q.op !== 'SETOP_UNION' || refersTo(q.larg, name))
      throw new SqlError(
        SqlState.invalidRecursion,
        `recursive query "${name}" does not have the form non-recursive-term UNION [ALL] recursive-term`,
      );
    if (q.sortClause || q.limitCount || q.limitOffset)
      throw new SqlError(
        SqlState.featureNotSupported,
        'ORDER BY/LIMIT/OFFSET in a recursive query is not implemented',
      );
    const base = this.planSelect(q.larg as AstNode, outer);
    const columns = base.columns.map((col, i) => ({ ...col, name: aliases[i] ?? col.name }));
    const id = this.cteCounter.n++;
    const types = base.plan.types;
    const worktable: PlanNode = { kind: 'worktable', id, types };
    // While the step is planned, the CTE's name reads the worktable.
    const entry = { name, node: worktable, columns };
    level.push(entry);
    let step: PlannedQuery;
    try {
      step = this.planSelect(q.rarg as AstNode, outer, { correlated: false }, true);
    } finally {
      level.splice(level.indexOf(entry), 1);
    }
    if (step.columns.length !== columns.length)
      throw new SqlError(
        SqlState.syntaxError,
        'each UNION query must have the same number of columns',
      );
    const exprs = step.columns.map((c, i): Expr => {
      if (c.t === types[i]) return { k: 'col', t: c.t, i };
      if (c.t === T.unknown) return coerce({ k: 'col', t: c.t, i }, types[i], this.params);
      throw new SqlError(
        SqlState.datatypeMismatch,
        `recursive query "${name}" column ${i + 1} has type ${typeName(types[i])} in non-recursive term but type ${typeName(c.t)} overall`,
        { hint: 'Cast the output of the non-recursive term to the correct type.' },
      );
    });
    const stepPlan: PlanNode = exprs.every((e, i) => e.k === 'col' && e.i === i)
      ? step.plan
      : { kind: 'project', input: step.plan, exprs, types };
    return {
      name,
      node: {
        kind: 'cte',
        name,
        plan: {
          kind: 'recursive',
          id,
          all: q.all === true,
          base: base.plan,
          step: stepPlan,
          types,
        },
        id,
        types,
      },
      columns,
    };
  }

  private findCte(name: string): CteEntry | undefined {
    for (let i = this.ctes.length - 1; i >= 0; i--) {
      const hit = this.ctes[i].find((c) => c.name === name);
      if (hit) return hit;
    }
    return undefined;
  }

  // --- FROM ----------------------------------------------------------------------------

  planFromItem(item: AstNode, outer: Scope | null): { plan: PlanNode; cols: ScopeColumn[] } {
    if (item.RangeVar) {
      const rv = item.RangeVar as AstNode;
      const alias =
        ((rv.alias as AstNode | undefined)?.aliasname as string | undefined) ??
        (rv.relname as string);
      const colAliases = names((rv.alias as AstNode | undefined)?.colnames);
      if (!rv.schemaname) {
        const cte = this.findCte(rv.relname as string);
        if (cte) {
          return {
            plan: cte.node,
            cols: cte.columns.map((c, i) => ({
              rel: alias,
              name: colAliases[i] ?? c.name,
              t: c.t,
              tm: c.tm,
              tableOid: 0,
              attnum: 0,
            })),
          };
        }
      }
      const table = this.lookup(
        rv.schemaname as string | undefined,
        rv.relname as string,
        loc(item),
      );
      if (isVirtual(table)) {
        let n = 0;
        return {
          plan: { kind: 'virtual', table, types: table.columns.map((c) => c.typeOid) },
          cols: table.columns.map((c) => ({
            rel: alias,
            name: colAliases[n++] ?? c.name,
            t: c.typeOid,
            tm: c.typeMod,
            tableOid: -table.id,
            attnum: c.id,
          })),
        };
      }
      const scan: ScanNode = {
        kind: 'scan',
        table,
        alias,
        cols: table.columns.map((c) => ({ id: c.id, t: c.typeOid, missing: c.missing })),
        access: { kind: 'scatter' },
        types: table.columns.map((c) => c.typeOid),
        correlated: false,
      };
      let visible = 0;
      return {
        plan: scan,
        cols: table.columns.map((c) => ({
          rel: alias,
          name: c.hidden ? c.name : (colAliases[visible++] ?? c.name),
          t: c.typeOid,
          tm: c.typeMod,
          hidden: c.hidden,
          tableOid: tableOid(table.id),
          attnum: c.id,
          pk: table.primaryKey.includes(c.id),
        })),
      };
    }
    if (item.RangeSubselect) {
      const rs = item.RangeSubselect as AstNode;
      const alias = (rs.alias as AstNode | undefined)?.aliasname as string | undefined;
      if (!alias)
        throw new SqlError(SqlState.syntaxError, 'subquery in FROM must have an alias', {
          position: loc(item),
        });
      const colAliases = names((rs.alias as AstNode).colnames);
      const q = this.planSelect(rs.subquery as AstNode, outer);
      return {
        plan: q.plan,
        cols: q.columns.map((c, i) => ({
          rel: alias,
          name: colAliases[i] ?? c.name,
          t: c.t,
          tm: c.tm,
          tableOid: 0,
          attnum: 0,
        })),
      };
    }
    if (item.JoinExpr) return this.planJoin(item.JoinExpr as AstNode, outer);
    if (item.RangeFunction)
      return planRangeFunction(
        item,
        new ExprCompiler(new Scope([], outer, this.fromFlag), this.params, this.hooks('FROM', [])),
        this.params,
      );
    throw new SqlError(
      SqlState.featureNotSupported,
      `FROM item ${Object.keys(item)[0]} is not supported yet`,
    );
  }

  /**
   * `left, LATERAL (subquery) alias` or `left [LEFT] JOIN LATERAL (subquery) alias ON …`:
   * the subquery is planned with the left side's columns as its nearest enclosing scope,
   * so a reference to them becomes an outer reference, bound per left row at run time.
   */
  private planLateral(
    type: 'inner' | 'left',
    left: { plan: PlanNode; cols: ScopeColumn[] },
    item: AstNode,
    outer: Scope | null,
    quals: AstNode | null,
  ): { plan: PlanNode; cols: ScopeColumn[] } {
    const right = this.planFromItem(item, new Scope(left.cols, outer));
    const cols = [...left.cols, ...right.cols];
    const subqs: SubqueryPlan[] = [];
    const on =
      quals === null
        ? []
        : splitConjuncts(
            new ExprCompiler(
              new Scope(cols, outer),
              this.params,
              this.hooks('JOIN conditions', subqs),
            ).condition(quals, 'JOIN/ON'),
          );
    if (subqs.length > 0)
      throw new SqlError(
        SqlState.featureNotSupported,
        'a subquery in the ON condition of a LATERAL join is not supported yet',
      );
    return {
      plan: {
        kind: 'lateral',
        type,
        left: left.plan,
        right: right.plan,
        on,
        types: [...left.plan.types, ...right.plan.types],
      },
      cols,
    };
  }

  private planJoin(j: AstNode, outer: Scope | null): { plan: PlanNode; cols: ScopeColumn[] } {
    const left = this.planFromItem(j.larg as AstNode, outer);
    const jt0 = String(j.jointype);
    if (isLateral(j.rarg as AstNode)) {
      if ((jt0 !== 'JOIN_INNER' && jt0 !== 'JOIN_LEFT') || j.usingClause || j.isNatural)
        throw new SqlError(
          SqlState.featureNotSupported,
          'LATERAL is supported in JOIN … ON and LEFT JOIN … ON only yet',
        );
      return this.planLateral(
        jt0 === 'JOIN_LEFT' ? 'left' : 'inner',
        left,
        j.rarg as AstNode,
        outer,
        (j.quals as AstNode | undefined) ?? null,
      );
    }
    const right = this.planFromItem(j.rarg as AstNode, outer);
    const jt = String(j.jointype);
    const type =
      jt === 'JOIN_LEFT'
        ? 'left'
        : jt === 'JOIN_RIGHT'
          ? 'right'
          : jt === 'JOIN_FULL'
            ? 'full'
            : 'inner';
    let usingNames = names(j.usingClause);
    if (j.isNatural)
      usingNames = left.cols
        .filter((c) => !c.hidden && right.cols.some((r) => r.name === c.name && !r.hidden))
        .map((c) => c.name);
    const cols = [...left.cols, ...right.cols];
    const subqs: SubqueryPlan[] = [];
    const conds: Expr[] = [];
    const lw = left.cols.length;
    for (const n of usingNames) {
      const li = left.cols.findIndex((c) => c.name === n && !c.hidden);
      const ri = right.cols.findIndex((c) => c.name === n && !c.hidden);
      if (li < 0 || ri < 0)
        throw new SqlError(
          SqlState.undefinedColumn,
          `column "${n}" specified in USING clause does not exist in ${li < 0 ? 'left' : 'right'} table`,
        );
      const ct = commonType([left.cols[li].t, right.cols[ri].t], 'JOIN/USING');
      conds.push({
        k: 'cmp',
        t: T.bool,
        op: 'eq',
        ct,
        a: coerce({ k: 'col', t: left.cols[li].t, i: li }, ct, this.params),
        b: coerce({ k: 'col', t: right.cols[ri].t, i: lw + ri }, ct, this.params),
      });
      // The merged column is read through the left side; the right copy is reachable qualified only.
      cols[lw + ri] = { ...cols[lw + ri], hidden: true, qualifiedOnly: true };
    }
    const scope = new Scope(cols, outer);
    if (j.quals)
      conds.push(
        ...splitConjuncts(
          new ExprCompiler(scope, this.params, this.hooks('JOIN conditions', subqs)).condition(
            j.quals as AstNode,
            'JOIN/ON',
          ),
        ),
      );
    const plan = this.makeJoin(type, left.plan, right.plan, lw, conds, subqs);
    return { plan, cols };
  }

  /** Builds a join, turning equalities across the two sides into hash keys. */
  private makeJoin(
    type: 'inner' | 'left' | 'right' | 'full',
    left: PlanNode,
    right: PlanNode,
    lw: number,
    conds: Expr[],
    subqs: SubqueryPlan[],
  ): PlanNode {
    const leftKeys: Expr[] = [];
    const rightKeys: Expr[] = [];
    const keyTypes: number[] = [];
    const rest: Expr[] = [];
    let l = left;
    let r = right;
    for (const c of conds) {
      const used = colsUsed(c);
      const onlyLeft = [...used].every((i) => i < lw);
      const onlyRight = [...used].every((i) => i >= lw);
      if (c.k === 'cmp' && c.op === 'eq' && !hasSubq(c)) {
        const ua = colsUsed(c.a),
          ub = colsUsed(c.b);
        const aLeft = ua.size > 0 && [...ua].every((i) => i < lw),
          aRight = ua.size > 0 && [...ua].every((i) => i >= lw);
        const bLeft = ub.size > 0 && [...ub].every((i) => i < lw),
          bRight = ub.size > 0 && [...ub].every((i) => i >= lw);
        if (aLeft && bRight) {
          leftKeys.push(c.a);
          rightKeys.push(offsetExpr(c.b, -lw));
          keyTypes.push(c.ct);
          continue;
        }
        if (aRight && bLeft) {
          leftKeys.push(c.b);
          rightKeys.push(offsetExpr(c.a, -lw));
          keyTypes.push(c.ct);
          continue;
        }
      }
      // Inner joins push one-sided conditions into that side (into a scan's fragment when pushable).
      if (type === 'inner' && used.size > 0 && onlyLeft && !hasSubq(c)) {
        l = this.addFilter(l, c, []);
        continue;
      }
      if ((type === 'inner' || type === 'left') && used.size > 0 && onlyRight && !hasSubq(c)) {
        r = this.addFilter(r, offsetExpr(c, -lw), []);
        continue;
      }
      rest.push(c);
    }
    const on =
      rest.length === 0
        ? null
        : rest.length === 1
          ? rest[0]
          : ({ k: 'and', t: T.bool, a: rest } as Expr);
    const lookup =
      (type === 'inner' || type === 'left') &&
      r.kind === 'scan' &&
      r.table.primaryKey.length > 0 &&
      r.table.primaryKey.every((id) => {
        const idx = r.kind === 'scan' ? r.table.columns.findIndex((c) => c.id === id) : -1;
        return rightKeys.some(
          (k, i) =>
            k.k === 'col' &&
            k.i === idx &&
            keyTypes[i] === (r as ScanNode).table.columns[idx].typeOid,
        );
      }) &&
      r.access.kind === 'scatter' &&
      !r.partialAgg;
    return {
      kind: 'join',
      type,
      left: l,
      right: r,
      leftKeys,
      rightKeys,
      keyTypes,
      on,
      lookup,
      types: [...l.types, ...r.types],
      subqs,
    };
  }

  /** Adds a filter above a node, into a scan's pushed filter (and access path) when possible. */
  addFilter(node: PlanNode, pred: Expr, subqs: SubqueryPlan[]): PlanNode {
    if (node.kind === 'scan' && !node.partialAgg && node.limit === undefined) {
      const conj = splitConjuncts(pred);
      const pushed = conj.filter((c) => isPushable(c));
      const kept = conj.filter((c) => !isPushable(c));
      const all = [...splitConjuncts(node.filter ?? null), ...pushed];
      const scan: ScanNode = {
        ...node,
        filter:
          all.length === 0
            ? undefined
            : all.length === 1
              ? all[0]
              : { k: 'and', t: T.bool, a: all },
        residual:
          kept.length === 0
            ? node.residual
            : ({
                k: 'and',
                t: T.bool,
                a: [...splitConjuncts(node.residual ?? null), ...kept],
              } as Expr),
        subqs: [...(node.subqs ?? []), ...subqs],
        correlated:
          node.correlated ||
          kept.some((k) => {
            let o = false;
            walkExpr(k, (x) => {
              if (x.k === 'outer') o = true;
            });
            return o;
          }),
      };
      scan.access = chooseAccess(scan.table, all);
      return scan;
    }
    if (node.kind === 'join' && node.type === 'inner' && subqs.length === 0) {
      const lw = node.left.types.length;
      const conds = [...splitConjuncts(pred)];
      if (node.on) conds.push(...splitConjuncts(node.on));
      for (let i = 0; i < node.leftKeys.length; i++) {
        conds.push({
          k: 'cmp',
          t: T.bool,
          op: 'eq',
          ct: node.keyTypes[i],
          a: node.leftKeys[i],
          b: offsetExpr(node.rightKeys[i], lw),
        });
      }
      return this.makeJoin(
        'inner',
        node.left,
        node.right,
        lw,
        conds,
        node.subqs ? [...node.subqs] : [],
      );
    }
    return { kind: 'filter', input: node, pred, types: node.types, subqs };
  }

  /** FROM items for UPDATE … FROM / DELETE … USING: the target first, then the others, inner-joined. */
  planDmlSource(
    target: AstNode,
    others: AstNode[],
    where: AstNode | undefined,
  ): { plan: PlanNode; scope: Scope; targetWidth: number } {
    const first = this.planFromItem(target, null);
    let acc = first;
    for (const o of others) {
      const next = this.planFromItem(o, null);
      acc = {
        plan: this.makeJoin('inner', acc.plan, next.plan, acc.cols.length, [], []),
        cols: [...acc.cols, ...next.cols],
      };
    }
    const scope = new Scope(acc.cols, null);
    let plan = acc.plan;
    if (where) {
      const subqs: SubqueryPlan[] = [];
      const pred = new ExprCompiler(scope, this.params, this.hooks('WHERE', subqs)).condition(
        where,
        'WHERE',
      );
      plan = this.addFilter(plan, pred, subqs);
    }
    return { plan, scope, targetWidth: first.cols.length };
  }

  private planFrom(stmt: AstNode, outer: Scope | null): { plan: PlanNode; scope: Scope } {
    const from = (stmt.fromClause as AstNode[] | undefined) ?? [];
    if (from.length === 0) {
      return { plan: { kind: 'values', rows: [[]], types: [] }, scope: new Scope([], outer) };
    }
    let acc = this.planFromItem(from[0], outer);
    for (let i = 1; i < from.length; i++) {
      if (isLateral(from[i])) {
        acc = this.planLateral('inner', acc, from[i], outer, null);
        continue;
      }
      const next = this.planFromItem(from[i], outer);
      const lw = acc.cols.length;
      acc = {
        plan: this.makeJoin('inner', acc.plan, next.plan, lw, [], []),
        cols: [...acc.cols, ...next.cols],
      };
    }
    return { plan: acc.plan, scope: new Scope(acc.cols, outer) };
  }

  // --- SELECT core --------------------------------------------------------------------

  private planSimple(
    stmt: AstNode,
    outer: Scope | null,
    flag: { correlated: boolean },
    keepUnknown: boolean,
  ): PlannedQuery {
    const savedFlag = this.fromFlag;
    this.fromFlag = flag;
    let from: { plan: PlanNode; scope: Scope };
    try {
      from = this.planFrom(stmt, outer);
    } finally {
      this.fromFlag = savedFlag;
    }
    const { plan: fromPlan, scope: fromScope0 } = from;
    const fromScope = new Scope(fromScope0.cols, outer, flag);
    let plan = fromPlan;

    if (stmt.whereClause) {
      const subqs: SubqueryPlan[] = [];
      const where = new ExprCompiler(fromScope, this.params, this.hooks('WHERE', subqs)).condition(
        stmt.whereClause as AstNode,
        'WHERE',
      );
      plan = this.addFilter(plan, where, subqs);
    }

    const targets = (stmt.targetList as AstNode[] | undefined) ?? [];
    const sortItems = (stmt.sortClause as AstNode[] | undefined) ?? [];
    const grouped =
      (stmt.groupClause as AstNode[] | undefined)?.length ||
      stmt.havingClause ||
      containsAggregate(targets) ||
      containsAggregate(sortItems);
    const hasWindow = containsWindow(targets) || containsWindow(sortItems);

    // Post-FROM expressions compile through `post`: grouped queries map GROUP BY
    // expressions and aggregates onto the aggregate node's output.
    const projSubqs: SubqueryPlan[] = [];
    const aggs: AggCall[] = [];
    const groupExprs: Expr[] = [];
    const windows: WindowCall[] = [];
    let postWidth = fromScope.cols.length;
    const baseHooks = this.hooks('aggregate arguments', projSubqs);
    const baseCompiler = new ExprCompiler(fromScope, this.params, baseHooks);
    const postHooks: ExprHooks = { ...this.hooks('SELECT', projSubqs) };

    if (grouped) {
      for (const g of (stmt.groupClause as AstNode[] | undefined) ?? []) {
        groupExprs.push(this.groupItem(g, targets, baseCompiler));
      }
      // Functional dependency (PostgreSQL 9.1+): grouping by a table's whole primary key
      // makes its other columns usable; they join the group keys.
      const grouped0 = new Set(
        groupExprs.filter((g) => g.k === 'col').map((g) => (g as { i: number }).i),
      );
      const rels = new Set(fromScope.cols.filter((c) => c.pk).map((c) => c.rel));
      for (const rel of rels) {
        const pkPos = fromScope.cols
          .map((c, i) => (c.rel === rel && c.pk ? i : -1))
          .filter((i) => i >= 0);
        if (pkPos.length === 0 || !pkPos.every((i) => grouped0.has(i))) continue;
        fromScope.cols.forEach((c, i) => {
          if (c.rel === rel && c.tableOid !== 0 && !grouped0.has(i))
            groupExprs.push({ k: 'col', t: c.t, i });
        });
      }
      const groupKeys = groupExprs.map(exprKey);
      postHooks.aggregate = (call) =>
        this.aggregateCall(call, baseCompiler, aggs, groupExprs.length);
      postHooks.group = (node) => {
        if (node.SubLink || node.A_Const || node.ParamRef) return undefined;
        // A scalar call can match a GROUP BY expression (GROUP BY date_trunc('month', d));
        // aggregate and window calls never do.
        const fc = node.FuncCall as AstNode | undefined;
        if (fc && (fc.over || AGGREGATES.has(names(fc.funcname).pop()?.toLowerCase() ?? '')))
          return undefined;
        let e: Expr;
        try {
          e = new ExprCompiler(fromScope, this.params, {
            ...this.hooks('GROUP BY', []),
            subquery: () => {
              throw new Error('no subqueries here');
            },
          }).compile(node);
        } catch {
          return undefined;
        }
        const i = groupKeys.indexOf(exprKey(e));
        if (i >= 0) return { k: 'col', t: groupExprs[i].t, i };
        if (node.ColumnRef && e.k === 'col') {
          const col = fromScope.cols[e.i];
          throw new SqlError(
            SqlState.groupingError,
            `column "${col.rel ? `${col.rel}.` : ''}${col.name}" must appear in the GROUP BY clause or be used in an aggregate function`,
            { position: loc(node) },
          );
        }
        return undefined;
      };
      postWidth = -1; // set after the aggregate list is known
    }
    if (hasWindow) {
      postHooks.window = (call, compiler) =>
        this.windowCall(call, compiler, windows, () =>
          grouped ? groupExprs.length + aggs.length : fromScope.cols.length,
        );
    }
    const post = new ExprCompiler(fromScope, this.params, postHooks);

    // SELECT list.
    const outExprs: Expr[] = [];
    const outCols: OutputColumn[] = [];
    for (const t of targets) {
      const rt = t.ResTarget as AstNode;
      const val = rt.val as AstNode;
      const cr = val.ColumnRef as AstNode | undefined;
      if (cr && (cr.fields as AstNode[]).some((f) => f.A_Star)) {
        const parts = names(cr.fields);
        const rel = parts.length > 1 ? parts[parts.length - 2] : null;
        if (rel !== null && !fromScope.hasRel(rel))
          throw new SqlError(
            SqlState.undefinedTable,
            `missing FROM-clause entry for table "${rel}"`,
            { position: loc(val) },
          );
        if (rel === null && fromScope.cols.length === 0)
          throw new SqlError(
            SqlState.syntaxError,
            'SELECT * with no tables specified is not valid',
            { position: loc(val) },
          );
        fromScope.cols.forEach((c, i) => {
          if (c.hidden || (rel !== null && c.rel !== rel)) return;
          const e = grouped
            ? post.compile({
                ColumnRef: {
                  fields: [{ String: { sval: c.rel ?? '' } }, { String: { sval: c.name } }],
                },
              })
            : ({ k: 'col', t: c.t, i } as Expr);
          outExprs.push(e);
          outCols.push({ name: c.name, t: c.t, tm: c.tm, tableOid: c.tableOid, attnum: c.attnum });
        });
        continue;
      }
      const e = post.compile(val);
      // An unknown literal stays unknown under a set operation (the other side decides), else text.
      const fixed =
        e.t === T.unknown && !(keepUnknown && e.k === 'const') ? coerce(e, T.text, this.params) : e;
      outExprs.push(fixed);
      const src = !grouped && e.k === 'col' ? fromScope.cols[e.i] : undefined;
      outCols.push({
        name: (rt.name as string | undefined) ?? figureColname(val),
        t: fixed.t,
        tm: src?.tm ?? -1,
        tableOid: src?.tableOid ?? 0,
        attnum: src?.attnum ?? 0,
      });
    }

    // HAVING
    let having: Expr | null = null;
    const havingSubqs: SubqueryPlan[] = [];
    if (stmt.havingClause) {
      having = new ExprCompiler(fromScope, this.params, {
        ...postHooks,
        subqs: havingSubqs,
        clause: 'HAVING',
      }).condition(stmt.havingClause as AstNode, 'HAVING');
    }

    // ORDER BY: output column by name or position, else an expression (a hidden "junk" column).
    const sortKeys: SortKey[] = [];
    const distinct = stmt.distinctClause as AstNode[] | undefined;
    const visible = outExprs.length;
    for (const s of sortItems) {
      const sb = s.SortBy as AstNode;
      const node = sb.node as AstNode;
      const desc = sb.sortby_dir === 'SORTBY_DESC';
      const nullsFirst =
        sb.sortby_nulls === 'SORTBY_NULLS_FIRST'
          ? true
          : sb.sortby_nulls === 'SORTBY_NULLS_LAST'
            ? false
            : desc;
      const idx = this.outputRef(node, outCols, visible);
      if (idx >= 0) {
        sortKeys.push({ e: { k: 'col', t: outExprs[idx].t, i: idx }, desc, nullsFirst });
        continue;
      }
      const e = post.compile(node);
      const same = outExprs.findIndex((x) => exprKey(x) === exprKey(e));
      if (same >= 0 && same < visible) {
        sortKeys.push({ e: { k: 'col', t: e.t, i: same }, desc, nullsFirst });
        continue;
      }
      if (distinct && distinct.length > 0 && Object.keys(distinct[0]).length === 0) {
        throw new SqlError(
          SqlState.invalidColumnReference,
          'for SELECT DISTINCT, ORDER BY expressions must appear in select list',
          { position: loc(node) },
        );
      }
      outExprs.push(e);
      sortKeys.push({ e: { k: 'col', t: e.t, i: outExprs.length - 1 }, desc, nullsFirst });
    }

    // Assemble: agg → having → window → project → distinct → sort → limit → drop junk.
    if (grouped) {
      plan = this.makeAggregate(plan, groupExprs, aggs);
      postWidth = groupExprs.length + aggs.length;
      if (having)
        plan = { kind: 'filter', input: plan, pred: having, types: plan.types, subqs: havingSubqs };
    }
    void postWidth;
    if (windows.length > 0)
      plan = {
        kind: 'window',
        input: plan,
        funcs: windows,
        types: [...plan.types, ...windows.map((w) => w.t)],
      };
    plan = {
      kind: 'project',
      input: plan,
      exprs: outExprs,
      types: outExprs.map((e) => e.t),
      subqs: projSubqs,
    };

    if (distinct && distinct.length > 0) {
      const isOn = Object.keys(distinct[0]).length > 0;
      if (isOn) {
        const onExprs = distinct.map((d) => {
          const idx = this.outputRef(d, outCols, visible);
          if (idx >= 0) return { k: 'col', t: outExprs[idx].t, i: idx } as Expr;
          const e = post.compile(d);
          const same = outExprs.findIndex((x) => exprKey(x) === exprKey(e));
          if (same < 0)
            throw new SqlError(
              SqlState.featureNotSupported,
              'DISTINCT ON expressions must appear in the select list here',
              { position: loc(d) },
            );
          return { k: 'col', t: e.t, i: same } as Expr;
        });
        if (sortKeys.length > 0)
          plan = { kind: 'sort', input: plan, keys: sortKeys, types: plan.types };
        plan = { kind: 'distinct', input: plan, on: onExprs, types: plan.types };
      } else {
        plan = { kind: 'distinct', input: plan, on: null, types: plan.types };
        if (sortKeys.length > 0)
          plan = { kind: 'sort', input: plan, keys: sortKeys, types: plan.types };
      }
    } else if (sortKeys.length > 0) {
      plan = { kind: 'sort', input: plan, keys: sortKeys, types: plan.types };
    }
    plan = this.addLimit(plan, stmt, outer);
    if (outExprs.length > visible) {
      plan = {
        kind: 'project',
        input: plan,
        exprs: outCols.map((c, i) => ({ k: 'col', t: c.t, i }) as Expr),
        types: outCols.map((c) => c.t),
      };
    }
    this.pushDownTopN(plan);
    return { plan, columns: outCols };
  }

  /** An ORDER BY / DISTINCT ON / GROUP BY item naming an output column (by position or name), or -1. */
  private outputRef(node: AstNode, outCols: readonly OutputColumn[], visible: number): number {
    if (node.A_Const && (node.A_Const as AstNode).ival !== undefined) {
      const n = ((node.A_Const as AstNode).ival as { ival?: number }).ival ?? 0;
      if (n < 1 || n > visible)
        throw new SqlError(
          SqlState.invalidColumnReference,
          `ORDER BY position ${n} is not in select list`,
          { position: loc(node) },
        );
      return n - 1;
    }
    if (node.ColumnRef) {
      const parts = names((node.ColumnRef as AstNode).fields);
      if (parts.length === 1) {
        const hits = outCols
          .slice(0, visible)
          .map((c, i) => (c.name === parts[0] ? i : -1))
          .filter((i) => i >= 0);
        if (hits.length === 1) return hits[0];
      }
    }
    return -1;
  }

  private groupItem(g: AstNode, targets: AstNode[], base: ExprCompiler): Expr {
    // GROUP BY 1 and GROUP BY <output name> refer to the SELECT list (PostgreSQL's rule).
    if (g.A_Const && (g.A_Const as AstNode).ival !== undefined) {
      const n = ((g.A_Const as AstNode).ival as { ival?: number }).ival ?? 0;
      const t = targets[n - 1]?.ResTarget as AstNode | undefined;
      if (!t)
        throw new SqlError(
          SqlState.invalidColumnReference,
          `GROUP BY position ${n} is not in select list`,
          { position: loc(g) },
        );
      return base.compile(t.val as AstNode);
    }
    if (g.ColumnRef) {
      const parts = names((g.ColumnRef as AstNode).fields);
      if (parts.length === 1 && base.scope.find(null, parts[0]) < 0) {
        const t = targets.find((x) => (x.ResTarget as AstNode).name === parts[0]);
        if (t) return base.compile((t.ResTarget as AstNode).val as AstNode);
      }
    }
    if (g.GroupingSet)
      throw new SqlError(
        SqlState.featureNotSupported,
        'GROUPING SETS, ROLLUP and CUBE are not supported yet',
        { position: loc(g) },
      );
    return base.compile(g);
  }

  private aggregateCall(
    call: AstNode,
    base: ExprCompiler,
    aggs: AggCall[],
    groupCount: number,
  ): Expr {
    const fc = call.FuncCall as AstNode;
    const fname = names(fc.funcname);
    const name = fname[fname.length - 1].toLowerCase();
    const position = loc(call);
    const inner = base.withScope(base.scope, {
      ...base.hooks,
      clause: 'aggregate function calls',
      aggregate: () => {
        throw new SqlError(SqlState.groupingError, 'aggregate function calls cannot be nested', {
          position,
        });
      },
    });
    const args = ((fc.args as AstNode[] | undefined) ?? []).map((a) => inner.compile(a));
    let fn: AggFn = name as AggFn;
    if (name === 'count' && (fc.agg_star || args.length === 0)) fn = 'count_star';
    if (fn !== 'count_star' && args.length === 0)
      throw new SqlError(SqlState.undefinedFunction, `function ${name}() does not exist`, {
        position,
      });
    const objectAgg = fn === 'json_object_agg' || fn === 'jsonb_object_agg';
    if (objectAgg && args.length !== 2)
      throw new SqlError(SqlState.undefinedFunction, `function ${name} does not exist`, {
        position,
      });
    // The object aggregates collect the value; the key rides along as text (`extra`).
    let arg: Expr | null = fn === 'count_star' ? null : objectAgg ? args[1] : args[0];
    if (arg && arg.t === T.unknown)
      arg = coerce(
        arg,
        name === 'string_agg' || name === 'count' || name.startsWith('json') ? T.text : T.numeric,
        this.params,
      );
    if (
      arg &&
      (fn === 'sum' || fn === 'avg') &&
      arg.t !== T.unknown &&
      ![T.int2, T.int4, T.int8, T.numeric, T.float4, T.float8, T.interval].includes(arg.t as 21)
    ) {
      throw new SqlError(
        SqlState.undefinedFunction,
        `function ${name}(${arg.t === T.text ? 'text' : String(arg.t)}) does not exist`,
        {
          position,
          hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
        },
      );
    }
    if (fn === 'string_agg' && arg) arg = coerce(arg, T.text, this.params);
    const argType = arg?.t ?? T.int8;
    const t = aggResultType(fn, argType);
    const filter = fc.agg_filter ? inner.condition(fc.agg_filter as AstNode, 'FILTER') : null;
    const extra =
      fn === 'string_agg'
        ? coerce(args[1] ?? { k: 'const', t: T.text, v: null }, T.text, this.params)
        : objectAgg
          ? coerce(args[0], T.text, this.params, { explicit: true })
          : null;
    const orderBy: SortKey[] = ((fc.agg_order as AstNode[] | undefined) ?? []).map((s) => {
      const sb = s.SortBy as AstNode;
      const desc = sb.sortby_dir === 'SORTBY_DESC';
      return {
        e: inner.compile(sb.node as AstNode),
        desc,
        nullsFirst:
          sb.sortby_nulls === 'SORTBY_NULLS_FIRST'
            ? true
            : sb.sortby_nulls === 'SORTBY_NULLS_LAST'
              ? false
              : desc,
      };
    });
    const callDef: AggCall = {
      fn,
      argType,
      arg,
      distinct: fc.agg_distinct === true,
      filter,
      extra,
      t,
      orderBy,
    };
    const key = exprKey(callDef as unknown as Expr);
    let i = aggs.findIndex((a) => exprKey(a as unknown as Expr) === key);
    if (i < 0) {
      aggs.push(callDef);
      i = aggs.length - 1;
    }
    return { k: 'col', t, i: groupCount + i };
  }

  private windowCall(
    call: AstNode,
    compiler: ExprCompiler,
    windows: WindowCall[],
    baseWidth: () => number,
  ): Expr {
    const fc = call.FuncCall as AstNode;
    const name = names(fc.funcname).pop()!.toLowerCase();
    const over = fc.over as AstNode;
    if (over.name || over.refname)
      throw new SqlError(SqlState.featureNotSupported, 'named windows are not supported yet', {
        position: loc(call),
      });
    const inner = compiler.withScope(compiler.scope, {
      ...compiler.hooks,
      window: undefined,
      clause: 'window functions',
    });
    const args = fc.agg_star
      ? []
      : ((fc.args as AstNode[] | undefined) ?? []).map((a) => inner.compile(a));
    const partition = ((over.partitionClause as AstNode[] | undefined) ?? []).map((p) =>
      inner.compile(p),
    );
    const order: SortKey[] = ((over.orderClause as AstNode[] | undefined) ?? []).map((s) => {
      const sb = s.SortBy as AstNode;
      const desc = sb.sortby_dir === 'SORTBY_DESC';
      return {
        e: inner.compile(sb.node as AstNode),
        desc,
        nullsFirst:
          sb.sortby_nulls === 'SORTBY_NULLS_FIRST'
            ? true
            : sb.sortby_nulls === 'SORTBY_NULLS_LAST'
              ? false
              : desc,
      };
    });
    const argType = args[0]?.t ?? T.int8;
    let t: number;
    switch (name) {
      case 'row_number':
      case 'rank':
      case 'dense_rank':
      case 'ntile':
        t = T.int8;
        break;
      case 'percent_rank':
      case 'cume_dist':
        t = T.float8;
        break;
      case 'lag':
      case 'lead':
      case 'first_value':
      case 'last_value':
        t = argType;
        break;
      default:
        if (!AGGREGATES.has(name))
          throw new SqlError(SqlState.undefinedFunction, `function ${name} does not exist`, {
            position: loc(call),
          });
        t = aggResultType(
          (name === 'count' && args.length === 0 ? 'count_star' : name) as AggFn,
          argType,
        );
    }
    const running = order.length > 0;
    windows.push({
      fn: name === 'count' && args.length === 0 ? 'count_star' : name,
      args,
      partition,
      order,
      running,
      argType,
      t,
    });
    return { k: 'col', t, i: baseWidth() + windows.length - 1 };
  }

  /** The aggregate node, with partial aggregation pushed into a lone scan when every piece is pushable. */
  private makeAggregate(input: PlanNode, groups: Expr[], aggs: AggCall[]): PlanNode {
    const types = [...groups.map((g) => g.t), ...aggs.map((a) => a.t)];
    const pushable =
      input.kind === 'scan' &&
      !input.residual &&
      !input.partialAgg &&
      input.limit === undefined &&
      groups.every(isPushable) &&
      aggs.every(
        (a) =>
          MERGEABLE.has(a.fn) &&
          !a.distinct &&
          a.orderBy.length === 0 &&
          (a.arg === null || isPushable(a.arg)) &&
          (a.filter === null || isPushable(a.filter)),
      );
    if (pushable && input.kind === 'scan') {
      const scan: ScanNode = {
        ...input,
        partialAgg: {
          groups,
          aggs: aggs.map((a) => ({ fn: a.fn, argType: a.argType, arg: a.arg, filter: a.filter })),
        },
        types: [...groups.map((g) => g.t), ...aggs.map(() => T.unknown)],
      };
      return {
        kind: 'agg',
        input: scan,
        groups: groups.map((g, i) => ({ k: 'col', t: g.t, i }) as Expr),
        aggs,
        mergePartials: true,
        types,
      };
    }
    return { kind: 'agg', input, groups, aggs, mergePartials: false, types };
  }

  private addLimit(plan: PlanNode, stmt: AstNode, outer: Scope | null): PlanNode {
    if (!stmt.limitCount && !stmt.limitOffset) return plan;
    const c = new ExprCompiler(new Scope([], outer), this.params, this.hooks('LIMIT', []));
    const lim =
      stmt.limitCount &&
      !Object.prototype.hasOwnProperty.call((stmt.limitCount as AstNode).A_Const ?? {}, 'isnull')
        ? coerce(c.compile(stmt.limitCount as AstNode), T.int8, this.params)
        : null;
    const off = stmt.limitOffset
      ? coerce(c.compile(stmt.limitOffset as AstNode), T.int8, this.params)
      : null;
    return { kind: 'limit', input: plan, limit: lim, offset: off, types: plan.types };
  }

  /** limit(sort(project(scan))) with column sort keys: each shard returns only its top n. */
  private pushDownTopN(plan: PlanNode): void {
    if (plan.kind !== 'limit' || plan.limit === null) return;
    let n: PlanNode = plan.input;
    let keys: readonly SortKey[] = [];
    if (n.kind === 'sort') {
      keys = n.keys;
      n = n.input;
    }
    if (n.kind !== 'project' || (n.subqs?.length ?? 0) > 0) return;
    const scan = n.input;
    if (scan.kind !== 'scan' || scan.partialAgg || scan.residual) return;
    const order: Array<{ i: number; t: number; desc: boolean; nullsFirst: boolean }> = [];
    for (const k of keys) {
      if (k.e.k !== 'col') return;
      const src = n.exprs[k.e.i];
      if (src.k !== 'col') return;
      order.push({ i: src.i, t: src.t, desc: k.desc, nullsFirst: k.nullsFirst });
    }
    scan.order = order.length > 0 ? order : undefined;
    scan.limit = plan.offset
      ? { k: 'arith', t: T.int8, op: 'add', a: plan.limit, b: plan.offset }
      : plan.limit;
  }

  // --- VALUES and set operations ---------------------------------------------------------

  private planValues(
    stmt: AstNode,
    outer: Scope | null,
    flag: { correlated: boolean },
  ): PlannedQuery {
    const lists = (stmt.valuesLists as AstNode[]).map(
      (l) => (l.List as AstNode).items as AstNode[],
    );
    const subqs: SubqueryPlan[] = [];
    const c = new ExprCompiler(
      new Scope([], outer, flag),
      this.params,
      this.hooks('VALUES', subqs),
    );
    const rows = lists.map((items) => items.map((i) => c.compile(i)));
    const width = rows[0]?.length ?? 0;
    if (rows.some((r) => r.length !== width))
      throw new SqlError(SqlState.syntaxError, 'VALUES lists must all be the same length');
    const types = Array.from({ length: width }, (_, j) =>
      commonType(
        rows.map((r) => r[j].t),
        'VALUES',
      ),
    );
    const coerced = rows.map((r) => r.map((e, j) => coerce(e, types[j], this.params)));
    return {
      plan: { kind: 'values', rows: coerced, types, subqs },
      columns: types.map((t, j) => ({ name: `column${j + 1}`, t, tm: -1, tableOid: 0, attnum: 0 })),
    };
  }

  private planSetOp(
    stmt: AstNode,
    outer: Scope | null,
    flag: { correlated: boolean },
  ): PlannedQuery {
    const l = this.planSelect(stmt.larg as AstNode, outer, flag, true);
    const r = this.planSelect(stmt.rarg as AstNode, outer, flag, true);
    const opName = String(stmt.op).replace('SETOP_', '').toLowerCase() as
      'union' | 'intersect' | 'except';
    if (l.columns.length !== r.columns.length) {
      throw new SqlError(
        SqlState.syntaxError,
        `each ${opName.toUpperCase()} query must have the same number of columns`,
      );
    }
    const types = l.columns.map((c, i) => commonType([c.t, r.columns[i].t], opName.toUpperCase()));
    const cast = (q: PlannedQuery): PlanNode =>
      q.columns.every((c, i) => c.t === types[i])
        ? q.plan
        : {
            kind: 'project',
            input: q.plan,
            exprs: q.columns.map((c, i) => coerce({ k: 'col', t: c.t, i }, types[i], this.params)),
            types,
          };
    let plan: PlanNode = {
      kind: 'setop',
      op: opName,
      all: stmt.all === true,
      left: cast(l),
      right: cast(r),
      types,
    };
    const columns = l.columns.map((c, i) => ({ ...c, t: types[i], tableOid: 0, attnum: 0 }));
    return this.finishOrderLimit({ plan, columns }, stmt, outer, flag, (p) => (plan = p));
  }

  /** ORDER BY / LIMIT over a VALUES or set operation: sort keys name output columns. */
  private finishOrderLimit(
    q: PlannedQuery,
    stmt: AstNode,
    outer: Scope | null,
    flag: { correlated: boolean },
    _set?: (p: PlanNode) => void,
  ): PlannedQuery {
    let plan = q.plan;
    const sortItems = (stmt.sortClause as AstNode[] | undefined) ?? [];
    if (sortItems.length > 0) {
      const scope = new Scope(
        q.columns.map((c) => ({
          rel: null,
          name: c.name,
          t: c.t,
          tm: c.tm,
          tableOid: 0,
          attnum: 0,
        })),
        outer,
        flag,
      );
      const c = new ExprCompiler(scope, this.params, this.hooks('ORDER BY', []));
      const keys = sortItems.map((s) => {
        const sb = s.SortBy as AstNode;
        const desc = sb.sortby_dir === 'SORTBY_DESC';
        const idx = this.outputRef(sb.node as AstNode, q.columns, q.columns.length);
        const e =
          idx >= 0
            ? ({ k: 'col', t: q.columns[idx].t, i: idx } as Expr)
            : c.compile(sb.node as AstNode);
        return {
          e,
          desc,
          nullsFirst:
            sb.sortby_nulls === 'SORTBY_NULLS_FIRST'
              ? true
              : sb.sortby_nulls === 'SORTBY_NULLS_LAST'
                ? false
                : desc,
        };
      });
      plan = { kind: 'sort', input: plan, keys, types: plan.types };
    }
    plan = this.addLimit(plan, stmt, outer);
    return { plan, columns: q.columns };
  }
}

export { aggResultType };
