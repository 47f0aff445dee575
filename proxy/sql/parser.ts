/**
 * SQL text to PostgreSQL's own parse tree (libpg-query: the real grammar compiled to
 * WASM). The module loads once per process (loadParser); parsing is synchronous after.
 * Syntax errors become 42601 with the 1-based position PostgreSQL reports.
 */
import { loadModule, parseSync } from 'libpg-query';
import { SqlError, SqlState } from '../../common/errors';

/** A node of the parse tree: `{ NodeType: {...fields} }` (libpg-query's JSON form). */
// The tree is PostgreSQL's; its full typing (@pgsql/types) is vast, so statements read
// the few fields they need through these narrow views.
export type AstNode = Record<string, unknown>;

export interface ParsedStatement {
  readonly node: AstNode;
  /** This statement's own text, for caching and error positions. */
  readonly sql: string;
  /** Offset of the statement within the whole string (for error positions). */
  readonly offset: number;
}

let loaded: Promise<void> | null = null;
let ready = false;

export function loadParser(): Promise<void> {
  if (!loaded) {
    loaded = loadModule().then(() => {
      ready = true;
    });
  }
  return loaded;
}

interface ParseResult {
  stmts?: Array<{ stmt: AstNode; stmt_location?: number; stmt_len?: number }>;
}

export function parseSql(sql: string): ParsedStatement[] {
  if (!ready) throw new SqlError(SqlState.internalError, 'SQL parser not loaded');
  let result: ParseResult;
  try {
    result = parseSync(sql) as ParseResult;
  } catch (err) {
    const details = (err as { sqlDetails?: { message?: string; cursorPosition?: number } })
      .sqlDetails;
    const message = details?.message ?? (err as Error).message;
    throw new SqlError(SqlState.syntaxError, message, {
      position: details?.cursorPosition !== undefined ? details.cursorPosition + 1 : undefined,
    });
  }
  return (result.stmts ?? []).map((s) => {
    const offset = s.stmt_location ?? 0;
    const text = s.stmt_len ? sql.slice(offset, offset + s.stmt_len) : sql.slice(offset);
    // The offset of the text kept: a statement after the first starts with the blanks
    // that followed the previous semicolon.
    const lead = text.length - text.trimStart().length;
    return { node: s.stmt, sql: text.trim(), offset: offset + lead };
  });
}
