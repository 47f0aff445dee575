/** SQL values shared by every role: the public face of common/types. */
export { TypeOid, type Datum, type TypeOidValue } from './datum';
export {
  defaultFormatSettings,
  formatBinary,
  formatText,
  parseBinary,
  parseText,
  type FormatSettings,
} from './io';
export { Numeric, type NumericSpecial } from './numeric';
export { Interval, formatInterval, parseInterval } from './interval';
export { Jsonb, JsonObject, makeJsonObject, parseJson, type JsonValue } from './jsonb';
export {
  allTypes,
  arrayTypeOf,
  elementType,
  typeByName,
  typeInfo,
  type TypeInfo,
} from './typeTable';
export { compareSql, compareValues, intervalSpan } from './compare';
export {
  applyTypmod,
  castAllowed,
  castValue,
  findCast,
  makeNumericTypmod,
  numericTypmod,
  type CastContext,
  type CastInfo,
} from './cast';
export { findZone, sessionZone, type Zone } from './timezone';
export {
  dateMinus,
  datePlusDays,
  intervalDiv,
  intervalMinus,
  intervalMul,
  intervalPlus,
  justifyHours,
  negateInterval,
  timestampMinus,
  timestampMinusInterval,
  timestampPlusInterval,
  timestamptzMinusInterval,
  timestamptzPlusInterval,
} from './datetimeArith';
