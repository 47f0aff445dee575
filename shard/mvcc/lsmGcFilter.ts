/**
 * The MVCC garbage collector as an LSM compaction filter (shard/lsm/compactionFilter.ts):
 * loaded by path in the compaction worker thread, so it imports nothing but the pure GC
 * filter. Options: { safePoint: decimal string } (structured-clone friendly).
 *
 * A compaction may not see every version of a key (newer ones can sit in a level above);
 * the GC filter keeps the first version at or below the safe point that it sees, so a
 * partial view only ever keeps more, never drops a version a snapshot still needs.
 */
import type { CompactionFilter, CompactionFilterContext } from '../lsm/compactionFilter';
import { createGcFilter } from './gcFilter';

export function createCompactionFilter(
  options: unknown,
  context: CompactionFilterContext,
): CompactionFilter {
  const raw = (options as { safePoint?: unknown } | null)?.safePoint;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw))
    throw new Error('lsmGcFilter needs options.safePoint as a decimal string');
  const gc = createGcFilter(BigInt(raw), { bottommost: context.bottommost });
  return { filter: (key, value) => !gc.keep(key, value) };
}
