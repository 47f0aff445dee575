/**
 * Moves a range's data and ownership to another shard while writes run (MOVE RANGE, and
 * the data half of SPLIT and MERGE). Freeze, then hand over:
 *
 *   1. meta `rangeMove start`: the range (or, with a split key, the new right half of a
 *      split made in the same Raft entry) gets a new epoch and `moving: {toShard}`.
 *   2. source `range.adopt`: the source learns the frozen map and waits until every write
 *      it had already handed to its engine is done. From here on its write fence
 *      (shard/writeFence.ts) refuses every write into the span with "retry later", which
 *      the proxies wait out (proxy/shardRouter.ts StaleRetry). Reads are still served.
 *   3. target `sql.dropSpan` (leftovers of an earlier failed move), then the copy: every
 *      MVCC family of the span, paged (`sql.exportSpan` → `sql.ingest`).
 *   4. source `range.seal`: reads of the range wait too from now on. A timestamp taken
 *      after the seal goes to the target (`range.raiseReadTs`): its 1PC commits land above
 *      every read the source served, so no snapshot read misses a commit made on the
 *      target (onePhaseCommit.ts explains why commits must land above served reads).
 *   5. meta `rangeMove finish`: the target owns the range (new epoch); both shards adopt;
 *      the source drops its copy.
 *
 * Any failure in 2–5 before finish commits aborts: meta unfreezes the range on the source
 * (new epoch), the source adopts, the target drops what it was sent. A finish whose answer
 * was lost is recognized (the abort finds the range already moved) and completed instead.
 */
import { RpcError, RpcErrorCode, SqlError, SqlState, toSqlError } from '../../common/errors';
import type { RangeDescriptor } from '../../common/catalog/schema';
import { asBuffer } from '../../common/codec';
import type { ExecContext } from './context';

/** Past the largest user key: the end of a span whose range runs to the end of the key space. */
const KEYSPACE_END = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]);
/** Shard calls of a move that copy or wait; a page of 5000 entries takes ~10-100 ms. */
const MOVE_CALL_TIMEOUT_MS = 15_000;
/** How long a failed move keeps trying to unfreeze its range through meta. */
const ABORT_TRY_MS = 20_000;

export interface MoveReport {
  readonly rangeId: number;
  readonly fromShard: number;
  readonly toShard: number;
  /** Engine entries copied (versions, locks, commit records). */
  readonly entries: number;
  /** From the freeze committing in meta to the hand-over committing: writes waited this long. */
  readonly frozenMs: number;
}

function rangeFromWire(r: RangeDescriptor): RangeDescriptor {
  return {
    ...r,
    startKey: asBuffer(r.startKey as unknown as Uint8Array),
    endKey: r.endKey === null ? null : asBuffer(r.endKey as unknown as Uint8Array),
  };
}

async function rangeCommand(
  ctx: ExecContext,
  command: Record<string, unknown>,
): Promise<{ range: RangeDescriptor; version: number }> {
  const { result, rangeVersion } = await ctx.meta.sqlCommand<RangeDescriptor>({
    type: 'rangeMove',
    ...command,
  });
  return { range: rangeFromWire(result), version: rangeVersion };
}

function call<T>(ctx: ExecContext, shardId: number, method: string, body: object): Promise<T> {
  return ctx.router.callShard<T>(
    shardId,
    method,
    body as Record<string, unknown>,
    MOVE_CALL_TIMEOUT_MS,
  );
}

/**
 * Freezes range r (at the epoch the caller saw; split first at splitKey when given) for a
 * move to toShard and carries the move out. Throws, with the range left writable on its
 * shard, when the move cannot be made.
 */
export async function moveRange(
  ctx: ExecContext,
  r: RangeDescriptor,
  toShard: number,
  splitKey?: Buffer,
): Promise<MoveReport> {
  const started = await rangeCommand(ctx, {
    op: 'start',
    rangeId: r.id,
    epoch: r.epoch,
    toShard,
    splitKey,
  });
  return carryOut(ctx, started.range, started.version);
}

async function carryOut(
  ctx: ExecContext,
  frozen: RangeDescriptor,
  frozenVersion: number,
): Promise<MoveReport> {
  const frozenAt = Date.now();
  const source = frozen.shardId;
  const target = (frozen.moving as { toShard: number }).toShard;
  const span = { start: frozen.startKey, end: frozen.endKey ?? KEYSPACE_END };
  await ctx.ranges.refresh(); // the target's address, should it have just registered
  let entries = 0;
  let finished: { range: RangeDescriptor; version: number };
  try {
    await Promise.all([
      call(ctx, source, 'range.adopt', { version: frozenVersion }),
      call(ctx, target, 'sql.dropSpan', span),
    ]);
    entries = await copy(ctx, frozen, target);
    await call(ctx, source, 'range.seal', { rangeId: frozen.id, epoch: frozen.epoch });
    const ts = await ctx.meta.timestamp();
    await call(ctx, target, 'range.raiseReadTs', { ts });
    finished = await rangeCommand(ctx, { op: 'finish', rangeId: frozen.id, epoch: frozen.epoch });
  } catch (err) {
    const done = await abort(ctx, frozen, span);
    if (done === null) throw moveFailed(frozen, target, err);
    finished = done; // the finish had committed; only its answer was lost
  }
  const frozenMs = Date.now() - frozenAt;
  // The move is made; the rest only hurries the shards along (each would also learn the
  // new map by itself at its next request or heartbeat) and frees the source's disk. A
  // copy the source fails to drop is unowned, invisible and dropped by a later move here.
  await Promise.allSettled([
    call(ctx, target, 'range.adopt', { version: finished.version }),
    call(ctx, source, 'range.adopt', { version: finished.version }).then(() =>
      call(ctx, source, 'sql.dropSpan', span),
    ),
  ]);
  await ctx.ranges.refresh();
  return { rangeId: frozen.id, fromShard: source, toShard: target, entries, frozenMs };
}

/** Copies every MVCC entry of the frozen range from its shard to target; returns the count. */
async function copy(ctx: ExecContext, frozen: RangeDescriptor, target: number): Promise<number> {
  let after: Buffer | undefined;
  let n = 0;
  for (;;) {
    const page = await call<{ entries: Array<[Uint8Array, Uint8Array]>; more: boolean }>(
      ctx,
      frozen.shardId,
      'sql.exportSpan',
      {
        rangeId: frozen.id,
        epoch: frozen.epoch,
        start: frozen.startKey,
        end: frozen.endKey,
        after,
      },
    );
    if (page.entries.length > 0) await call(ctx, target, 'sql.ingest', { puts: page.entries });
    n += page.entries.length;
    if (!page.more || page.entries.length === 0) return n;
    after = asBuffer(page.entries[page.entries.length - 1][0]);
  }
}

/**
 * Ends a move whose mover is gone (its proxy died mid-move): unfreezes the range on its
 * source. A mover still at work then fails at its finish (the epoch moved on) and reports it.
 */
export async function cancelMove(ctx: ExecContext, frozen: RangeDescriptor): Promise<boolean> {
  const span = { start: frozen.startKey, end: frozen.endKey ?? KEYSPACE_END };
  return (await abort(ctx, frozen, span)) === null;
}

/**
 * Unfreezes the range on its source and clears the target. Returns null once aborted, or
 * the finished range if meta shows the finish had committed after all.
 */
async function abort(
  ctx: ExecContext,
  frozen: RangeDescriptor,
  span: { start: Buffer; end: Buffer },
): Promise<{ range: RangeDescriptor; version: number } | null> {
  const target = (frozen.moving as { toShard: number }).toShard;
  let aborted: { range: RangeDescriptor; version: number } | undefined;
  // Meta may be electing a leader: keep trying for a while, since a range left frozen
  // refuses writes until someone unfreezes it.
  const deadline = Date.now() + ABORT_TRY_MS;
  for (let attempt = 0; aborted === undefined; attempt++) {
    try {
      aborted = await rangeCommand(ctx, { op: 'abort', rangeId: frozen.id, epoch: frozen.epoch });
    } catch (err) {
      const now = await ctx.meta.ranges().then(
        ({ version, ranges }) => ({ version, range: ranges.find((x) => x.id === frozen.id) }),
        () => undefined,
      );
      if (now?.range && now.range.epoch !== frozen.epoch) {
        const r = now.range;
        // Finished after all (its answer was lost), or someone else ended the move.
        if (!r.moving && r.shardId === target && r.epoch === frozen.epoch + 1)
          return { range: r, version: now.version };
        return null;
      }
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(500, 50 * (attempt + 1))));
    }
  }
  // Best effort: the source adopts by itself at its next request or heartbeat; the target's
  // leftovers are unowned and cleared before any later copy to it.
  await Promise.allSettled([
    call(ctx, aborted.range.shardId, 'range.adopt', { version: aborted.version }),
    call(ctx, target, 'sql.dropSpan', span),
  ]);
  await ctx.ranges.refresh();
  return null;
}

function moveFailed(frozen: RangeDescriptor, target: number, err: unknown): SqlError {
  const cause = toSqlError(err);
  const unreachable =
    err instanceof RpcError &&
    (err.code === RpcErrorCode.unavailable || err.code === RpcErrorCode.deadlineExceeded);
  return new SqlError(
    unreachable ? SqlState.objectNotInPrerequisiteState : cause.code,
    `could not move range ${frozen.id} to shard ${target}: ${cause.message}`,
    { detail: `The move was aborted; range ${frozen.id} stays on shard ${frozen.shardId}.` },
  );
}
