/**
 * The per-session entry point of the catalog emulation: the runtime catalog functions read
 * (session, proxy services) and, on demand, a snapshot of the whole catalog.
 */
import type { ExecContext } from '../sql/context';
import type { CatalogRuntime } from './runtime';
import { buildSnapshot, type CatalogSnapshot, type PgServices, type PgSession } from './snapshot';

export interface CatalogAccess {
  runtime(): CatalogRuntime;
  snapshot(): Promise<CatalogSnapshot>;
}

/**
 * `session` owns the ExecContext this access is part of (engine.ts openSession). Plans are
 * cached per proxy and shared by sessions, but a plan never keeps the context it was
 * compiled with: every execution gets the executing session's context (session.ts
 * runStatement), so reading the session from here is right without an AsyncLocalStorage —
 * which would turn on promise hooks for every promise in the process (measured: a few
 * percent of the proxy's CPU on TPC-B).
 */
export function catalogAccess(
  ctx: ExecContext,
  session: PgSession,
  services: PgServices,
): CatalogAccess {
  return {
    runtime: () => ({ session, services }),
    async snapshot() {
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
