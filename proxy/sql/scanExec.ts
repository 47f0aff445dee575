/**
 * Runs a scan node: builds its fragment, resolves the access path to keys or spans,
 * sends the fragment to every range involved in parallel, and merges what comes back.
 * RANGE_STALE (a split or move since the range cache was filled) refreshes the cache
 * and re-resolves the affected keys or the rest of the span, invisibly to the client.
 */
import { SqlError, SqlState } from '../../common/errors';
import type { RangeDescriptor } from '../../common/catalog/schema';
import { rowPrefix } from '../../common/catalog/keyspace';
import type { Datum } from '../../common/types/datum';
import { TypeOid } from '../../common/types/datum';
import { stateFromWire } from '../../common/expr/aggregates';
import { evalExpr } from '../../common/expr/eval';
import type { EvalCtx } from '../../common/expr/expr';
import {
  fragmentToWire,
  paramsToWire,
  type Fragment,
  type FragmentResult,
} from '../../common/expr/fragment';
import { rowFromWire } from '../../common/expr/rowFormat';
import { asBuffer } from '../../common/codec';
import type { ExecContext } from './context';
import { encodeKeyPart, pkColumns, prefixEnd } from './keys';
import type { ScanNode } from './plan';
import { indexEntryFragment, indexSpans, rowKeysOf } from './indexLookup';
import { StaleRetry } from '../shardRouter';
import { readOwnRows } from './ownRowsRead';
import type { Lock } from '../../shard/mvcc';

/**
 * How this scan reads MVCC data: at the transaction's statement timestamp with its own
 * buffered writes overlaid (read-your-writes), or, outside a transaction (internal reads),
 * at a fresh timestamp. A fragment that meets a lock comes back with it; the lock is
 * resolved (LockResolver) and the same fragment sent again.
 */
interface ScanReader {
  readFor(keys: Buffer[] | undefined, start: Buffer, end: Buffer | null): Record<string, unknown>;
  locked(locks: readonly Lock[], round: number): Promise<void>;
}

const MAX_LOCK_ROUNDS = 200;

async function scanReader(ctx: ExecContext): Promise<ScanReader> {
  const st = ctx.txn;
  if (st !== undefined) {
    const txn = st.txn;
    await txn.snapshot();
    return {
      readFor(keys, start, end) {
        const base = txn.readOptions();
        if (txn.writeCount === 0 && st.skip === undefined) return { ...base };
        const overlay: Array<[Buffer, Buffer | null]> = keys
          ? keys.flatMap((k) => {
              const v = txn.ownWrite(k);
              return v === undefined ? [] : [[k, v]];
            })
          : txn.ownWritesIn(start, end);
        if (st.skip !== undefined) {
          for (const k of st.skip) if (txn.ownWrite(k) === undefined) overlay.push([k, null]);
          overlay.sort((a, b) => Buffer.compare(a[0], b[0]));
        }
        return { ...base, overlay };
      },
      locked: (locks, round) => txn.resolveForRead(locks, round),
    };
  }
  const deps = ctx.txnDeps;
  if (deps === undefined)
    throw new SqlError(SqlState.internalError, 'no transaction layer configured');
  const ts = await deps.timestamp();
  const bypass: bigint[] = [];
  return {
    readFor: () => ({ ts, bypassLocks: bypass }),
    async locked(locks, round) {
      if (round >= MAX_LOCK_ROUNDS)
        throw new SqlError(SqlState.lockNotAvailable, 'could not read: rows stayed locked');
      const out = await deps.resolver.resolve(locks, ts);
      bypass.push(...out.bypass);
      if (out.mustWait) await new Promise((r) => setTimeout(r, Math.min(5 * (round + 1), 100)));
    },
  };
}

type MvccReply = FragmentResult & { locked?: Lock[] };

let PAGE_ROWS = 20_000;

/** Rows per scan page (tests shrink it so a scan takes many round trips). */
export function setScanPageRows(n: number): void {
  PAGE_ROWS = n;
}
const MAX_STALE = 8;

export interface ScanStats {
  ranges: Set<number>;
  shards: Set<number>;
  rows: number;
  scanned: number;
  ms: number;
  calls: number;
}

export interface ScanOutput {
  rows: Datum[][];
  keys?: Buffer[];
}

/** Keys (point access) or spans (range/scatter) for a scan, with this execution's parameters. */
export function resolveAccess(
  node: ScanNode,
  ev: EvalCtx,
): { keys?: Buffer[]; spans?: Array<[Buffer, Buffer]> } {
  const prefix = rowPrefix(node.table.id);
  const a = node.access;
  const cols = pkColumns(node.table);
  if (a.kind === 'point' && a.alternatives.every((alt) => alt.length === 1)) {
    // One value per key column (`pk = $1`): one key, no combinations to build.
    const parts: Buffer[] = [prefix];
    for (let i = 0; i < a.alternatives.length; i++) {
      const v = evalExpr(a.alternatives[i][0], [], ev);
      if (v === null) return { keys: [] }; // pk = NULL matches nothing
      encodeKeyPart(cols[i].typeOid, v, parts);
    }
    return { keys: [Buffer.concat(parts)] };
  }
  if (a.kind === 'point') {
    let keys: Buffer[][] = [[prefix]];
    for (let i = 0; i < a.alternatives.length; i++) {
      const next: Buffer[][] = [];
      for (const e of a.alternatives[i]) {
        const v = evalExpr(e, [], ev);
        if (v === null) continue; // pk = NULL matches nothing
        const part: Buffer[] = [];
        encodeKeyPart(cols[i].typeOid, v, part);
        for (const k of keys) next.push([...k, ...part]);
      }
      keys = next;
    }
    const seen = new Set<string>();
    const out: Buffer[] = [];
    for (const parts of keys) {
      const k = Buffer.concat(parts);
      const hex = k.toString('hex');
      if (!seen.has(hex)) {
        seen.add(hex);
        out.push(k);
      }
    }
    return { keys: out };
  }
  const tableEnd = prefixEnd(prefix);
  if (a.kind === 'range') {
    const parts: Buffer[] = [prefix];
    for (let i = 0; i < a.prefix.length; i++) {
      const v = evalExpr(a.prefix[i], [], ev);
      if (v === null) return { spans: [] };
      encodeKeyPart(cols[i].typeOid, v, parts);
    }
    const base = Buffer.concat(parts);
    let start: Buffer = base;
    let end: Buffer = a.prefix.length > 0 ? prefixEnd(base) : tableEnd;
    const t = cols[a.prefix.length]?.typeOid;
    if (a.lower) {
      const v = evalExpr(a.lower.e, [], ev);
      if (v === null) return { spans: [] };
      const p: Buffer[] = [base];
      encodeKeyPart(t, v, p);
      const k = Buffer.concat(p);
      start = a.lower.incl ? k : prefixEnd(k);
    }
    if (a.upper) {
      const v = evalExpr(a.upper.e, [], ev);
      if (v === null) return { spans: [] };
      const p: Buffer[] = [base];
      encodeKeyPart(t, v, p);
      const k = Buffer.concat(p);
      end = a.upper.incl ? prefixEnd(k) : k;
    }
    return { spans: Buffer.compare(start, end) < 0 ? [[start, end]] : [] };
  }
  if (a.kind === 'index') return { spans: indexSpans(node, ev) };
  return { spans: [[prefix, tableEnd]] };
}

/** Is the plan's index still in the catalog, and readable? */
function indexStillReadable(ctx: ExecContext, node: ScanNode): boolean {
  const a = node.access;
  if (a.kind !== 'index') return false;
  const table = ctx.catalog.all.find((t) => t.id === node.table.id);
  const ix = table?.indexes?.find((i) => i.id === a.index.id);
  return ix !== undefined && ix.building !== true;
}

/** Reads the index entries of the spans; answers the row keys they point at. */
async function readIndexEntries(
  ctx: ExecContext,
  spans: ReadonlyArray<[Buffer, Buffer]>,
  ev: EvalCtx,
  reader: ScanReader,
  stats: ScanStats | undefined,
): Promise<Buffer[]> {
  const f = indexEntryFragment(ev.nowUs);
  const wire = fragmentToWire(f, []);
  const found: Datum[][] = [];
  const note = (r: RangeDescriptor, res: FragmentResult): void => {
    for (const raw of res.rows) found.push(rowFromWire(f.outTypes, raw));
    if (stats) {
      stats.ranges.add(r.id);
      stats.shards.add(r.shardId);
      stats.calls++;
      stats.scanned += res.scanned;
    }
  };
  const jobs: Array<Promise<void>> = [];
  for (const [start, end] of spans) jobs.push(scanPiece(ctx, start, end, wire, note, true, reader));
  await Promise.all(jobs);
  return rowKeysOf(found);
}

export function buildFragment(
  node: ScanNode,
  ev: EvalCtx,
  paramTypes: readonly number[],
): Fragment {
  let limit: number | undefined;
  if (node.limit !== undefined) {
    const v = evalExpr(node.limit, [], ev);
    if (v !== null) limit = Math.max(0, Number(v));
  }
  return {
    cols: node.cols,
    filter: node.filter,
    agg: node.partialAgg,
    order: node.order,
    limit,
    outTypes: node.partialAgg ? [] : node.cols.map((c) => c.t),
    params: ev.params,
    paramTypes,
    nowUs: ev.nowUs,
    timeZone: ev.timeZone,
    withKeys: node.withKeys,
  };
}

/** The wire form of a scan's expressions is computed once per plan; parameters change per call. */
const wireCache = new WeakMap<ScanNode, Record<string, unknown>>();

function wireFragment(node: ScanNode, f: Fragment, ev: EvalCtx): Record<string, unknown> {
  let base = wireCache.get(node);
  if (base === undefined || node.withKeys !== f.withKeys) {
    base = fragmentToWire(f, ev.params);
    if (!node.withKeys) wireCache.set(node, base);
  }
  const params = ev.params.length === 0 ? [] : paramsToWire(f.paramTypes, ev.params);
  // The zone is the session's, not the plan's: never taken from the cached base.
  return { ...base, params, limit: f.limit, nowUs: f.nowUs, timeZone: f.timeZone };
}

export async function runScan(
  ctx: ExecContext,
  node: ScanNode,
  ev: EvalCtx,
  paramTypes: readonly number[],
  stats?: ScanStats,
  overrideKeys?: Buffer[],
): Promise<ScanOutput> {
  const started = process.hrtime.bigint();
  const fragment = buildFragment(node, ev, paramTypes);
  const wire = wireFragment(node, fragment, ev);
  const access = overrideKeys ? { keys: overrideKeys } : resolveAccess(node, ev);
  const results: FragmentResult[] = [];
  const note = (r: RangeDescriptor | null, res: FragmentResult): void => {
    results.push(res);
    if (stats && r !== null) {
      stats.ranges.add(r.id);
      stats.shards.add(r.shardId);
      stats.calls++;
      stats.scanned += res.scanned;
    }
  };
  const own =
    access.keys !== undefined && ctx.txn !== undefined && ctx.txn.skip === undefined
      ? readOwnRows(ctx.txn.txn, access.keys, wire)
      : null;
  if (own !== null) {
    note(null, own);
    return finishScan(node, fragment, results, stats, started);
  }
  if (ctx.ranges.all.length === 0) await ctx.ranges.refresh();
  const reader = await scanReader(ctx);
  if (node.access.kind === 'index' && !overrideKeys && !indexStillReadable(ctx, node)) {
    // A plan kept across DROP INDEX (a named prepared statement): read the whole table;
    // the fragment's filter still applies the WHERE.
    const prefix = rowPrefix(node.table.id);
    await scanPiece(ctx, prefix, prefixEnd(prefix), wire, note, true, reader);
  } else if (node.access.kind === 'index' && !overrideKeys) {
    // Index lookup: the entries at the statement's snapshot (own writes overlaid), then
    // the rows by primary key, batched per range; the fragment's filter re-checks WHERE.
    const keys = await readIndexEntries(ctx, access.spans ?? [], ev, reader, stats);
    if (keys.length > 0) await fetchKeys(ctx, keys, wire, note, 0, reader);
  } else if (access.keys) {
    await fetchKeys(ctx, access.keys, wire, note, 0, reader);
  } else {
    const jobs: Array<Promise<void>> = [];
    for (const [start, end] of access.spans ?? []) {
      for (const r of ctx.ranges.overlapping(start, end)) {
        const s = Buffer.compare(r.startKey, start) > 0 ? r.startKey : start;
        const e = r.endKey !== null && Buffer.compare(r.endKey, end) < 0 ? r.endKey : end;
        jobs.push(scanPiece(ctx, s, e, wire, note, true, reader));
      }
    }
    await Promise.all(jobs);
  }
  return finishScan(node, fragment, results, stats, started);
}

function finishScan(
  node: ScanNode,
  fragment: Fragment,
  results: FragmentResult[],
  stats: ScanStats | undefined,
  started: bigint,
): ScanOutput {
  const out = mergeResults(node, fragment, results);
  if (stats) {
    stats.rows += out.rows.length;
    stats.ms += Number(process.hrtime.bigint() - started) / 1e6;
  }
  return out;
}

async function fetchKeys(
  ctx: ExecContext,
  keys: Buffer[],
  wire: Record<string, unknown>,
  note: (r: RangeDescriptor, res: FragmentResult) => void,
  attempt: number,
  reader: ScanReader,
  retry = new StaleRetry(),
): Promise<void> {
  const groups = new Map<RangeDescriptor, Buffer[]>();
  const missing: Buffer[] = [];
  for (const k of keys) {
    const r = ctx.ranges.lookup(k);
    if (!r) {
      missing.push(k);
      continue;
    }
    const g = groups.get(r);
    if (g) g.push(k);
    else groups.set(r, [k]);
  }
  if (missing.length > 0) {
    if (attempt >= MAX_STALE) throw new SqlError(SqlState.internalError, 'no range covers a key');
    await ctx.ranges.refresh();
    await fetchKeys(ctx, missing, wire, note, attempt + 1, reader, retry);
  }
  await Promise.all(
    [...groups].map(async ([r, ks]) => {
      try {
        for (let round = 0; ; round++) {
          const res = await ctx.router.sendTo<MvccReply>(r, 'txn.fragment', {
            fragment: { ...wire, keys: ks },
            read: reader.readFor(ks, ks[0], null),
          });
          if (res.locked === undefined) {
            note(r, res);
            break;
          }
          await reader.locked(withLockBuffers(res.locked), round);
        }
      } catch (err) {
        if (!(await retry.pause(err))) throw err;
        await ctx.ranges.refresh();
        await fetchKeys(ctx, ks, wire, note, attempt + 1, reader, retry);
      }
    }),
  );
}

/** Scans [start, end) with paging; the router re-resolves splits and moves from the cursor. */
async function scanPiece(
  ctx: ExecContext,
  start: Buffer,
  end: Buffer,
  wire: Record<string, unknown>,
  note: (r: RangeDescriptor, res: FragmentResult) => void,
  page: boolean,
  reader: ScanReader,
): Promise<void> {
  await ctx.router.walk(start, end, async (send, cursor, range) => {
    const pieceEnd =
      range.endKey !== null && Buffer.compare(range.endKey, end) < 0 ? range.endKey : end;
    let res: MvccReply;
    for (let round = 0; ; round++) {
      res = await send<MvccReply>('txn.fragment', {
        fragment: { ...wire, spans: [[cursor, pieceEnd]], pageRows: page ? PAGE_ROWS : undefined },
        read: reader.readFor(undefined, cursor, pieceEnd),
      });
      if (res.locked === undefined) break;
      await reader.locked(withLockBuffers(res.locked), round);
    }
    note(range, res);
    return res.resume ? asBuffer(res.resume as unknown as Uint8Array) : null;
  });
}

/** Locks as decoded from msgpack: keys back to Buffers. */
export function withLockBuffers(locks: readonly Lock[]): Lock[] {
  return locks.map((l) => ({
    ...l,
    key: asBuffer(l.key as unknown as Uint8Array),
    primary: asBuffer(l.primary as unknown as Uint8Array),
  }));
}

function mergeResults(node: ScanNode, f: Fragment, results: FragmentResult[]): ScanOutput {
  const rows: Datum[][] = [];
  if (f.agg) {
    const g = f.agg.groups.length;
    const gtypes = f.agg.groups.map((x) => x.t);
    const countOnly =
      g === 0 &&
      f.agg.aggs.length === 1 &&
      f.agg.aggs[0].fn === 'count_star' &&
      f.agg.aggs[0].filter === null &&
      f.filter === undefined;
    for (const res of results) {
      for (const raw of res.rows) {
        if (countOnly) {
          rows.push([raw[0] as number]);
          continue;
        }
        const row = rowFromWire(gtypes, raw.slice(0, g)) as Datum[];
        for (let i = 0; i < f.agg.aggs.length; i++) {
          const a = f.agg.aggs[i];
          row.push(stateFromWire(a.fn, a.argType, raw[g + i]) as Datum);
        }
        rows.push(row);
      }
    }
    return { rows };
  }
  const keys: Buffer[] | undefined = node.withKeys ? [] : undefined;
  for (const res of results) {
    for (const raw of res.rows) rows.push(rowFromWire(f.outTypes, raw));
    if (keys && res.keys) for (const k of res.keys) keys.push(asBuffer(k as unknown as Uint8Array));
  }
  void TypeOid;
  return { rows, keys };
}
