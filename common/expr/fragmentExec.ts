/**
 * Runs a plan fragment over the rows of one range (pure: a row source and bounds in, rows
 * out). It lives in common because both sides run it: shards over their data, the proxy
 * over a transaction's own buffered rows (proxy/sql/ownRowsRead.ts). Filter, projection, partial aggregation and local top-n happen here so only what
 * the proxy needs crosses the network (DESIGN.md "Planner").
 */
import type { Datum } from '../types/datum';
import { accumulate, accumulateArray, initState, stateToWire, type AggState } from './aggregates';
import { evalExpr } from './eval';
import { newEvalCtx, type EvalCtx } from './expr';
import type { Fragment, FragmentResult } from './fragment';
import { decodeStoredRow, rowToWire } from './rowFormat';
import { compareValues } from './typesAdapter';
import { groupKey } from './groupKey';

export { groupKey };

/** What a fragment reads rows from: a shard's KvReader satisfies it. */
export interface FragmentRowSource {
  get(key: Buffer): Buffer | undefined;
  iterator(options: { readonly gte?: Buffer; readonly lt?: Buffer }): {
    next(): [key: Buffer, value: Buffer] | undefined;
    close(): void;
  };
}

/** Compares two output rows by the fragment's ORDER BY. */
export function compareRows(
  order: Fragment['order'],
  a: readonly Datum[],
  b: readonly Datum[],
): number {
  for (const o of order ?? []) {
    const x = a[o.i],
      y = b[o.i];
    let c: number;
    if (x === null || y === null) {
      if (x === y) continue;
      // NULLS FIRST puts null before everything, whatever the direction.
      c = x === null ? (o.nullsFirst ? -1 : 1) : o.nullsFirst ? 1 : -1;
      if (c !== 0) return c;
      continue;
    }
    c = compareValues(o.t, x, y);
    if (c !== 0) return o.desc ? -c : c;
  }
  return 0;
}

interface Group {
  readonly keyValues: Datum[];
  readonly states: AggState[];
}

export function executeFragment(
  reader: FragmentRowSource,
  rangeStart: Buffer,
  rangeEnd: Buffer | null,
  f: Fragment,
): FragmentResult {
  const ctx: EvalCtx = newEvalCtx(f.params as Datum[], f.nowUs);
  if (typeof f.timeZone === 'string') ctx.timeZone = f.timeZone;
  const rows: Datum[][] = [];
  const keys: Buffer[] | undefined = f.withKeys ? [] : undefined;
  const groups = new Map<string, Group>();
  let scanned = 0;
  let resume: Buffer | undefined;
  const agg = f.agg;
  const countOnly =
    agg !== undefined &&
    agg.groups.length === 0 &&
    agg.aggs.length === 1 &&
    agg.aggs[0].fn === 'count_star' &&
    agg.aggs[0].filter === null &&
    f.filter === undefined;
  let plainCount = 0;
  const topN = f.limit !== undefined && f.order !== undefined && f.order.length > 0;

  const visit = (key: Buffer, value: Buffer): void => {
    scanned++;
    if (countOnly) {
      plainCount++;
      return;
    }
    const row = f.rawValues === true ? [value] : decodeStoredRow(f.cols, value);
    if (f.filter !== undefined && evalExpr(f.filter, row, ctx) !== true) return;
    if (agg !== undefined) {
      const gv = new Array<Datum>(agg.groups.length);
      for (let i = 0; i < gv.length; i++) gv[i] = evalExpr(agg.groups[i], row, ctx);
      const gk = groupKey(gv);
      let g = groups.get(gk);
      if (g === undefined) {
        g = { keyValues: gv, states: agg.aggs.map((a) => initState(a.fn)) };
        groups.set(gk, g);
      }
      for (let i = 0; i < agg.aggs.length; i++) {
        const a = agg.aggs[i];
        if (a.filter !== null && evalExpr(a.filter, row, ctx) !== true) continue;
        const v = a.arg === null ? null : evalExpr(a.arg, row, ctx);
        g.states[i] =
          a.fn === 'array_agg'
            ? accumulateArray(g.states[i], v)
            : accumulate(a.fn, a.argType, g.states[i], v);
      }
      return;
    }
    let out: Datum[] = row;
    if (f.proj !== undefined) {
      out = new Array<Datum>(f.proj.length);
      for (let i = 0; i < f.proj.length; i++) out[i] = evalExpr(f.proj[i], row, ctx);
    }
    rows.push(out);
    keys?.push(key);
    if (topN && rows.length >= (f.limit as number) * 2 + 64) trimTopN(rows, f);
  };

  if (f.keys !== undefined) {
    for (const k of f.keys) {
      const v = reader.get(k);
      if (v !== undefined) visit(k, v);
    }
  } else {
    outer: for (const [s, e] of f.spans ?? []) {
      const gte = Buffer.compare(s, rangeStart) > 0 ? s : rangeStart;
      const lt = rangeEnd === null || Buffer.compare(e, rangeEnd) < 0 ? e : rangeEnd;
      if (Buffer.compare(gte, lt) >= 0) continue;
      const it = reader.iterator({ gte, lt });
      try {
        for (let entry = it.next(); entry !== undefined; entry = it.next()) {
          visit(entry[0], entry[1]);
          // Pages bound each call's work: plain scans by rows returned, aggregates and
          // top-n by rows examined (their partial results merge at the proxy).
          if (
            f.pageRows !== undefined &&
            (agg !== undefined || topN ? scanned >= f.pageRows * 4 : rows.length >= f.pageRows)
          ) {
            resume = Buffer.concat([entry[0], Buffer.from([0])]);
            break outer;
          }
          if (f.limit !== undefined && !topN && agg === undefined && rows.length >= f.limit)
            break outer;
        }
      } finally {
        it.close();
      }
    }
  }

  if (agg !== undefined) {
    if (countOnly) return { rows: [[plainCount]], resume, scanned };
    const out: unknown[][] = [];
    for (const g of groups.values()) {
      out.push([
        ...rowToWire(
          agg.groups.map((x) => x.t),
          g.keyValues,
        ),
        ...g.states.map((s, i) => stateToWire(agg.aggs[i].fn, agg.aggs[i].argType, s)),
      ]);
    }
    return { rows: out, resume, scanned };
  }
  if (topN) trimTopN(rows, f);
  return { rows: rows.map((r) => rowToWire(f.outTypes, r)), keys, resume, scanned };
}

function trimTopN(rows: Datum[][], f: Fragment): void {
  rows.sort((a, b) => compareRows(f.order, a, b));
  if (rows.length > (f.limit as number)) rows.length = f.limit as number;
}
