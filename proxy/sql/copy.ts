/**
 * COPY table [(columns)] FROM STDIN in PostgreSQL's text format (what pgbench -i and
 * psql's \copy send): tab-separated fields, `\N` for NULL, backslash escapes, one row per
 * line, `\.` ending the data. Rows are written like INSERT's (defaults, NOT NULL/CHECK,
 * unique keys) in batches into the session's transaction.
 */
import { StringDecoder } from 'node:string_decoder';
import { SqlError, SqlState } from '../../common/errors';
import type { TableDef } from '../../common/catalog/schema';
import type { Datum } from '../../common/types/datum';
import { defaultFormatSettings, parseText } from '../../common/types/io';
import { newEvalCtx } from '../../common/expr/expr';
import type { CopyInPortal } from '../engine';
import type { ExecContext } from './context';
import type { AstNode } from './parser';
import { Planner } from './planner';
import { TableWriter } from './tableWriter';
import { WriteBuffer } from './writeBuffer';
import { statementTime } from './statements';

const BATCH_ROWS = 2000;

export interface CopyTarget {
  readonly table: TableDef;
  readonly targets: number[];
  readonly writer: TableWriter;
}

export async function compileCopyFrom(stmt: AstNode, ctx: ExecContext): Promise<CopyTarget> {
  if (stmt.is_from !== true || stmt.filename !== undefined || stmt.query !== undefined)
    throw new SqlError(SqlState.featureNotSupported, 'only COPY … FROM STDIN is supported yet');
  for (const o of (stmt.options as AstNode[] | undefined) ?? []) {
    const d = o.DefElem as AstNode;
    const v = JSON.stringify(d.arg ?? '').toLowerCase();
    if (d.defname === 'format' && !v.includes('text'))
      throw new SqlError(SqlState.featureNotSupported, 'COPY supports the text format only yet');
  }
  const rel = stmt.relation as AstNode;
  const schema = (rel.schemaname as string | undefined) ?? 'public';
  const table = await ctx.catalog.find(schema, rel.relname as string);
  if (!table)
    throw new SqlError(
      SqlState.undefinedTable,
      `relation "${rel.relname as string}" does not exist`,
    );
  const planner = new Planner((s, n) => {
    const t = ctx.catalog.peek(s ?? 'public', n);
    if (!t) throw new SqlError(SqlState.undefinedTable, `relation "${n}" does not exist`);
    return t;
  }, []);
  const attlist = (stmt.attlist as AstNode[] | undefined)?.map(
    (a) => (a.String as AstNode).sval as string,
  );
  const targets = attlist
    ? attlist.map((n) => {
        const i = table.columns.findIndex((c) => c.name === n && !c.hidden);
        if (i < 0)
          throw new SqlError(
            SqlState.undefinedColumn,
            `column "${n}" of relation "${table.name}" does not exist`,
          );
        return i;
      })
    : table.columns.map((c, i) => (c.hidden ? -1 : i)).filter((i) => i >= 0);
  return { table, targets, writer: new TableWriter(table, planner) };
}

/** One text-format field, unescaped (PostgreSQL COPY text format). */
function unescape(field: string): string | null {
  if (field === '\\N') return null;
  if (!field.includes('\\')) return field;
  let out = '';
  for (let i = 0; i < field.length; i++) {
    const ch = field[i];
    if (ch !== '\\' || i + 1 >= field.length) {
      out += ch;
      continue;
    }
    const n = field[++i];
    const map: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
    if (map[n] !== undefined) out += map[n];
    else if (/[0-7]/.test(n)) {
      let oct = n;
      while (oct.length < 3 && /[0-7]/.test(field[i + 1] ?? '')) oct += field[++i];
      out += String.fromCharCode(parseInt(oct, 8));
    } else out += n;
  }
  return out;
}

/** A CopyInPortal writing rows through `ctx` (the session's transaction). */
export function copyInPortal(
  target: CopyTarget,
  ctx: ExecContext,
  onError: () => Promise<void>,
): CopyInPortal {
  const { table, targets, writer } = target;
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let batch: string[][] = [];
  let count = 0;
  let ended = false;
  const ev = newEvalCtx([], statementTime());
  const seqs = ctx.sequences;
  if (seqs) ev.nextval = (name) => seqs.take(name);

  const flush = async (): Promise<void> => {
    const rows = batch;
    batch = [];
    if (rows.length === 0) return;
    const release = await writer.reserve(ctx, rows.length, ev);
    const wb = new WriteBuffer();
    for (const fields of rows) {
      if (fields.length !== targets.length)
        throw new SqlError(
          SqlState.badCopyFileFormat,
          fields.length < targets.length
            ? 'missing data for column'
            : 'extra data after last expected column',
        );
      const values = new Array<Datum>(table.columns.length);
      const given = new Array<boolean>(table.columns.length).fill(false);
      fields.forEach((f, j) => {
        const col = table.columns[targets[j]];
        const text = unescape(f);
        values[targets[j]] =
          text === null ? null : parseText(col.typeOid, text, defaultFormatSettings);
        given[targets[j]] = true;
      });
      for (let i = 0; i < values.length; i++) if (!given[i]) values[i] = writer.defaultValue(i, ev);
      writer.validate(values, ev);
      writer.insert(wb, values);
    }
    release();
    await wb.flush(ctx, true);
    count += rows.length;
  };
  const take = (text: string): void => {
    pending += text;
    let nl: number;
    while (!ended && (nl = pending.indexOf('\n')) >= 0) {
      let line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '\\.') {
        ended = true;
        break;
      }
      batch.push(line.split('\t'));
    }
  };
  const guard = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      await onError();
      throw err;
    }
  };
  return {
    kind: 'copyIn',
    format: 0,
    columnCount: targets.length,
    write(chunk: Buffer) {
      take(decoder.write(chunk));
      if (batch.length >= BATCH_ROWS) return guard(flush);
    },
    done: () =>
      guard(async () => {
        if (!ended && pending.length > 0) take('\n');
        await flush();
        return `COPY ${count}`;
      }),
    fail: async () => {
      await onError();
    },
  };
}
