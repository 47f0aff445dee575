/**
 * Runs a plan at the proxy: scans go to the shards (scanExec.ts); joins, aggregation
 * (final merge of shard partials, or the whole thing), windows, sorting, DISTINCT,
 * set operations and LIMIT happen here over materialized rows. Subqueries run once
 * (uncorrelated) or per outer row (correlated), their results placed in EvalCtx.subq.
 */
import { SqlError, SqlState } from '../../common/errors';
import type { Datum } from '../../common/types/datum';
import {
  accumulate,
  accumulateArray,
  keepsNulls,
  finishState,
  initState,
  mergeState,
  type AggState,
} from '../../common/expr/aggregates';
import { evalExpr } from '../../common/expr/eval';
import type { EvalCtx, Expr } from '../../common/expr/expr';
import { compareValues } from '../../common/expr/typesAdapter';
import { groupKey } from '../../common/expr/groupKey';
import type { ExecContext } from './context';
import { encodeKeyPart, pkColumns } from './keys';
import { rowPrefix } from '../../common/catalog/keyspace';
import type { AggCall, PlanNode, ScanNode, SortKey, SubqueryPlan, WindowCall } from './plan';
import { runScan, type ScanStats } from './scanExec';
import { virtualRows } from '../catalog/rows';
import { runRangeFunction } from './rangeFunction';
import { runZip } from './targetSrf';
import { checkForInterrupts, INTERRUPT_MASK } from './interrupts';

export interface RunEnv {
  readonly ctx: ExecContext;
  readonly ev: EvalCtx;
  readonly paramTypes: readonly number[];
  readonly cte: Map<number, Datum[][]>;
  /** WITH RECURSIVE: each recursive CTE's rows of the previous round. */
  readonly worktable: Map<number, Datum[][]>;
  readonly scanCache: Map<ScanNode, Datum[][]>;
  readonly done: Set<number>;
  /** EXPLAIN ANALYZE: per-scan figures. */
  readonly stats?: Map<PlanNode, ScanStats>;
  readonly nodeRows?: Map<PlanNode, number>;
}

export function newRunEnv(
  ctx: ExecContext,
  ev: EvalCtx,
  paramTypes: readonly number[],
  analyze = false,
): RunEnv {
  return {
    ctx,
    ev,
    paramTypes,
    cte: new Map(),
    worktable: new Map(),
    scanCache: new Map(),
    done: new Set(),
    stats: analyze ? new Map() : undefined,
    nodeRows: analyze ? new Map() : undefined,
  };
}

// --- subqueries ------------------------------------------------------------------------------

async function subqueryValue(sq: SubqueryPlan, env: RunEnv): Promise<unknown> {
  const rows = await run(sq.plan, env);
  switch (sq.mode) {
    case 'exists':
      return rows.length > 0;
    case 'array':
      return rows.map((r) => r[0]);
    case 'scalar':
      if (rows.length > 1)
        throw new SqlError(
          '21000',
          'more than one row returned by a subquery used as an expression',
        );
      return rows.length === 0 ? null : rows[0][0];
    case 'in': {
      let hasNull = false;
      const values = rows.map((r) => {
        if (r[0] === null) hasNull = true;
        return r[0];
      });
      return { values, hasNull };
    }
  }
}

/** Uncorrelated subqueries of a node: computed once per statement. */
async function prepareSubqueries(
  subqs: readonly SubqueryPlan[] | undefined,
  env: RunEnv,
): Promise<SubqueryPlan[]> {
  const correlated: SubqueryPlan[] = [];
  for (const sq of subqs ?? []) {
    if (sq.correlated) correlated.push(sq);
    else if (!env.done.has(sq.id)) {
      env.ev.subq[sq.id] = (await subqueryValue(sq, env)) as Datum;
      env.done.add(sq.id);
    }
  }
  return correlated;
}

/** Correlated subqueries for one outer row. */
async function bindCorrelated(
  correlated: readonly SubqueryPlan[],
  row: Datum[],
  env: RunEnv,
): Promise<void> {
  env.ev.outer.push(row);
  try {
    for (const sq of correlated) env.ev.subq[sq.id] = (await subqueryValue(sq, env)) as Datum;
  } finally {
    env.ev.outer.pop();
  }
}

// --- sorting and comparison -------------------------------------------------------------------

function compareKey(a: Datum, b: Datum, t: number, desc: boolean, nullsFirst: boolean): number {
  if (a === null || b === null) {
    if (a === b) return 0;
    return a === null ? (nullsFirst ? -1 : 1) : nullsFirst ? 1 : -1;
  }
  const c = compareValues(t, a, b);
  return desc ? -c : c;
}

export function sortRows(rows: Datum[][], keys: readonly SortKey[], env: RunEnv): Datum[][] {
  const decorated = rows.map((r, idx) => ({
    r,
    idx,
    k: keys.map((k) => evalExpr(k.e, r, env.ev)),
  }));
  decorated.sort((x, y) => {
    for (let i = 0; i < keys.length; i++) {
      const c = compareKey(x.k[i], y.k[i], keys[i].e.t, keys[i].desc, keys[i].nullsFirst);
      if (c !== 0) return c;
    }
    return x.idx - y.idx;
  });
  return decorated.map((d) => d.r);
}

// --- the node runner ---------------------------------------------------------------------------

export async function run(node: PlanNode, env: RunEnv): Promise<Datum[][]> {
  // Cancel / statement_timeout: checked as each plan node starts (between shard round trips).
  env.ctx.cancel?.check();
  const rows = await runNode(node, env);
  env.nodeRows?.set(node, (env.nodeRows.get(node) ?? 0) + rows.length);
  return rows;
}

async function runNode(node: PlanNode, env: RunEnv): Promise<Datum[][]> {
  const ev = env.ev;
  switch (node.kind) {
    case 'virtual':
      return virtualRows(node.table, env.ev);
    case 'srf':
      return runRangeFunction(node, env.ev);
    case 'zip':
      return runZip(node, await run(node.input, env));
    case 'scan':
      return runScanNode(node, env);
    case 'values': {
      const corr = await prepareSubqueries(node.subqs, env);
      const out: Datum[][] = [];
      for (const r of node.rows) {
        if (corr.length > 0) await bindCorrelated(corr, [], env);
        out.push(r.map((e) => evalExpr(e, [], ev)));
      }
      return out;
    }
    case 'filter': {
      const input = await run(node.input, env);
      const corr = await prepareSubqueries(node.subqs, env);
      const out: Datum[][] = [];
      for (let j = 0; j < input.length; j++) {
        const r = input[j];
        if ((j & INTERRUPT_MASK) === INTERRUPT_MASK) await checkForInterrupts(env.ctx.cancel);
        if (corr.length > 0) await bindCorrelated(corr, r, env);
        if (evalExpr(node.pred, r, ev) === true) out.push(r);
      }
      return out;
    }
    case 'project': {
      const input = await run(node.input, env);
      const corr = await prepareSubqueries(node.subqs, env);
      const out = new Array<Datum[]>(input.length);
      const n = node.exprs.length;
      for (let j = 0; j < input.length; j++) {
        const r = input[j];
        if ((j & INTERRUPT_MASK) === INTERRUPT_MASK) await checkForInterrupts(env.ctx.cancel);
        if (corr.length > 0) await bindCorrelated(corr, r, env);
        const o = new Array<Datum>(n);
        for (let i = 0; i < n; i++) o[i] = evalExpr(node.exprs[i], r, ev);
        out[j] = o;
      }
      return out;
    }
    case 'join':
      return runJoin(node, env);
    case 'agg':
      return runAgg(node, await run(node.input, env), env);
    case 'sort': {
      const input = await run(node.input, env);
      if (input.length > INTERRUPT_MASK) await checkForInterrupts(env.ctx.cancel);
      return sortRows(input, node.keys, env);
    }
    case 'limit': {
      const input = await run(node.input, env);
      const off = node.offset ? evalExpr(node.offset, [], ev) : null;
      const lim = node.limit ? evalExpr(node.limit, [], ev) : null;
      if (lim !== null && Number(lim) < 0)
        throw new SqlError('2201W', 'LIMIT must not be negative');
      if (off !== null && Number(off) < 0)
        throw new SqlError('2201X', 'OFFSET must not be negative');
      const start = off === null ? 0 : Number(off);
      return input.slice(start, lim === null ? undefined : start + Number(lim));
    }
    case 'distinct': {
      const input = await run(node.input, env);
      const seen = new Set<string>();
      const out: Datum[][] = [];
      for (const r of input) {
        const k = groupKey(node.on ? node.on.map((e) => evalExpr(e, r, ev)) : r);
        if (!seen.has(k)) {
          seen.add(k);
          out.push(r);
        }
      }
      return out;
    }
    case 'window':
      return runWindow(node.funcs, await run(node.input, env), env);
    case 'setop':
      return runSetOp(node.op, node.all, await run(node.left, env), await run(node.right, env));
    case 'cte': {
      let rows = env.cte.get(node.id);
      if (!rows) {
        rows = await run(node.plan, env);
        env.cte.set(node.id, rows);
      }
      return rows;
    }
    case 'recursive':
      return runRecursive(node, env);
    case 'lateral':
      return runLateral(node, env);
    case 'worktable':
      return env.worktable.get(node.id) ?? [];
  }
}

/** LATERAL: the right side once per left row, that row being its nearest outer row. */
async function runLateral(node: PlanNode & { kind: 'lateral' }, env: RunEnv): Promise<Datum[][]> {
  const left = await run(node.left, env);
  const nulls = new Array<Datum>(node.right.types.length).fill(null);
  const out: Datum[][] = [];
  for (const l of left) {
    env.ev.outer.push(l);
    let rights: Datum[][];
    try {
      rights = await run(node.right, env);
    } finally {
      env.ev.outer.pop();
    }
    let matched = false;
    for (const r of rights) {
      const row = [...l, ...r];
      if (node.on.every((c) => evalExpr(c, row, env.ev) === true)) {
        out.push(row);
        matched = true;
      }
    }
    if (!matched && node.type === 'left') out.push([...l, ...nulls]);
  }
  return out;
}

/**
 * The rows a recursive CTE may produce: PostgreSQL spills its worktable to disk and goes on,
 * but here the rows live in the proxy worker's memory, shared by every session it serves.
 */
const RECURSIVE_ROW_LIMIT = 10_000_000;

/**
 * WITH RECURSIVE (PostgreSQL's ExecRecursiveUnion): the base rows, then the recursive term
 * over the previous round's rows until a round adds none. UNION drops rows seen before,
 * which is what ends a walk over a graph with cycles; UNION ALL runs as long as the query
 * keeps producing rows, as in PostgreSQL — a cancel or statement_timeout stops it.
 */
async function runRecursive(
  node: PlanNode & { kind: 'recursive' },
  env: RunEnv,
): Promise<Datum[][]> {
  const seen = node.all ? null : new Set<string>();
  const fresh = (rows: Datum[][]): Datum[][] => {
    if (seen === null) return rows;
    const out: Datum[][] = [];
    for (const r of rows) {
      const k = groupKey(r);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(r);
    }
    return out;
  };
  const result: Datum[][] = [];
  let round = fresh(await run(node.base, env));
  let yielded = performance.now();
  while (round.length > 0) {
    for (const r of round) result.push(r);
    if (result.length > RECURSIVE_ROW_LIMIT)
      throw new SqlError(
        SqlState.programLimitExceeded,
        `recursive query produced more than ${RECURSIVE_ROW_LIMIT} rows`,
        { hint: 'Check the recursive term stops, or use UNION to drop rows seen before.' },
      );
    // A step that needs no shard never leaves the microtask queue: let the event loop in
    // now and then, so a CancelRequest or statement_timeout can stop an endless recursion.
    if (performance.now() - yielded > 10) {
      await new Promise((resolve) => setImmediate(resolve));
      yielded = performance.now();
    }
    env.ctx.cancel?.check();
    env.worktable.set(node.id, round);
    round = fresh(await run(node.step, env));
  }
  env.worktable.delete(node.id);
  return result;
}

async function runScanNode(
  node: ScanNode,
  env: RunEnv,
  overrideKeys?: Buffer[],
): Promise<Datum[][]> {
  // A scan with no outer references returns the same rows for every outer row: fetch once.
  const cacheable = !node.correlated && overrideKeys === undefined && !node.withKeys;
  if (cacheable) {
    const hit = env.scanCache.get(node);
    if (hit) return hit;
  }
  let stats: ScanStats | undefined;
  if (env.stats) {
    stats = env.stats.get(node) ?? {
      ranges: new Set(),
      shards: new Set(),
      rows: 0,
      scanned: 0,
      ms: 0,
      calls: 0,
    };
    env.stats.set(node, stats);
  }
  const out = await runScan(env.ctx, node, env.ev, env.paramTypes, stats, overrideKeys);
  let rows = out.rows;
  if (node.residual) {
    const corr = await prepareSubqueries(node.subqs, env);
    const kept: Datum[][] = [];
    for (const r of rows) {
      if (corr.length > 0) await bindCorrelated(corr, r, env);
      if (evalExpr(node.residual, r, env.ev) === true) kept.push(r);
    }
    rows = kept;
  }
  if (cacheable) env.scanCache.set(node, rows);
  return rows;
}

/** Like runScanNode but also returns row keys (UPDATE/DELETE). */
export async function runScanWithKeys(
  node: ScanNode,
  env: RunEnv,
): Promise<{ rows: Datum[][]; keys: Buffer[] }> {
  const out = await runScan(env.ctx, { ...node, withKeys: true }, env.ev, env.paramTypes);
  const rows: Datum[][] = [];
  const keys: Buffer[] = [];
  const corr = await prepareSubqueries(node.subqs, env);
  for (let i = 0; i < out.rows.length; i++) {
    const r = out.rows[i];
    if (node.residual) {
      if (corr.length > 0) await bindCorrelated(corr, r, env);
      if (evalExpr(node.residual, r, env.ev) !== true) continue;
    }
    rows.push(r);
    keys.push((out.keys as Buffer[])[i]);
  }
  return { rows, keys };
}

async function runJoin(node: Extract<PlanNode, { kind: 'join' }>, env: RunEnv): Promise<Datum[][]> {
  const ev = env.ev;
  const left = await run(node.left, env);
  let right: Datum[][];
  if (node.lookup && node.right.kind === 'scan' && left.length <= 50_000) {
    // Lookup join: fetch exactly the right rows whose primary key the left rows name.
    const scan = node.right;
    const pk = pkColumns(scan.table);
    const pkPos = scan.table.primaryKey.map((id) =>
      scan.table.columns.findIndex((c) => c.id === id),
    );
    const keyIdx = pkPos.map((p) => node.rightKeys.findIndex((k) => k.k === 'col' && k.i === p));
    const seen = new Set<string>();
    const keys: Buffer[] = [];
    for (const l of left) {
      const parts: Buffer[] = [rowPrefix(scan.table.id)];
      let ok = true;
      for (let i = 0; i < pk.length; i++) {
        const v = evalExpr(node.leftKeys[keyIdx[i]], l, ev);
        if (v === null) {
          ok = false;
          break;
        }
        encodeKeyPart(pk[i].typeOid, v, parts);
      }
      if (!ok) continue;
      const k = Buffer.concat(parts);
      const h = k.toString('hex');
      if (!seen.has(h)) {
        seen.add(h);
        keys.push(k);
      }
    }
    right = keys.length === 0 ? [] : await runScanNode(scan, env, keys);
    env.nodeRows?.set(node.right, (env.nodeRows.get(node.right) ?? 0) + right.length);
  } else {
    right = await run(node.right, env);
  }
  const corr = await prepareSubqueries(node.subqs, env);
  const lw = node.left.types.length,
    rw = node.right.types.length;
  const nullsL = new Array<Datum>(lw).fill(null),
    nullsR = new Array<Datum>(rw).fill(null);
  const out: Datum[][] = [];
  const rightMatched = new Uint8Array(right.length);
  const matches = async (row: Datum[]): Promise<boolean> => {
    if (!node.on) return true;
    if (corr.length > 0) await bindCorrelated(corr, row, env);
    return evalExpr(node.on, row, ev) === true;
  };
  if (node.leftKeys.length > 0) {
    const table = new Map<string, number[]>();
    for (let j = 0; j < right.length; j++) {
      const kv = node.rightKeys.map((k) => evalExpr(k, right[j], ev));
      if (kv.some((v) => v === null)) continue;
      const k = groupKey(kv.map((v, i) => normalizeKey(v, node.keyTypes[i])));
      const list = table.get(k);
      if (list) list.push(j);
      else table.set(k, [j]);
    }
    for (let li = 0; li < left.length; li++) {
      const l = left[li];
      if ((li & INTERRUPT_MASK) === INTERRUPT_MASK) await checkForInterrupts(env.ctx.cancel);
      const kv = node.leftKeys.map((k) => evalExpr(k, l, ev));
      let matched = false;
      if (!kv.some((v) => v === null)) {
        for (const j of table.get(groupKey(kv.map((v, i) => normalizeKey(v, node.keyTypes[i])))) ??
          []) {
          const row = [...l, ...right[j]];
          if (await matches(row)) {
            out.push(row);
            matched = true;
            rightMatched[j] = 1;
          }
        }
      }
      if (!matched && (node.type === 'left' || node.type === 'full')) out.push([...l, ...nullsR]);
    }
  } else {
    let pairs = 0;
    for (const l of left) {
      let matched = false;
      // A nested loop's work is left × right: count pairs, not outer rows.
      pairs += right.length;
      if (pairs > INTERRUPT_MASK) {
        pairs = 0;
        await checkForInterrupts(env.ctx.cancel);
      }
      for (let j = 0; j < right.length; j++) {
        const row = [...l, ...right[j]];
        if (await matches(row)) {
          out.push(row);
          matched = true;
          rightMatched[j] = 1;
        }
      }
      if (!matched && (node.type === 'left' || node.type === 'full')) out.push([...l, ...nullsR]);
    }
  }
  if (node.type === 'right' || node.type === 'full') {
    for (let j = 0; j < right.length; j++) if (!rightMatched[j]) out.push([...nullsL, ...right[j]]);
  }
  return out;
}

/** Join keys compare by value: 1 (int4) and 1n (int8) and 1.0 (numeric) hash alike. */
function normalizeKey(v: Datum, _t: number): Datum {
  if (typeof v === 'object' && v !== null && (v as { kind?: string }).kind === 'numeric') {
    const s = String(v);
    return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
  }
  return v;
}

// --- aggregation ----------------------------------------------------------------------------

interface GroupState {
  keyValues: Datum[];
  states: AggState[];
  seen: Array<Set<string> | null>;
  ordered: Array<Array<{ k: Datum[]; v: Datum; x: Datum }> | null>;
}

function runAgg(
  node: Extract<PlanNode, { kind: 'agg' }>,
  input: Datum[][],
  env: RunEnv,
): Datum[][] {
  const ev = env.ev;
  const groups = new Map<string, GroupState>();
  const aggs = node.aggs;
  const newGroup = (keyValues: Datum[]): GroupState => ({
    keyValues,
    states: aggs.map((a) => initState(a.fn)),
    seen: aggs.map((a) => (a.distinct ? new Set<string>() : null)),
    ordered: aggs.map((a) => (a.orderBy.length > 0 ? [] : null)),
  });
  if (node.mergePartials) {
    const g = node.groups.length;
    for (const r of input) {
      const kv = r.slice(0, g);
      const k = groupKey(kv);
      let st = groups.get(k);
      if (!st) {
        st = newGroup(kv);
        groups.set(k, st);
      }
      for (let i = 0; i < aggs.length; i++) {
        const partial =
          g === 0 && aggs.length === 1 && aggs[0].fn === 'count_star' && typeof r[0] === 'number'
            ? r[0]
            : r[g + i];
        st.states[i] = mergeState(aggs[i].fn, aggs[i].argType, st.states[i], partial as AggState);
      }
    }
  } else {
    for (const r of input) {
      const kv = node.groups.map((e) => evalExpr(e, r, ev));
      const k = groupKey(kv);
      let st = groups.get(k);
      if (!st) {
        st = newGroup(kv);
        groups.set(k, st);
      }
      for (let i = 0; i < aggs.length; i++) accumulateOne(aggs[i], st, i, r, ev);
    }
  }
  if (groups.size === 0 && node.groups.length === 0) groups.set('', newGroup([]));
  const out: Datum[][] = [];
  for (const st of groups.values()) {
    const row = [...st.keyValues];
    for (let i = 0; i < aggs.length; i++) {
      let s = st.states[i];
      const ordered = st.ordered[i];
      if (ordered) {
        const sorted = ordered
          .map((o, idx) => ({ ...o, idx }))
          .sort((x, y) => {
            for (let j = 0; j < aggs[i].orderBy.length; j++) {
              const key = aggs[i].orderBy[j];
              const c = compareKey(x.k[j], y.k[j], key.e.t, key.desc, key.nullsFirst);
              if (c !== 0) return c;
            }
            return x.idx - y.idx;
          });
        s = initState(aggs[i].fn);
        for (const o of sorted)
          s =
            aggs[i].fn === 'array_agg'
              ? accumulateArray(s, o.v)
              : accumulate(aggs[i].fn, aggs[i].argType, s, o.v, o.x);
      }
      row.push(finishState(aggs[i].fn, aggs[i].argType, s));
    }
    out.push(row);
  }
  return out;
}

function accumulateOne(a: AggCall, st: GroupState, i: number, r: Datum[], ev: EvalCtx): void {
  if (a.filter && evalExpr(a.filter, r, ev) !== true) return;
  const v = a.arg ? evalExpr(a.arg, r, ev) : null;
  if (a.distinct) {
    if (v === null) return;
    const k = groupKey([v]);
    const seen = st.seen[i] as Set<string>;
    if (seen.has(k)) return;
    seen.add(k);
  }
  const x = a.extra ? evalExpr(a.extra, r, ev) : null;
  const ordered = st.ordered[i];
  if (ordered) {
    if (v === null && !keepsNulls(a.fn)) return;
    ordered.push({ k: a.orderBy.map((o) => evalExpr(o.e, r, ev)), v, x });
    return;
  }
  st.states[i] =
    a.fn === 'array_agg'
      ? accumulateArray(st.states[i], v)
      : accumulate(a.fn, a.argType, st.states[i], v, x);
}

// --- windows ------------------------------------------------------------------------------

function runWindow(funcs: readonly WindowCall[], input: Datum[][], env: RunEnv): Datum[][] {
  const ev = env.ev;
  const out = input.map((r) => [...r]);
  const base = input[0]?.length ?? 0;
  funcs.forEach((w, wi) => {
    const parts = new Map<string, number[]>();
    for (let i = 0; i < input.length; i++) {
      const k = groupKey(w.partition.map((e) => evalExpr(e, input[i], ev)));
      const list = parts.get(k);
      if (list) list.push(i);
      else parts.set(k, [i]);
    }
    for (const idxs of parts.values()) {
      const keyOf = (i: number): Datum[] => w.order.map((o) => evalExpr(o.e, input[i], ev));
      const keys = new Map<number, Datum[]>(idxs.map((i) => [i, keyOf(i)]));
      const sorted = [...idxs].sort((a, b) => {
        const ka = keys.get(a) as Datum[],
          kb = keys.get(b) as Datum[];
        for (let j = 0; j < w.order.length; j++) {
          const c = compareKey(
            ka[j],
            kb[j],
            w.order[j].e.t,
            w.order[j].desc,
            w.order[j].nullsFirst,
          );
          if (c !== 0) return c;
        }
        return a - b;
      });
      const peer = (a: number, b: number): boolean => {
        const ka = keys.get(a) as Datum[],
          kb = keys.get(b) as Datum[];
        return w.order.every((o, j) => compareKey(ka[j], kb[j], o.e.t, false, false) === 0);
      };
      const args = (i: number): Datum[] => w.args.map((e) => evalExpr(e, input[i], ev));
      let rank = 0,
        dense = 0;
      for (let p = 0; p < sorted.length; p++) {
        const i = sorted[p];
        const newPeer = p === 0 || !peer(sorted[p - 1], i);
        if (newPeer) {
          rank = p + 1;
          dense++;
        }
        let v: Datum;
        switch (w.fn) {
          case 'row_number':
            v = BigInt(p + 1);
            break;
          case 'rank':
            v = BigInt(rank);
            break;
          case 'dense_rank':
            v = BigInt(dense);
            break;
          case 'percent_rank':
            v = sorted.length <= 1 ? 0 : (rank - 1) / (sorted.length - 1);
            break;
          case 'cume_dist': {
            let last = p;
            while (last + 1 < sorted.length && peer(sorted[last + 1], i)) last++;
            v = (last + 1) / sorted.length;
            break;
          }
          case 'ntile': {
            const n = Number(args(i)[0]);
            v = BigInt(Math.floor((p * n) / sorted.length) + 1);
            break;
          }
          case 'lag':
          case 'lead': {
            const a = args(i);
            const off = a.length > 1 ? Number(a[1]) : 1;
            const q = w.fn === 'lag' ? p - off : p + off;
            v = q >= 0 && q < sorted.length ? args(sorted[q])[0] : a.length > 2 ? a[2] : null;
            break;
          }
          case 'first_value':
            v = args(sorted[0])[0];
            break;
          case 'last_value': {
            let last = p;
            if (w.running) while (last + 1 < sorted.length && peer(sorted[last + 1], i)) last++;
            else last = sorted.length - 1;
            v = args(sorted[last])[0];
            break;
          }
          default: {
            // Aggregate over the frame: the whole partition, or up to the last peer of this row.
            let last = sorted.length - 1;
            if (w.running) {
              last = p;
              while (last + 1 < sorted.length && peer(sorted[last + 1], i)) last++;
            }
            const fn = w.fn as AggCall['fn'];
            let s = initState(fn);
            for (let q = 0; q <= last; q++)
              s = accumulate(fn, w.argType, s, fn === 'count_star' ? null : args(sorted[q])[0]);
            v = finishState(fn, w.argType, s);
          }
        }
        out[i][base + wi] = v;
      }
    }
  });
  return out;
}

// --- set operations -----------------------------------------------------------------------

function runSetOp(
  op: 'union' | 'intersect' | 'except',
  all: boolean,
  left: Datum[][],
  right: Datum[][],
): Datum[][] {
  if (op === 'union') {
    if (all) return [...left, ...right];
    const seen = new Set<string>();
    const out: Datum[][] = [];
    for (const r of [...left, ...right]) {
      const k = groupKey(r);
      if (!seen.has(k)) {
        seen.add(k);
        out.push(r);
      }
    }
    return out;
  }
  const counts = new Map<string, number>();
  for (const r of right) {
    const k = groupKey(r);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const out: Datum[][] = [];
  const emitted = new Set<string>();
  for (const r of left) {
    const k = groupKey(r);
    const n = counts.get(k) ?? 0;
    if (op === 'intersect') {
      if (n > 0 && (all || !emitted.has(k))) {
        out.push(r);
        emitted.add(k);
        if (all) counts.set(k, n - 1);
      }
    } else {
      if (all) {
        if (n > 0) counts.set(k, n - 1);
        else out.push(r);
      } else if (n === 0 && !emitted.has(k)) {
        out.push(r);
        emitted.add(k);
      }
    }
  }
  return out;
}

export type { Expr };
