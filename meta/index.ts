export { startMetaNode } from './server';
export type { MetaNode } from './server';
export type { MetaConfig } from './config';
export { metaConfigSpec } from './config';
