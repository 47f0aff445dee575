/**
 * CHECK_FOR_INTERRUPTS for the executor's loops over materialized rows. A cancel reaches
 * the proxy through the event loop, which a synchronous loop never lets run: so every
 * INTERRUPT_EVERY rows a long loop yields once (setImmediate: timers and socket reads run
 * first, so a CancelRequest or statement_timeout fires), then checks the statement's cancel.
 * Loops shorter than that (a point select's one row) never yield.
 */
import type { StatementCancel } from '../txn/statementCancel';

/** A power of two; `(i & INTERRUPT_MASK) === INTERRUPT_MASK` marks every INTERRUPT_EVERY-th row. */
export const INTERRUPT_EVERY = 8192;
export const INTERRUPT_MASK = INTERRUPT_EVERY - 1;

export async function checkForInterrupts(cancel: StatementCancel | undefined): Promise<void> {
  if (cancel === undefined) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  cancel.check();
}
