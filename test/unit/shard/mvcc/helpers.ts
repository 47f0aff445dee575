/** Shared helpers for the MVCC tests: keys, timestamps, applying an action's output. */
import type { ActionOutput } from '../../../../shard/mvcc';
import { MemEngine } from './memEngine';

export const k = (s: string): Buffer => Buffer.from(s, 'utf8');
export const v = (s: string): Buffer => Buffer.from(s, 'utf8');
export const str = (b: Buffer | undefined): string | undefined =>
  b === undefined ? undefined : b.toString('utf8');

/** A timestamp with physical part `ms` and logical part `logical`. */
export function ts(ms: number, logical = 0): bigint {
  return (BigInt(ms) << 18n) | BigInt(logical);
}

/** Applies an action's writes to the engine at once and returns its result. */
export function apply<R>(engine: MemEngine, out: ActionOutput<R>): R {
  engine.applyNow(out.writes);
  return out.result;
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function errorOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}
