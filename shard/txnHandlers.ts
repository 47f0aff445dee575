/**
 * The shard's transaction RPC: every MVCC action (shard/mvcc) as a method, with range
 * ownership checked for every key first. A request names the ranges it addresses as
 * `ranges: [[rangeId, epoch], …]` — several ranges of this shard may go in one request,
 * which is what makes a single-shard one-phase commit one atomic batch.
 */
import type { RpcHandler } from '../common/rpc';
import { buffersInPlace, withBuffers } from '../common/codec';
import { RpcError, RpcErrorCode } from '../common/errors';
import type { RangeDescriptor } from '../common/catalog/schema';
import { compareEnd, keyInRange } from '../common/catalog/keyspace';
import type { MvccStore } from './mvcc';
import { asBuffer } from '../common/codec';
import { fragmentFromWire } from '../common/expr/fragment';
import { runMvccFragment } from './txnFragment';

/**
 * Resolves the (rangeId, epoch) pairs of a request, or throws RANGE_STALE; for a write,
 * also "retry later" when a range is frozen for a move, for a read when it is sealed.
 */
export type RangeResolver = (
  pairs: ReadonlyArray<readonly [number, number]>,
  access: 'read' | 'write',
) => RangeDescriptor[] | Promise<RangeDescriptor[]>;

function stale(message: string): RpcError {
  return new RpcError(RpcErrorCode.rangeStale, message);
}

function inSome(ranges: readonly RangeDescriptor[], key: Buffer): boolean {
  for (let i = 0; i < ranges.length; i++)
    if (keyInRange(key, ranges[i].startKey, ranges[i].endKey)) return true;
  return false;
}

function checkKeys(ranges: readonly RangeDescriptor[], keys: readonly Buffer[]): void {
  for (let i = 0; i < keys.length; i++)
    if (!inSome(ranges, keys[i])) throw stale('key outside the named ranges');
}

type Body = Record<string, unknown> & { ranges?: unknown };

export function txnHandlers(store: MvccStore, resolve: RangeResolver): Map<string, RpcHandler> {
  /** Decodes the body, resolves its ranges, checks the keys, then runs the action. */
  // Every method that may change the engine (a lock, a commit, a rollback record, a TTL
  // bump, a lock resolution) is a write: refused early on a frozen range. The engine's
  // write fence (shard/writeFence.ts) refuses it again if the range froze while it waited.
  // Known ranges resolve synchronously: no await (a microtask hop) before the action. A
  // synchronous throw is answered by the RPC server exactly as a rejection is.
  const handler =
    <R>(
      keysOf: (b: Body) => Buffer[],
      run: (b: Body, ranges: RangeDescriptor[]) => Promise<R>,
      access: 'read' | 'write' = 'write',
    ): RpcHandler =>
    (raw) => {
      // The body is this request's own decoded object: its bytes become Buffers in place.
      const b = buffersInPlace(raw) as Body;
      if (!Array.isArray(b.ranges) || b.ranges.length === 0)
        throw new RpcError(RpcErrorCode.badRequest, 'ranges required');
      const ranges = resolve(b.ranges as Array<[number, number]>, access);
      if (ranges instanceof Promise)
        return ranges.then((r) => {
          checkKeys(r, keysOf(b));
          return run(b, r);
        });
      checkKeys(ranges, keysOf(b));
      return run(b, ranges);
    };
  const one = (b: Body): Buffer[] => [b.key as Buffer];
  const many = (b: Body): Buffer[] => b.keys as Buffer[];
  const mutations = (b: Body): Buffer[] =>
    (b.mutations as Array<{ key: Buffer }>).map((m) => m.key);
  const none = (): Buffer[] => [];
  // Request bodies are the MvccStore request types, checked by the action itself.
  /* eslint-disable @typescript-eslint/no-explicit-any -- bodies are validated by the MVCC actions */
  return new Map<string, RpcHandler>([
    ['txn.get', handler(one, (b) => store.get(b as any), 'read')],
    ['txn.batchGet', handler(many, (b) => store.batchGet(b.keys as Buffer[], b as any), 'read')],
    [
      'txn.scan',
      handler(
        none,
        (b, ranges) => {
          // A scan stays inside the one range it names: the caller walks range by range.
          const r = ranges[0];
          const start =
            Buffer.compare(b.start as Buffer, r.startKey) > 0 ? (b.start as Buffer) : r.startKey;
          const end =
            compareEnd((b.end as Buffer | null) ?? null, r.endKey) < 0
              ? ((b.end as Buffer | null) ?? null)
              : r.endKey;
          return store.scan({ ...(b as any), start, end });
        },
        'read',
      ),
    ],
    [
      'txn.scanLocks',
      handler(
        none,
        (b, ranges) =>
          store.scanLocks({ ...(b as any), start: ranges[0].startKey, end: ranges[0].endKey }),
        'read',
      ),
    ],
    [
      'txn.lock',
      handler(many, (b) =>
        store.acquirePessimisticLock(b as any, {
          lockTimeoutMs: b.lockTimeoutMs as number | undefined,
          nowait: b.nowait === true,
        }),
      ),
    ],
    ['txn.pessimisticRollback', handler(many, (b) => store.pessimisticRollback(b as any))],
    ['txn.prewrite', handler(mutations, (b) => store.prewrite(b as any))],
    // `secondary: true`: a transaction's secondary keys, whose commit needs no fsync.
    ['txn.commit', handler(many, (b) => store.commit(b as any, b.secondary !== true))],
    ['txn.rollback', handler(many, (b) => store.rollback(b as any))],
    [
      'txn.checkTxnStatus',
      handler(
        (b) => [b.primary as Buffer],
        (b) => store.checkTxnStatus(b as any),
      ),
    ],
    [
      'txn.heartBeat',
      handler(
        (b) => [b.primary as Buffer],
        (b) => store.txnHeartBeat(b as any),
      ),
    ],
    ['txn.resolveLocks', handler(many, (b) => store.resolveLocks(b as any))],
    [
      'txn.fragment',
      async (raw) => {
        // A plan fragment read at an MVCC timestamp (shard/txnFragment.ts); addressed like
        // sql.fragment, by rangeId/epoch.
        const b = raw as Record<string, unknown>;
        const [r] = await resolve([[Number(b.rangeId), Number(b.epoch)]], 'read');
        const w = b.fragment as Record<string, unknown>;
        const f = fragmentFromWire(w);
        const keys = Array.isArray(w.keys)
          ? (w.keys as Uint8Array[]).map((k) => asBuffer(k))
          : undefined;
        if (keys) checkKeys([r], keys);
        const spans = Array.isArray(w.spans)
          ? (w.spans as unknown[][]).map(
              (s) => [asBuffer(s[0] as Uint8Array), asBuffer(s[1] as Uint8Array)] as const,
            )
          : undefined;
        const read = withBuffers(b.read) as {
          ts: bigint;
          txnStartTs?: bigint;
          bypassLocks?: bigint[];
          overlay?: Array<[Buffer, Buffer | null]>;
        };
        return runMvccFragment(store, r.startKey, r.endKey, { ...f, keys, spans }, read);
      },
    ],
    ['txn.onePhaseCommit', handler(mutations, (b) => store.onePhaseCommit(b as any))],
  ]);
  /* eslint-enable @typescript-eslint/no-explicit-any */
}
