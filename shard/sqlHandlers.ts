/**
 * The shard's SQL RPC methods (registered by shard/server.ts): plan fragments over a
 * range's rows, and range sizes for SHOW RANGES.
 */
import type { RpcHandler } from '../common/rpc';
import { asBuffer } from '../common/codec';
import { RpcError, RpcErrorCode } from '../common/errors';
import { keyInRange } from '../common/catalog/keyspace';
import type { RangeDescriptor } from '../common/catalog/schema';
import { fragmentFromWire } from '../common/expr/fragment';
import { WriteBatch, type KvEngine } from './storage/kvEngine';
import { executeFragment } from '../common/expr/fragmentExec';
import {
  DATA_PREFIX,
  LOCK_PREFIX,
  WRITE_PREFIX,
  familyBounds,
  tsOfKey,
  userKeyOf,
  writeKey,
} from './mvcc/keys';
import { decodeLock, decodeVersion, encodeLockCommitRecord } from './mvcc/records';
import { scanLocks } from './mvcc';

/**
 * Table data is stored in MVCC form (shard/mvcc/FORMAT.md): a span of user keys is one
 * engine span per family (versions, locks, write records). Moving or dropping a span of
 * rows moves or drops all three, so history, locks and commit records travel together.
 */
const FAMILIES = [DATA_PREFIX, LOCK_PREFIX, WRITE_PREFIX] as const;

function engineSpans(start: Buffer, end: Buffer | null): Array<{ gte: Buffer; lt: Buffer }> {
  return FAMILIES.map((f) => familyBounds(f, start, end));
}

const EXPORT_PAGE = 5000;

export interface SqlHandlerDeps {
  /** The engine behind the write fence (shard/writeFence.ts): writes only where owned. */
  readonly engine: KvEngine;
  /**
   * The engine without the fence (the lock index beneath it still counts), for moving
   * spans this shard does not own (yet, or any more).
   */
  readonly rawEngine: KvEngine;
  /** The range a request names, or RANGE_STALE. */
  rangeOf(body: { rangeId?: unknown; epoch?: unknown }): Promise<RangeDescriptor>;
  /** Throws "retry later" if the range is sealed for a move's hand-over. */
  checkReadable(r: RangeDescriptor): void;
  /** Throws RANGE_STALE / "retry later" unless r, as the table holds it now, takes writes. */
  checkWritableNow(r: RangeDescriptor): void;
  /** Whether an engine key lies in a range this shard owns and writes now. */
  writableEngineKey(key: Buffer): boolean;
  readonly owned: () => readonly RangeDescriptor[];
  /** Re-reads the range map from meta. */
  refresh(): Promise<void>;
  /** The GC safe point this shard has applied (MvccStore.safePoint). */
  safePoint(): bigint;
}

function toBuffers(list: unknown): Buffer[] | undefined {
  return Array.isArray(list) ? list.map((k) => asBuffer(k as Uint8Array)) : undefined;
}

export function sqlHandlers(deps: SqlHandlerDeps): Array<[string, RpcHandler]> {
  return [
    [
      'sql.fragment',
      async (body) => {
        const r = await deps.rangeOf(body as object);
        deps.checkReadable(r);
        const w = (body as { fragment: Record<string, unknown> }).fragment;
        const f = fragmentFromWire(w);
        const keys = toBuffers(w.keys);
        for (const k of keys ?? []) {
          if (!keyInRange(k, r.startKey, r.endKey)) {
            throw new RpcError(RpcErrorCode.rangeStale, `key outside range ${r.id}`, {
              rangeId: r.id,
              knownEpoch: r.epoch,
            });
          }
        }
        const spans = Array.isArray(w.spans)
          ? (w.spans as unknown[][]).map(
              (s) => [asBuffer(s[0] as Uint8Array), asBuffer(s[1] as Uint8Array)] as const,
            )
          : undefined;
        return executeFragment(deps.engine, r.startKey, r.endKey, { ...f, keys, spans });
      },
    ],
    [
      'sql.deleteSpan',
      async (body) => {
        // TRUNCATE / DROP: every key of [start, end) inside the range, except the locks of
        // the transaction block that runs it (`keepLocksOf`: its start_ts), which its COMMIT
        // still needs (ddlRows.ts turns its own rows there into deletes). With
        // `waitForLocks`, another transaction's lock in the span stops it first: nothing is
        // deleted and the locks come back ({ locked }) for the caller to wait out, as
        // PostgreSQL's TRUNCATE waits for the writers before it. Wiping them made those
        // transactions' COMMIT fail (40001) or, committed already, lose their rows' commit.
        const r = await deps.rangeOf(body as object);
        const b = body as {
          start: Uint8Array;
          end: Uint8Array;
          keepLocksOf?: unknown;
          waitForLocks?: unknown;
        };
        const start = asBuffer(b.start),
          end = asBuffer(b.end);
        const gte = Buffer.compare(start, r.startKey) > 0 ? start : r.startKey;
        const lt = r.endKey === null || Buffer.compare(end, r.endKey) < 0 ? end : r.endKey;
        // Checked again here, in the step that hands the batch to the engine: its version
        // and record deletes would pass the write fence (they look like GC) and must not
        // land on a range frozen while this request waited.
        deps.checkWritableNow(r);
        const keep = typeof b.keepLocksOf === 'bigint' ? b.keepLocksOf : undefined;
        if (b.waitForLocks === true && Buffer.compare(gte, lt) < 0) {
          const { locks } = scanLocks(deps.engine, {
            start: gte,
            end: lt,
            maxTs: ANY_TS,
            limit: MAX_LOCKS_REPORTED,
            exceptStartTs: keep,
          });
          if (locks.length > 0) return { locked: locks };
        }
        return deleteSpan(deps.engine, gte, lt, {
          keepRecordsFrom: deps.safePoint(),
          keepLocksOf: keep,
        });
      },
    ],
    [
      'sql.exportSpan',
      async (body) => {
        // Range move: every MVCC engine entry of the user keys [start, end), paged by an
        // engine-key cursor (families are disjoint and ordered d < l < w).
        const r = await deps.rangeOf(body as object);
        const b = body as { start: Uint8Array; end?: Uint8Array | null; after?: Uint8Array };
        const start = asBuffer(b.start);
        const end = b.end ? asBuffer(b.end) : null;
        const gte = Buffer.compare(start, r.startKey) > 0 ? start : r.startKey;
        const lt =
          r.endKey === null || (end !== null && Buffer.compare(end, r.endKey) < 0) ? end : r.endKey;
        const after = b.after ? asBuffer(b.after) : undefined;
        const entries: Array<[Buffer, Buffer]> = [];
        for (const span of engineSpans(gte, lt)) {
          if (after !== undefined && Buffer.compare(after, span.lt) >= 0) continue;
          const it = deps.engine.iterator(
            after !== undefined && Buffer.compare(after, span.gte) >= 0
              ? { gt: after, lt: span.lt }
              : span,
          );
          try {
            for (let e = it.next(); e !== undefined; e = it.next()) {
              entries.push(e);
              if (entries.length >= EXPORT_PAGE) return { entries, more: true };
            }
          } finally {
            it.close();
          }
        }
        return { entries, more: false };
      },
    ],
    [
      'sql.ingest',
      async (body) => {
        // Range move: the copy lands before meta hands the range to this shard. Never into a
        // span this shard already owns and writes: a late page of an abandoned move would
        // overwrite newer data.
        const puts = (body as { puts: Array<[Uint8Array, Uint8Array]> }).puts;
        const batch = new WriteBatch();
        for (const [k, v] of puts) {
          const key = asBuffer(k);
          if (deps.writableEngineKey(key))
            throw new RpcError(
              RpcErrorCode.badRequest,
              'sql.ingest into a range this shard owns; the move that sent it is stale',
            );
          batch.put(key, asBuffer(v));
        }
        await deps.rawEngine.write(batch, { sync: true });
        return batch.length;
      },
    ],
    [
      'sql.dropSpan',
      async (body) => {
        // Range move: the source drops its copy once meta moved ownership, the target drops
        // what it was sent before the copy starts and when a move aborts. Only spans this
        // shard does not own: the bare engine, since the fence would refuse them.
        const b = body as { start: Uint8Array; end: Uint8Array };
        const start = asBuffer(b.start),
          end = asBuffer(b.end);
        await deps.refresh();
        if (
          deps
            .owned()
            .some(
              (r) =>
                Buffer.compare(r.startKey, end) < 0 &&
                (r.endKey === null || Buffer.compare(start, r.endKey) < 0),
            )
        ) {
          return 0; // Still (or again) ours: keep it.
        }
        // A copy: the range's records live on with its owner, so nothing stays here.
        return deleteSpan(deps.rawEngine, start, end, {});
      },
    ],
    [
      'sql.rangeSizes',
      () => {
        const out: Array<[number, number]> = [];
        for (const r of deps.owned()) {
          out.push([
            r.id,
            deps.engine.approximateSize(
              r.startKey,
              r.endKey ?? Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            ),
          ]);
        }
        return out;
      },
    ],
  ];
}

/** Enough for the caller to wait on a few transactions at a time; it asks again after. */
const MAX_LOCKS_REPORTED = 64;
const ANY_TS = 0xffff_ffff_ffff_ffffn;

/**
 * Deletes the rows of [gte, lt) but keeps what other transactions' recovery may still ask
 * of them. A version here can be a transaction's primary whose secondaries on other keys
 * are still locked (its coordinator died between the two commits); a resolver finds the
 * transaction's fate in that version (txnRecord). Deleted with nothing left, the resolver
 * found no record and rolled the secondaries back: a committed transaction half lost.
 * So with keepRecordsFrom (the GC safe point), a version whose transaction started at or
 * above it leaves a lock-commit record at (key, start_ts), and write records (rollback,
 * lock-commit) at or above it stay; below it GC would drop them anyway. Readers ignore
 * write records. keepLocksOf: the start_ts whose locks stay (the block running TRUNCATE).
 */
async function deleteSpan(
  engine: KvEngine,
  gte: Buffer,
  lt: Buffer,
  keep: { readonly keepRecordsFrom?: bigint; readonly keepLocksOf?: bigint },
): Promise<number> {
  const { keepRecordsFrom, keepLocksOf } = keep;
  if (Buffer.compare(gte, lt) >= 0) return 0;
  const batch = new WriteBatch();
  for (const span of engineSpans(gte, lt)) {
    const it = engine.iterator(span);
    try {
      for (let e = it.next(); e !== undefined; e = it.next()) {
        const family = e[0][0];
        if (
          keepLocksOf !== undefined &&
          family === LOCK_PREFIX &&
          decodeLock(userKeyOf(e[0], 0), e[1]).startTs === keepLocksOf
        )
          continue;
        if (keepRecordsFrom !== undefined && family === WRITE_PREFIX) {
          if (tsOfKey(e[0]) >= keepRecordsFrom) continue;
        } else if (keepRecordsFrom !== undefined && family === DATA_PREFIX) {
          const version = decodeVersion(tsOfKey(e[0]), e[1]);
          if (version.startTs >= keepRecordsFrom)
            batch.put(
              writeKey(userKeyOf(e[0], 8), version.startTs),
              encodeLockCommitRecord(version.commitTs),
            );
        }
        batch.del(e[0]);
      }
    } finally {
      it.close();
    }
  }
  if (batch.length > 0) await engine.write(batch, { sync: true });
  return batch.length;
}
