/** What statements need from the proxy to run: catalog, routing, meta. */
import type { MetaClient } from '../../common/clients/metaClient';
import type { CatalogCache } from '../catalogCache';
import type { RangeCache } from '../rangeCache';
import type { ShardRouter } from '../shardRouter';

export interface ExecContext {
  readonly meta: MetaClient;
  readonly catalog: CatalogCache;
  readonly ranges: RangeCache;
  readonly router: ShardRouter;
}
