/**
 * A plan fragment: what the proxy pushes down to a shard to run over one range's rows
 * (DESIGN.md "Planner"): key spans or point keys, a filter, a projection, a partial
 * aggregation, a local top-n. Sent as msgpack through `sql.fragment`; see
 * common/expr/fragmentExec.ts for the executing side.
 */
import type { Datum } from '../types/datum';
import type { AggFn } from './aggregates';
import type { Expr } from './expr';
import type { StoredColumn } from './rowFormat';
import { fromWire, toWire } from './typesAdapter';

export interface FragmentAgg {
  readonly fn: AggFn;
  readonly argType: number;
  readonly arg: Expr | null;
  readonly filter: Expr | null;
}

export interface FragmentOrder {
  /** Index into the fragment's output row. */
  readonly i: number;
  readonly t: number;
  readonly desc: boolean;
  readonly nullsFirst: boolean;
}

export interface Fragment {
  /** Columns decoded from the stored row, in the order expressions index them. */
  readonly cols: readonly StoredColumn[];
  /** Point keys (exclusive with spans). */
  readonly keys?: readonly Buffer[];
  /** [start, end) spans; clamped to the range by the shard. */
  readonly spans?: ReadonlyArray<readonly [Buffer, Buffer]>;
  readonly filter?: Expr;
  /** Output expressions; absent → the decoded row. */
  readonly proj?: readonly Expr[];
  /** Partial aggregation: output is [groupValues…, partialStates…] per group. */
  readonly agg?: { readonly groups: readonly Expr[]; readonly aggs: readonly FragmentAgg[] };
  /** Local top-n (over the projected row) when limit is set. */
  readonly order?: readonly FragmentOrder[];
  readonly limit?: number;
  /** Types of the output row (projection or decoded columns), for the wire form. */
  readonly outTypes: readonly number[];
  readonly params: readonly unknown[];
  readonly paramTypes: readonly number[];
  readonly nowUs: bigint;
  /** The session TimeZone the expressions run in (EvalCtx.timeZone); absent: UTC. */
  readonly timeZone?: string;
  /** Also return each row's key (UPDATE/DELETE need them). */
  readonly withKeys?: boolean;
  /** Stop after this many matching rows and answer a resume key. */
  readonly pageRows?: number;
  /**
   * Rows are `[value]`, the stored bytes undecoded (index entries, whose value is a row
   * key); cols, filter, proj and agg are then unused.
   */
  readonly rawValues?: boolean;
}

export interface FragmentResult {
  /** Output rows in wire form. */
  readonly rows: unknown[][];
  readonly keys?: Buffer[];
  /** Present when the page filled: continue the span from this key. */
  readonly resume?: Buffer;
  /** Rows examined (EXPLAIN ANALYZE). */
  readonly scanned: number;
}

/** Expression constants in wire form (numeric as text, …) for msgpack. */
export function exprToWire(e: Expr): Expr {
  return mapConsts(e, (t, v) => toWire(t, v) as Datum);
}

export function exprFromWire(e: Expr): Expr {
  return mapConsts(e, (t, v) => fromWire(t, v));
}

function mapConsts(node: unknown, f: (t: number, v: Datum) => Datum): Expr {
  return mapAny(node, f) as Expr;
}

function mapAny(node: unknown, f: (t: number, v: Datum) => Datum): unknown {
  if (Array.isArray(node)) return node.map((x) => mapAny(x, f));
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return node;
  const o = node as Record<string, unknown>;
  if (o.k === 'const') return { k: 'const', t: o.t, v: f(o.t as number, o.v as Datum) };
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(o)) out[key] = mapAny(o[key], f);
  return out;
}

/** A statement's parameters in wire form (what fragmentToWire puts in `params`). */
export function paramsToWire(paramTypes: readonly number[], params: readonly Datum[]): unknown[] {
  const out = new Array<unknown>(params.length);
  for (let i = 0; i < params.length; i++) out[i] = toWire(paramTypes[i] ?? 0, params[i]);
  return out;
}

export function fragmentToWire(f: Fragment, params: readonly Datum[]): Record<string, unknown> {
  const ex = (e: Expr | undefined): Expr | undefined =>
    e === undefined ? undefined : exprToWire(e);
  return {
    ...f,
    filter: ex(f.filter),
    proj: f.proj?.map(exprToWire),
    agg: f.agg && {
      groups: f.agg.groups.map(exprToWire),
      aggs: f.agg.aggs.map((a) => ({
        ...a,
        arg: a.arg && exprToWire(a.arg),
        filter: a.filter && exprToWire(a.filter),
      })),
    },
    params: paramsToWire(f.paramTypes, params),
  };
}

export function fragmentFromWire(w: Record<string, unknown>): Fragment {
  const f = w as unknown as Fragment;
  const ex = (e: Expr | undefined): Expr | undefined =>
    e === undefined || e === null ? undefined : exprFromWire(e);
  return {
    ...f,
    filter: ex(f.filter),
    proj: f.proj?.map(exprFromWire),
    agg: f.agg && {
      groups: f.agg.groups.map(exprFromWire),
      aggs: f.agg.aggs.map((a) => ({
        ...a,
        arg: a.arg && exprFromWire(a.arg),
        filter: a.filter && exprFromWire(a.filter),
      })),
    },
    params: f.params.map((p, i) => fromWire(f.paramTypes[i] ?? 0, p)),
  };
}
