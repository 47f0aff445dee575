/**
 * Scalar function resolution at plan time: argument coercion and result type, following
 * PostgreSQL's candidates for the common functions (an integer argument to a function
 * that exists for float8 and numeric resolves to float8, the preferred type).
 */
import { SqlError, SqlState } from '../../common/errors';
import { TypeOid } from '../../common/types/datum';
import type { Expr } from '../../common/expr/expr';
import { isIntType, isNumericCategory, typeName } from '../../common/expr/typesAdapter';
import { coerce, type ParamTypes } from './coerce';

const T = TypeOid;

export interface ResolvedFunction {
  readonly f: string;
  readonly args: Expr[];
  readonly t: number;
}

function noFunction(name: string, args: readonly Expr[], position?: number): SqlError {
  return new SqlError(
    SqlState.undefinedFunction,
    `function ${name}(${args.map((a) => typeName(a.t)).join(', ')}) does not exist`,
    {
      position,
      hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
    },
  );
}

export function resolveFunction(
  name: string,
  args: Expr[],
  params: ParamTypes,
  position?: number,
): ResolvedFunction {
  const c = (e: Expr, t: number): Expr =>
    coerce(e, t, params, { position, what: `function ${name}` });
  const all = (t: number): Expr[] => args.map((a) => c(a, t));
  const need = (lo: number, hi = lo): void => {
    if (args.length < lo || args.length > hi) throw noFunction(name, args, position);
  };
  const numArg = (e: Expr): number => (e.t === T.unknown || e.t === 0 ? T.float8 : e.t);
  switch (name) {
    case 'length':
    case 'char_length':
    case 'character_length':
    case 'octet_length':
      need(1);
      return { f: name, args: args[0].t === T.bytea ? args : all(T.text), t: T.int4 };
    case 'upper':
    case 'lower':
    case 'initcap':
    case 'reverse':
    case 'md5':
      need(1);
      return { f: name, args: all(T.text), t: T.text };
    case 'ascii':
      need(1);
      return { f: name, args: all(T.text), t: T.int4 };
    case 'chr':
      need(1);
      return { f: name, args: all(T.int4), t: T.text };
    case 'substr':
    case 'substring':
      need(2, 3);
      return {
        f: name,
        args: [c(args[0], T.text), ...args.slice(1).map((a) => c(a, T.int4))],
        t: T.text,
      };
    case 'left':
    case 'right':
    case 'repeat':
      need(2);
      return { f: name, args: [c(args[0], T.text), c(args[1], T.int4)], t: T.text };
    case 'lpad':
    case 'rpad':
      need(2, 3);
      return {
        f: name,
        args: [c(args[0], T.text), c(args[1], T.int4), ...args.slice(2).map((a) => c(a, T.text))],
        t: T.text,
      };
    case 'trim':
    case 'btrim':
    case 'ltrim':
    case 'rtrim':
      need(1, 2);
      return { f: name, args: all(T.text), t: T.text };
    case 'replace':
      need(3);
      return { f: name, args: all(T.text), t: T.text };
    case 'split_part':
      need(3);
      return {
        f: name,
        args: [c(args[0], T.text), c(args[1], T.text), c(args[2], T.int4)],
        t: T.text,
      };
    case 'position':
    case 'strpos':
      need(2);
      return { f: name, args: all(T.text), t: T.int4 };
    case 'starts_with':
      need(2);
      return { f: name, args: all(T.text), t: T.bool };
    case 'concat':
      return { f: name, args: args.map((a) => (a.t === T.unknown ? c(a, T.text) : a)), t: T.text };
    case 'concat_ws':
      if (args.length < 1) throw noFunction(name, args, position);
      return {
        f: name,
        args: [
          c(args[0], T.text),
          ...args.slice(1).map((a) => (a.t === T.unknown ? c(a, T.text) : a)),
        ],
        t: T.text,
      };
    case 'to_hex':
      need(1);
      return { f: name, args: [args[0].t === T.int8 ? args[0] : c(args[0], T.int4)], t: T.text };
    case 'abs': {
      need(1);
      const t = numArg(args[0]);
      if (!isNumericCategory(t)) throw noFunction(name, args, position);
      return { f: name, args: [c(args[0], t)], t };
    }
    case 'sign':
    case 'floor':
    case 'ceil':
    case 'ceiling':
    case 'sqrt':
    case 'exp':
    case 'ln':
    case 'log':
    case 'log10':
    case 'cbrt': {
      need(1);
      // numeric stays numeric; integers resolve to the float8 version (the preferred type).
      let t = numArg(args[0]);
      if (!isNumericCategory(t)) throw noFunction(name, args, position);
      if (t !== T.numeric || name === 'cbrt') t = T.float8;
      return { f: name, args: [c(args[0], t)], t };
    }
    case 'round':
    case 'trunc': {
      need(1, 2);
      if (args.length === 2)
        return { f: name, args: [c(args[0], T.numeric), c(args[1], T.int4)], t: T.numeric };
      const t = numArg(args[0]) === T.numeric ? T.numeric : T.float8;
      if (!isNumericCategory(numArg(args[0]))) throw noFunction(name, args, position);
      return { f: name, args: [c(args[0], t)], t };
    }
    case 'mod':
    case 'gcd': {
      need(2);
      const a = args[0].t === T.unknown ? T.int4 : args[0].t,
        b = args[1].t === T.unknown ? T.int4 : args[1].t;
      const t =
        isIntType(a) && isIntType(b)
          ? a === T.int8 || b === T.int8
            ? T.int8
            : a === T.int2 && b === T.int2
              ? T.int2
              : T.int4
          : T.numeric;
      return { f: name, args: [c(args[0], t), c(args[1], t)], t };
    }
    case 'power':
    case 'pow': {
      need(2);
      const t = args[0].t === T.numeric || args[1].t === T.numeric ? T.numeric : T.float8;
      if (t === T.numeric) return { f: name, args: all(T.float8), t: T.float8 };
      return { f: name, args: all(T.float8), t: T.float8 };
    }
    case 'pi':
    case 'random':
      need(0);
      return { f: name, args: [], t: T.float8 };
    case 'degrees':
    case 'radians':
    case 'sin':
    case 'cos':
    case 'tan':
    case 'atan':
      need(1);
      return { f: name, args: all(T.float8), t: T.float8 };
    case 'atan2':
      need(2);
      return { f: name, args: all(T.float8), t: T.float8 };
    case 'width_bucket':
      need(4);
      return {
        f: name,
        args: [
          c(args[0], T.float8),
          c(args[1], T.float8),
          c(args[2], T.float8),
          c(args[3], T.int4),
        ],
        t: T.int4,
      };
    case 'now':
    case 'current_timestamp':
    case 'transaction_timestamp':
    case 'statement_timestamp':
    case 'clock_timestamp':
      need(0);
      return { f: name, args: [], t: T.timestamptz };
    case 'localtimestamp':
      return { f: name, args: [], t: T.timestamp };
    case 'current_date':
      return { f: name, args: [], t: T.date };
    case 'date_trunc': {
      need(2);
      const t = args[1].t === T.timestamp || args[1].t === T.interval ? args[1].t : T.timestamptz;
      return { f: name, args: [c(args[0], T.text), c(args[1], t)], t };
    }
    case 'age': {
      need(1, 2);
      const t = args.every((a) => a.t === T.timestamp) ? T.timestamp : T.timestamptz;
      return { f: name, args: all(t), t: T.interval };
    }
    case 'justify_days':
    case 'justify_hours':
    case 'justify_interval':
      need(1);
      return { f: name, args: all(T.interval), t: T.interval };
    case 'jsonb_build_object':
    case 'jsonb_build_array':
    case 'json_build_object':
    case 'json_build_array':
      return {
        f: name,
        args: args.map((a) => (a.t === T.unknown ? c(a, T.text) : a)),
        t: name.startsWith('jsonb') ? T.jsonb : T.json,
      };
    case 'to_jsonb':
    case 'to_json':
      need(1);
      if (args[0].t === T.unknown || args[0].t === 0)
        throw new SqlError(
          SqlState.datatypeMismatch,
          'could not determine polymorphic type because input has type unknown',
          { position },
        );
      return { f: name, args, t: name === 'to_jsonb' ? T.jsonb : T.json };
    case 'jsonb_array_length':
      need(1);
      return { f: name, args: all(T.jsonb), t: T.int4 };
    case 'jsonb_typeof':
      need(1);
      return { f: name, args: all(T.jsonb), t: T.text };
    case 'jsonb_object_keys':
      // Reached only through targetSrf.ts, which expands the array into rows.
      need(1);
      return { f: name, args: all(T.jsonb), t: T._text };
    case 'jsonb_extract_path':
    case 'jsonb_extract_path_text': {
      if (args.length < 1) throw noFunction(name, args, position);
      const path: Expr = {
        k: 'array',
        t: T._text,
        a: args.slice(1).map((a) => c(a, T.text)),
      };
      return {
        f: name,
        args: [c(args[0], T.jsonb), path],
        t: name.endsWith('_text') ? T.text : T.jsonb,
      };
    }
    case 'date_part':
      need(2);
      return {
        f: name,
        args: [c(args[0], T.text), args[1].t === T.unknown ? c(args[1], T.timestamptz) : args[1]],
        t: T.float8,
      };
    case 'extract':
      need(2);
      return {
        f: name,
        args: [c(args[0], T.text), args[1].t === T.unknown ? c(args[1], T.timestamptz) : args[1]],
        t: T.numeric,
      };
    case 'make_date':
      need(3);
      return { f: name, args: all(T.int4), t: T.date };
    case 'make_timestamp':
    case 'make_timestamptz': {
      // (year, month, mday, hour, min int, sec float8); make_timestamptz also takes a zone.
      need(6, name === 'make_timestamptz' ? 7 : 6);
      const ints = args.slice(0, 5).map((a) => c(a, T.int4));
      const zone = args.slice(6).map((a) => c(a, T.text));
      return {
        f: name,
        args: [...ints, c(args[5], T.float8), ...zone],
        t: name === 'make_timestamp' ? T.timestamp : T.timestamptz,
      };
    }
    case 'pg_typeof':
      // pg_typeof("any") → regtype: the argument as it is (an untyped literal stays unknown).
      need(1);
      return { f: name, args, t: T.regtype };
    case 'gen_random_uuid':
      need(0);
      return { f: name, args: [], t: T.uuid };
    case 'nextval':
      need(1);
      return { f: name, args: all(T.text), t: T.int8 };
    case 'num_nulls':
    case 'num_nonnulls':
      return { f: name, args, t: T.int4 };
    case 'array_length':
      need(2);
      return { f: name, args: [args[0], c(args[1], T.int4)], t: T.int4 };
    case 'cardinality':
      need(1);
      return { f: name, args, t: T.int4 };
    case 'version':
    case 'current_database':
    case 'current_schema':
    case 'current_user':
    case 'session_user':
    case 'user':
      return { f: name, args: [], t: T.text };
    case 'pg_backend_pid':
      return { f: name, args: [], t: T.int4 };
    case 'to_char': {
      need(2);
      const t = args[0].t;
      // to_char(date, text) is to_char(timestamptz, text) in PostgreSQL (date casts to the
      // category's preferred type); the evaluator takes the date's local midnight itself.
      if (t === T.timestamp || t === T.timestamptz || t === T.date)
        return { f: name, args: [args[0], c(args[1], T.text)], t: T.text };
      if (t === T.unknown || t === 0)
        throw new SqlError(
          '42725', // ambiguous_function
          `function to_char(${args.map((a) => typeName(a.t)).join(', ')}) is not unique`,
          {
            position,
            hint: 'Could not choose a best candidate function. You might need to add explicit type casts.',
          },
        );
      if (isNumericCategory(t) || t === T.interval)
        // Number templates (9, 0, D, G, …) and interval formatting are not implemented:
        // an error rather than the value printed without its template.
        throw new SqlError(
          SqlState.featureNotSupported,
          `to_char(${typeName(t)}, text) is not supported`,
          { position },
        );
      throw noFunction(name, args, position);
    }
    default:
      throw noFunction(name, args, position);
  }
}
