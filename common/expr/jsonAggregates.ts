/**
 * Final functions of json_agg, jsonb_agg, json_object_agg and jsonb_object_agg (PostgreSQL
 * 15, json.c / jsonb.c): the collected inputs turned into one JSON value. They run at the
 * proxy only (their states do not merge), so the state is the list of inputs in order.
 */
import type { Datum } from '../types/datum';
import { Jsonb, jsonbToText, makeJsonObject, type JsonValue } from '../types/jsonb';
import { toJsonText, toJsonValue } from './jsonFunctions';

export function finishJsonAgg(fn: string, argType: number, items: readonly Datum[]): Datum {
  if (items.length === 0) return null;
  switch (fn) {
    case 'jsonb_agg':
      return new Jsonb(items.map((v) => toJsonValue(argType, v)));
    case 'json_agg':
      // json_agg_transfn separates elements with ", " and writes each as to_json does.
      return '[' + items.map((v) => toJsonText(argType, v)).join(', ') + ']';
    case 'jsonb_object_agg': {
      const pairs: [string, JsonValue][] = [];
      for (let i = 0; i < items.length; i += 2)
        pairs.push([items[i] as string, toJsonValue(argType, items[i + 1])]);
      return new Jsonb(makeJsonObject(pairs));
    }
    default: {
      // json_object_agg: "{ k : v, … }" with the keys in input order, duplicates kept.
      const parts: string[] = [];
      for (let i = 0; i < items.length; i += 2)
        parts.push(jsonbToText(items[i] as string) + ' : ' + toJsonText(argType, items[i + 1]));
      return '{ ' + parts.join(', ') + ' }';
    }
  }
}
