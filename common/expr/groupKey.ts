/** Hashable keys for rows of values (GROUP BY, DISTINCT, hash joins, set operations). */
import type { Datum } from '../types/datum';
import { intervalSpan } from '../types/compare';
import { Interval } from '../types/interval';

/** A hashable key for group values (type-aware enough: numerics and bigints by text). */
export function groupKey(values: readonly Datum[]): string {
  if (values.length === 0) return '';
  let k = '';
  for (const v of values) {
    if (v === null) k += '\u0000N|';
    else if (typeof v === 'string') k += 's' + v.length + ':' + v + '|';
    else if (Buffer.isBuffer(v)) k += 'b' + v.toString('hex') + '|';
    else if (v instanceof Interval) k += 'i' + String(intervalSpan(v)) + '|';
    else if (typeof v === 'object' && !Array.isArray(v))
      k += 'o' + normalizeNumeric(String(v)) + '|';
    else if (typeof v === 'bigint' || typeof v === 'number')
      k += 'n' + (Object.is(v, -0) ? '0' : String(v)) + '|';
    else k += typeof v + String(v) + '|';
  }
  return k;
}

function normalizeNumeric(s: string): string {
  // 1.50 and 1.5 are the same group.
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}
