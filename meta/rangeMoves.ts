/**
 * The meta side of moving a range between shards (DESIGN.md "Range map", MOVE RANGE):
 *
 *   start   range R@e on shard S  →  R@e+1 {moving: {toShard: T}}   (S refuses writes)
 *   finish  R@e+1 frozen           →  R@e+2 on T                     (T owns it)
 *   abort   R@e+1 frozen           →  R@e+2 on S, unfrozen           (S writes again)
 *
 * A split that sends its right half elsewhere is `start` with a splitKey: the split and the
 * freeze of the new right range are one Raft entry, so no write can reach the new range on
 * the source between them. Every step names the epoch its caller saw and fails when the
 * range moved on, so a late finish cannot undo an abort (or the reverse). Pure and
 * deterministic like every command (commands.ts).
 */
import { SqlError, SqlState } from '../common/errors';
import { asBuffer } from '../common/codec';
import type { RangeDescriptor } from '../common/catalog/schema';
import type { RangeMoveCommand } from './commands';
import type { State } from './stateMachine';

export interface RangeMoveOps {
  /** Splits the range containing key so that a range starts exactly at key. */
  splitAt(key: Buffer): void;
}

function rangeAt(s: State, rangeId: number, epoch: number): number {
  const i = s.ranges.findIndex((r) => r.id === rangeId);
  if (i < 0) throw new SqlError(SqlState.undefinedObject, `range ${rangeId} does not exist`);
  if (s.ranges[i].epoch !== epoch)
    throw new SqlError(
      SqlState.serializationFailure,
      `range ${rangeId} changed concurrently (epoch ${s.ranges[i].epoch}, expected ${epoch})`,
    );
  return i;
}

function put(s: State, i: number, r: RangeDescriptor): RangeDescriptor {
  s.ranges[i] = r;
  s.rangeVersion++;
  return r;
}

/** Applies one step; returns the range as it now is. */
export function applyRangeMove(s: State, c: RangeMoveCommand, ops: RangeMoveOps): RangeDescriptor {
  let i = rangeAt(s, c.rangeId, c.epoch);
  const r = s.ranges[i];
  if (c.op === 'start') {
    if (r.moving)
      throw new SqlError(
        SqlState.objectNotInPrerequisiteState,
        `range ${r.id} is already moving to shard ${r.moving.toShard}`,
      );
    if (!s.shards.some((x) => x.id === c.toShard))
      throw new SqlError(SqlState.undefinedObject, `shard ${c.toShard} does not exist`);
    if (c.splitKey !== undefined) {
      const key = asBuffer(c.splitKey as unknown as Uint8Array);
      if (
        Buffer.compare(key, r.startKey) <= 0 ||
        (r.endKey !== null && Buffer.compare(key, r.endKey) >= 0)
      )
        throw new SqlError(
          SqlState.invalidParameterValue,
          `split key is not strictly inside range ${r.id}`,
        );
      ops.splitAt(key);
      i++; // the new right half, just after the (re-epoched) left one
    }
    const moving = s.ranges[i];
    if (moving.shardId === c.toShard)
      throw new SqlError(
        SqlState.objectNotInPrerequisiteState,
        `range ${moving.id} is already on shard ${c.toShard}`,
      );
    return put(s, i, { ...moving, epoch: moving.epoch + 1, moving: { toShard: c.toShard } });
  }
  if (!r.moving)
    throw new SqlError(SqlState.objectNotInPrerequisiteState, `range ${r.id} is not moving`);
  const { moving: _frozen, ...rest } = r;
  return put(s, i, {
    ...rest,
    shardId: c.op === 'finish' ? r.moving.toShard : r.shardId,
    epoch: r.epoch + 1,
  });
}

/** Splits and merges must not act on a frozen range: its data is on its way elsewhere. */
export function assertNotMoving(r: RangeDescriptor): void {
  if (r.moving)
    throw new SqlError(
      SqlState.objectNotInPrerequisiteState,
      `range ${r.id} is being moved to shard ${r.moving.toShard}; try again when the move ends`,
    );
}
