/**
 * The compaction-filter hook (issue 4; DESIGN.md "MVCC storage on a shard": safe-point GC
 * runs during compaction). Compaction runs in a worker thread, so a filter cannot be a
 * closure of the main thread: it is named by a module path and JSON options, and the
 * worker loads it with require() and calls
 *   createCompactionFilter(options, context) → CompactionFilter
 * once per compaction. `filter` is then called in ascending key order, once per user key,
 * with the newest version of that key when it is a value visible to every live snapshot;
 * returning true removes the key (it becomes a deletion, dropped entirely at the bottom
 * level, so older versions below can never reappear). Keep filters pure and fast.
 */
export interface CompactionFilter {
  filter(key: Buffer, value: Buffer): boolean;
}

export interface CompactionFilterContext {
  /** Level the compaction writes to. */
  readonly outputLevel: number;
  /** No deeper level holds keys in this compaction's range. */
  readonly bottommost: boolean;
}

export interface CompactionFilterSpec {
  /** Absolute path of a CommonJS module exporting createCompactionFilter. */
  readonly module: string;
  /** Passed to createCompactionFilter as is; must survive structured clone (JSON-like). */
  readonly options?: unknown;
}

export type CompactionFilterFactory = (
  options: unknown,
  context: CompactionFilterContext,
) => CompactionFilter;
