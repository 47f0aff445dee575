/**
 * EXPLAIN: the plan tree with, for every scan, its kind (point / range / scatter), what is
 * pushed to the shards in its fragment, and the ranges and shards it touches. EXPLAIN
 * ANALYZE adds rows and time per node and per fragment.
 */
import type { Expr } from '../../common/expr/expr';
import { formatValue } from '../../common/expr/typesAdapter';
import { evalExpr } from '../../common/expr/eval';
import type { EvalCtx } from '../../common/expr/expr';
import type { ExecContext } from './context';
import type { PlanNode, ScanNode } from './plan';
import type { RunEnv } from './executor';
import { resolveAccess } from './scanExec';

function exprText(e: Expr, cols: readonly string[]): string {
  switch (e.k) {
    case 'col':
      return cols[e.i] ?? `$col${e.i}`;
    case 'const':
      return e.v === null ? 'NULL' : typeof e.v === 'string' ? `'${e.v}'` : formatValue(e.t, e.v);
    case 'param':
      return `$${e.i + 1}`;
    case 'cmp':
      return `(${exprText(e.a, cols)} ${{ eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' }[e.op]} ${exprText(e.b, cols)})`;
    case 'and':
    case 'or':
      return `(${e.a.map((x) => exprText(x, cols)).join(` ${e.k.toUpperCase()} `)})`;
    case 'not':
      return `NOT ${exprText(e.a, cols)}`;
    case 'arith':
      return `(${exprText(e.a, cols)} ${{ add: '+', sub: '-', mul: '*', div: '/', mod: '%', pow: '^', concat: '||', band: '&', bor: '|', shl: '<<', shr: '>>' }[e.op]} ${exprText(e.b, cols)})`;
    case 'cast':
      return exprText(e.a, cols);
    case 'fn':
      return `${e.f}(${e.a.map((x) => exprText(x, cols)).join(', ')})`;
    case 'in':
      return `(${exprText(e.a, cols)} ${e.neg ? 'NOT ' : ''}IN (${e.list.map((x) => exprText(x, cols)).join(', ')}))`;
    case 'isnull':
      return `(${exprText(e.a, cols)} IS ${e.neg ? 'NOT ' : ''}NULL)`;
    case 'like':
      return `(${exprText(e.a, cols)} ${e.neg ? 'NOT ' : ''}${e.ci ? 'ILIKE' : 'LIKE'} ${exprText(e.p, cols)})`;
    default:
      return e.k;
  }
}

function scanLines(
  ctx: ExecContext,
  s: ScanNode,
  ev: EvalCtx,
  env: RunEnv | null,
  pad: string,
): string[] {
  const cols = s.table.columns.map((c) => c.name);
  const lines: string[] = [];
  const stats = env?.stats?.get(s);
  const what =
    s.access.kind === 'index'
      ? `Index Lookup on ${s.table.name} using ${s.access.index.name}`
      : `${s.access.kind} scan on ${s.table.name}`;
  lines.push(
    `${pad}-> ${what}${s.alias !== s.table.name ? ` ${s.alias}` : ''}${stats ? ` (actual rows=${stats.rows} time=${stats.ms.toFixed(3)} ms)` : ''}`,
  );
  const fragment: string[] = [];
  if (s.access.kind === 'index') {
    const a = s.access;
    const ixCols = a.index.columns.map(
      (id) => s.table.columns.find((c) => c.id === id)?.name ?? '?',
    );
    const parts = a.alternatives.map((alts, i) =>
      alts.length === 1
        ? `${ixCols[i]} = ${exprText(alts[0], cols)}`
        : `${ixCols[i]} IN (${alts.map((e) => exprText(e, cols)).join(', ')})`,
    );
    const next = ixCols[a.alternatives.length];
    if (a.lower) parts.push(`${next} ${a.lower.incl ? '>=' : '>'} ${exprText(a.lower.e, cols)}`);
    if (a.upper) parts.push(`${next} ${a.upper.incl ? '<=' : '<'} ${exprText(a.upper.e, cols)}`);
    lines.push(`${pad}     index span: ${parts.join(' AND ')}`);
    lines.push(`${pad}     rows fetched by primary key (batched per range), filter re-checked`);
  }
  if (s.access.kind === 'point')
    fragment.push(
      `keys: ${s.access.alternatives.map((alts) => alts.map((e) => exprText(e, cols)).join(' | ')).join(', ')}`,
    );
  if (s.access.kind === 'range') {
    const pk = s.table.primaryKey.map(
      (id) => s.table.columns.find((c) => c.id === id)?.name ?? '?',
    );
    const parts = s.access.prefix.map((e, i) => `${pk[i]} = ${exprText(e, cols)}`);
    if (s.access.lower)
      parts.push(
        `${pk[s.access.prefix.length]} ${s.access.lower.incl ? '>=' : '>'} ${exprText(s.access.lower.e, cols)}`,
      );
    if (s.access.upper)
      parts.push(
        `${pk[s.access.prefix.length]} ${s.access.upper.incl ? '<=' : '<'} ${exprText(s.access.upper.e, cols)}`,
      );
    fragment.push(`span: ${parts.join(' AND ')}`);
  }
  if (s.filter) fragment.push(`filter: ${exprText(s.filter, cols)}`);
  if (s.partialAgg)
    fragment.push(
      `partial aggregate: ${s.partialAgg.aggs.map((a) => `${a.fn === 'count_star' ? 'count(*)' : `${a.fn}(${a.arg ? exprText(a.arg, cols) : ''})`}`).join(', ')}${s.partialAgg.groups.length > 0 ? ` group by ${s.partialAgg.groups.map((g) => exprText(g, cols)).join(', ')}` : ''}`,
    );
  if (s.order)
    fragment.push(
      `top-n: order by ${s.order.map((o) => `${cols[o.i]}${o.desc ? ' desc' : ''}`).join(', ')}`,
    );
  if (s.limit) fragment.push(`limit: ${exprText(s.limit, cols)}`);
  for (const f of fragment) lines.push(`${pad}     fragment ${f}`);
  if (s.residual) lines.push(`${pad}     proxy filter: ${exprText(s.residual, cols)}`);
  // Ranges and shards: measured in ANALYZE, else resolved from the range cache.
  let ranges: number[];
  let shards: number[];
  if (stats) {
    ranges = [...stats.ranges].sort((a, b) => a - b);
    shards = [...stats.shards].sort((a, b) => a - b);
    lines.push(
      `${pad}     fragments sent: ${stats.calls}, rows examined on shards: ${stats.scanned}`,
    );
  } else {
    let acc: ReturnType<typeof resolveAccess>;
    try {
      acc = resolveAccess(s, ev);
    } catch {
      acc = { spans: [] };
    }
    const rs = acc.keys
      ? acc.keys.map((k) => ctx.ranges.lookup(k)).filter((r) => r !== undefined)
      : (acc.spans ?? []).flatMap(([a, b]) => ctx.ranges.overlapping(a, b));
    ranges = [...new Set(rs.map((r) => r!.id))].sort((a, b) => a - b);
    shards = [...new Set(rs.map((r) => r!.shardId))].sort((a, b) => a - b);
  }
  // Without ANALYZE an index lookup knows only the index's ranges; the rows' come at run time.
  const label = s.access.kind === 'index' && !stats ? 'index ranges' : 'ranges';
  lines.push(
    `${pad}     ${label}: ${ranges.length} [${ranges.join(', ')}] shards: ${shards.length} [${shards.join(', ')}]`,
  );
  return lines;
}

export function explainPlan(
  ctx: ExecContext,
  plan: PlanNode,
  ev: EvalCtx,
  env: RunEnv | null,
): string[] {
  const out: string[] = [];
  const visit = (n: PlanNode, depth: number): void => {
    const pad = '  '.repeat(depth);
    const rows = env?.nodeRows?.get(n);
    const actual = rows !== undefined ? ` (actual rows=${rows})` : '';
    switch (n.kind) {
      case 'scan':
        out.push(...scanLines(ctx, n, ev, env, pad));
        break;
      case 'join':
        out.push(
          `${pad}-> ${n.lookup ? 'lookup join' : n.leftKeys.length > 0 ? 'hash join' : 'nested loop join'} (${n.type})${actual}`,
        );
        visit(n.left, depth + 1);
        visit(n.right, depth + 1);
        break;
      case 'agg':
        out.push(
          `${pad}-> aggregate${n.mergePartials ? ' (final, merging shard partials)' : ''}${n.groups.length > 0 ? ` group by ${n.groups.length} key(s)` : ''}${actual}`,
        );
        visit(n.input, depth + 1);
        break;
      case 'setop':
        out.push(`${pad}-> ${n.op}${n.all ? ' all' : ''}${actual}`);
        visit(n.left, depth + 1);
        visit(n.right, depth + 1);
        break;
      case 'srf':
        out.push(`${pad}-> function ${n.fn}${actual}`);
        break;
      case 'virtual':
        out.push(
          `${pad}-> catalog ${n.table.schema}.${n.table.name} (generated at the proxy)${actual}`,
        );
        break;
      case 'values':
        out.push(`${pad}-> values (${n.rows.length} row(s))${actual}`);
        break;
      case 'cte':
        out.push(`${pad}-> cte ${n.name}${actual}`);
        visit(n.plan, depth + 1);
        break;
      case 'lateral':
        out.push(`${pad}-> lateral ${n.type} join (right side per left row)${actual}`);
        visit(n.left, depth + 1);
        visit(n.right, depth + 1);
        break;
      case 'recursive':
        out.push(`${pad}-> recursive union${n.all ? ' all' : ''}${actual}`);
        visit(n.base, depth + 1);
        visit(n.step, depth + 1);
        break;
      case 'worktable':
        out.push(`${pad}-> worktable (the previous round's rows)${actual}`);
        break;
      case 'limit': {
        const lim = n.limit ? evalExpr(n.limit, [], ev) : null;
        out.push(`${pad}-> limit${lim !== null ? ` ${String(lim)}` : ''}${actual}`);
        visit(n.input, depth + 1);
        break;
      }
      default:
        out.push(`${pad}-> ${n.kind}${actual}`);
        visit(n.input, depth + 1);
    }
    for (const sq of n.subqs ?? []) {
      out.push(`${pad}   subquery ${sq.id} (${sq.mode}${sq.correlated ? ', correlated' : ''}):`);
      visit(sq.plan, depth + 2);
    }
  };
  const kind = planKind(plan);
  out.push(`plan: ${kind}`);
  visit(plan, 0);
  return out;
}

/** The statement's plan kind: point / range / scatter of its scans (the widest wins), or proxy-only. */
export function planKind(plan: PlanNode): string {
  const kinds = new Set<string>();
  const visit = (n: PlanNode): void => {
    if (n.kind === 'scan') kinds.add(n.access.kind);
    if ('input' in n) visit(n.input);
    if (n.kind === 'join' || n.kind === 'setop' || n.kind === 'lateral') {
      visit(n.left);
      visit(n.right);
    }
    if (n.kind === 'cte') visit(n.plan);
    if (n.kind === 'recursive') {
      visit(n.base);
      visit(n.step);
    }
    for (const sq of n.subqs ?? []) visit(sq.plan);
  };
  visit(plan);
  if (kinds.has('scatter')) return 'scatter';
  if (kinds.has('range')) return 'range';
  if (kinds.has('index')) return 'index lookup';
  if (kinds.has('point')) return 'point';
  return 'proxy';
}
