/** What statements need from the proxy to run: catalog, routing, meta. */
import type { MetaClient } from '../../common/clients/metaClient';
import type { CatalogCache } from '../catalogCache';
import type { RangeCache } from '../rangeCache';
import type { ShardRouter } from '../shardRouter';
import type { SequenceCache } from './sequences';
import type { CatalogAccess } from '../catalog/access';

export interface ExecContext {
  readonly meta: MetaClient;
  readonly catalog: CatalogCache;
  readonly ranges: RangeCache;
  readonly router: ShardRouter;
  /** Filled in by the engine when absent. */
  readonly sequences?: SequenceCache;
  /** The session's view of pg_catalog (set per session by the engine). */
  readonly catalogAccess?: CatalogAccess;
}
