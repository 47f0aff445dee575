/**
 * jsonb operators and functions (PostgreSQL 15, src/backend/utils/adt/jsonfuncs.c,
 * jsonb_op.c, jsonb_util.c, jsonb.c, json.c). Operators are compiled to these functions
 * by name, as PostgreSQL's pg_operator entries point at their functions (`->` is
 * jsonb_object_field / jsonb_array_element, `@>` is jsonb_contains, …). Values are
 * `Jsonb` (common/types/jsonb.ts); SQL values turn into JSON as to_jsonb does.
 */
import { SqlError, SqlState } from '../errors';
import type { Datum } from '../types/datum';
import { TypeOid } from '../types/datum';
import { JsonObject, Jsonb, jsonbToText, makeJsonObject, type JsonValue } from '../types/jsonb';
import { Numeric as JNumeric } from '../types/numeric';
import { compareJsonValues } from '../types/compare';
import { elementType } from '../types/typeTable';
import { formatValue, isFloatType, isIntType } from './typesAdapter';
import { jsonAsText, jsonPath } from './jsonText';

const T = TypeOid;

function invalidParam(msg: string, hint?: string): SqlError {
  return new SqlError(SqlState.invalidParameterValue, msg, hint ? { hint } : {});
}

const isContainer = (v: JsonValue): v is JsonValue[] | JsonObject =>
  Array.isArray(v) || v instanceof JsonObject;

// ---- SQL value → JSON (to_jsonb / datum_to_jsonb) ---------------------------------------

/** An ISO 8601 (XSD) timestamp as JSON writes it: 'T' between date and time. */
function jsonTimestamp(t: number, v: Datum): string {
  const text = formatValue(t, v);
  if (text === 'infinity' || text === '-infinity') return text;
  if (t === T.date) return text;
  const iso = text.replace(' ', 'T');
  // The session zone is UTC (see arith.ts): +00 becomes +00:00 in XSD form.
  return t === T.timestamptz ? iso.replace(/([+-]\d\d)$/, '$1:00') : iso;
}

function numberText(t: number, v: Datum): string {
  return typeof v === 'number' || typeof v === 'bigint' ? String(v) : formatValue(t, v);
}

/** to_jsonb of a non-array value of type t. */
export function toJsonValue(t: number, v: Datum): JsonValue {
  if (v === null) return null;
  if (t === T.jsonb) return (v as Jsonb).value;
  if (t === T.json) return Jsonb.parse(v as string).value;
  if (t === T.bool) return v as boolean;
  if (isIntType(t) || t === T.numeric || isFloatType(t)) {
    const s = isFloatType(t) ? formatValue(t, v) : numberText(t, v);
    // NaN and ±Infinity are no JSON numbers: they become strings.
    if (s === 'NaN' || s === 'Infinity' || s === '-Infinity') return s;
    return JNumeric.parse(s);
  }
  if (t === T.date || t === T.timestamp || t === T.timestamptz) return jsonTimestamp(t, v);
  const et = elementType(t);
  if (et !== 0 && Array.isArray(v)) return v.map((x) => toJsonValue(et, x));
  return typeof v === 'string' ? v : formatValue(t, v);
}

export function toJsonb(t: number, v: Datum): Jsonb {
  return new Jsonb(toJsonValue(t, v));
}

function escapeJsonString(s: string): string {
  return jsonbToText(s);
}

/** to_json / datum_to_json: json text, arrays written without spaces (array_to_json). */
export function toJsonText(t: number, v: Datum): string {
  if (v === null) return 'null';
  if (t === T.json) return v as string;
  if (t === T.jsonb) return (v as Jsonb).toString();
  const et = elementType(t);
  if (et !== 0 && Array.isArray(v)) return '[' + v.map((x) => toJsonText(et, x)).join(',') + ']';
  const j = toJsonValue(t, v);
  return typeof j === 'string' ? escapeJsonString(j) : jsonbToText(j);
}

// ---- builders ----------------------------------------------------------------------------

function keyText(t: number, v: Datum): string {
  return typeof v === 'string' ? v : formatValue(t, v);
}

function checkPairs(args: readonly Datum[], fname: string): void {
  if (args.length % 2 !== 0)
    throw invalidParam(
      'argument list must have even number of elements',
      `The arguments of ${fname}() must consist of alternating keys and values.`,
    );
  for (let i = 0; i < args.length; i += 2) {
    if (args[i] === null) throw invalidParam(`argument ${i + 1}: key must not be null`);
  }
}

export function jsonbBuildObject(args: readonly Datum[], types: readonly number[]): Jsonb {
  checkPairs(args, 'jsonb_build_object');
  const pairs: [string, JsonValue][] = [];
  for (let i = 0; i < args.length; i += 2)
    pairs.push([keyText(types[i], args[i]), toJsonValue(types[i + 1], args[i + 1])]);
  return new Jsonb(makeJsonObject(pairs));
}

export function jsonBuildObject(args: readonly Datum[], types: readonly number[]): string {
  checkPairs(args, 'json_build_object');
  const parts: string[] = [];
  for (let i = 0; i < args.length; i += 2)
    parts.push(
      escapeJsonString(keyText(types[i], args[i])) + ' : ' + toJsonText(types[i + 1], args[i + 1]),
    );
  return '{' + parts.join(', ') + '}';
}

// ---- accessors (the operators) -----------------------------------------------------------

/** `->` with a text key: the member, or NULL when absent or not an object. */
export function objectField(j: Jsonb, key: string): Jsonb | null {
  const v = j.value;
  if (!(v instanceof JsonObject)) return null;
  const x = v.get(key);
  return x === undefined ? null : new Jsonb(x);
}

/** `->` with an integer: the element (negative counts from the end), or NULL. */
export function arrayElement(j: Jsonb, idx: number): Jsonb | null {
  const v = j.value;
  if (!Array.isArray(v)) return null;
  const i = idx < 0 ? v.length + idx : idx;
  return i >= 0 && i < v.length ? new Jsonb(v[i]) : null;
}

/** `->>`: as text; a JSON string unquoted, a JSON null as SQL NULL. */
export function asText(j: Jsonb | null): string | null {
  if (j === null) return null;
  const v = j.value;
  if (v === null) return null;
  return typeof v === 'string' ? v : jsonbToText(v);
}

/** `#>`: follows a path of keys / array indexes (text), NULL when it leads nowhere. */
export function extractPath(j: Jsonb, path: readonly Datum[]): Jsonb | null {
  let v: JsonValue = j.value;
  for (const p of path) {
    if (p === null) return null;
    const key = p as string;
    if (v instanceof JsonObject) {
      const x = v.get(key);
      if (x === undefined) return null;
      v = x;
    } else if (Array.isArray(v)) {
      if (!/^\s*[+-]?\d+\s*$/.test(key)) return null;
      const n = Number(key);
      const i = n < 0 ? v.length + n : n;
      if (i < 0 || i >= v.length) return null;
      v = v[i];
    } else {
      return null;
    }
  }
  return new Jsonb(v);
}

// ---- containment and existence -----------------------------------------------------------

function scalarEquals(a: JsonValue, b: JsonValue): boolean {
  if (isContainer(a) || isContainer(b)) return false;
  if (a === null || b === null) return a === b;
  if (typeof a !== typeof b) return false;
  if (a instanceof JNumeric) return b instanceof JNumeric && a.compare(b) === 0;
  return a === b;
}

/** JsonbDeepContains: does a contain b (same container kinds, recursively)? */
function deepContains(a: JsonValue, b: JsonValue): boolean {
  if (a instanceof JsonObject) {
    if (!(b instanceof JsonObject)) return false;
    for (const [k, bv] of b.entries) {
      const av = a.get(k);
      if (av === undefined) return false;
      if (isContainer(bv)) {
        if (!isContainer(av) || Array.isArray(av) !== Array.isArray(bv)) return false;
        if (!deepContains(av, bv)) return false;
      } else if (!scalarEquals(av, bv)) return false;
    }
    return true;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b)) return false;
    for (const bv of b) {
      if (isContainer(bv)) {
        if (
          !a.some(
            (av) =>
              isContainer(av) && Array.isArray(av) === Array.isArray(bv) && deepContains(av, bv),
          )
        )
          return false;
      } else if (!a.some((av) => scalarEquals(av, bv))) return false;
    }
    return true;
  }
  return scalarEquals(a, b);
}

/** `@>`: a top-level scalar is a one-element array (jsonb's raw scalar), so `[1] @> 1`. */
export function contains(a: Jsonb, b: Jsonb): boolean {
  const av = a.value,
    bv = b.value;
  if (Array.isArray(av) && !isContainer(bv)) return deepContains(av, [bv]);
  if (!isContainer(av) && !isContainer(bv)) return scalarEquals(av, bv);
  return deepContains(av, bv);
}

/** `?`: a top-level key, or a string element of a top-level array (or the scalar itself). */
export function exists(j: Jsonb, key: string): boolean {
  const v = j.value;
  if (v instanceof JsonObject) return v.get(key) !== undefined;
  if (Array.isArray(v)) return v.some((x) => x === key);
  return v === key;
}

export function existsAny(j: Jsonb, keys: readonly Datum[]): boolean {
  return keys.some((k) => k !== null && exists(j, k as string));
}

export function existsAll(j: Jsonb, keys: readonly Datum[]): boolean {
  return keys.every((k) => k === null || exists(j, k as string));
}

// ---- modification ------------------------------------------------------------------------

/** `||` (jsonb_concat): objects merge (right wins), otherwise arrays concatenate. */
export function concat(a: Jsonb, b: Jsonb): Jsonb {
  const av = a.value,
    bv = b.value;
  if (av instanceof JsonObject && bv instanceof JsonObject)
    return new Jsonb(makeJsonObject([...av.entries, ...bv.entries]));
  const arr = (v: JsonValue): JsonValue[] => (Array.isArray(v) ? v : [v]);
  return new Jsonb([...arr(av), ...arr(bv)]);
}

/** `-` text: removes the key, or the matching string elements of an array. */
export function deleteKey(j: Jsonb, key: string): Jsonb {
  const v = j.value;
  if (v instanceof JsonObject)
    return new Jsonb(new JsonObject(v.entries.filter(([k]) => k !== key)));
  if (Array.isArray(v)) return new Jsonb(v.filter((x) => x !== key));
  throw invalidParam('cannot delete from scalar');
}

export function deleteKeys(j: Jsonb, keys: readonly Datum[]): Jsonb {
  let out = j;
  for (const k of keys) if (k !== null) out = deleteKey(out, k as string);
  return out;
}

/** `-` integer: removes the array element (negative counts from the end). */
export function deleteIndex(j: Jsonb, idx: number): Jsonb {
  const v = j.value;
  if (v instanceof JsonObject) throw invalidParam('cannot delete from object using integer index');
  if (!Array.isArray(v)) throw invalidParam('cannot delete from scalar');
  const i = idx < 0 ? v.length + idx : idx;
  if (i < 0 || i >= v.length) return j;
  return new Jsonb(v.filter((_x, k) => k !== i));
}

// ---- inspection --------------------------------------------------------------------------

export function arrayLength(j: Jsonb): number {
  const v = j.value;
  if (Array.isArray(v)) return v.length;
  if (v instanceof JsonObject) throw invalidParam('cannot get array length of a non-array');
  throw invalidParam('cannot get array length of a scalar');
}

export function typeOf(j: Jsonb): string {
  const v = j.value;
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  if (v instanceof JNumeric) return 'number';
  return Array.isArray(v) ? 'array' : 'object';
}

/** jsonb_object_keys as an array (the set-returning form expands it, targetSrf.ts). */
export function objectKeys(j: Jsonb): string[] {
  const v = j.value;
  if (v instanceof JsonObject) return v.entries.map(([k]) => k);
  throw invalidParam(
    `cannot call jsonb_object_keys on ${Array.isArray(v) ? 'an array' : 'a scalar'}`,
  );
}

export { compareJsonValues };

/**
 * Calls a json/jsonb function by name; undefined when f is not one of them. Arguments are
 * non-null except for the NON_STRICT builders.
 */
export function callJsonFunction(
  f: string,
  args: Datum[],
  types: readonly number[],
): Datum | undefined {
  const j = args[0] as Jsonb;
  const jt = args[0] as string;
  switch (f) {
    case 'json_object_field':
      return jsonPath(jt, [args[1] as string]);
    case 'json_array_element':
      return jsonPath(jt, [Number(args[1])]);
    case 'json_object_field_text':
      return jsonAsText(jsonPath(jt, [args[1] as string]));
    case 'json_array_element_text':
      return jsonAsText(jsonPath(jt, [Number(args[1])]));
    case 'json_extract_path':
      return jsonPath(jt, args[1] as Array<string | null>);
    case 'json_extract_path_text':
      return jsonAsText(jsonPath(jt, args[1] as Array<string | null>));
    case 'jsonb_object_field':
      return objectField(j, args[1] as string);
    case 'jsonb_array_element':
      return arrayElement(j, Number(args[1]));
    case 'jsonb_object_field_text':
      return asText(objectField(j, args[1] as string));
    case 'jsonb_array_element_text':
      return asText(arrayElement(j, Number(args[1])));
    case 'jsonb_extract_path':
      return extractPath(j, args[1] as Datum[]);
    case 'jsonb_extract_path_text':
      return asText(extractPath(j, args[1] as Datum[]));
    case 'jsonb_contains':
      return contains(j, args[1] as Jsonb);
    case 'jsonb_contained':
      return contains(args[1] as Jsonb, j);
    case 'jsonb_exists':
      return exists(j, args[1] as string);
    case 'jsonb_exists_any':
      return existsAny(j, args[1] as Datum[]);
    case 'jsonb_exists_all':
      return existsAll(j, args[1] as Datum[]);
    case 'jsonb_concat':
      return concat(j, args[1] as Jsonb);
    case 'jsonb_delete':
      return deleteKey(j, args[1] as string);
    case 'jsonb_delete_idx':
      return deleteIndex(j, Number(args[1]));
    case 'jsonb_delete_arr':
      return deleteKeys(j, args[1] as Datum[]);
    case 'jsonb_array_length':
      return arrayLength(j);
    case 'jsonb_typeof':
      return typeOf(j);
    case 'jsonb_object_keys':
      return objectKeys(j);
    case 'to_jsonb':
      return toJsonb(types[0], args[0]);
    case 'to_json':
      return toJsonText(types[0], args[0]);
    case 'jsonb_build_object':
      return jsonbBuildObject(args, types);
    case 'json_build_object':
      return jsonBuildObject(args, types);
    case 'jsonb_build_array':
      return new Jsonb(args.map((a, i) => toJsonValue(types[i], a)));
    case 'json_build_array':
      return '[' + args.map((a, i) => toJsonText(types[i], a)).join(', ') + ']';
    default:
      return undefined;
  }
}

/** The json/jsonb builders take NULL arguments (they become JSON nulls). */
export const JSON_NON_STRICT = [
  'jsonb_build_object',
  'json_build_object',
  'jsonb_build_array',
  'json_build_array',
];
