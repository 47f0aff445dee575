/**
 * What catalog functions and virtual tables read while a statement runs: the session, the
 * proxy-wide services and, for statements that touch the catalog, a snapshot taken before
 * the statement started. Attached to the statement's EvalCtx.
 */
import type { EvalCtx } from '../../common/expr/expr';
import type { Datum } from '../../common/types/datum';
import type { CatalogSnapshot, PgServices, PgSession } from './snapshot';
import type { StatementCancel } from '../txn/statementCancel';

export interface CatalogRuntime {
  readonly session: PgSession;
  readonly services: PgServices;
  snapshot?: CatalogSnapshot;
  /** Results of the statement's asynchronous calls so far, in call order (callAsync). */
  asyncResults?: Datum[];
  asyncNext?: number;
  /** The asynchronous call the statement must make before it is run again. */
  asyncCall?: () => Promise<Datum>;
  /** The running statement's cancel (pg_sleep wakes on it). */
  cancel?: StatementCancel;
}

/** Thrown by callAsync: the statement makes rt.asyncCall, then runs again (statementHooks.ts). */
export class AsyncCallNeeded extends Error {}

/**
 * For catalog functions that must wait for something (a meta call: advisory locks,
 * pg_terminate_backend), since evaluation is synchronous: the first time a call is reached
 * it records `start` and aborts the evaluation; the statement awaits it, keeps its result
 * and evaluates again, and this time the call (the n-th asynchronous call of the
 * evaluation, in the same order) returns the kept result.
 */
export function callAsync(rt: CatalogRuntime, start: () => Promise<Datum>): Datum {
  const results = (rt.asyncResults ??= []);
  const i = rt.asyncNext ?? 0;
  rt.asyncNext = i + 1;
  if (i < results.length) return results[i];
  rt.asyncCall = start;
  throw new AsyncCallNeeded('asynchronous catalog call');
}

const attached = new WeakMap<EvalCtx, CatalogRuntime>();

export function attachRuntime(ev: EvalCtx, rt: CatalogRuntime): void {
  attached.set(ev, rt);
}

export function runtimeOf(ev: EvalCtx): CatalogRuntime | undefined {
  return attached.get(ev);
}
