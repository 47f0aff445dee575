/**
 * A version: the set of table files per level at one point (DESIGN.md "LSM engine").
 * L0 files may overlap and are kept newest first; in L1+ files are disjoint and sorted.
 * Versions are immutable; an edit makes a new one. Iterators hold (ref) the version they
 * read so compaction cannot delete its files under them.
 */
import { compareRange } from './coding';
import { TRAILER, compareInternalRange } from './dbformat';
import type { FilterKeyHashes } from './filterPolicy';
import type { TableCache } from './tableCache';
import type { GetResult } from './tableReader';
import type { FileMeta, VersionEdit } from './versionEdit';

export const NUM_LEVELS = 7;

export function userCompareToSmallest(userKey: Buffer, f: FileMeta): number {
  return compareRange(userKey, 0, userKey.length, f.smallest, 0, f.smallest.length - TRAILER);
}
export function userCompareToLargest(userKey: Buffer, f: FileMeta): number {
  return compareRange(userKey, 0, userKey.length, f.largest, 0, f.largest.length - TRAILER);
}

export class Version {
  refs = 0;
  constructor(readonly levels: readonly (readonly FileMeta[])[]) {}

  static empty(): Version {
    return new Version(Array.from({ length: NUM_LEVELS }, () => []));
  }

  /** The version after edit; throws a message if the edit does not fit this version. */
  apply(edit: VersionEdit): Version {
    const levels = this.levels.map((l) => l.slice());
    for (const d of edit.deleted) {
      const l = levels[d.level];
      const i = l === undefined ? -1 : l.findIndex((f) => f.number === d.number);
      if (i < 0) throw new Error(`edit deletes file ${d.number} not in level ${d.level}`);
      l.splice(i, 1);
    }
    for (const a of edit.added) {
      if (a.level < 0 || a.level >= NUM_LEVELS) throw new Error(`edit adds to level ${a.level}`);
      levels[a.level].push(a.file);
    }
    levels[0].sort((a, b) => b.number - a.number);
    for (let l = 1; l < NUM_LEVELS; l++) {
      levels[l].sort((a, b) =>
        compareInternalRange(a.smallest, 0, a.smallest.length, b.smallest, 0, b.smallest.length),
      );
    }
    return new Version(levels);
  }

  /** Index of the first file in a sorted level whose largest key is ≥ ikey. */
  static findFile(files: readonly FileMeta[], ikey: Buffer): number {
    let lo = 0;
    let hi = files.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const f = files[mid];
      if (compareInternalRange(f.largest, 0, f.largest.length, ikey, 0, ikey.length) < 0)
        lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Looks the key up level by level: L0 newest first, then one file per level. `hashes`
   * holds userKey's filter-key hashes: each table's filter is probed under its own policy.
   */
  get(
    userKey: Buffer,
    lookupKey: Buffer,
    tc: TableCache,
    out: GetResult,
    hashes: FilterKeyHashes,
  ): boolean {
    const l0 = this.levels[0];
    for (let i = 0; i < l0.length; i++) {
      const f = l0[i];
      if (userCompareToSmallest(userKey, f) < 0 || userCompareToLargest(userKey, f) > 0) continue;
      if (tc.get(f.number, f.size).get(userKey, lookupKey, out, hashes)) return true;
    }
    for (let level = 1; level < NUM_LEVELS; level++) {
      const files = this.levels[level];
      if (files.length === 0) continue;
      const i = Version.findFile(files, lookupKey);
      if (i >= files.length) continue;
      const f = files[i];
      if (userCompareToSmallest(userKey, f) < 0) continue;
      if (tc.get(f.number, f.size).get(userKey, lookupKey, out, hashes)) return true;
    }
    return false;
  }

  /**
   * The files of a level ≥ 1 whose user-key range meets [lo, hi]: indices [from, result).
   * `from` is the first file whose largest user key is ≥ lo (binary search).
   */
  static firstFileFrom(files: readonly FileMeta[], lo: Buffer): number {
    let a = 0;
    let b = files.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (userCompareToLargest(lo, files[mid]) > 0) a = mid + 1;
      else b = mid;
    }
    return a;
  }

  /** Files of a level whose user-key range meets [lo, hi] (undefined = unbounded). */
  overlapping(level: number, lo: Buffer | undefined, hi: Buffer | undefined): FileMeta[] {
    const out: FileMeta[] = [];
    for (const f of this.levels[level]) {
      if (hi !== undefined && userCompareToSmallest(hi, f) < 0) continue;
      if (lo !== undefined && userCompareToLargest(lo, f) > 0) continue;
      out.push(f);
    }
    return out;
  }

  levelBytes(level: number): number {
    let s = 0;
    for (const f of this.levels[level]) s += f.size;
    return s;
  }

  allFileNumbers(into: Set<number>): void {
    for (const l of this.levels) for (const f of l) into.add(f.number);
  }
}

/** Smallest and largest user keys over a set of files. */
export function userRange(files: readonly FileMeta[]): { lo: Buffer; hi: Buffer } {
  let lo = files[0].smallest.subarray(0, files[0].smallest.length - TRAILER);
  let hi = files[0].largest.subarray(0, files[0].largest.length - TRAILER);
  for (const f of files) {
    const s = f.smallest.subarray(0, f.smallest.length - TRAILER);
    const l = f.largest.subarray(0, f.largest.length - TRAILER);
    if (Buffer.compare(s, lo) < 0) lo = s;
    if (Buffer.compare(l, hi) > 0) hi = l;
  }
  return { lo, hi };
}
