/**
 * COPY's options, read from the parse tree and checked as PostgreSQL 15 checks them
 * (src/backend/commands/copy.c ProcessCopyOptions). libpg-query turns both spellings —
 * `WITH (FORMAT csv, HEADER)` and the pre-9.0 `WITH CSV HEADER DELIMITER ';'` — into the
 * same DefElem list, so one reader serves both.
 */
import { SqlError, SqlState } from '../../common/errors';
import type { AstNode } from './parser';

export type CopyFormat = 'text' | 'csv' | 'binary';

export interface CopyOptions {
  readonly format: CopyFormat;
  readonly delimiter: string;
  /** The string that stands for NULL (`\N` in text, empty in CSV). */
  readonly nullString: string;
  /** false, true, or 'match' (COPY FROM checks the header's names against the columns). */
  readonly header: boolean | 'match';
  readonly quote: string;
  readonly escape: string;
  /** Column names, or '*' for all (FORCE_QUOTE *). */
  readonly forceQuote: readonly string[] | '*';
  readonly forceNotNull: readonly string[];
  readonly forceNull: readonly string[];
}

function syntax(message: string): SqlError {
  return new SqlError(SqlState.syntaxError, message);
}

function featureError(message: string): SqlError {
  return new SqlError(SqlState.featureNotSupported, message);
}

/** A DefElem's argument as PostgreSQL's defGetString sees it. */
function argString(arg: AstNode | undefined): string | undefined {
  if (arg === undefined) return undefined;
  if (arg.String) return String((arg.String as AstNode).sval ?? '');
  if (arg.Boolean) return (arg.Boolean as AstNode).boolval === true ? 'true' : 'false';
  if (arg.Integer) return String((arg.Integer as AstNode).ival ?? 0);
  if (arg.Float) return String((arg.Float as AstNode).fval ?? '');
  return undefined;
}

/** defGetBoolean: no argument is true; on/off/true/false/1/0 otherwise (22023 else). */
function argBoolean(name: string, arg: AstNode | undefined): boolean {
  const s = argString(arg);
  if (s === undefined) return true;
  const v = s.toLowerCase();
  if (['true', 'on', '1'].includes(v)) return true;
  if (['false', 'off', '0'].includes(v)) return false;
  throw syntax(`${name} requires a Boolean value`);
}

function argColumns(name: string, arg: AstNode | undefined): string[] | '*' {
  if (arg?.A_Star) return '*';
  const items = (arg?.List as AstNode | undefined)?.items as AstNode[] | undefined;
  if (items === undefined)
    throw syntax(`argument to option "${name}" must be a list of column names`);
  return items.map((i) => String((i.String as AstNode).sval));
}

export function readCopyOptions(options: AstNode[] | undefined, isFrom: boolean): CopyOptions {
  let format: CopyFormat = 'text';
  let delimiter: string | undefined;
  let nullString: string | undefined;
  let header: boolean | 'match' = false;
  let quote: string | undefined;
  let escape: string | undefined;
  let forceQuote: string[] | '*' = [];
  let forceNotNull: string[] = [];
  let forceNull: string[] = [];
  const seen = new Set<string>();
  for (const o of options ?? []) {
    const d = o.DefElem as AstNode;
    const name = String(d.defname);
    const arg = d.arg as AstNode | undefined;
    if (seen.has(name)) throw syntax('conflicting or redundant options');
    seen.add(name);
    switch (name) {
      case 'format': {
        const f = (argString(arg) ?? '').toLowerCase();
        if (f !== 'text' && f !== 'csv' && f !== 'binary')
          throw syntax(`COPY format "${argString(arg) ?? ''}" not recognized`);
        format = f;
        break;
      }
      case 'freeze':
        // Accepted (pgbench -i sends FREEZE ON): our rows need no freezing.
        argBoolean(name, arg);
        break;
      case 'delimiter':
        delimiter = argString(arg) ?? '';
        break;
      case 'null':
        nullString = argString(arg) ?? '';
        break;
      case 'header': {
        const s = argString(arg);
        if (s !== undefined && s.toLowerCase() === 'match') {
          if (!isFrom) throw syntax('cannot use "match" with HEADER in COPY TO');
          header = 'match';
        } else header = argBoolean(name, arg);
        break;
      }
      case 'quote':
        quote = argString(arg) ?? '';
        break;
      case 'escape':
        escape = argString(arg) ?? '';
        break;
      case 'force_quote':
        forceQuote = argColumns(name, arg);
        break;
      case 'force_not_null': {
        const c = argColumns(name, arg);
        if (c === '*') throw syntax(`argument to option "${name}" must be a list of column names`);
        forceNotNull = c;
        break;
      }
      case 'force_null': {
        const c = argColumns(name, arg);
        if (c === '*') throw syntax(`argument to option "${name}" must be a list of column names`);
        forceNull = c;
        break;
      }
      case 'encoding': {
        const e = (argString(arg) ?? '').toUpperCase().replace(/[-_]/g, '');
        // Every byte we receive or send is UTF-8 (server_encoding); SQL_ASCII is a subset.
        if (e !== 'UTF8' && e !== 'UNICODE' && e !== 'SQLASCII')
          throw featureError(`COPY ENCODING ${argString(arg) ?? ''} is not supported (only UTF8)`);
        break;
      }
      case 'oids':
        if (argBoolean(name, arg)) throw syntax('COPY ... WITH OIDS is not supported');
        break;
      default:
        throw syntax(`option "${name}" not recognized`);
    }
  }
  const csv = format === 'csv';
  const binary = format === 'binary';
  // copy.c ProcessCopyOptions, in its order.
  if (binary && delimiter !== undefined) throw syntax('cannot specify DELIMITER in BINARY mode');
  if (binary && nullString !== undefined) throw syntax('cannot specify NULL in BINARY mode');
  if (binary && header !== false) throw featureError('cannot specify HEADER in BINARY mode');
  const delim = delimiter ?? (csv ? ',' : '\t');
  const nul = nullString ?? (csv ? '' : '\\N');
  const q = quote ?? '"';
  const esc = escape ?? q;
  if (Buffer.byteLength(delim) !== 1)
    throw featureError('COPY delimiter must be a single one-byte character');
  if (delim === '\r' || delim === '\n')
    throw new SqlError(
      SqlState.invalidParameterValue,
      'COPY delimiter cannot be newline or carriage return',
    );
  if (nul.includes('\r') || nul.includes('\n'))
    throw new SqlError(
      SqlState.invalidParameterValue,
      'COPY null representation cannot use newline or carriage return',
    );
  if (!csv && 'abcdefghijklmnopqrstuvwxyz0123456789.\\'.includes(delim.toLowerCase()))
    throw new SqlError(SqlState.invalidParameterValue, `COPY delimiter cannot be "${delim}"`);
  if (!csv && quote !== undefined) throw featureError('COPY quote available only in CSV mode');
  if (csv && Buffer.byteLength(q) !== 1)
    throw featureError('COPY quote must be a single one-byte character');
  if (csv && delim === q)
    throw new SqlError(
      SqlState.invalidParameterValue,
      'COPY delimiter and quote must be different',
    );
  if (!csv && escape !== undefined) throw featureError('COPY escape available only in CSV mode');
  if (csv && Buffer.byteLength(esc) !== 1)
    throw featureError('COPY escape must be a single one-byte character');
  if (!csv && seen.has('force_quote'))
    throw featureError('COPY force quote available only in CSV mode');
  if (seen.has('force_quote') && isFrom)
    throw featureError('COPY force quote only available using COPY TO');
  if (!csv && seen.has('force_not_null'))
    throw featureError('COPY force not null available only in CSV mode');
  if (seen.has('force_not_null') && !isFrom)
    throw featureError('COPY force not null only available using COPY FROM');
  if (!csv && seen.has('force_null'))
    throw featureError('COPY force null available only in CSV mode');
  if (seen.has('force_null') && !isFrom)
    throw featureError('COPY force null only available using COPY FROM');
  if (nul.includes(delim))
    throw featureError('COPY delimiter must not appear in the NULL specification');
  if (csv && nul.includes(q))
    throw featureError('CSV quote character must not appear in the NULL specification');
  return {
    format,
    delimiter: delim,
    nullString: nul,
    header,
    quote: q,
    escape: esc,
    forceQuote,
    forceNotNull,
    forceNull,
  };
}
