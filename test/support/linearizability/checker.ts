/**
 * A linearizability checker in the manner of Porcupine and Knossos: the Wing & Gong search
 * with Lowe's memoization ("Testing for linearizability", 2017), per partition of the history.
 *
 * The history becomes a list of call and return entries in real-time order. Walking it, at
 * a call we try to linearize that operation now (apply it to the model; if the output fits,
 * remove its call and return from the list and go on from the front); at a return we have
 * met an operation that must already be linearized, so we backtrack: undo the most recent
 * choice and try the next call after it. The list empty means a linearization exists. A
 * (set of linearized operations, model state) pair seen before cannot lead anywhere new,
 * so it is skipped: that cache is what makes the search practical.
 */
import type { HistoryEvent, Operation } from './history';
import { operationsOf } from './history';
import { ILLEGAL } from './model';
import type { Model } from './model';

export interface CheckResult<I, O> {
  readonly ok: boolean;
  /** Operations checked (after dropping failed ones and unknown reads). */
  readonly operations: number;
  /** When not ok: the partition that failed, and the operations of the longest linearizable prefix's frontier. */
  readonly partition?: string;
  readonly stuckAt?: ReadonlyArray<Operation<I, O>>;
  /** True when the search gave up (budget spent); ok is then false but nothing was proved. */
  readonly exhausted?: boolean;
}

interface Entry<I, O> {
  readonly op: Operation<I, O>;
  readonly isCall: boolean;
  /** For a call entry: its return entry. */
  match: Entry<I, O> | null;
  prev: Entry<I, O> | null;
  next: Entry<I, O> | null;
}

export function checkHistory<S, I, O>(
  model: Model<S, I, O>,
  history: readonly HistoryEvent<I, O>[],
  options: { maxSteps?: number } = {},
): CheckResult<I, O> {
  return checkOperations(model, operationsOf(history), options);
}

export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  all: readonly Operation<I, O>[],
  options: { maxSteps?: number } = {},
): CheckResult<I, O> {
  const ops = all.filter(
    (op) => !(op.output === undefined && model.droppableWhenUnknown?.(op.input)),
  );
  const groups = new Map<string, Operation<I, O>[]>();
  for (const op of ops) {
    const key = model.partition ? model.partition(op.input) : '';
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(op);
  }
  for (const [key, group] of groups) {
    const r = checkPartition(model, group, options.maxSteps ?? 5_000_000);
    if (!r.ok)
      return {
        ok: false,
        operations: ops.length,
        partition: key,
        stuckAt: r.stuckAt,
        exhausted: r.exhausted,
      };
  }
  return { ok: true, operations: ops.length };
}

function checkPartition<S, I, O>(
  model: Model<S, I, O>,
  group: readonly Operation<I, O>[],
  maxSteps: number,
): { ok: boolean; stuckAt?: Operation<I, O>[]; exhausted?: boolean } {
  // Renumber 0..n-1 for the bitset; build entries sorted by position (positions are
  // distinct, except Infinity, which only returns of unknown outcome have).
  const local = group.map((op, i) => ({ ...op, id: i }));
  const n = local.length;
  const entries: Entry<I, O>[] = [];
  for (const op of local) {
    const call: Entry<I, O> = { op, isCall: true, match: null, prev: null, next: null };
    const ret: Entry<I, O> = { op, isCall: false, match: null, prev: null, next: null };
    call.match = ret;
    entries.push(call, ret);
  }
  const pos = (e: Entry<I, O>): number => (e.isCall ? e.op.call : e.op.ret);
  // (Compare, never subtract: Infinity − Infinity is NaN, which breaks the sort.)
  entries.sort((a, b) =>
    pos(a) < pos(b)
      ? -1
      : pos(a) > pos(b)
        ? 1
        : a.isCall !== b.isCall
          ? a.isCall
            ? -1
            : 1
          : a.op.id - b.op.id,
  );
  const head: Entry<I, O> = { op: local[0], isCall: false, match: null, prev: null, next: null };
  let prev = head;
  for (const e of entries) {
    prev.next = e;
    e.prev = prev;
    prev = e;
  }

  const lift = (call: Entry<I, O>): void => {
    (call.prev as Entry<I, O>).next = call.next;
    if (call.next) call.next.prev = call.prev;
    const ret = call.match as Entry<I, O>;
    (ret.prev as Entry<I, O>).next = ret.next;
    if (ret.next) ret.next.prev = ret.prev;
  };
  const unlift = (call: Entry<I, O>): void => {
    const ret = call.match as Entry<I, O>;
    (ret.prev as Entry<I, O>).next = ret;
    if (ret.next) ret.next.prev = ret;
    (call.prev as Entry<I, O>).next = call;
    if (call.next) call.next.prev = call;
  };

  const words = new Uint32Array(Math.ceil(n / 32) || 1);
  const cache = new Set<string>();
  const stack: Array<{ entry: Entry<I, O>; state: S }> = [];
  let state = model.init();
  let entry = head.next;
  let deepest = -1;
  let stuckAt: Operation<I, O>[] = [];
  let steps = 0;

  while (head.next !== null) {
    if (++steps > maxSteps) return { ok: false, exhausted: true, stuckAt };
    const e = entry as Entry<I, O>;
    if (e.isCall) {
      const next = model.step(state, e.op.input, e.op.output);
      if (next !== ILLEGAL) {
        const id = e.op.id;
        words[id >>> 5] |= 1 << (id & 31);
        const key = Buffer.from(words.buffer).toString('latin1') + model.stateKey(next);
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ entry: e, state });
          state = next;
          lift(e);
          entry = head.next;
          continue;
        }
        words[id >>> 5] &= ~(1 << (id & 31));
      }
      entry = e.next;
    } else {
      // A return whose operation is not linearized yet: this branch is dead.
      if (stack.length > deepest) {
        deepest = stack.length;
        stuckAt = [e.op];
        for (let c: Entry<I, O> | null = head.next; c !== null && c !== e; c = c.next)
          if (c.isCall && c.op !== e.op) stuckAt.push(c.op);
      }
      const top = stack.pop();
      if (!top) return { ok: false, stuckAt };
      state = top.state;
      const id = top.entry.op.id;
      words[id >>> 5] &= ~(1 << (id & 31));
      unlift(top.entry);
      entry = top.entry.next;
    }
  }
  return { ok: true };
}
