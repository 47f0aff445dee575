/**
 * How many MVCC versions the user keys [start, end) hold: live `d` entries per key (the
 * most one key has, and the total), locks, and `w` records. A read for operators and for
 * tests that check GC keeps history bounded (issue 8: versions per key stay bounded
 * under an update-heavy load with a short gc_life_time).
 */
import type { KvReader } from '../../storage/kvEngine';
import { DATA_PREFIX, LOCK_PREFIX, WRITE_PREFIX, familyBounds } from '../keys';

export interface VersionStatsRequest {
  readonly start: Buffer;
  readonly end: Buffer | null;
}

export interface VersionStatsResult {
  /** User keys with at least one version. */
  readonly keys: number;
  readonly versions: number;
  readonly maxVersionsPerKey: number;
  readonly locks: number;
  /** Rollback and lock-only commit records. */
  readonly writeRecords: number;
}

function count(snap: KvReader, family: number, req: VersionStatsRequest): number {
  const it = snap.iterator(familyBounds(family, req.start, req.end));
  let n = 0;
  try {
    while (it.next() !== undefined) n++;
  } finally {
    it.close();
  }
  return n;
}

export function versionStats(snap: KvReader, req: VersionStatsRequest): VersionStatsResult {
  let keys = 0;
  let versions = 0;
  let maxVersionsPerKey = 0;
  const it = snap.iterator(familyBounds(DATA_PREFIX, req.start, req.end));
  try {
    let lastPart: Buffer | undefined;
    let run = 0;
    for (let e = it.next(); e !== undefined; e = it.next()) {
      versions++;
      // A `d` key is family + esc(userKey) + 8 timestamp bytes: equal prefixes, same key.
      const part = e[0].subarray(0, e[0].length - 8);
      if (lastPart !== undefined && part.equals(lastPart)) {
        run++;
      } else {
        keys++;
        run = 1;
        lastPart = part;
      }
      if (run > maxVersionsPerKey) maxVersionsPerKey = run;
    }
  } finally {
    it.close();
  }
  return {
    keys,
    versions,
    maxVersionsPerKey,
    locks: count(snap, LOCK_PREFIX, req),
    writeRecords: count(snap, WRITE_PREFIX, req),
  };
}
