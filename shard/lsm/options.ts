/** The engine's options, their defaults, and validation (one typed config object). */
import type { CompactionFilterSpec } from './compactionFilter';
import { FILTER_POLICY_IDS, type FilterPrefixName } from './filterPolicy';
import type { TableOptions } from './tableBuilder';

/** What the engine logs through; pino's Logger fits. Optional: the engine is silent without one. */
export interface LsmLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface LsmOptions {
  /** Bytes a memtable holds before it turns immutable and is flushed. */
  readonly memtableSize?: number;
  /** Immutable memtables waiting for flush before writes stall. */
  readonly maxImmutableMemtables?: number;
  readonly blockSize?: number;
  readonly restartInterval?: number;
  readonly bloomBitsPerKey?: number;
  /**
   * What the bloom filters of new tables hold (filterPolicy.ts; RocksDB's prefix_extractor):
   * 'none' (default) whole keys; 'mvcc' `d`/`w` keys without their 8-byte timestamp, so an
   * iterator over one MVCC key's versions skips tables that hold none. Tables keep the
   * policy they were built with; changing it affects only tables written afterwards.
   */
  readonly filterPrefix?: FilterPrefixName;
  /** Bytes of data blocks kept in memory. */
  readonly blockCacheSize?: number;
  /** Table files kept open at once. */
  readonly maxOpenFiles?: number;
  /** L0 file count that triggers a compaction / slows each write by ~1 ms / stops writes. */
  readonly l0CompactionTrigger?: number;
  readonly l0SlowdownTrigger?: number;
  readonly l0StopTrigger?: number;
  /** Target bytes of L1; each further level holds levelMultiplier times more. */
  readonly levelBaseBytes?: number;
  readonly levelMultiplier?: number;
  /** Compaction output files are cut near this size. */
  readonly targetFileSize?: number;
  /** write()'s default for `sync` when the caller leaves it out (KvEngine: true). */
  readonly syncByDefault?: boolean;
  readonly compactionFilter?: CompactionFilterSpec;
  /** Run flushes and compactions on the main thread (tests); default false: worker threads. */
  readonly inlineBackground?: boolean;
  readonly logger?: LsmLogger;
}

export type ResolvedOptions = Required<Omit<LsmOptions, 'compactionFilter' | 'logger'>> &
  Pick<LsmOptions, 'compactionFilter' | 'logger'>;

export const DEFAULTS: ResolvedOptions = {
  memtableSize: 4 * 1024 * 1024,
  maxImmutableMemtables: 2,
  blockSize: 4096,
  restartInterval: 16,
  bloomBitsPerKey: 10,
  filterPrefix: 'none',
  blockCacheSize: 32 * 1024 * 1024,
  maxOpenFiles: 1000,
  l0CompactionTrigger: 4,
  l0SlowdownTrigger: 8,
  l0StopTrigger: 12,
  levelBaseBytes: 10 * 1024 * 1024,
  levelMultiplier: 10,
  targetFileSize: 2 * 1024 * 1024,
  syncByDefault: true,
  inlineBackground: false,
};

export function resolveOptions(o: LsmOptions): ResolvedOptions {
  const r: ResolvedOptions = { ...DEFAULTS };
  for (const [k, v] of Object.entries(o)) {
    if (v !== undefined) (r as unknown as Record<string, unknown>)[k] = v;
  }
  const positive = [
    'memtableSize',
    'maxImmutableMemtables',
    'blockSize',
    'restartInterval',
    'bloomBitsPerKey',
    'maxOpenFiles',
    'l0CompactionTrigger',
    'l0SlowdownTrigger',
    'l0StopTrigger',
    'levelBaseBytes',
    'levelMultiplier',
    'targetFileSize',
  ] as const;
  for (const k of positive) {
    const v = r[k];
    if (!Number.isInteger(v) || v <= 0)
      throw new RangeError(`LSM option ${k} must be a positive integer, got ${v}`);
  }
  if (!Object.prototype.hasOwnProperty.call(FILTER_POLICY_IDS, r.filterPrefix))
    throw new RangeError(
      `LSM option filterPrefix must be one of ${Object.keys(FILTER_POLICY_IDS).join(', ')}, got ${String(r.filterPrefix)}`,
    );
  if (!Number.isInteger(r.blockCacheSize) || r.blockCacheSize < 0)
    throw new RangeError('LSM option blockCacheSize must be ≥ 0');
  if (!(r.l0CompactionTrigger <= r.l0SlowdownTrigger && r.l0SlowdownTrigger <= r.l0StopTrigger)) {
    throw new RangeError(
      'LSM options need l0CompactionTrigger ≤ l0SlowdownTrigger ≤ l0StopTrigger',
    );
  }
  return r;
}

/**
 * What every table this engine writes (flush, compaction, WAL recovery) is built with.
 * Plain data only: flush and compaction jobs carry it to worker threads (structured clone).
 */
export function tableOptionsOf(o: ResolvedOptions): TableOptions {
  return {
    blockSize: o.blockSize,
    restartInterval: o.restartInterval,
    bloomBitsPerKey: o.bloomBitsPerKey,
    filterPolicy: FILTER_POLICY_IDS[o.filterPrefix],
  };
}
