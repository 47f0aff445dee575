/**
 * The per-session entry point of the catalog emulation: the runtime catalog functions read
 * (session, proxy services) and, on demand, a snapshot of the whole catalog.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ExecContext } from '../sql/context';
import type { CatalogRuntime } from './runtime';
import { buildSnapshot, type CatalogSnapshot, type PgServices, type PgSession } from './snapshot';

export interface CatalogAccess {
  runtime(): CatalogRuntime;
  snapshot(): Promise<CatalogSnapshot>;
}

/**
 * The session whose statement is running. Plans (and the closures that run them) are cached
 * per proxy and shared by sessions, so the session cannot come from the plan's context:
 * the session's portal runs inside this store (track.ts) and catalog functions read it.
 */
export const runningSession = new AsyncLocalStorage<PgSession>();

export function catalogAccess(
  ctx: ExecContext,
  preparer: PgSession,
  services: PgServices,
): CatalogAccess {
  return {
    runtime: () => ({ session: runningSession.getStore() ?? preparer, services }),
    async snapshot() {
      const session = runningSession.getStore() ?? preparer;
      // The catalog cache may be behind another proxy's DDL: catalog queries read fresh.
      const [, sql] = await Promise.all([ctx.catalog.refresh(), ctx.meta.sqlCatalog()]);
      return buildSnapshot(
        ctx.catalog.all,
        sql.sequences,
        sql.schemas,
        session,
        services,
        sql.roles ?? [],
        sql.databases ?? [],
      );
    },
  };
}
