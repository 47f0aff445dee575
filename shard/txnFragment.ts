/**
 * A plan fragment over MVCC data (DESIGN.md "Planner" + "Transactions"): the rows a
 * fragment sees are those visible at the statement's read timestamp, overlaid with the
 * transaction's own buffered writes (sent along by the proxy, so filters and partial
 * aggregates see the session's uncommitted rows: read-your-writes). A lock that stops the
 * read is returned instead of rows; the proxy resolves it and sends the fragment again.
 *
 * Reads go through MvccStore (batchGet, scan), so they raise its max read timestamp and
 * wait for latched actions like every other read (1PC relies on both).
 */
import type { Fragment, FragmentResult } from '../common/expr/fragment';
import type { KvIterator, KvReader, IteratorOptions } from './storage/kvEngine';
import type { Lock, MvccStore } from './mvcc';
import { executeFragment } from '../common/expr/fragmentExec';

export interface MvccReadOptions {
  readonly ts: bigint;
  readonly txnStartTs?: bigint;
  readonly bypassLocks?: readonly bigint[];
  /** The transaction's buffered writes inside this fragment's keys/spans, sorted (null: delete). */
  readonly overlay?: ReadonlyArray<readonly [Buffer, Buffer | null]>;
}

export type MvccFragmentResult = FragmentResult | { readonly locked: readonly Lock[] };

/** Entries fetched per store scan call when a fragment does not page. */
const SCAN_BATCH = 4096;

/** An in-memory, sorted KvReader over rows already read at the snapshot. */
class SortedReader implements KvReader {
  constructor(private readonly entries: Array<[Buffer, Buffer]>) {}
  get(key: Buffer): Buffer | undefined {
    let lo = 0,
      hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = Buffer.compare(this.entries[mid][0], key);
      if (c === 0) return this.entries[mid][1];
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return undefined;
  }
  iterator(o: IteratorOptions = {}): KvIterator {
    const list = this.entries;
    let i = 0;
    if (o.gte !== undefined) while (i < list.length && Buffer.compare(list[i][0], o.gte) < 0) i++;
    return {
      next: () => {
        if (i >= list.length) return undefined;
        const e = list[i];
        if (o.lt !== undefined && Buffer.compare(e[0], o.lt) >= 0) return undefined;
        i++;
        return e;
      },
      close: () => undefined,
    };
  }
}

/** Merges sorted visible entries with the sorted overlay inside [start, end). */
function overlayOnto(
  visible: ReadonlyArray<[Buffer, Buffer]>,
  overlay: ReadonlyArray<readonly [Buffer, Buffer | null]>,
  start: Buffer,
  end: Buffer | null,
): Array<[Buffer, Buffer]> {
  const own = overlay.filter(
    ([k]) => Buffer.compare(k, start) >= 0 && (end === null || Buffer.compare(k, end) < 0),
  );
  if (own.length === 0) return visible as Array<[Buffer, Buffer]>;
  const out: Array<[Buffer, Buffer]> = [];
  let j = 0;
  for (const e of visible) {
    while (j < own.length && Buffer.compare(own[j][0], e[0]) < 0) {
      const [k, v] = own[j++];
      if (v !== null) out.push([k, v]);
    }
    if (j < own.length && own[j][0].equals(e[0])) {
      const v = own[j++][1];
      if (v !== null) out.push([e[0], v]);
      continue;
    }
    out.push(e);
  }
  for (; j < own.length; j++) if (own[j][1] !== null) out.push([own[j][0], own[j][1] as Buffer]);
  return out;
}

export async function runMvccFragment(
  store: MvccStore,
  rangeStart: Buffer,
  rangeEnd: Buffer | null,
  f: Fragment,
  read: MvccReadOptions,
): Promise<MvccFragmentResult> {
  const overlay = read.overlay ?? [];
  const base = { ts: read.ts, txnStartTs: read.txnStartTs, bypassLocks: read.bypassLocks };
  if (f.keys !== undefined) {
    const own = new Map(overlay.map(([k, v]) => [k.toString('latin1'), v]));
    const fromStore = f.keys.filter((k) => !own.has(k.toString('latin1')));
    const results = fromStore.length > 0 ? await store.batchGet(fromStore, base) : [];
    const locks: Lock[] = [];
    const found = new Map<string, Buffer>();
    results.forEach((r, i) => {
      if (r.kind === 'locked') locks.push(...r.locks);
      else if (r.value !== undefined) found.set(fromStore[i].toString('latin1'), r.value);
    });
    if (locks.length > 0) return { locked: locks };
    for (const [k, v] of own) if (v !== null) found.set(k, v);
    const entries = [...found]
      .map(([k, v]) => [Buffer.from(k, 'latin1'), v] as [Buffer, Buffer])
      .sort((a, b) => Buffer.compare(a[0], b[0]));
    return executeFragment(new SortedReader(entries), rangeStart, rangeEnd, f);
  }
  // Spans: read one batch of visible rows per span (a page's worth), run the fragment on
  // it, and if the store had more, resume after the last row read.
  const pageRows = f.pageRows;
  const wantPerCall = pageRows === undefined ? SCAN_BATCH : pageRows * 4;
  const spans: Array<readonly [Buffer, Buffer]> = [];
  const entries: Array<[Buffer, Buffer]> = [];
  let resume: Buffer | undefined;
  for (const [s, e] of f.spans ?? []) {
    const gte = Buffer.compare(s, rangeStart) > 0 ? s : rangeStart;
    const lt = rangeEnd === null || Buffer.compare(e, rangeEnd) < 0 ? e : rangeEnd;
    if (Buffer.compare(gte, lt) >= 0) continue;
    let cursor = gte;
    const got: Array<[Buffer, Buffer]> = [];
    for (;;) {
      const r = await store.scan({ ...base, start: cursor, end: lt, limit: wantPerCall });
      if (r.kind === 'locked') return { locked: r.locks };
      got.push(...r.entries);
      if (!r.more) break;
      cursor = Buffer.concat([r.entries[r.entries.length - 1][0], Buffer.from([0])]);
      if (pageRows !== undefined) {
        resume = cursor;
        break;
      }
    }
    const spanEnd = resume ?? lt;
    spans.push([gte, spanEnd]);
    entries.push(...overlayOnto(got, overlay, gte, spanEnd));
    if (resume !== undefined) break;
  }
  const res = executeFragment(new SortedReader(entries), rangeStart, rangeEnd, { ...f, spans });
  if (res.resume !== undefined || resume === undefined) return res;
  const plainLimit = f.limit !== undefined && f.agg === undefined && (f.order ?? []).length === 0;
  if (plainLimit && res.rows.length >= (f.limit as number)) return res;
  return { ...res, resume };
}
