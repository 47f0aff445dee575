/**
 * A tiny in-memory SqlEngine for pgwire's tests and the wire-only benchmark. It knows a
 * handful of statement shapes (enough to drive every protocol flow), keeps tables as
 * arrays of rows, and follows PostgreSQL's transaction rules (implicit transaction per
 * Sync, BEGIN/COMMIT/ROLLBACK, aborted blocks answering 25P02).
 *
 * Grammar (case-insensitive, one statement each, ';' separates several):
 *   SELECT item [, item]*          item: int | 'text' | true | false | null | $n[::type] | 1/0  [AS name]
 *   SELECT generate_series(a, b)   a..b as int4 rows, fetched lazily
 *   SELECT pg_sleep(seconds)       waits; cancel() ends it with 57014
 *   SELECT notice('text')          sends a NoticeResponse
 *   SELECT 1, unprintable()         a value its column's type cannot output (pgwire's error path)
 *   SELECT * FROM t
 *   CREATE TABLE t (col type, …)   int4/int/integer, int8/bigint, text, bool
 *   INSERT INTO t VALUES (v, …)    literal values only
 *   COPY t FROM STDIN [(FORMAT csv)] / COPY t TO STDOUT
 *   BEGIN | START TRANSACTION | COMMIT | END | ROLLBACK
 *   SET name = value | SET name TO value | SHOW name
 */
import { SqlError, SqlState } from '../../common/errors';
import type { Datum } from '../../common/types/datum';
import { TypeOid } from '../../common/types/datum';
import { defaultFormatSettings, formatText, parseText } from '../../common/types/io';
import type {
  ColumnDescription,
  CopyInPortal,
  CopyOutPortal,
  EngineSession,
  Portal,
  PreparedStatement,
  RowsPortal,
  SessionEvents,
  SessionStartInfo,
  SqlEngine,
  TransactionStatus,
} from '../../proxy/engine';

interface Table {
  readonly columns: ColumnDescription[];
  readonly rows: Datum[][];
}

type Item =
  | { readonly kind: 'const'; readonly value: Datum }
  | { readonly kind: 'param'; readonly index: number }
  | { readonly kind: 'divzero' };

type Plan =
  | { readonly kind: 'select'; readonly items: Item[] }
  | { readonly kind: 'series'; readonly from: number; readonly to: number }
  | { readonly kind: 'sleep'; readonly seconds: number }
  | { readonly kind: 'notice'; readonly text: string }
  | { readonly kind: 'scan'; readonly table: string }
  | { readonly kind: 'create'; readonly table: string; readonly columns: ColumnDescription[] }
  | { readonly kind: 'insert'; readonly table: string; readonly values: Datum[] }
  | { readonly kind: 'copyIn'; readonly table: string; readonly csv: boolean }
  | { readonly kind: 'copyOut'; readonly table: string }
  | { readonly kind: 'begin' | 'commit' | 'rollback' }
  | { readonly kind: 'set'; readonly name: string; readonly value: string }
  | { readonly kind: 'show'; readonly name: string };

interface MemStatement extends PreparedStatement {
  readonly plan: Plan;
}

const typeByName: Record<string, number> = {
  int: TypeOid.int4,
  int4: TypeOid.int4,
  integer: TypeOid.int4,
  int8: TypeOid.int8,
  bigint: TypeOid.int8,
  text: TypeOid.text,
  varchar: TypeOid.varchar,
  bool: TypeOid.bool,
  boolean: TypeOid.bool,
};
const typeSize: Record<number, number> = {
  [TypeOid.int4]: 4,
  [TypeOid.int8]: 8,
  [TypeOid.bool]: 1,
  [TypeOid.void]: 4,
};
const canonicalTypeName: Record<number, string> = {
  [TypeOid.int4]: 'int4',
  [TypeOid.int8]: 'int8',
  [TypeOid.text]: 'text',
  [TypeOid.varchar]: 'varchar',
  [TypeOid.bool]: 'bool',
};

function column(name: string, typeOid: number): ColumnDescription {
  return {
    name,
    tableOid: 0,
    columnAttr: 0,
    typeOid,
    typeSize: typeSize[typeOid] ?? -1,
    typeModifier: -1,
  };
}

function syntaxError(sql: string): SqlError {
  const word = /^\s*(\S+)/.exec(sql)?.[1] ?? sql;
  return new SqlError(SqlState.syntaxError, `syntax error at or near "${word}"`, {
    position: sql.length - sql.trimStart().length + 1,
  });
}

/** Splits on ';' outside single quotes; drops empty statements. */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of sql) {
    if (ch === "'") quoted = !quoted;
    if (ch === ';' && !quoted) {
      if (cur.trim() !== '') out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

function literal(text: string): Datum | undefined {
  const t = text.trim();
  if (/^[+-]?\d+$/.test(t)) {
    const n = Number(t);
    return Number.isSafeInteger(n) && Math.abs(n) <= 0x7fffffff ? n : BigInt(t);
  }
  if (/^'.*'$/s.test(t)) return t.slice(1, -1).replace(/''/g, "'");
  if (/^true$/i.test(t)) return true;
  if (/^false$/i.test(t)) return false;
  if (/^null$/i.test(t)) return null;
  return undefined;
}

function typeOfLiteral(v: Datum): number {
  if (typeof v === 'number') return TypeOid.int4;
  if (typeof v === 'bigint') return TypeOid.int8;
  if (typeof v === 'boolean') return TypeOid.bool;
  return TypeOid.text;
}

/** Splits a select list on commas outside quotes and parentheses. */
function splitList(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (const ch of s) {
    if (ch === "'") quoted = !quoted;
    if (!quoted && ch === '(') depth++;
    if (!quoted && ch === ')') depth--;
    if (ch === ',' && !quoted && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function plan(
  sql: string,
  paramTypes: number[],
): { plan: Plan; columns: ColumnDescription[] | null } {
  const s = sql.trim().replace(/;$/, '').trim();
  let m: RegExpExecArray | null;
  if (/^(begin|start transaction)$/i.test(s)) return { plan: { kind: 'begin' }, columns: null };
  if (/^(commit|end)$/i.test(s)) return { plan: { kind: 'commit' }, columns: null };
  if (/^rollback$/i.test(s)) return { plan: { kind: 'rollback' }, columns: null };
  if ((m = /^set\s+(?:session\s+)?(\w+)\s*(?:=|to)\s*(.+)$/i.exec(s))) {
    const v = m[2].trim().replace(/^'(.*)'$/, '$1');
    return { plan: { kind: 'set', name: m[1], value: v }, columns: null };
  }
  if ((m = /^show\s+(\w+)$/i.exec(s)))
    return {
      plan: { kind: 'show', name: m[1] },
      columns: [column(m[1].toLowerCase(), TypeOid.text)],
    };
  if ((m = /^select\s+generate_series\s*\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)$/i.exec(s))) {
    return {
      plan: { kind: 'series', from: Number(m[1]), to: Number(m[2]) },
      columns: [column('generate_series', TypeOid.int4)],
    };
  }
  if ((m = /^select\s+pg_sleep\s*\(\s*([\d.]+)\s*\)$/i.exec(s))) {
    return {
      plan: { kind: 'sleep', seconds: Number(m[1]) },
      columns: [column('pg_sleep', TypeOid.void)],
    };
  }
  if ((m = /^select\s+notice\s*\(\s*'([^']*)'\s*\)$/i.exec(s))) {
    return { plan: { kind: 'notice', text: m[1] }, columns: [column('notice', TypeOid.void)] };
  }
  if ((m = /^select\s+\*\s+from\s+(\w+)$/i.exec(s)))
    return { plan: { kind: 'scan', table: m[1].toLowerCase() }, columns: null };
  if ((m = /^create\s+table\s+(\w+)\s*\((.*)\)$/is.exec(s))) {
    const cols = splitList(m[2]).map((c) => {
      const [name, type] = c.trim().split(/\s+/);
      const oid = typeByName[(type ?? '').toLowerCase()];
      if (oid === undefined)
        throw new SqlError(SqlState.undefinedObject, `type "${type}" does not exist`);
      return column(name.toLowerCase(), oid);
    });
    return { plan: { kind: 'create', table: m[1].toLowerCase(), columns: cols }, columns: null };
  }
  if ((m = /^insert\s+into\s+(\w+)\s+values\s*\((.*)\)$/is.exec(s))) {
    const values = splitList(m[2]).map((v) => {
      const d = literal(v);
      if (d === undefined) throw syntaxError(v);
      return d;
    });
    return { plan: { kind: 'insert', table: m[1].toLowerCase(), values }, columns: null };
  }
  if ((m = /^copy\s+(\w+)\s+from\s+stdin(?:\s*\(\s*format\s+(\w+)\s*\))?$/i.exec(s))) {
    return {
      plan: {
        kind: 'copyIn',
        table: m[1].toLowerCase(),
        csv: (m[2] ?? '').toLowerCase() === 'csv',
      },
      columns: null,
    };
  }
  if ((m = /^copy\s+(\w+)\s+to\s+stdout$/i.exec(s)))
    return { plan: { kind: 'copyOut', table: m[1].toLowerCase() }, columns: null };
  if ((m = /^select\s+(.+)$/is.exec(s))) {
    const items: Item[] = [];
    const columns: ColumnDescription[] = [];
    for (const raw of splitList(m[1])) {
      let text = raw.trim();
      let name: string | undefined;
      const as = /^(.*?)\s+as\s+(\w+)$/is.exec(text);
      if (as) {
        text = as[1].trim();
        name = as[2];
      }
      let pm: RegExpExecArray | null;
      if ((pm = /^\$(\d+)(?:::(\w+))?$/.exec(text))) {
        const index = Number(pm[1]) - 1;
        let oid =
          pm[2] !== undefined ? typeByName[pm[2].toLowerCase()] : paramTypes[index] || TypeOid.text;
        if (oid === undefined)
          throw new SqlError(SqlState.undefinedObject, `type "${pm[2]}" does not exist`);
        if (!paramTypes[index]) paramTypes[index] = oid;
        else if (pm[2] === undefined) oid = paramTypes[index];
        items.push({ kind: 'param', index });
        columns.push(
          column(name ?? (pm[2] !== undefined ? canonicalTypeName[oid] : '?column?'), oid),
        );
        continue;
      }
      if (/^unprintable\(\)$/i.test(text)) {
        items.push({ kind: 'const', value: 'not an interval' });
        columns.push(column(name ?? 'unprintable', TypeOid.interval));
        continue;
      }
      if (/^1\s*\/\s*0$/.test(text)) {
        items.push({ kind: 'divzero' });
        columns.push(column(name ?? '?column?', TypeOid.int4));
        continue;
      }
      const v = literal(text);
      if (v === undefined) throw syntaxError(text);
      items.push({ kind: 'const', value: v });
      columns.push(
        column(name ?? (typeof v === 'boolean' ? 'bool' : '?column?'), typeOfLiteral(v)),
      );
    }
    for (let i = 0; i < paramTypes.length; i++) if (!paramTypes[i]) paramTypes[i] = TypeOid.text;
    return { plan: { kind: 'select', items }, columns };
  }
  throw syntaxError(s);
}

const reported: ReadonlyArray<[string, string]> = [
  ['application_name', ''],
  ['client_encoding', 'UTF8'],
  ['DateStyle', 'ISO, MDY'],
  ['default_transaction_read_only', 'off'],
  ['in_hot_standby', 'off'],
  ['integer_datetimes', 'on'],
  ['IntervalStyle', 'postgres'],
  ['is_superuser', 'on'],
  ['server_encoding', 'UTF8'],
  ['server_version', '15.0 (ShardDB memory engine)'],
  ['session_authorization', ''],
  ['standard_conforming_strings', 'on'],
  ['TimeZone', 'UTC'],
];

export interface MemoryEngineOptions {
  /** user → stored verifier (SCRAM-SHA-256$…, md5…, or plain). */
  readonly verifiers?: ReadonlyMap<string, string>;
  /** Databases that exist; absent: any. */
  readonly databases?: readonly string[];
}

export class MemoryEngine implements SqlEngine {
  readonly tables = new Map<string, Table>();
  /** Parsed statements by (sql, declared types): a real engine caches plans the same way. */
  private readonly cache = new Map<
    string,
    { plan: Plan; columns: ColumnDescription[] | null; paramTypes: number[] }
  >();
  readonly sessions = new Set<MemorySession>();

  constructor(private readonly options: MemoryEngineOptions = {}) {}

  passwordVerifier(user: string): Promise<string | undefined> {
    return Promise.resolve(this.options.verifiers?.get(user));
  }

  openSession(info: SessionStartInfo, events: SessionEvents): Promise<EngineSession> {
    if (this.options.databases && !this.options.databases.includes(info.database)) {
      return Promise.reject(
        new SqlError(SqlState.undefinedDatabase, `database "${info.database}" does not exist`, {
          severity: 'FATAL',
        }),
      );
    }
    const s = new MemorySession(this, info, events);
    this.sessions.add(s);
    return Promise.resolve(s);
  }

  compile(sql: string, declared: readonly number[]): MemStatement {
    const key = declared.length === 0 ? sql : `${sql}\u0000${declared.join(',')}`;
    let c = this.cache.get(key);
    if (c === undefined) {
      const paramTypes = [...declared];
      const p = plan(sql, paramTypes);
      c = { ...p, paramTypes };
      if (this.cache.size < 10_000) this.cache.set(key, c);
    }
    return { sql, plan: c.plan, columns: c.columns, paramTypes: c.paramTypes };
  }
}

function canceled(): SqlError {
  return new SqlError(SqlState.queryCanceled, 'canceling statement due to user request');
}

const abortedMessage =
  'current transaction is aborted, commands ignored until end of transaction block';

export class MemorySession implements EngineSession {
  private status: TransactionStatus = 'I';
  private explicit = false;
  private readonly settings = new Map<string, string>();
  private cancelHook: (() => void) | undefined;
  closed = false;

  constructor(
    private readonly engine: MemoryEngine,
    info: SessionStartInfo,
    private readonly events: SessionEvents,
  ) {
    for (const [k, v] of reported) this.settings.set(k.toLowerCase(), v);
    this.settings.set('session_authorization', info.user);
    for (const [k, v] of info.parameters)
      if (k !== 'user' && k !== 'database') this.settings.set(k.toLowerCase(), v);
  }

  prepareMany(sql: string): PreparedStatement[] {
    return splitStatements(sql).map((s) => this.prepare(s, []));
  }

  prepare(sql: string, paramTypeOids: readonly number[]): PreparedStatement {
    if (splitStatements(sql).length > 1) {
      throw new SqlError(
        SqlState.syntaxError,
        'cannot insert multiple commands into a prepared statement',
      );
    }
    try {
      return this.engine.compile(sql, paramTypeOids);
    } catch (err) {
      this.failed();
      throw err;
    }
  }

  private failed(): void {
    if (this.explicit) this.status = 'E';
  }

  abort(): Promise<void> {
    this.failed();
    return Promise.resolve();
  }

  bind(statement: PreparedStatement, params: readonly Datum[]): Portal {
    const st = statement as MemStatement;
    const p = st.plan;
    if (this.status === 'E' && p.kind !== 'commit' && p.kind !== 'rollback') {
      throw new SqlError(SqlState.inFailedSqlTransaction, abortedMessage);
    }
    switch (p.kind) {
      case 'copyIn':
        return this.copyIn(p.table, p.csv);
      case 'copyOut':
        return this.copyOut(p.table);
      default:
        return new MemoryRowsPortal(this, st, params);
    }
  }

  /** Runs a rows statement's effect; returns all rows (series is sliced by the portal). */
  async run(st: MemStatement, params: readonly Datum[]): Promise<{ rows: Datum[][]; tag: string }> {
    const p = st.plan;
    switch (p.kind) {
      case 'select': {
        const row: Datum[] = new Array<Datum>(p.items.length);
        for (let i = 0; i < p.items.length; i++) {
          const it = p.items[i];
          if (it.kind === 'const') row[i] = it.value;
          else if (it.kind === 'param') row[i] = params[it.index] ?? null;
          else throw new SqlError(SqlState.divisionByZero, 'division by zero');
        }
        return { rows: [row], tag: 'SELECT 1' };
      }
      case 'sleep':
        await this.sleep(p.seconds * 1000);
        return { rows: [[null]], tag: 'SELECT 1' };
      case 'notice':
        this.events.notice({ severity: 'NOTICE', code: '00000', message: p.text });
        return { rows: [[null]], tag: 'SELECT 1' };
      case 'scan': {
        const t = this.table(p.table);
        return { rows: t.rows.map((r) => [...r]), tag: `SELECT ${t.rows.length}` };
      }
      case 'create':
        if (this.engine.tables.has(p.table))
          throw new SqlError(SqlState.duplicateTable, `relation "${p.table}" already exists`);
        this.engine.tables.set(p.table, { columns: p.columns, rows: [] });
        return { rows: [], tag: 'CREATE TABLE' };
      case 'insert': {
        const t = this.table(p.table);
        t.rows.push(p.values);
        return { rows: [], tag: 'INSERT 0 1' };
      }
      case 'begin':
        if (this.explicit) {
          this.events.notice({
            severity: 'WARNING',
            code: '25001',
            message: 'there is already a transaction in progress',
          });
        }
        this.explicit = true;
        this.status = 'T';
        return { rows: [], tag: 'BEGIN' };
      case 'commit': {
        const tag = this.status === 'E' ? 'ROLLBACK' : 'COMMIT';
        if (!this.explicit) {
          this.events.notice({
            severity: 'WARNING',
            code: '25P01',
            message: 'there is no transaction in progress',
          });
        }
        this.explicit = false;
        this.status = 'I';
        return { rows: [], tag };
      }
      case 'rollback':
        this.explicit = false;
        this.status = 'I';
        return { rows: [], tag: 'ROLLBACK' };
      case 'set': {
        const name = p.name.toLowerCase();
        this.settings.set(name, p.value);
        const rep = reported.find(([k]) => k.toLowerCase() === name);
        if (rep !== undefined) this.events.parameterStatus(rep[0], p.value);
        return { rows: [], tag: 'SET' };
      }
      case 'show': {
        const v = this.settings.get(p.name.toLowerCase());
        if (v === undefined)
          throw new SqlError(
            SqlState.undefinedObject,
            `unrecognized configuration parameter "${p.name}"`,
          );
        return { rows: [[v]], tag: 'SHOW' };
      }
      default:
        throw new SqlError(SqlState.internalError, `unexpected plan ${p.kind}`);
    }
  }

  table(name: string): Table {
    const t = this.engine.tables.get(name);
    if (t === undefined)
      throw new SqlError(SqlState.undefinedTable, `relation "${name}" does not exist`);
    return t;
  }

  /** A wait that cancel() ends with 57014. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        this.cancelHook = undefined;
        resolve();
      }, ms);
      this.cancelHook = () => {
        clearTimeout(t);
        this.cancelHook = undefined;
        reject(canceled());
      };
    });
  }

  /** Wraps engine work so that an error aborts an explicit transaction. */
  async guard<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (err) {
      this.failed();
      throw err;
    }
  }

  private copyIn(tableName: string, csv: boolean): CopyInPortal {
    const t = this.table(tableName);
    let partial = '';
    const staged: Datum[][] = [];
    const sep = csv ? ',' : '\t';
    const addLine = (line: string): void => {
      if (line === '') return;
      const fields = line.split(sep);
      if (fields.length !== t.columns.length) {
        throw new SqlError(
          SqlState.badCopyFileFormat,
          `missing data for column "${t.columns[fields.length]?.name ?? '?'}"`,
        );
      }
      staged.push(
        fields.map((f, i) =>
          (!csv && f === '\\N') || (csv && f === '')
            ? null
            : parseText(t.columns[i].typeOid, f, defaultFormatSettings),
        ),
      );
    };
    return {
      kind: 'copyIn',
      format: 0,
      columnCount: t.columns.length,
      write: (chunk: Buffer) => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        try {
          for (const l of lines) addLine(l);
        } catch (err) {
          this.failed();
          throw err;
        }
      },
      done: () => {
        try {
          addLine(partial);
        } catch (err) {
          this.failed();
          return Promise.reject(err);
        }
        for (const r of staged) t.rows.push(r);
        return Promise.resolve(`COPY ${staged.length}`);
      },
      fail: () => {
        this.failed();
        staged.length = 0;
        return Promise.resolve();
      },
    };
  }

  private copyOut(tableName: string): CopyOutPortal {
    const t = this.table(tableName);
    let i = 0;
    const portal = {
      kind: 'copyOut' as const,
      format: 0 as const,
      columnCount: t.columns.length,
      tag: undefined as string | undefined,
      read: (): Promise<Buffer | null> => {
        if (i >= t.rows.length) {
          portal.tag = `COPY ${t.rows.length}`;
          return Promise.resolve(null);
        }
        const r = t.rows[i++];
        const line = r
          .map((v, c) =>
            v === null ? '\\N' : formatText(t.columns[c].typeOid, v, defaultFormatSettings),
          )
          .join('\t');
        return Promise.resolve(Buffer.from(line + '\n'));
      },
    };
    return portal;
  }

  sync(): Promise<void> {
    if (!this.explicit) this.status = 'I';
    return Promise.resolve();
  }

  transactionStatus(): TransactionStatus {
    return this.status;
  }

  reportedParameters(): ReadonlyArray<[string, string]> {
    return reported.map(([k]) => [k, this.settings.get(k.toLowerCase()) ?? '']);
  }

  setting(name: string): string | undefined {
    return this.settings.get(name.toLowerCase());
  }

  cancel(): void {
    this.cancelHook?.();
  }

  close(): Promise<void> {
    this.closed = true;
    this.cancelHook?.();
    this.engine.sessions.delete(this);
    return Promise.resolve();
  }
}

class MemoryRowsPortal implements RowsPortal {
  readonly kind = 'rows' as const;
  readonly columns: readonly ColumnDescription[] | null;
  private result: { rows: Datum[][]; tag: string } | undefined;
  private pos = 0;
  private seriesNext: number;
  closed = false;

  constructor(
    private readonly session: MemorySession,
    private readonly st: MemStatement,
    private readonly params: readonly Datum[],
  ) {
    this.seriesNext = st.plan.kind === 'series' ? st.plan.from : 0;
    this.columns = st.plan.kind === 'scan' ? session.table(st.plan.table).columns : st.columns;
  }

  fetch(maxRows: number): Promise<{ rows: Datum[][]; done: boolean; tag?: string }> {
    const p = this.st.plan;
    if (p.kind === 'series') {
      const rows: Datum[][] = [];
      while (this.seriesNext <= p.to && (maxRows === 0 || rows.length < maxRows))
        rows.push([this.seriesNext++]);
      const done = this.seriesNext > p.to;
      this.pos += rows.length;
      return Promise.resolve({ rows, done, tag: done ? `SELECT ${this.pos}` : undefined });
    }
    if (this.result === undefined) {
      if (p.kind === 'select' && p.items.every((it) => it.kind !== 'divzero')) {
        // The hot path: no promise chain beyond the one returned.
        this.result = syncSelect(p.items, this.params);
      } else {
        return this.session.guard(this.session.run(this.st, this.params)).then((r) => {
          this.result = r;
          return this.slice(maxRows);
        });
      }
    }
    return Promise.resolve(this.slice(maxRows));
  }

  private slice(maxRows: number): { rows: Datum[][]; done: boolean; tag?: string } {
    const r = this.result as { rows: Datum[][]; tag: string };
    const end = maxRows === 0 ? r.rows.length : Math.min(r.rows.length, this.pos + maxRows);
    const rows = r.rows.slice(this.pos, end);
    this.pos = end;
    const done = end >= r.rows.length;
    let tag: string | undefined;
    if (done) tag = r.tag.startsWith('SELECT') ? `SELECT ${r.rows.length}` : r.tag;
    return { rows, done, tag };
  }

  close(): void {
    this.closed = true;
  }
}

function syncSelect(
  items: readonly Item[],
  params: readonly Datum[],
): { rows: Datum[][]; tag: string } {
  const row = new Array<Datum>(items.length);
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    row[i] =
      it.kind === 'const' ? it.value : it.kind === 'param' ? (params[it.index] ?? null) : null;
  }
  return { rows: [row], tag: 'SELECT 1' };
}
