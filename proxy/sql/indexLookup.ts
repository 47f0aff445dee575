/**
 * Index lookups (DESIGN.md "Keys and rows", "Planner"): the key spans of a global
 * secondary index that an `index` access covers, and the fragment that reads its entries.
 *
 * An entry is `t` + tableId + `i` + indexId + the indexed values (each behind a 0x00 NULL /
 * 0x01 value marker) [+ the row key], and its value is the row key (tableWriter.ts). So
 * the entries for `a = v` are exactly the keys that start with prefix + enc(v), whatever
 * follows; `a > v` starts after all of them; NULLs (marker 0x00) sort before every value
 * and never satisfy a comparison, so a bound-only span starts at the first value.
 */
import type { Datum } from '../../common/types/datum';
import { TypeOid } from '../../common/types/datum';
import { evalExpr } from '../../common/expr/eval';
import type { EvalCtx } from '../../common/expr/expr';
import type { Fragment } from '../../common/expr/fragment';
import { encodeKeyPart, indexPrefix, prefixEnd } from './keys';
import type { ScanNode } from './plan';

const VALUE_MARKER = Buffer.from([1]);

/** The spans of index entries an `index` access reads, with this execution's parameters. */
export function indexSpans(node: ScanNode, ev: EvalCtx): Array<[Buffer, Buffer]> {
  const a = node.access;
  if (a.kind !== 'index') return [];
  const table = node.table;
  const types = a.index.columns.map(
    (id) => table.columns.find((c) => c.id === id)?.typeOid ?? TypeOid.text,
  );
  // Every combination of the leading columns' alternatives (IN lists multiply).
  let prefixes: Buffer[][] = [[indexPrefix(table.id, a.index.id)]];
  for (let i = 0; i < a.alternatives.length; i++) {
    const next: Buffer[][] = [];
    for (const e of a.alternatives[i]) {
      const v = evalExpr(e, [], ev);
      if (v === null) continue; // = NULL matches nothing
      const part: Buffer[] = [];
      encodeKeyPart(types[i], v, part, true);
      for (const p of prefixes) next.push([...p, ...part]);
    }
    prefixes = next;
  }
  const boundType = types[a.alternatives.length];
  const bound = (v: Datum, base: Buffer): Buffer => {
    const parts: Buffer[] = [base];
    encodeKeyPart(boundType, v, parts, true);
    return Buffer.concat(parts);
  };
  const lower = a.lower ? evalExpr(a.lower.e, [], ev) : undefined;
  const upper = a.upper ? evalExpr(a.upper.e, [], ev) : undefined;
  if (lower === null || upper === null) return [];
  const spans: Array<[Buffer, Buffer]> = [];
  const seen = new Set<string>();
  for (const parts of prefixes) {
    const base = Buffer.concat(parts);
    let start: Buffer = base;
    let end: Buffer = prefixEnd(base);
    if (a.lower || a.upper) start = Buffer.concat([base, VALUE_MARKER]);
    if (a.lower && lower !== undefined) {
      const k = bound(lower, base);
      start = a.lower.incl ? k : prefixEnd(k);
    }
    if (a.upper && upper !== undefined) {
      const k = bound(upper, base);
      end = a.upper.incl ? prefixEnd(k) : k;
    }
    const id = start.toString('hex');
    if (Buffer.compare(start, end) < 0 && !seen.has(id)) {
      seen.add(id);
      spans.push([start, end]);
    }
  }
  spans.sort((x, y) => Buffer.compare(x[0], y[0]));
  return spans;
}

/** A fragment answering each index entry's value (the row key) undecoded. */
export function indexEntryFragment(nowUs: bigint): Fragment {
  return {
    cols: [],
    rawValues: true,
    outTypes: [TypeOid.bytea],
    params: [],
    paramTypes: [],
    nowUs,
  };
}

/** Row keys out of index-entry rows ([value] each), in order, without duplicates. */
export function rowKeysOf(rows: readonly Datum[][]): Buffer[] {
  const seen = new Set<string>();
  const out: Buffer[] = [];
  for (const r of rows) {
    const k = r[0] as Buffer;
    const id = k.toString('latin1');
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(k);
  }
  return out;
}
