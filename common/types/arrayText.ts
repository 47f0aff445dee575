/**
 * One-dimensional array text I/O (array_out / array_in in src/backend/utils/adt/arrayfuncs.c):
 * `{1,2,NULL}`, `{}`, elements double-quoted when empty, equal to NULL (any case), or
 * containing braces, the delimiter, quotes, backslashes or whitespace.
 */
import { SqlError, SqlState } from '../errors';
import type { Datum } from './datum';

const isArraySpace = (c: string): boolean =>
  c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';

export function formatArrayText(
  values: readonly Datum[],
  formatElem: (v: Datum) => string,
  delim = ',',
): string {
  const parts: string[] = [];
  for (const v of values) {
    if (v === null) {
      parts.push('NULL');
      continue;
    }
    const s = formatElem(v);
    let needQuote = s.length === 0 || s.toLowerCase() === 'null';
    if (!needQuote) {
      for (let i = 0; i < s.length; i++) {
        const c = s[i];
        if (c === '{' || c === '}' || c === '"' || c === '\\' || c === delim || isArraySpace(c)) {
          needQuote = true;
          break;
        }
      }
    }
    parts.push(needQuote ? '"' + s.replace(/["\\]/g, (m) => '\\' + m) + '"' : s);
  }
  return '{' + parts.join(delim) + '}';
}

function malformed(text: string, detail: string): SqlError {
  return new SqlError(SqlState.invalidTextRepresentation, `malformed array literal: "${text}"`, {
    detail,
  });
}

/**
 * Parses a one-dimensional array literal; `parseElem` reads each non-null element.
 * An optional `[lo:hi]=` dimension decoration is accepted (its bounds are checked, then
 * dropped: values are 1-based lists). Multi-dimensional input is not supported (0A000).
 */
export function parseArrayText(
  text: string,
  parseElem: (s: string) => Datum,
  delim = ',',
): Datum[] {
  let i = 0;
  const n = text.length;
  const skipWs = () => {
    while (i < n && isArraySpace(text[i])) i++;
  };
  skipWs();
  let declared: number | null = null;
  if (text[i] === '[') {
    const m = /^\[\s*([+-]?\d+)\s*(?::\s*([+-]?\d+)\s*)?\]\s*=/.exec(text.slice(i));
    if (!m) throw malformed(text, 'Missing "]" after array dimensions.');
    const lo = m[2] === undefined ? 1 : Number(m[1]);
    const hi = m[2] === undefined ? Number(m[1]) : Number(m[2]);
    if (hi < lo) {
      throw new SqlError('2202E', 'upper bound cannot be less than lower bound');
    }
    declared = hi - lo + 1;
    i += m[0].length;
    skipWs();
  }
  if (text[i] !== '{') {
    throw malformed(
      text,
      declared === null
        ? 'Array value must start with "{" or dimension information.'
        : 'Missing array dimension value.',
    );
  }
  i++;
  const out: (string | null)[] = [];
  skipWs();
  if (text[i] === '}') {
    i++;
  } else {
    for (;;) {
      skipWs();
      if (i >= n) throw malformed(text, 'Unexpected end of input.');
      if (text[i] === '{') {
        throw new SqlError(
          SqlState.featureNotSupported,
          'multidimensional arrays are not supported',
        );
      }
      let s = '';
      let quoted = false;
      if (text[i] === '"') {
        // A quoted element: only whitespace may follow the closing quote.
        quoted = true;
        i++;
        for (;;) {
          if (i >= n) throw malformed(text, 'Unexpected end of input.');
          const q = text[i];
          if (q === '\\') {
            if (i + 1 >= n) throw malformed(text, 'Unexpected end of input.');
            s += text[i + 1];
            i += 2;
          } else if (q === '"') {
            i++;
            break;
          } else {
            s += q;
            i++;
          }
        }
        skipWs();
        if (i >= n) throw malformed(text, 'Unexpected end of input.');
        if (text[i] !== delim && text[i] !== '}')
          throw malformed(text, 'Incorrectly quoted array element.');
      } else {
        // An unquoted element: backslash escapes allowed, quotes and braces not; trailing
        // whitespace that was not escaped is dropped.
        let keep = 0;
        let any = false;
        while (i < n) {
          const c = text[i];
          if (c === '\\') {
            if (i + 1 >= n) throw malformed(text, 'Unexpected end of input.');
            s += text[i + 1];
            i += 2;
            keep = s.length;
            any = true;
          } else if (c === delim || c === '}') {
            break;
          } else if (c === '{' || c === '"') {
            throw malformed(
              text,
              c === '"' ? 'Incorrectly quoted array element.' : 'Unexpected "{" character.',
            );
          } else {
            s += c;
            i++;
            if (!isArraySpace(c)) {
              keep = s.length;
              any = true;
            }
          }
        }
        if (i >= n) throw malformed(text, 'Unexpected end of input.');
        s = s.slice(0, keep);
        if (!any) throw malformed(text, `Unexpected "${text[i]}" character.`);
      }
      if (!quoted && s.toLowerCase() === 'null') out.push(null);
      else out.push(s);
      if (text[i] === delim) {
        i++;
        continue;
      }
      i++; // '}'
      break;
    }
  }
  skipWs();
  if (i < n) throw malformed(text, 'Junk after closing right brace.');
  if (declared !== null && declared !== out.length) {
    throw malformed(text, 'Specified array dimensions do not match array contents.');
  }
  // Elements are read only once the whole literal is known to be well-formed (ReadArrayStr).
  return out.map((e) => (e === null ? null : parseElem(e)));
}
