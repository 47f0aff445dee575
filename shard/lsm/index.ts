/** The shard's LSM storage engine: the public face of shard/lsm/ (see FORMAT.md). */
export { LsmEngine, openLsm, type LsmStats } from './engine';
export type { LsmOptions, LsmLogger } from './options';
export type { FilterPrefixName } from './filterPolicy';
export type {
  CompactionFilter,
  CompactionFilterContext,
  CompactionFilterSpec,
  CompactionFilterFactory,
} from './compactionFilter';
export { LsmCorruptionError, LsmStateError } from './errors';
