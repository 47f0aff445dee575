/**
 * Every change to meta state is one of these commands, applied in log order by
 * MetaStateMachine. Commands carry every input they need (no clock, no randomness read
 * while applying), so every replica that applies the same log reaches the same state.
 */
import type { TableSpec } from '../common/catalog/schema';

export type MetaCommand =
  | { readonly type: 'registerShard'; readonly address: string; readonly name: string; readonly shardId?: number }
  | { readonly type: 'createTable'; readonly spec: TableSpec; readonly ifNotExists: boolean }
  | { readonly type: 'dropTable'; readonly schema: string; readonly name: string; readonly ifExists: boolean }
  /** Persist a TSO high-water mark (physical ms) the leader may hand out timestamps below. */
  | { readonly type: 'tsoHighWater'; readonly physicalMs: number }
  // A test and diagnostic facility, apart from everything the database uses: a register per
  // string key, for the linearizability checks (meta.kv, test/support/linearizability/).
  | { readonly type: 'kvPut'; readonly key: string; readonly value: string }
  /** Sets key to `to` iff it holds `from` (null: absent); the result says whether it did. */
  | { readonly type: 'kvCas'; readonly key: string; readonly from: string | null; readonly to: string };
