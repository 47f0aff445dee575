/**
 * How a statement that touches the catalog runs: a snapshot before it starts (when it reads
 * a virtual table or a function that needs one), reg* result columns printed as names, and
 * pg_advisory_lock's wait (the lock function cannot wait inside synchronous evaluation: it
 * records the key, the statement waits here for the key to come free, then runs again).
 */
import type { Datum } from '../../common/types/datum';
import { TypeOid } from '../../common/types/datum';
import type { EvalCtx } from '../../common/expr/expr';
import type { ExecContext } from '../sql/context';
import type { OutputColumn, PlanNode } from '../sql/plan';
import { CATALOG_FUNCTIONS, LockWaitNeeded, regclassOut } from './functions';
import { formatType } from './formatType';
import { runtimeOf } from './runtime';
import { resumeAfterSleeps, SleepNeeded } from './sleep';
import { race, sleepFor } from '../txn/statementCancel';

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

function lockTimeoutMs(setting: string | undefined): number {
  const n = Number.parseInt(setting ?? '0', 10);
  return Number.isFinite(n) && n > 0 ? n : 60_000;
}

export async function runWithCatalog(
  ctx: ExecContext,
  use: CatalogUse | undefined,
  makeEv: () => EvalCtx,
  body: (ev: EvalCtx) => Promise<Datum[][]>,
): Promise<Datum[][]> {
  const u = use ?? NOTHING;
  let slept = 0;
  let nowUs: bigint | undefined;
  for (;;) {
    const ev = makeEv();
    const rt = runtimeOf(ev);
    if (nowUs === undefined) nowUs = ev.nowUs;
    else {
      // A re-run after a sleep: same now() (the statement's start), past the calls that slept.
      ev.nowUs = nowUs;
      if (rt) resumeAfterSleeps(rt, slept);
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
      if (err instanceof SleepNeeded) {
        await sleepFor(err.ms, ctx.cancel);
        slept++;
        continue;
      }
      if (err instanceof LockWaitNeeded && rt?.waitFor) {
        const w = rt.waitFor;
        await race(
          rt.services.locks.waitAvailable(
            w.key,
            rt.session.pid,
            w.shared,
            lockTimeoutMs(rt.session.setting('lock_timeout')),
          ),
          ctx.cancel,
        );
        continue;
      }
      throw err;
    }
  }
}
