/**
 * How a statement that touches the catalog runs: a snapshot before it starts (when it reads
 * a virtual table or a function that needs one), reg* result columns printed as names, and
 * catalog functions that must wait (advisory locks, pg_terminate_backend: evaluation is
 * synchronous, so such a call records what to wait for, the statement waits here, then
 * evaluates again with the result: runtime.ts callAsync).
 */
import type { Datum } from '../../common/types/datum';
import { TypeOid } from '../../common/types/datum';
import type { EvalCtx } from '../../common/expr/expr';
import type { ExecContext } from '../sql/context';
import type { OutputColumn, PlanNode } from '../sql/plan';
import { CATALOG_FUNCTIONS, regclassOut } from './functions';
import { formatType } from './formatType';
import { AsyncCallNeeded, runtimeOf } from './runtime';

export interface CatalogUse {
  readonly snapshot: boolean;
  readonly regColumns: ReadonlyArray<{ readonly i: number; readonly t: number }>;
}

export function catalogUseOf(plan: PlanNode, columns: readonly OutputColumn[]): CatalogUse {
  const json = JSON.stringify(plan, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  let snapshot = json.includes('"kind":"virtual"');
  for (const m of json.matchAll(/"f":"pg\.(\w+)"/g))
    if (CATALOG_FUNCTIONS.get(m[1])?.snapshot) snapshot = true;
  const regColumns = columns
    .map((c, i) => ({ i, t: c.t }))
    .filter((c) => c.t === TypeOid.regclass || c.t === TypeOid.regtype);
  if (regColumns.some((c) => c.t === TypeOid.regclass)) snapshot = true;
  return { snapshot, regColumns };
}

const NOTHING: CatalogUse = { snapshot: false, regColumns: [] };

export async function runWithCatalog(
  ctx: ExecContext,
  use: CatalogUse | undefined,
  makeEv: () => EvalCtx,
  body: (ev: EvalCtx) => Promise<Datum[][]>,
): Promise<Datum[][]> {
  const u = use ?? NOTHING;
  const asyncResults: Datum[] = [];
  let nowUs: bigint | undefined;
  for (;;) {
    const ev = makeEv();
    const rt = runtimeOf(ev);
    // A re-run after an asynchronous call (a sleep, a lock wait) keeps the statement's now().
    if (nowUs === undefined) nowUs = ev.nowUs;
    else ev.nowUs = nowUs;
    if (rt) {
      rt.asyncResults = asyncResults;
      rt.asyncNext = 0;
      // What pg_sleep's wait (sleep.ts) wakes on: CancelRequest, statement_timeout.
      rt.cancel = ctx.cancel;
    }
    if (rt && u.snapshot && ctx.catalogAccess) rt.snapshot = await ctx.catalogAccess.snapshot();
    try {
      const rows = await body(ev);
      if (u.regColumns.length > 0)
        for (const r of rows)
          for (const c of u.regColumns) {
            const v = r[c.i];
            if (v === null || typeof v !== 'number') continue;
            r[c.i] =
              c.t === TypeOid.regclass && rt?.snapshot
                ? regclassOut(v, rt.snapshot)
                : formatType(v, -1);
          }
      return rows;
    } catch (err) {
      if (err instanceof AsyncCallNeeded && rt?.asyncCall) {
        const call = rt.asyncCall;
        rt.asyncCall = undefined;
        asyncResults.push(await call());
        continue;
      }
      throw err;
    }
  }
}
