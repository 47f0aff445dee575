/**
 * Chooses the next compaction (pure; DESIGN.md "Compaction: leveled, L0 by file count, Ln
 * by size ×10"). Each level gets a score — L0: files / trigger; Ln: bytes / target — and
 * the highest score ≥ 1 is compacted into the next level. Within Ln the file after the
 * previous compaction's last key is taken (round robin over the key space, as LevelDB).
 */
import { TRAILER } from './dbformat';
import { NUM_LEVELS, type Version, userRange } from './version';
import type { FileMeta } from './versionEdit';

export interface CompactionPlan {
  readonly level: number;
  readonly outputLevel: number;
  readonly inputs: readonly FileMeta[];
  /** Inputs from the output level. */
  readonly overlaps: readonly FileMeta[];
  readonly bottommost: boolean;
  /** One input, nothing to merge with: move the file down by a manifest edit alone. */
  readonly trivialMove: boolean;
}

export interface PickerOptions {
  readonly l0CompactionTrigger: number;
  readonly levelBaseBytes: number;
  readonly levelMultiplier: number;
}

export function maxBytesForLevel(level: number, o: PickerOptions): number {
  return o.levelBaseBytes * Math.pow(o.levelMultiplier, level - 1);
}

/** Builds the plan for compacting `inputs` of `level` into level + 1. */
export function planFor(
  v: Version,
  level: number,
  inputs: readonly FileMeta[],
  allowMove = true,
): CompactionPlan {
  const { lo, hi } = userRange(inputs);
  const overlaps = v.overlapping(level + 1, lo, hi);
  const all = overlaps.length > 0 ? userRange([...inputs, ...overlaps]) : { lo, hi };
  let bottommost = true;
  for (let l = level + 2; l < NUM_LEVELS && bottommost; l++) {
    if (v.overlapping(l, all.lo, all.hi).length > 0) bottommost = false;
  }
  const trivialMove =
    allowMove &&
    inputs.length === 1 &&
    overlaps.length === 0 &&
    (level > 0 || v.levels[0].length === 1);
  return { level, outputLevel: level + 1, inputs, overlaps, bottommost, trivialMove };
}

export function pickCompaction(
  v: Version,
  o: PickerOptions,
  compactPointers: (Buffer | undefined)[],
): CompactionPlan | undefined {
  let bestLevel = -1;
  let bestScore = 1;
  for (let level = 0; level < NUM_LEVELS - 1; level++) {
    const score =
      level === 0
        ? v.levels[0].length / o.l0CompactionTrigger
        : v.levelBytes(level) / maxBytesForLevel(level, o);
    if (score >= bestScore) {
      bestScore = score;
      bestLevel = level;
    }
  }
  if (bestLevel < 0) return undefined;
  if (bestLevel === 0) return planFor(v, 0, v.levels[0]);
  const files = v.levels[bestLevel];
  const ptr = compactPointers[bestLevel];
  let pick = files[0];
  if (ptr !== undefined) {
    for (const f of files) {
      if (Buffer.compare(f.smallest.subarray(0, f.smallest.length - TRAILER), ptr) > 0) {
        pick = f;
        break;
      }
    }
  }
  return planFor(v, bestLevel, [pick]);
}
