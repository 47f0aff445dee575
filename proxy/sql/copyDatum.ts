/**
 * Values between COPY and the engine. The engine's datums (common/expr/typesAdapter, the
 * form rows are stored and executed in) and common/types/io's (the wire formats) are not
 * yet the same for every type: numeric is the evaluator's own class there, json/jsonb and
 * interval are kept as their input text. INSERT stores what typesAdapter.parseValue makes,
 * so COPY FROM stores the same; COPY TO turns a value into io's form before writing it.
 * When the two layers become one (typesAdapter's header says so), this file goes away.
 */
import type { Datum } from '../../common/types/datum';
import { TypeOid } from '../../common/types/datum';
import {
  defaultFormatSettings,
  formatText,
  parseBinary,
  parseText,
  type FormatSettings,
} from '../../common/types/io';
import { Numeric as IoNumeric } from '../../common/types/numeric';
import { elementType } from '../../common/types/typeTable';
import { parseValue } from '../../common/expr/typesAdapter';

/** Types whose engine form differs from io's. */
const engineTyped = new Set<number>([
  TypeOid.numeric,
  TypeOid.json,
  TypeOid.jsonb,
  TypeOid.interval,
]);

/** A text field as INSERT would store it. */
export function engineFromText(t: number, text: string, settings: FormatSettings): Datum {
  return engineTyped.has(t) ? parseValue(t, text) : parseText(t, text, settings);
}

/** A binary field (typreceive format) as INSERT would store it. */
export function engineFromBinary(t: number, data: Buffer): Datum {
  const v = parseBinary(t, data);
  return engineTyped.has(t) && v !== null
    ? parseValue(t, formatText(t, v, defaultFormatSettings))
    : v;
}

/** An engine value in io's form, for formatText / formatBinary. */
export function ioValue(t: number, v: Datum): Datum {
  if (v === null) return v;
  switch (t) {
    case TypeOid.numeric:
      if (v instanceof IoNumeric) return v;
      if (typeof v === 'object' && 'coeff' in v) {
        // A plain object (decoded from storage): rebuild it from its fields.
        const o = v as unknown as { coeff: bigint; scale: number; special: string };
        if (o.special === 'nan') return IoNumeric.NaN;
        if (o.special === 'inf') return IoNumeric.Infinity;
        if (o.special === '-inf') return IoNumeric.NegativeInfinity;
        return IoNumeric.of(BigInt(o.coeff), o.scale);
      }
      return parseText(t, String(v), defaultFormatSettings);
    case TypeOid.jsonb:
    case TypeOid.interval:
      return typeof v === 'string' ? parseText(t, v, defaultFormatSettings) : v;
    default: {
      const elem = elementType(t);
      if (elem !== 0 && Array.isArray(v) && (engineTyped.has(elem) || elementType(elem) !== 0))
        return v.map((x) => ioValue(elem, x));
      return v;
    }
  }
}
