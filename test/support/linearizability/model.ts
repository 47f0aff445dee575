/** What Model.step returns for an output that is impossible in the given state. */
export const ILLEGAL: unique symbol = Symbol('illegal');

/** A sequential specification the checker tests a history against (Porcupine's "model"). */
export interface Model<S, I, O> {
  readonly init: () => S;
  /**
   * The state after applying `input` in `state` with the observed `output`, or ILLEGAL if this
   * output is impossible there. `output` is undefined when unknown: then any outcome is fine
   * and the step must not return ILLEGAL.
   */
  readonly step: (state: S, input: I, output: O | undefined) => S | typeof ILLEGAL;
  /** A string that is equal for equal states (memoization key). */
  readonly stateKey: (state: S) => string;
  /**
   * Splits operations into independent groups checked separately (P-compositionality: a
   * history of independent objects is linearizable iff each object's subhistory is).
   */
  readonly partition?: (input: I) => string;
  /** Operations whose unknown outcome cannot constrain anything (e.g. reads) may be dropped. */
  readonly droppableWhenUnknown?: (input: I) => boolean;
}
