/**
 * The physical plan a SELECT (or the read side of UPDATE/DELETE/INSERT … SELECT) compiles
 * to. Leaves are table scans, each of which becomes plan fragments pushed to the shards
 * (point / range / scatter, DESIGN.md "Planner"); everything above runs at the proxy.
 * Every node's output row is a Datum[] of `types`.
 */
import type { IndexDef, TableDef } from '../../common/catalog/schema';
import type { AggFn } from '../../common/expr/aggregates';
import type { Expr } from '../../common/expr/expr';
import type { FragmentAgg } from '../../common/expr/fragment';
import type { StoredColumn } from '../../common/expr/rowFormat';

/** How a scan finds its rows. Key values are expressions (constants or $n), evaluated at run time. */
export type Access =
  | { readonly kind: 'point'; readonly alternatives: ReadonlyArray<readonly Expr[]> }
  | {
      readonly kind: 'range';
      readonly prefix: readonly Expr[];
      readonly lower: { e: Expr; incl: boolean } | null;
      readonly upper: { e: Expr; incl: boolean } | null;
    }
  | { readonly kind: 'scatter' }
  /**
   * A global secondary index narrows the read (access.ts): its entries are read over the
   * spans the leading columns' = / IN values (and a bound on the next column) give, then
   * the rows fetched by primary key, grouped by range, and the whole filter re-checked.
   */
  | {
      readonly kind: 'index';
      readonly index: IndexDef;
      /** One list of alternatives (= or IN) per leading index column. */
      readonly alternatives: ReadonlyArray<readonly Expr[]>;
      readonly lower: { e: Expr; incl: boolean } | null;
      readonly upper: { e: Expr; incl: boolean } | null;
    };

export interface SortKey {
  readonly e: Expr;
  readonly desc: boolean;
  readonly nullsFirst: boolean;
}

export interface AggCall {
  readonly fn: AggFn;
  readonly argType: number;
  readonly arg: Expr | null;
  readonly distinct: boolean;
  readonly filter: Expr | null;
  /** string_agg's delimiter. */
  readonly extra: Expr | null;
  readonly t: number;
  readonly orderBy: readonly SortKey[];
}

export interface WindowCall {
  readonly fn: string;
  readonly args: readonly Expr[];
  readonly partition: readonly Expr[];
  readonly order: readonly SortKey[];
  /** frame: whole partition (no ORDER BY) or running up to the current peer group. */
  readonly running: boolean;
  readonly argType: number;
  readonly t: number;
}

/** A subquery an expression of this node uses; results land in EvalCtx.subq[id]. */
export interface SubqueryPlan {
  readonly id: number;
  readonly plan: PlanNode;
  /** 'array': ARRAY(subquery), the first column's values as one array. */
  readonly mode: 'scalar' | 'exists' | 'in' | 'array';
  /** Reads a column of an enclosing query: re-run per outer row. */
  readonly correlated: boolean;
}

interface Base {
  readonly types: readonly number[];
  /** Subqueries the node's expressions read. */
  readonly subqs?: readonly SubqueryPlan[];
}

export interface ScanNode extends Base {
  readonly kind: 'scan';
  readonly table: TableDef;
  readonly alias: string;
  readonly cols: readonly StoredColumn[];
  access: Access;
  /** Pushed to shards. */
  filter?: Expr;
  /** Evaluated at the proxy (outer references, subqueries). */
  residual?: Expr;
  /** Pushed-down partial aggregation (output = groups + partial states). */
  partialAgg?: { readonly groups: readonly Expr[]; readonly aggs: readonly FragmentAgg[] };
  /** Pushed-down top-n / limit. */
  order?: ReadonlyArray<{ i: number; t: number; desc: boolean; nullsFirst: boolean }>;
  limit?: Expr;
  /** Return row keys too (UPDATE/DELETE). */
  withKeys?: boolean;
  /** Has outer references: cannot be cached across outer rows. */
  readonly correlated: boolean;
}

export type PlanNode =
  | ScanNode
  /** A pg_catalog / information_schema table, generated at the proxy (proxy/catalog). */
  | (Base & { readonly kind: 'virtual'; readonly table: TableDef })
  /** unnest() in a select list: expands array columns in lockstep (targetSrf.ts). */
  | (Base & { readonly kind: 'zip'; readonly input: PlanNode; readonly cols: readonly number[] })
  /** unnest / generate_series in FROM (rangeFunction.ts). */
  | (Base & {
      readonly kind: 'srf';
      readonly fn: 'unnest' | 'generate_series' | 'value';
      readonly args: readonly Expr[];
      /** WITH ORDINALITY: a last int8 column numbering the rows from 1. */
      readonly ordinality: boolean;
    })
  | (Base & { readonly kind: 'values'; readonly rows: ReadonlyArray<readonly Expr[]> })
  | (Base & { readonly kind: 'filter'; readonly input: PlanNode; readonly pred: Expr })
  | (Base & { readonly kind: 'project'; readonly input: PlanNode; readonly exprs: readonly Expr[] })
  | (Base & {
      readonly kind: 'join';
      readonly type: 'inner' | 'left' | 'right' | 'full' | 'semi' | 'anti';
      readonly left: PlanNode;
      readonly right: PlanNode;
      /** Equi-join keys: left expr over the left row, right expr over the right row. */
      readonly leftKeys: readonly Expr[];
      readonly rightKeys: readonly Expr[];
      readonly keyTypes: readonly number[];
      /** The rest of the ON condition, over the concatenated row. */
      readonly on: Expr | null;
      /** Right side is a scan whose primary key the join keys fix: fetch by key (lookup join). */
      readonly lookup: boolean;
    })
  | (Base & {
      readonly kind: 'agg';
      readonly input: PlanNode;
      readonly groups: readonly Expr[];
      readonly aggs: readonly AggCall[];
      /** Input rows are partial states from shards (groups…, states…): merge them. */
      readonly mergePartials: boolean;
    })
  | (Base & { readonly kind: 'sort'; readonly input: PlanNode; readonly keys: readonly SortKey[] })
  | (Base & {
      readonly kind: 'limit';
      readonly input: PlanNode;
      readonly limit: Expr | null;
      readonly offset: Expr | null;
    })
  | (Base & {
      readonly kind: 'distinct';
      readonly input: PlanNode;
      readonly on: readonly Expr[] | null;
    })
  | (Base & {
      readonly kind: 'window';
      readonly input: PlanNode;
      readonly funcs: readonly WindowCall[];
    })
  | (Base & {
      readonly kind: 'setop';
      readonly op: 'union' | 'intersect' | 'except';
      readonly all: boolean;
      readonly left: PlanNode;
      readonly right: PlanNode;
    })
  /** A WITH query, materialized once per execution and shared by its references. */
  | (Base & {
      readonly kind: 'cte';
      readonly name: string;
      readonly plan: PlanNode;
      readonly id: number;
    })
  /**
   * WITH RECURSIVE's iteration (PostgreSQL's RecursiveUnion): the base rows, then `step`
   * run again and again over the rows the previous round added (the working table `id`),
   * until a round adds none; UNION (not ALL) keeps only rows not produced before.
   */
  | (Base & {
      readonly kind: 'recursive';
      readonly id: number;
      readonly all: boolean;
      readonly base: PlanNode;
      readonly step: PlanNode;
    })
  /**
   * A LATERAL subquery: `right` runs once per `left` row, which its expressions read as
   * their nearest outer row; `on` filters each joined row; `left` keeps unmatched rows.
   */
  | (Base & {
      readonly kind: 'lateral';
      readonly type: 'inner' | 'left';
      readonly left: PlanNode;
      readonly right: PlanNode;
      readonly on: readonly Expr[];
    })
  /** The recursive term's reference to its own CTE: the rows of the previous round. */
  | (Base & {
      readonly kind: 'worktable';
      readonly id: number;
    });

export interface OutputColumn {
  readonly name: string;
  readonly t: number;
  readonly tm: number;
  readonly tableOid: number;
  readonly attnum: number;
}
