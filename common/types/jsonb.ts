/**
 * json and jsonb. json keeps its text (validated with PostgreSQL's JSON grammar); jsonb is
 * parsed and normalized as PostgreSQL stores it: numbers are numerics, object keys are
 * unique (the last duplicate wins) and ordered shorter-first then bytewise
 * (lengthCompareJsonbStringValue), and the text output is `{"a": 1, "b": [1, 2]}`.
 */
import { SqlError, SqlState } from '../errors';
import { Numeric } from './numeric';

export class JsonObject {
  readonly kind = 'jsonobject' as const;
  /** Sorted by jsonb key order, keys unique. */
  constructor(readonly entries: ReadonlyArray<readonly [string, JsonValue]>) {}
  get(key: string): JsonValue | undefined {
    for (const [k, v] of this.entries) if (k === key) return v;
    return undefined;
  }
}

export type JsonValue = null | boolean | string | Numeric | JsonValue[] | JsonObject;

export class Jsonb {
  readonly kind = 'jsonb' as const;
  constructor(readonly value: JsonValue) {}

  static parse(text: string): Jsonb {
    return new Jsonb(parseJson(text, true) as JsonValue);
  }

  toString(): string {
    return jsonbToText(this.value);
  }
}

/** jsonb key order: shorter (in UTF-8 bytes) first, then bytewise. */
export function compareJsonbKeys(a: string, b: string): number {
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ba.length !== bb.length) return ba.length - bb.length;
  return Buffer.compare(ba, bb);
}

export function makeJsonObject(pairs: Iterable<readonly [string, JsonValue]>): JsonObject {
  const m = new Map<string, JsonValue>();
  for (const [k, v] of pairs) m.set(k, v); // last duplicate wins
  return new JsonObject([...m.entries()].sort((x, y) => compareJsonbKeys(x[0], y[0])));
}

function escapeJson(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    switch (c) {
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '"':
        out += '\\"';
        break;
      case '\\':
        out += '\\\\';
        break;
      default:
        if (c < ' ') out += '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
        else out += c;
    }
  }
  return out + '"';
}

export function jsonbToText(v: JsonValue): string {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'string') return escapeJson(v);
  if (v instanceof Numeric) return v.toString();
  if (Array.isArray(v)) return '[' + v.map(jsonbToText).join(', ') + ']';
  return '{' + v.entries.map(([k, x]) => escapeJson(k) + ': ' + jsonbToText(x)).join(', ') + '}';
}

function syntaxError(text: string, detail: string): SqlError {
  return new SqlError(SqlState.invalidTextRepresentation, 'invalid input syntax for type json', {
    detail,
  });
}

/**
 * PostgreSQL's JSON grammar (src/common/jsonapi.c). With `build`, returns the jsonb value
 * (de-escaping strings, rejecting \u0000 and unpaired surrogates as jsonb does); without,
 * only validates (json keeps its text; escapes are checked for shape only).
 */
export function parseJson(text: string, build: boolean): JsonValue | undefined {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n) {
      const c = text[i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
      else break;
    }
  };
  const tokenAt = (): string => {
    // The offending token, as PostgreSQL's report_invalid_token shows it.
    let j = i;
    if (j < n && /[A-Za-z0-9_\-+.]/.test(text[j]))
      while (j < n && /[A-Za-z0-9_\-+.]/.test(text[j])) j++;
    else j = Math.min(n, j + 1);
    return text.slice(i, j);
  };
  const unexpected = (): SqlError => {
    if (i >= n) return syntaxError(text, 'The input string ended unexpectedly.');
    return syntaxError(text, `Token "${tokenAt()}" is invalid.`);
  };

  const parseString = (): string => {
    i++; // opening quote
    let out = '';
    let start = i;
    while (true) {
      if (i >= n) throw syntaxError(text, 'The input string ended unexpectedly.');
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) {
        throw syntaxError(
          text,
          `Character with value 0x${c.toString(16).padStart(2, '0')} must be escaped.`,
        );
      }
      if (c === 0x5c) {
        out += text.slice(start, i);
        i++;
        if (i >= n) throw syntaxError(text, 'The input string ended unexpectedly.');
        const e = text[i];
        switch (e) {
          case '"':
          case '\\':
          case '/':
            out += e;
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'u': {
            const hex = text.slice(i + 1, i + 5);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
              throw syntaxError(text, '"\\u" must be followed by four hexadecimal digits.');
            }
            const cp = parseInt(hex, 16);
            i += 4;
            if (build) {
              if (cp === 0) {
                throw new SqlError('22P05', 'unsupported Unicode escape sequence', {
                  detail: '\\u0000 cannot be converted to text.',
                });
              }
              if (cp >= 0xd800 && cp <= 0xdbff) {
                const lo = /^\\u([dD][c-fC-F][0-9a-fA-F]{2})/.exec(text.slice(i + 1));
                if (!lo)
                  throw syntaxError(text, 'Unicode low surrogate must follow a high surrogate.');
                out += String.fromCharCode(cp, parseInt(lo[1], 16));
                i += 6;
              } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                throw syntaxError(text, 'Unicode low surrogate must follow a high surrogate.');
              } else {
                out += String.fromCharCode(cp);
              }
            }
            break;
          }
          default:
            throw syntaxError(text, `Escape sequence "\\${e}" is invalid.`);
        }
        i++;
        start = i;
        continue;
      }
      i++;
    }
    out += text.slice(start, i);
    i++; // closing quote
    return out;
  };

  const NUM = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const parseValue = (depth: number): JsonValue | undefined => {
    if (depth > 6400)
      throw new SqlError(SqlState.programLimitExceeded, 'stack depth limit exceeded');
    ws();
    if (i >= n) throw unexpected();
    const c = text[i];
    if (c === '{') {
      i++;
      const pairs: [string, JsonValue][] = [];
      ws();
      if (text[i] === '}') {
        i++;
        return build ? makeJsonObject(pairs) : undefined;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') throw unexpected();
        const k = parseString();
        ws();
        if (text[i] !== ':') throw unexpected();
        i++;
        const v = parseValue(depth + 1);
        if (build) pairs.push([k, v as JsonValue]);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          break;
        }
        throw unexpected();
      }
      return build ? makeJsonObject(pairs) : undefined;
    }
    if (c === '[') {
      i++;
      const arr: JsonValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return build ? arr : undefined;
      }
      for (;;) {
        const v = parseValue(depth + 1);
        if (build) arr.push(v as JsonValue);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          break;
        }
        throw unexpected();
      }
      return build ? arr : undefined;
    }
    if (c === '"') {
      const s = parseString();
      return build ? s : undefined;
    }
    NUM.lastIndex = i;
    const m = NUM.exec(text);
    if (m && m[0].length > 0) {
      const end = i + m[0].length;
      // A number must end at a delimiter (jsonapi.c reads the whole alphanumeric token).
      if (end < n && /[A-Za-z0-9_.]/.test(text[end])) throw unexpected();
      i = end;
      return build ? Numeric.parse(m[0]) : undefined;
    }
    for (const [word, val] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (
        text.startsWith(word, i) &&
        !(i + word.length < n && /[A-Za-z0-9_]/.test(text[i + word.length]))
      ) {
        i += word.length;
        return val;
      }
    }
    throw unexpected();
  };

  const v = parseValue(0);
  ws();
  if (i < n) throw unexpected();
  return v;
}

/** json_in: validates and keeps the text. */
export function parseJsonText(text: string): string {
  parseJson(text, false);
  return text;
}
