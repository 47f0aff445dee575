export { startShardNode } from './server';
export type { ShardNode } from './server';
export { shardConfigSpec } from './config';
export type { ShardConfig } from './config';
