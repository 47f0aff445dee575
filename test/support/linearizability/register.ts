/**
 * A key-value store of read/write/compare-and-set registers: the model for the meta
 * cluster's diagnostic register (meta.kv). Absent keys read as null.
 */
import { ILLEGAL } from './model';
import type { Model } from './model';

export type RegisterInput =
  | { readonly f: 'read'; readonly key: string }
  | { readonly f: 'write'; readonly key: string; readonly value: string }
  | { readonly f: 'cas'; readonly key: string; readonly from: string | null; readonly to: string };

/** read: the value seen; write: null; cas: whether it swapped. */
export type RegisterOutput = string | null | boolean;

export const registerModel: Model<string | null, RegisterInput, RegisterOutput> = {
  init: () => null,
  step(state, input, output) {
    switch (input.f) {
      case 'read':
        return output === undefined || output === state ? state : ILLEGAL;
      case 'write':
        return input.value;
      case 'cas': {
        const swaps = state === input.from;
        if (output === undefined) return swaps ? input.to : state;
        if (output === true) return swaps ? input.to : ILLEGAL;
        return swaps ? ILLEGAL : state;
      }
    }
  },
  stateKey: (state) => (state === null ? '\u0000' : `=${state}`),
  partition: (input) => input.key,
  droppableWhenUnknown: (input) => input.f === 'read',
};
