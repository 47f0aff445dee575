/**
 * What catalog functions and virtual tables read while a statement runs: the session, the
 * proxy-wide services and, for statements that touch the catalog, a snapshot taken before
 * the statement started. Attached to the statement's EvalCtx.
 */
import type { EvalCtx } from '../../common/expr/expr';
import type { CatalogSnapshot, PgServices, PgSession } from './snapshot';

export interface CatalogRuntime {
  readonly session: PgSession;
  readonly services: PgServices;
  snapshot?: CatalogSnapshot;
  /** Advisory lock keys a statement must wait for before it is run again. */
  waitFor?: { key: string; shared: boolean };
}

const attached = new WeakMap<EvalCtx, CatalogRuntime>();

export function attachRuntime(ev: EvalCtx, rt: CatalogRuntime): void {
  attached.set(ev, rt);
}

export function runtimeOf(ev: EvalCtx): CatalogRuntime | undefined {
  return attached.get(ev);
}
