/**
 * The json (not jsonb) extraction operators. json keeps the text it was given, and
 * PostgreSQL's `->` / `#>` on json answer the member's text exactly as written (spacing,
 * key order, duplicate keys: the last one wins), so these walk the text itself rather than
 * a parsed value (src/backend/utils/adt/jsonfuncs.c, get_worker). The text is valid JSON:
 * json_in checked it.
 */

function skipWs(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
    else break;
  }
  return i;
}

/** The index just past the string starting at i (an opening quote). */
function skipString(s: string, i: number): number {
  i++;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) i += 2;
    else if (c === 0x22) return i + 1;
    else i++;
  }
  return i;
}

/** The index just past the value starting at i (no leading whitespace). */
function skipValue(s: string, i: number): number {
  const c = s[i];
  if (c === '"') return skipString(s, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    while (i < s.length) {
      const ch = s[i];
      if (ch === '"') {
        i = skipString(s, i);
        continue;
      }
      if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return i;
  }
  while (i < s.length && !/[\s,\]}]/.test(s[i])) i++;
  return i;
}

/** [start, end) of the member `key` of the object at i (the last duplicate), or null. */
function member(s: string, i: number, key: string): [number, number] | null {
  if (s[i] !== '{') return null;
  let found: [number, number] | null = null;
  i = skipWs(s, i + 1);
  if (s[i] === '}') return null;
  for (;;) {
    const kEnd = skipString(s, i);
    const k = JSON.parse(s.slice(i, kEnd)) as string;
    i = skipWs(s, skipWs(s, kEnd) + 1); // past ':'
    const vEnd = skipValue(s, i);
    if (k === key) found = [i, vEnd];
    i = skipWs(s, vEnd);
    if (s[i] !== ',') return found;
    i = skipWs(s, i + 1);
  }
}

/** [start, end) of element n of the array at i (negative counts from the end), or null. */
function element(s: string, i: number, n: number): [number, number] | null {
  if (s[i] !== '[') return null;
  const spans: Array<[number, number]> = [];
  i = skipWs(s, i + 1);
  if (s[i] !== ']') {
    for (;;) {
      const end = skipValue(s, i);
      spans.push([i, end]);
      i = skipWs(s, end);
      if (s[i] !== ',') break;
      i = skipWs(s, i + 1);
    }
  }
  const k = n < 0 ? spans.length + n : n;
  return k >= 0 && k < spans.length ? spans[k] : null;
}

/** The text of the value a path of keys / array indexes leads to, or null. */
export function jsonPath(text: string, path: ReadonlyArray<string | number | null>): string | null {
  let start = skipWs(text, 0);
  let end = skipValue(text, start);
  for (const p of path) {
    if (p === null) return null;
    let span: [number, number] | null;
    if (typeof p === 'number') span = element(text, start, p);
    else if (text[start] === '{') span = member(text, start, p);
    else if (text[start] === '[' && /^\s*[+-]?\d+\s*$/.test(p))
      span = element(text, start, Number(p));
    else span = null;
    if (span === null) return null;
    [start, end] = span;
  }
  return text.slice(start, end);
}

/** `->>`: a JSON string de-escaped, null as SQL NULL, anything else as written. */
export function jsonAsText(v: string | null): string | null {
  if (v === null || v === 'null') return null;
  return v.startsWith('"') ? (JSON.parse(v) as string) : v;
}
