/**
 * COPY FROM's input parsers, incremental: CopyData messages are cut wherever the client
 * likes (a row, a quoted field, a UTF-8 character or a binary field may span messages), so
 * each parser keeps only the unfinished row between push() calls and hands out complete
 * rows as they appear. Rules from PostgreSQL 15's src/backend/commands/copyfromparse.c:
 *
 * - text: one row per line (`\n` or `\r\n`), fields split at the delimiter, the NULL
 *   string matched before backslash processing, then `\b \f \n \r \t \v`, octal `\NNN`
 *   and hex `\xHH` escapes (bytes, decoded as UTF-8 afterwards), any other `\c` is `c`.
 * - csv: quotes may start anywhere in a field and toggle quoting; inside quotes the
 *   escape character (the quote by default) escapes a quote or itself; newlines inside
 *   quotes are data; an unquoted field equal to the NULL string is NULL (FORCE_NOT_NULL
 *   and FORCE_NULL adjust that per column).
 * - binary: the 19-byte header, then per tuple an int16 field count (-1 ends the data)
 *   and per field an int32 length (-1 NULL) and the bytes.
 *
 * The pgwire layer has already removed psql's `\.` end marker (copyEndMarker.ts).
 */
import { StringDecoder } from 'node:string_decoder';
import { SqlError, SqlState } from '../../common/errors';

/** One parsed row: fields as text (text/csv) or bytes (binary); null is SQL NULL. */
export interface RawRow {
  readonly fields: Array<string | null> | Array<Buffer | null>;
  /** 1-based input row number (csv: a quoted newline does not start a new one; binary: tuple). */
  readonly line: number;
  /** The row's text as it came (text/csv), for the error context PostgreSQL prints. */
  readonly text?: string;
  /** CSV: which fields were quoted (FORCE_NULL turns a quoted NULL string into NULL). */
  readonly quoted?: boolean[];
}

/** A format error found by a parser itself, with where it was (for the CONTEXT line). */
export class CopyParseError extends SqlError {
  constructor(
    message: string,
    readonly line: number,
    readonly text: string | undefined,
  ) {
    super(SqlState.badCopyFileFormat, message);
  }
}

export interface CopyParser {
  /** Input lines (binary: tuples) read so far. */
  readonly lines: number;
  /** Parses what it can of this chunk; complete rows go to emit. */
  push(chunk: Buffer, emit: (row: RawRow) => void): void;
  /** End of data: the last row without a newline, or an error for a truncated tuple. */
  end(emit: (row: RawRow) => void): void;
}

export function badFormat(message: string): SqlError {
  return new SqlError(SqlState.badCopyFileFormat, message);
}

// --- text ------------------------------------------------------------------------------------

const simpleEscapes: Record<string, number> = { b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };

/** Backslash processing of one text-format field (the NULL check comes before). */
export function unescapeText(raw: string): string {
  if (!raw.includes('\\')) return raw;
  const bytes: number[] = [];
  let run = 0; // start of the current run of plain characters
  const flush = (end: number): void => {
    if (end > run) for (const b of Buffer.from(raw.slice(run, end), 'utf8')) bytes.push(b);
  };
  let i = 0;
  while (i < raw.length) {
    if (raw[i] !== '\\' || i + 1 >= raw.length) {
      i++;
      continue;
    }
    flush(i);
    const c = raw[i + 1];
    i += 2;
    if (c >= '0' && c <= '7') {
      let v = c.charCodeAt(0) - 48;
      for (let k = 0; k < 2 && i < raw.length && raw[i] >= '0' && raw[i] <= '7'; k++, i++)
        v = v * 8 + raw.charCodeAt(i) - 48;
      bytes.push(v & 0xff);
    } else if (c === 'x' && i < raw.length && /[0-9a-fA-F]/.test(raw[i])) {
      let v = parseInt(raw[i++], 16);
      if (i < raw.length && /[0-9a-fA-F]/.test(raw[i])) v = v * 16 + parseInt(raw[i++], 16);
      bytes.push(v);
    } else if (simpleEscapes[c] !== undefined) {
      bytes.push(simpleEscapes[c]);
    } else {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
    }
    run = i;
  }
  flush(raw.length);
  const buf = Buffer.from(bytes);
  const s = buf.toString('utf8');
  // An escape that produced bytes which are not UTF-8 (copyfromparse.c verifies the result).
  if (s.includes('\ufffd') && !raw.includes('\ufffd'))
    throw new SqlError(
      SqlState.characterNotInRepertoire,
      'invalid byte sequence for encoding "UTF8"',
    );
  return s;
}

/** Splits one text-format line at unescaped delimiters; NULL strings become null. */
export function splitTextLine(
  line: string,
  delimiter: string,
  nullString: string,
): Array<string | null> {
  const out: Array<string | null> = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\') {
      i++; // the next character is data, delimiter or not
      escaped = true;
      continue;
    }
    if (c === delimiter) {
      const raw = line.slice(start, i);
      out.push(raw === nullString ? null : escaped ? unescapeText(raw) : raw);
      start = i + 1;
      escaped = false;
    }
  }
  const raw = line.slice(start);
  out.push(raw === nullString ? null : escaped ? unescapeText(raw) : raw);
  return out;
}

export function textParser(delimiter: string, nullString: string): CopyParser {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let line = 0;
  const emitLine = (text: string, emit: (row: RawRow) => void): void => {
    line++;
    emit({ fields: splitTextLine(text, delimiter, nullString), line, text });
  };
  return {
    get lines() {
      return line;
    },
    push(chunk, emit) {
      pending += decoder.write(chunk);
      let start = 0;
      for (;;) {
        const nl = pending.indexOf('\n', start);
        if (nl < 0) break;
        const end = nl > start && pending.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        emitLine(pending.slice(start, end), emit);
        start = nl + 1;
      }
      if (start > 0) pending = pending.slice(start);
    },
    end(emit) {
      pending += decoder.end();
      if (pending.length > 0) {
        const text = pending.endsWith('\r') ? pending.slice(0, -1) : pending;
        pending = '';
        emitLine(text, emit);
      }
    },
  };
}

// --- csv -------------------------------------------------------------------------------------

export function csvParser(
  delimiter: string,
  quote: string,
  escape: string,
  nullString: string,
): CopyParser {
  const decoder = new StringDecoder('utf8');
  /** Unparsed text from the start of the current row. */
  let buf = '';
  /** Where parsing resumes in buf. */
  let pos = 0;
  let line = 0;
  let fields: Array<string | null> = [];
  let quoted: boolean[] = [];
  let field = '';
  let inQuote = false;
  let sawQuote = false;

  const endField = (): void => {
    fields.push(!sawQuote && field === nullString ? null : field);
    quoted.push(sawQuote);
    field = '';
    sawQuote = false;
  };

  /** Parses buf from pos; `final` resolves look-aheads at the end of the data. */
  const parse = (emit: (row: RawRow) => void, final: boolean): void => {
    let rowStart = 0;
    const s = buf;
    const n = s.length;
    let i = pos;
    while (i < n) {
      const c = s[i];
      if (inQuote) {
        if (c === escape && (i + 1 < n || final)) {
          const next = i + 1 < n ? s[i + 1] : '';
          if (next !== '' && (next === escape || next === quote)) {
            field += next;
            i += 2;
            continue;
          }
        } else if (c === escape && !final) {
          break; // wait for the next character to know what this one means
        }
        // A newline inside quotes is data; PostgreSQL counts rows, not these lines.
        if (c === quote) inQuote = false;
        else field += c;
        i++;
        continue;
      }
      if (c === delimiter) {
        endField();
        i++;
        continue;
      }
      if (c === quote) {
        inQuote = true;
        sawQuote = true;
        i++;
        continue;
      }
      if (c === '\n' || c === '\r') {
        if (c === '\r' && i + 1 >= n && !final) break; // \r\n split across chunks
        const text = s.slice(rowStart, i);
        i += c === '\r' && s[i + 1] === '\n' ? 2 : 1;
        endField();
        line++;
        emit({ fields, line, text, quoted });
        fields = [];
        quoted = [];
        rowStart = i;
        continue;
      }
      field += c;
      i++;
    }
    buf = s.slice(rowStart);
    pos = i - rowStart;
  };

  return {
    get lines() {
      return line;
    },
    push(chunk, emit) {
      buf += decoder.write(chunk);
      parse(emit, false);
    },
    end(emit) {
      buf += decoder.end();
      parse(emit, true);
      if (inQuote) throw new CopyParseError('unterminated CSV quoted field', line + 1, buf);
      if (buf.length > 0 || fields.length > 0) {
        endField();
        line++;
        emit({ fields, line, text: buf, quoted });
        fields = [];
        buf = '';
      }
    },
  };
}

// --- binary ----------------------------------------------------------------------------------

/** "PGCOPY\n\377\r\n\0" (copy.c BinarySignature). */
export const binarySignature = Buffer.from([
  0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00,
]);

export function binaryParser(): CopyParser {
  let pending: Buffer = Buffer.alloc(0);
  let headerDone = false;
  let trailerSeen = false;
  let line = 0;

  /** Parses the header if complete; false when more bytes are needed. */
  const header = (): boolean => {
    if (pending.length < binarySignature.length + 8) {
      if (
        !binarySignature
          .subarray(0, pending.length)
          .equals(pending.subarray(0, binarySignature.length))
      )
        throw badFormat('COPY file signature not recognized');
      return false;
    }
    if (!pending.subarray(0, binarySignature.length).equals(binarySignature))
      throw badFormat('COPY file signature not recognized');
    const flags = pending.readInt32BE(11);
    if ((flags & (1 << 16)) !== 0) throw badFormat('invalid COPY file header (WITH OIDS)');
    if ((flags & 0xfffe0000) !== 0)
      throw badFormat('unrecognized critical flags in COPY file header');
    const ext = pending.readInt32BE(15);
    if (ext < 0) throw badFormat('invalid COPY file header (missing length)');
    if (pending.length < 19 + ext) return false;
    pending = pending.subarray(19 + ext);
    headerDone = true;
    return true;
  };

  const tuples = (emit: (row: RawRow) => void): void => {
    let off = 0;
    const b = pending;
    for (;;) {
      if (b.length - off < 2) break;
      const count = b.readInt16BE(off);
      if (count === -1) {
        trailerSeen = true;
        off += 2;
        if (off < b.length) throw badFormat('received copy data after EOF marker');
        break;
      }
      if (count < 0) throw badFormat(`row field count is ${count}, expected a count`);
      // Walk the fields without copying until the whole tuple is here.
      let p = off + 2;
      const fields: Array<Buffer | null> = [];
      let complete = true;
      for (let f = 0; f < count; f++) {
        if (b.length - p < 4) {
          complete = false;
          break;
        }
        const len = b.readInt32BE(p);
        p += 4;
        if (len === -1) {
          fields.push(null);
          continue;
        }
        if (len < 0) throw badFormat('invalid field size');
        if (b.length - p < len) {
          complete = false;
          break;
        }
        fields.push(b.subarray(p, p + len));
        p += len;
      }
      if (!complete) break;
      line++;
      emit({ fields, line });
      off = p;
    }
    // Keep only the unfinished tuple (copied, so the consumed chunks can be freed).
    pending = off === 0 ? b : Buffer.from(b.subarray(off));
  };

  return {
    get lines() {
      return line;
    },
    push(chunk, emit) {
      if (trailerSeen) {
        if (chunk.length > 0) throw badFormat('received copy data after EOF marker');
        return;
      }
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      if (!headerDone && !header()) return;
      tuples(emit);
    },
    end() {
      if (!headerDone) throw badFormat('COPY file signature not recognized');
      if (!trailerSeen && pending.length > 0)
        throw new CopyParseError('unexpected EOF in COPY data', line + 1, undefined);
    },
  };
}
