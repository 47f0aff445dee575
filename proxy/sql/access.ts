/**
 * Access path choice (DESIGN.md "Planner"): point when the WHERE fixes every primary-key
 * column with = or IN (constants or $n), range when it fixes a prefix and/or bounds the
 * next column; else an index lookup when a secondary index's leading columns are fixed
 * by = / IN (or its first column bounded); scatter otherwise. The filter itself still
 * runs on the shard, so an access path wider than the predicate never returns extra rows.
 */
import type { TableDef } from '../../common/catalog/schema';
import type { Expr } from '../../common/expr/expr';
import { isPushable, usesColumns } from '../../common/expr/expr';
import type { Access } from './plan';
import { TypeOid } from '../../common/types/datum';

export function splitConjuncts(e: Expr | null): Expr[] {
  if (e === null) return [];
  if (e.k === 'and') return e.a.flatMap((x) => splitConjuncts(x));
  return [e];
}

function isValue(e: Expr): boolean {
  return !usesColumns(e) && isPushable(e);
}

interface ColumnFacts {
  eq: Expr[][];
  lower: { e: Expr; incl: boolean } | null;
  upper: { e: Expr; incl: boolean } | null;
}

const INTEGERS = new Set<number>([TypeOid.int2, TypeOid.int4, TypeOid.int8]);

/**
 * Whether a comparison evaluated in type cmpType can bound a key column of colType: the
 * same type, or integers of any width. All integer widths share one key encoding
 * (keys.ts: sign-flipped big-endian int64), so an int8 bound on an int4 key is exact,
 * as PostgreSQL's btree integer_ops family lets `int4col = $1::int8` use the index
 * (sysbench binds its ids as int8).
 */
function keyComparable(colType: number, cmpType: number): boolean {
  return colType === cmpType || (INTEGERS.has(colType) && INTEGERS.has(cmpType));
}

/** A key column as the comparison sees it: bare, or widened from one integer type to another. */
function keyColumn(e: Expr): Expr {
  if (e.k === 'cast' && e.a.k === 'col' && INTEGERS.has(e.t) && INTEGERS.has(e.from) && e.tm < 0)
    return e.a;
  return e;
}

const FLIP = { lt: 'gt', le: 'ge', gt: 'lt', ge: 'le', eq: 'eq', ne: 'ne' } as const;

/** What the conjuncts say about each of these columns (positions in the table's row). */
function columnFacts(
  table: TableDef,
  positions: readonly number[],
  conjuncts: readonly Expr[],
): ColumnFacts[] {
  const facts: ColumnFacts[] = positions.map(() => ({ eq: [], lower: null, upper: null }));
  for (const c of conjuncts) {
    if (c.k === 'cmp') {
      let col: Expr = keyColumn(c.a),
        val: Expr = c.b,
        op = c.op as keyof typeof FLIP;
      if (col.k !== 'col') {
        [col, val] = [keyColumn(c.b), c.a];
        op = FLIP[op];
      }
      if (col.k !== 'col' || !isValue(val)) continue;
      const k = positions.indexOf(col.i);
      if (k < 0 || !keyComparable(table.columns[col.i].typeOid, c.ct)) continue;
      const f = facts[k];
      if (op === 'eq') f.eq.push([val]);
      else if (op === 'gt' || op === 'ge') f.lower = { e: val, incl: op === 'ge' };
      else if (op === 'lt' || op === 'le') f.upper = { e: val, incl: op === 'le' };
    } else if (c.k === 'in' && !c.neg && keyColumn(c.a).k === 'col' && c.list.every(isValue)) {
      const a = keyColumn(c.a) as Extract<Expr, { k: 'col' }>;
      const k = positions.indexOf(a.i);
      if (k < 0 || !keyComparable(table.columns[a.i].typeOid, c.ct)) continue;
      facts[k].eq.push([...c.list]);
    }
  }
  return facts;
}

export function chooseAccess(table: TableDef, conjuncts: readonly Expr[]): Access {
  if (table.primaryKey.length === 0) return chooseIndex(table, conjuncts);
  const pkPositions = table.primaryKey.map((id) => table.columns.findIndex((c) => c.id === id));
  const facts = columnFacts(table, pkPositions, conjuncts);
  if (facts.every((f) => f.eq.length > 0)) {
    // One alternative list per column (the first = or IN found); the filter re-checks the rest.
    return { kind: 'point', alternatives: facts.map((f) => f.eq[0]) };
  }
  const prefix: Expr[] = [];
  for (const f of facts) {
    if (f.eq.length > 0 && f.eq[0].length === 1) prefix.push(f.eq[0][0]);
    else break;
  }
  const next = facts[prefix.length];
  const lower = next?.lower ?? null;
  const upper = next?.upper ?? null;
  if (prefix.length > 0 || lower || upper) return { kind: 'range', prefix, lower, upper };
  return chooseIndex(table, conjuncts);
}

/**
 * The secondary index that narrows the read most: the most leading columns fixed by
 * = / IN, a unique index winning ties (one entry per value), then a bound on the next
 * column; an index whose first column is neither fixed nor bounded is no use.
 */
function chooseIndex(table: TableDef, conjuncts: readonly Expr[]): Access {
  let best: Access = { kind: 'scatter' };
  let bestScore = 0;
  for (const ix of table.indexes ?? []) {
    if (ix.building === true) continue;
    const positions = ix.columns.map((id) => table.columns.findIndex((c) => c.id === id));
    if (positions.some((p) => p < 0)) continue;
    const facts = columnFacts(table, positions, conjuncts);
    const alternatives: Expr[][] = [];
    for (const f of facts) {
      if (f.eq.length === 0) break;
      alternatives.push(f.eq[0]);
    }
    const next = facts[alternatives.length];
    const lower = next?.lower ?? null;
    const upper = next?.upper ?? null;
    if (alternatives.length === 0 && !lower && !upper) continue;
    const full = alternatives.length === positions.length;
    const score = alternatives.length * 4 + (full && ix.unique ? 2 : 0) + (lower || upper ? 1 : 0);
    if (score > bestScore) {
      bestScore = score;
      best = { kind: 'index', index: ix, alternatives, lower, upper };
    }
  }
  return best;
}
