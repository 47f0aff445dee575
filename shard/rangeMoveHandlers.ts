/**
 * The shard's part in moving a range (proxy/sql/rangeMove.ts drives it; the steps are in
 * meta/rangeMoves.ts):
 *
 *   range.adopt {version}     refresh the range map until it is at least `version`, then
 *                             wait for every engine write already in flight to finish.
 *                             On the source after a freeze this is the guarantee that the
 *                             span is still: nothing written before the freeze is pending,
 *                             nothing after it gets through the write fence.
 *   range.seal {rangeId, epoch}
 *                             stop serving reads of the frozen range (just before the
 *                             hand-over; see RangeTable.seal).
 *   range.raiseReadTs {ts}    the new owner: commit 1PC writes above ts from now on.
 */
import type { RpcHandler } from '../common/rpc';
import { RpcError, RpcErrorCode } from '../common/errors';
import type { RangeTable } from './rangeTable';
import type { FencedEngine } from './writeFence';

const ADOPT_TIMEOUT_MS = 5000;

export interface RangeMoveDeps {
  readonly ranges: RangeTable;
  readonly fence: FencedEngine;
  /** Re-reads the range map from meta. */
  refresh(): Promise<void>;
  raiseMaxReadTs(ts: bigint): Promise<void>;
  maxReadTs(): bigint;
}

function num(v: unknown, what: string): number {
  if (typeof v !== 'number')
    throw new RpcError(RpcErrorCode.badRequest, `${what} must be a number`);
  return v;
}

export function rangeMoveHandlers(deps: RangeMoveDeps): Array<[string, RpcHandler]> {
  const adopt = async (version: number): Promise<void> => {
    const deadline = Date.now() + ADOPT_TIMEOUT_MS;
    while (deps.ranges.knownVersion < version) {
      if (Date.now() > deadline)
        throw new RpcError(
          RpcErrorCode.unavailable,
          `range map version ${version} not seen from meta within ${ADOPT_TIMEOUT_MS} ms (at ${deps.ranges.knownVersion})`,
        );
      await deps.refresh();
      if (deps.ranges.knownVersion < version) await new Promise((r) => setTimeout(r, 10));
    }
  };
  return [
    [
      'range.adopt',
      async (body) => {
        const b = body as { version?: unknown };
        await adopt(num(b.version, 'version'));
        const pending = deps.fence.writesInFlight;
        await deps.fence.drain();
        return { version: deps.ranges.knownVersion, drained: pending };
      },
    ],
    [
      'range.seal',
      async (body) => {
        const b = body as { rangeId?: unknown; epoch?: unknown; version?: unknown };
        const rangeId = num(b.rangeId, 'rangeId');
        const epoch = num(b.epoch, 'epoch');
        if (typeof b.version === 'number') await adopt(b.version);
        if (!deps.ranges.seal(rangeId, epoch))
          throw new RpcError(
            RpcErrorCode.badRequest,
            `range ${rangeId} is not frozen at epoch ${epoch} on this shard`,
          );
        await deps.fence.drain();
        return { maxReadTs: deps.maxReadTs() };
      },
    ],
    [
      'range.raiseReadTs',
      async (body) => {
        const ts = (body as { ts?: unknown }).ts;
        if (typeof ts !== 'bigint')
          throw new RpcError(RpcErrorCode.badRequest, 'ts must be a bigint');
        await deps.raiseMaxReadTs(ts);
        return { maxReadTs: deps.maxReadTs() };
      },
    ],
  ];
}
