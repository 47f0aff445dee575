/**
 * COPY through the engine: `COPY t [(cols)] FROM STDIN` and `COPY t [(cols)] | (query) TO
 * STDOUT`, in the text, csv and binary formats with PostgreSQL 15's options
 * (copyOptions.ts). Input is parsed as it arrives (copyFromParse.ts) and written in
 * batches through the same path as INSERT (TableWriter: defaults, serial columns,
 * NOT NULL/CHECK, unique keys, indexes) into the session's transaction; only one batch of
 * parsed rows is held at a time, and the transaction's buffered writes are spilled to the
 * shards past a threshold (Transaction.spillIfLarge), so memory stays bounded whatever
 * the input's size. Errors carry PostgreSQL's CONTEXT line
 * (`COPY t, line N[, column c: "v"]`, copyfrom.c CopyFromErrorCallback).
 */
import { SqlError, SqlState } from '../../common/errors';
import type { TableDef } from '../../common/catalog/schema';
import type { Datum } from '../../common/types/datum';
import type { FormatSettings } from '../../common/types/io';
import { engineFromBinary, engineFromText } from './copyDatum';
import { newEvalCtx } from '../../common/expr/expr';
import type { ColumnDescription, CopyInPortal, CopyOutPortal } from '../engine';
import type { ExecContext } from './context';
import { parseSql, type AstNode } from './parser';
import { Planner } from './planner';
import { TableWriter } from './tableWriter';
import { WriteBuffer, spillIfLarge } from './writeBuffer';
import { compileStatement, statementTime, type CompiledStatement } from './statements';
import { readCopyOptions, type CopyOptions } from './copyOptions';
import {
  binaryParser,
  csvParser,
  textParser,
  badFormat,
  CopyParseError,
  type CopyParser,
  type RawRow,
} from './copyFromParse';
import { rowEncoder } from './copyToFormat';
import { withContext } from './copyContext';

/** Rows per write batch, and the parsed bytes that end a batch early (wide rows). */
const BATCH_ROWS = 1000;
const BATCH_BYTES = 1024 * 1024;
/** COPY TO hands pgwire chunks of about this size. */
const OUT_CHUNK = 64 * 1024;

export interface CopyFromPlan {
  readonly kind: 'from';
  readonly table: TableDef;
  /** Column index in the table of each input field. */
  readonly targets: number[];
  readonly writer: TableWriter;
  readonly options: CopyOptions;
  /** Per input field: FORCE_NOT_NULL / FORCE_NULL. */
  readonly forceNotNull: boolean[];
  readonly forceNull: boolean[];
}

export interface CopyToPlan {
  readonly kind: 'to';
  readonly options: CopyOptions;
  readonly query: CompiledStatement;
  readonly columns: readonly ColumnDescription[];
  readonly forceQuote: boolean[];
}

export type CopyPlan = CopyFromPlan | CopyToPlan;

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

async function findTable(rel: AstNode, ctx: ExecContext): Promise<TableDef> {
  const schema = (rel.schemaname as string | undefined) ?? 'public';
  const table = await ctx.catalog.find(schema, rel.relname as string);
  if (!table)
    throw new SqlError(
      SqlState.undefinedTable,
      `relation "${rel.relname as string}" does not exist`,
    );
  return table;
}

/** The attribute list's columns (all visible columns when absent). */
function targetColumns(table: TableDef, attlist: AstNode[] | undefined): number[] {
  if (attlist === undefined)
    return table.columns.map((c, i) => (c.hidden ? -1 : i)).filter((i) => i >= 0);
  const seen = new Set<number>();
  return attlist.map((a) => {
    const n = (a.String as AstNode).sval as string;
    const i = table.columns.findIndex((c) => c.name === n && !c.hidden);
    if (i < 0)
      throw new SqlError(
        SqlState.undefinedColumn,
        `column "${n}" of relation "${table.name}" does not exist`,
      );
    if (seen.has(i))
      throw new SqlError(SqlState.duplicateColumn, `column "${n}" specified more than once`);
    seen.add(i);
    return i;
  });
}

/** FORCE_* column lists as flags over the copied columns (42P10 for one not copied). */
function flagsFor(
  names: readonly string[] | '*',
  copied: readonly string[],
  option: string,
): boolean[] {
  if (names === '*') return copied.map(() => true);
  const flags = copied.map(() => false);
  for (const n of names) {
    const i = copied.indexOf(n);
    if (i < 0)
      throw new SqlError(
        SqlState.invalidColumnReference,
        `${option} column "${n}" not referenced by COPY`,
      );
    flags[i] = true;
  }
  return flags;
}

export async function compileCopy(stmt: AstNode, ctx: ExecContext): Promise<CopyPlan> {
  const isFrom = stmt.is_from === true;
  if (stmt.filename !== undefined || stmt.is_program === true)
    throw new SqlError(
      SqlState.insufficientPrivilege,
      `must be superuser or have privileges of the pg_${isFrom ? 'read' : 'write'}_server_files role to COPY ${isFrom ? 'from' : 'to'} a file`,
      {
        hint: "Anyone can COPY to stdout or from stdin. psql's \\copy command also works for anyone.",
      },
    );
  if (stmt.whereClause !== undefined)
    throw new SqlError(SqlState.featureNotSupported, 'COPY FROM … WHERE is not supported yet');
  const options = readCopyOptions(stmt.options as AstNode[] | undefined, isFrom);
  const attlist = stmt.attlist as AstNode[] | undefined;
  if (isFrom) {
    const table = await findTable(stmt.relation as AstNode, ctx);
    const planner = new Planner((s, n) => {
      const t = ctx.catalog.peek(s ?? 'public', n);
      if (!t) throw new SqlError(SqlState.undefinedTable, `relation "${n}" does not exist`);
      return t;
    }, []);
    const targets = targetColumns(table, attlist);
    const names = targets.map((i) => table.columns[i].name);
    return {
      kind: 'from',
      table,
      targets,
      writer: new TableWriter(table, planner),
      options,
      forceNotNull: flagsFor(options.forceNotNull, names, 'FORCE_NOT_NULL'),
      forceNull: flagsFor(options.forceNull, names, 'FORCE_NULL'),
    };
  }
  let node: AstNode;
  if (stmt.query !== undefined) {
    node = stmt.query as AstNode;
    if (attlist !== undefined)
      throw new SqlError(SqlState.syntaxError, 'COPY (query) TO does not take a column list');
  } else {
    const table = await findTable(stmt.relation as AstNode, ctx);
    const cols = targetColumns(table, attlist).map((i) => quoteIdent(table.columns[i].name));
    const rel = stmt.relation as AstNode;
    const name = `${quoteIdent((rel.schemaname as string | undefined) ?? table.schema)}.${quoteIdent(table.name)}`;
    node = parseSql(`SELECT ${cols.join(', ')} FROM ${name}`)[0].node;
  }
  const query = await compileStatement(node, ctx, []);
  if (query.columns === null)
    throw new SqlError(SqlState.featureNotSupported, 'COPY query must have a RETURNING clause');
  return {
    kind: 'to',
    options,
    query,
    columns: query.columns,
    forceQuote: flagsFor(
      options.forceQuote,
      query.columns.map((c) => c.name),
      'FORCE_QUOTE',
    ),
  };
}

// --- COPY FROM -------------------------------------------------------------------------------

/** A WriteBuffer whose unique-key errors say which input line they came from. */
class LineWriteBuffer extends WriteBuffer {
  where = '';
  override put(key: Buffer, value: Buffer, mustNotExist = false, conflict?: () => SqlError): void {
    const where = this.where;
    super.put(
      key,
      value,
      mustNotExist,
      conflict === undefined ? undefined : () => withContext(conflict(), where),
    );
  }
}

interface PendingRow {
  /** Values at table column positions; undefined where the default applies. */
  readonly values: Datum[];
  readonly line: number;
  readonly text: string | undefined;
}

export interface CopyInHooks {
  /** The statement failed: roll back (implicit) or abort the block. */
  onError(): Promise<void>;
  /** A CancelRequest arrived (checked between batches). */
  cancelled(): boolean;
}

function parserFor(o: CopyOptions): CopyParser {
  if (o.format === 'binary') return binaryParser();
  if (o.format === 'csv') return csvParser(o.delimiter, o.quote, o.escape, o.nullString);
  return textParser(o.delimiter, o.nullString);
}

/** PostgreSQL prints at most this much of a line or value in CONTEXT (limit_printout_length). */
function printable(s: string): string {
  const max = 100;
  return s.length <= max ? s : `${s.slice(0, max)}...`;
}

export function copyInPortal(
  plan: CopyFromPlan,
  ctx: ExecContext,
  settings: FormatSettings,
  hooks: CopyInHooks,
): CopyInPortal {
  const { table, targets, writer, options } = plan;
  const rel = table.name;
  const parser = parserFor(options);
  const binary = options.format === 'binary';
  const ncol = table.columns.length;
  let batch: PendingRow[] = [];
  let batchBytes = 0;
  let count = 0;
  let headerPending = options.header !== false;
  const ev = newEvalCtx([], statementTime());
  const seqs = ctx.sequences;
  if (seqs) ev.nextval = (name) => seqs.take(name);

  const lineContext = (r: { line: number; text?: string }): string =>
    r.text === undefined
      ? `COPY ${rel}, line ${r.line}`
      : `COPY ${rel}, line ${r.line}: "${printable(r.text)}"`;

  const checkHeader = (r: RawRow): void => {
    if (options.header !== 'match') return;
    const names = targets.map((i) => table.columns[i].name);
    const got = r.fields as Array<string | null>;
    if (got.length !== names.length)
      throw withContext(
        badFormat(
          `wrong number of fields in header line: got ${got.length}, expected ${names.length}`,
        ),
        lineContext(r),
      );
    got.forEach((g, i) => {
      if (g === null)
        throw withContext(
          badFormat(
            `column name mismatch in header line field ${i + 1}: got null value ("${options.nullString}"), expected "${names[i]}"`,
          ),
          lineContext(r),
        );
      if (g !== names[i])
        throw withContext(
          badFormat(
            `column name mismatch in header line field ${i + 1}: got "${g}", expected "${names[i]}"`,
          ),
          lineContext(r),
        );
    });
  };

  /** A parsed row → typed values (22P02 and friends get the column in their context). */
  const take = (r: RawRow): void => {
    if (headerPending) {
      headerPending = false;
      checkHeader(r);
      return;
    }
    const fields = r.fields;
    if (fields.length !== targets.length) {
      if (binary)
        throw withContext(
          badFormat(`row field count is ${fields.length}, expected ${targets.length}`),
          `COPY ${rel}, line ${r.line}`,
        );
      throw withContext(
        badFormat(
          fields.length < targets.length
            ? `missing data for column "${table.columns[targets[fields.length]].name}"`
            : 'extra data after last expected column',
        ),
        lineContext(r),
      );
    }
    const values = new Array<Datum>(ncol);
    for (let j = 0; j < fields.length; j++) {
      const col = table.columns[targets[j]];
      const f = fields[j];
      let v: Datum;
      if (binary) {
        try {
          v = f === null ? null : engineFromBinary(col.typeOid, f as Buffer);
        } catch (err) {
          throw withContext(err, `COPY ${rel}, line ${r.line}, column ${col.name}`);
        }
      } else {
        let text = f as string | null;
        if (text === null && plan.forceNotNull[j]) text = options.nullString;
        else if (text !== null && plan.forceNull[j] && text === options.nullString) text = null;
        try {
          v = text === null ? null : engineFromText(col.typeOid, text, settings);
        } catch (err) {
          throw withContext(
            err,
            `COPY ${rel}, line ${r.line}, column ${col.name}: "${printable(text ?? '')}"`,
          );
        }
      }
      values[targets[j]] = v;
    }
    batch.push({ values, line: r.line, text: r.text });
    batchBytes += r.text?.length ?? 0;
  };

  const emit = (r: RawRow): void => take(r);

  const flush = async (): Promise<void> => {
    const rows = batch;
    batch = [];
    batchBytes = 0;
    if (rows.length === 0) return;
    if (hooks.cancelled())
      throw new SqlError(SqlState.queryCanceled, 'canceling statement due to user request', {});
    const release = await writer.reserve(ctx, rows.length, ev);
    const wb = new LineWriteBuffer();
    try {
      for (const row of rows) {
        const values = row.values;
        const where =
          row.text === undefined
            ? `COPY ${rel}, line ${row.line}`
            : `COPY ${rel}, line ${row.line}: "${printable(row.text)}"`;
        try {
          for (let i = 0; i < ncol; i++)
            if (values[i] === undefined) values[i] = writer.defaultValue(i, ev);
          writer.validate(values, ev);
        } catch (err) {
          throw withContext(err, where);
        }
        // copyfrom.c: batched rows report unique violations without the line's text.
        wb.where = `COPY ${rel}, line ${row.line}`;
        writer.insert(wb, values);
      }
    } finally {
      release();
    }
    await wb.flush(ctx, true);
    // Never the whole input in memory: past a threshold the buffered rows go to the shards.
    if (ctx.txn !== undefined) await spillIfLarge(ctx.txn);
    count += rows.length;
  };

  const full = (): boolean => batch.length >= BATCH_ROWS || batchBytes >= BATCH_BYTES;

  const guard = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      await hooks.onError();
      throw err;
    }
  };

  /** Runs a parser step; its own format errors get the CONTEXT line. */
  const parse = (step: () => void): void => {
    try {
      step();
    } catch (err) {
      if (err instanceof CopyParseError) throw withContext(err, lineContext(err));
      throw err;
    }
  };

  const pushChunk = async (chunk: Buffer): Promise<void> => {
    parse(() => parser.push(chunk, emit));
    // One CopyData message may hold many batches' worth of rows; each is written in turn.
    while (full()) {
      const rest = batch.slice(BATCH_ROWS);
      batch = batch.slice(0, BATCH_ROWS);
      await flush();
      batch = rest;
      batchBytes = rest.reduce((n, r) => n + (r.text?.length ?? 0), 0);
    }
  };

  return {
    kind: 'copyIn',
    format: binary ? 1 : 0,
    columnCount: targets.length,
    write(chunk: Buffer) {
      return guard(() => pushChunk(chunk));
    },
    done: () =>
      guard(async () => {
        parse(() => parser.end(emit));
        await flush();
        return `COPY ${count}`;
      }),
    // copyfrom.c: a CopyFail is reported with the line being read (cur_lineno), like any COPY error.
    fail: async (message: string) => {
      await hooks.onError();
      throw withContext(
        new SqlError(SqlState.queryCanceled, `COPY from stdin failed: ${message}`),
        `COPY ${rel}, line ${parser.lines + 1}`,
      );
    },
  };
}

// --- COPY TO ---------------------------------------------------------------------------------

export function copyOutPortal(
  plan: CopyToPlan,
  ctx: ExecContext,
  settings: FormatSettings,
  hooks: CopyInHooks,
): CopyOutPortal {
  const encoder = rowEncoder(
    plan.options,
    plan.columns.map((c) => c.typeOid),
    plan.forceQuote,
    settings,
  );
  let rows: Datum[][] | null = null;
  let next = 0;
  let finished = false;
  let tag: string | undefined;
  const run = async (): Promise<Datum[][]> => {
    try {
      return (await plan.query.execute(ctx, [])).rows;
    } catch (err) {
      await hooks.onError();
      throw err;
    }
  };
  return {
    kind: 'copyOut',
    format: plan.options.format === 'binary' ? 1 : 0,
    columnCount: plan.columns.length,
    get tag() {
      return tag;
    },
    async read(): Promise<Buffer | null> {
      if (finished) return null;
      const parts: Buffer[] = [];
      let size = 0;
      if (rows === null) {
        rows = await run();
        const head = encoder.start(plan.columns.map((c) => c.name));
        if (head.length > 0) parts.push(head);
        size += head.length;
      }
      const all = rows;
      while (next < all.length && size < OUT_CHUNK) {
        const b = encoder.row(all[next]);
        all[next] = []; // already sent: let it go
        next++;
        parts.push(b);
        size += b.length;
      }
      if (next >= all.length) {
        const tail = encoder.finish();
        if (tail.length > 0) parts.push(tail);
        finished = true;
        tag = `COPY ${all.length}`;
        rows = [];
        if (parts.length === 0) return null;
      }
      if (hooks.cancelled())
        throw new SqlError(SqlState.queryCanceled, 'canceling statement due to user request');
      return parts.length === 1 ? parts[0] : Buffer.concat(parts);
    },
  };
}
