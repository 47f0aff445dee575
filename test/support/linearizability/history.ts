/**
 * Histories of concurrent operations, as Jepsen/Knossos record them: each client process
 * logs `invoke` before it sends an operation and `ok`, `fail` or `info` when it learns the
 * outcome, in one real-time order (the array order).
 *   ok   — it took effect, with this output;
 *   fail — it certainly did not take effect (e.g. NOT_LEADER: never proposed);
 *   info — unknown (timeout, connection lost): it may take effect at any later time, or never.
 * A process with an `info` op outstanding must not invoke again (use a fresh process id).
 */
export type EventType = 'invoke' | 'ok' | 'fail' | 'info';

export interface HistoryEvent<I, O> {
  readonly type: EventType;
  readonly process: number;
  /** On invoke: what was asked. */
  readonly input?: I;
  /** On ok: what came back. */
  readonly output?: O;
}

/** One operation as the checker sees it: a call and a return position in real-time order. */
export interface Operation<I, O> {
  readonly id: number;
  readonly process: number;
  readonly input: I;
  /** undefined when the outcome is unknown (info, or never completed). */
  readonly output: O | undefined;
  readonly call: number;
  /** Infinity when the outcome is unknown: the effect may come at any time after the call. */
  readonly ret: number;
}

/** Pairs each invoke with its completion; drops failed operations (they had no effect). */
export function operationsOf<I, O>(history: readonly HistoryEvent<I, O>[]): Operation<I, O>[] {
  const open = new Map<number, { input: I; call: number }>();
  const done: Array<Omit<Operation<I, O>, 'id'>> = [];
  history.forEach((e, position) => {
    if (e.type === 'invoke') {
      if (open.has(e.process))
        throw new Error(
          `process ${e.process} invoked twice without a completion (event ${position})`,
        );
      open.set(e.process, { input: e.input as I, call: position });
      return;
    }
    const pending = open.get(e.process);
    if (!pending)
      throw new Error(`process ${e.process} completed nothing it invoked (event ${position})`);
    open.delete(e.process);
    if (e.type === 'fail') return;
    if (e.type === 'ok')
      done.push({
        process: e.process,
        input: pending.input,
        output: e.output,
        call: pending.call,
        ret: position,
      });
    else
      done.push({
        process: e.process,
        input: pending.input,
        output: undefined,
        call: pending.call,
        ret: Infinity,
      });
  });
  for (const [process, pending] of open)
    done.push({
      process,
      input: pending.input,
      output: undefined,
      call: pending.call,
      ret: Infinity,
    });
  return done.map((op, id) => ({ ...op, id }));
}
