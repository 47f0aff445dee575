/**
 * COPY TO's output formats, byte for byte as PostgreSQL 15 writes them
 * (src/backend/commands/copyto.c): CopyAttributeOutText, CopyAttributeOutCSV and the
 * binary tuple layout. Values are first turned into their text (or typsend) form by
 * common/types/io with the session's settings, exactly as a SELECT would send them.
 */
import type { Datum } from '../../common/types/datum';
import { type FormatSettings, formatBinary, formatText } from '../../common/types/io';
import { binarySignature } from './copyFromParse';
import { ioValue } from './copyDatum';
import type { CopyOptions } from './copyOptions';

/** Encodes rows into COPY data; one instance per COPY TO. */
export interface CopyRowEncoder {
  /** Bytes before the first row (binary header, HEADER line), possibly empty. */
  start(names: readonly string[]): Buffer;
  row(values: readonly Datum[]): Buffer;
  /** Bytes after the last row (binary trailer), possibly empty. */
  finish(): Buffer;
}

/** CopyAttributeOutText: backslash escapes for the control characters PostgreSQL escapes. */
export function escapeText(s: string, delimiter: string): string {
  let out = '';
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c < 0x20) {
      // Only these control characters are escaped; others go out as they are.
      if (c === 8) rep = '\\b';
      else if (c === 12) rep = '\\f';
      else if (c === 10) rep = '\\n';
      else if (c === 13) rep = '\\r';
      else if (c === 9) rep = '\\t';
      else if (c === 11) rep = '\\v';
      if (rep === undefined && s[i] === delimiter) rep = `\\${delimiter}`;
    } else if (c === 92) rep = '\\\\';
    else if (s[i] === delimiter) rep = `\\${delimiter}`;
    if (rep !== undefined) {
      out += s.slice(run, i) + rep;
      run = i + 1;
    }
  }
  return run === 0 ? s : out + s.slice(run);
}

/** CopyAttributeOutCSV. */
export function quoteCsv(
  s: string,
  o: CopyOptions,
  forceQuote: boolean,
  singleColumn: boolean,
): string {
  let use = forceQuote;
  if (!use) {
    // A value equal to the NULL string must be quoted to read back as data, and so must
    // `\.` alone on a line (it would read as the end marker).
    if (s === o.nullString || (singleColumn && s === '\\.')) use = true;
    else {
      for (let i = 0; i < s.length; i++) {
        const c = s[i];
        if (c === o.delimiter || c === o.quote || c === '\n' || c === '\r') {
          use = true;
          break;
        }
      }
    }
  }
  if (!use) return s;
  let out = o.quote;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === o.quote || c === o.escape) out += o.escape;
    out += c;
  }
  return out + o.quote;
}

export function rowEncoder(
  o: CopyOptions,
  typeOids: readonly number[],
  /** For CSV FORCE_QUOTE: which output columns are always quoted. */
  forceQuote: readonly boolean[],
  settings: FormatSettings,
): CopyRowEncoder {
  const n = typeOids.length;
  if (o.format === 'binary') {
    return {
      start: () => {
        const b = Buffer.alloc(binarySignature.length + 8);
        binarySignature.copy(b, 0);
        // flags 0, header extension length 0
        return b;
      },
      row(values) {
        const parts: Buffer[] = [];
        let size = 2;
        for (let i = 0; i < n; i++) {
          const v = values[i];
          if (v === null || v === undefined) {
            parts.push(minusOne);
            size += 4;
            continue;
          }
          const data = formatBinary(typeOids[i], ioValue(typeOids[i], v));
          const len = Buffer.alloc(4);
          len.writeInt32BE(data.length, 0);
          parts.push(len, data);
          size += 4 + data.length;
        }
        const out = Buffer.allocUnsafe(size);
        out.writeInt16BE(n, 0);
        let off = 2;
        for (const p of parts) off += p.copy(out, off);
        return out;
      },
      finish: () => Buffer.from([0xff, 0xff]),
    };
  }
  const csv = o.format === 'csv';
  const line = (cells: string[]): Buffer => Buffer.from(cells.join(o.delimiter) + '\n', 'utf8');
  return {
    start(names) {
      if (o.header === false) return Buffer.alloc(0);
      // copyto.c: header names are written with the same quoting rules as data (no force).
      return line(
        names.map((nm) => (csv ? quoteCsv(nm, o, false, n === 1) : escapeText(nm, o.delimiter))),
      );
    },
    row(values) {
      const cells = new Array<string>(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v === null || v === undefined) cells[i] = o.nullString;
        else {
          const t = formatText(typeOids[i], ioValue(typeOids[i], v), settings);
          cells[i] = csv ? quoteCsv(t, o, forceQuote[i], n === 1) : escapeText(t, o.delimiter);
        }
      }
      return line(cells);
    },
    finish: () => Buffer.alloc(0),
  };
}

const minusOne = Buffer.from([0xff, 0xff, 0xff, 0xff]);
