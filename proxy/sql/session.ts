/**
 * One client session of the SQL engine (the EngineSession that pgwire drives): statement
 * preparation through a per-proxy plan cache, session settings, portals.
 *
 * Transactions (sessionTxn.ts): every statement runs in the session's transaction — an
 * explicit BEGIN … COMMIT block or an implicit one per Sync / simple Query string — and
 * sees it through ExecContext.txn. DDL and admin statements run outside it (their writes
 * commit on their own, as internal transactions).
 */
import { SqlError, SqlState } from '../../common/errors';
import type { Datum } from '../../common/types/datum';
import { TypeOid } from '../../common/types/datum';
import type {
  ColumnDescription,
  EngineSession,
  Portal,
  PreparedStatement,
  RowsPortal,
  SessionEvents,
  SessionStartInfo,
  TransactionStatus,
} from '../engine';
import type { ExecContext } from './context';
import { AstNode, parseSql, type ParsedStatement } from './parser';
import { compileStatement, CompiledStatement } from './statements';
import type { PlanCache } from './planCache';
import { parseAdmin } from './admin';
import { utilityStatement, type UtilityHost } from './utility';
import { parseIsolation, SessionTxn, type TxnOptionList } from './sessionTxn';
import { compileCopy, copyInPortal, copyOutPortal, type CopyPlan } from './copy';
import { CursorOpt, CursorSet, readFetch, type FetchCommand } from './cursors';
import { defaultFormatSettings, type FormatSettings } from '../../common/types/io';
import { race, StatementCancel } from '../txn/statementCancel';
import type { Transaction } from '../txn/transaction';
import { AsyncCallNeeded } from '../catalog/runtime';
import { parseStartupOptions } from './startupOptions';
import { SessionSettings } from './sessionSettings';
import { noParameterError } from './paramRefs';

/** Statement kinds that run outside the session's transaction (catalog changes). */
const DDL_KINDS = new Set([
  'CreateStmt',
  'DropStmt',
  'IndexStmt',
  'AlterTableStmt',
  'RenameStmt',
  'TruncateStmt',
  'CreateSchemaStmt',
  'CreateSeqStmt',
]);

/** PostgreSQL time units for settings like lock_timeout (ms when none). */
function parseDurationMs(v: string, name = 'lock_timeout'): number {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*(ms|s|min|h|d)?\s*$/i.exec(v);
  if (!m)
    throw new SqlError(
      SqlState.invalidParameterValue,
      `invalid value for parameter "${name}": "${v}"`,
    );
  const mult: Record<string, number> = { ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };
  return Math.round(Number(m[1]) * mult[(m[2] ?? 'ms').toLowerCase()]);
}

/** BEGIN / SET TRANSACTION options (DefElem list). */
function txnOptions(list: AstNode[] | undefined): TxnOptionList {
  const out: TxnOptionList = {};
  for (const o of list ?? []) {
    const d = o.DefElem as AstNode;
    const c = (d.arg as AstNode | undefined)?.A_Const as AstNode | undefined;
    if (d.defname === 'transaction_isolation')
      out.isolation = parseIsolation(String((c?.sval as AstNode | undefined)?.sval ?? ''));
    else if (d.defname === 'transaction_read_only')
      out.readOnly = Number((c?.ival as AstNode | undefined)?.ival ?? 0) === 1;
  }
  return out;
}

export const SERVER_VERSION = '15.0 (ShardDB 0.1.0)';

type RunFn = (params: readonly Datum[]) => Promise<{ rows: Datum[][]; tag: string }>;

/**
 * A prepared statement. Compiled statements are shared through the plan cache by every
 * session, so they carry no session: the session that binds one runs it in its own
 * transaction (`compiled`). Session statements (SET, BEGIN …) carry their closure (`run`).
 */
class Prepared implements PreparedStatement {
  constructor(
    readonly sql: string,
    readonly paramTypes: readonly number[],
    readonly columns: readonly ColumnDescription[] | null,
    readonly run: RunFn | null,
    /** Replaced when the catalog moved on since it was planned (SqlSession.current). */
    public compiled: CompiledStatement | null = null,
    /** Runs outside the session's transaction (DDL, admin). */
    readonly outside = false,
    /** Allowed in an aborted block (ROLLBACK, COMMIT, ROLLBACK TO). */
    readonly endsBlock = false,
  ) {}
  /** The verb refused in a READ ONLY transaction (INSERT, UPDATE, …), or null. */
  writes: string | null = null;
  /** COPY … FROM STDIN / TO STDOUT: what runs at Bind. */
  copy: CopyPlan | null = null;
  /** FETCH / MOVE: bound against the cursor as it is at Bind (its columns). */
  fetch: FetchCommand | null = null;
  /** The catalog version `compiled` was planned against (-1: not catalog-dependent). */
  catalogVersion = -1;
  /** A statement of a multi-statement Query string, planned when its turn comes (bind). */
  deferred: ParsedStatement | null = null;
}

/** The statements an aborted block accepts (postgres.c IsTransactionExitStmt). */
const exitKinds = new Set([
  'TRANS_STMT_COMMIT',
  'TRANS_STMT_ROLLBACK',
  'TRANS_STMT_ROLLBACK_TO',
  'TRANS_STMT_PREPARE',
  'TRANS_STMT_COMMIT_PREPARED',
  'TRANS_STMT_ROLLBACK_PREPARED',
]);

function endsBlock(node: AstNode): boolean {
  const t = node.TransactionStmt as AstNode | undefined;
  return t !== undefined && exitKinds.has(String(t.kind));
}

/** Same result row shape (names and types), as a re-planned statement must keep. */
function sameColumns(
  a: readonly ColumnDescription[] | null,
  b: readonly ColumnDescription[] | null,
): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.length === b.length &&
    a.every(
      (c, i) =>
        c.name === b[i].name && c.typeOid === b[i].typeOid && c.typeModifier === b[i].typeModifier,
    )
  );
}

function writeVerb(kind: string, node: AstNode): string | null {
  if (kind === 'InsertStmt') return 'INSERT';
  if (kind === 'UpdateStmt') return 'UPDATE';
  if (kind === 'DeleteStmt') return 'DELETE';
  if (kind === 'SelectStmt' && (node.SelectStmt as AstNode).lockingClause)
    return 'SELECT FOR UPDATE';
  return null;
}

/** Settings a session can SET and SHOW, with PostgreSQL 15's defaults. */
const defaultSettings: ReadonlyArray<[string, string]> = [
  ['application_name', ''],
  ['client_encoding', 'UTF8'],
  ['DateStyle', 'ISO, MDY'],
  ['default_transaction_read_only', 'off'],
  ['in_hot_standby', 'off'],
  ['integer_datetimes', 'on'],
  ['IntervalStyle', 'postgres'],
  ['is_superuser', 'on'],
  ['server_encoding', 'UTF8'],
  ['server_version', SERVER_VERSION],
  ['session_authorization', 'postgres'],
  ['standard_conforming_strings', 'on'],
  ['TimeZone', 'UTC'],
];
/** Settings PostgreSQL reports to the client whenever they change (GUC_REPORT). */
const reported = new Set(defaultSettings.map(([k]) => k.toLowerCase()));
const extraSettings: ReadonlyArray<[string, string]> = [
  ['extra_float_digits', '1'],
  ['search_path', '"$user", public'],
  ['statement_timeout', '0'],
  ['lock_timeout', '0'],
  ['default_transaction_isolation', 'read committed'],
  ['transaction_isolation', 'read committed'],
  ['transaction_read_only', 'off'],
  ['bytea_output', 'hex'],
  ['client_min_messages', 'notice'],
];

/** A duration setting parsed once per value it takes (read on every statement). */
class DurationSetting {
  private raw = '';
  private ms = 0;
  constructor(private readonly name: string) {}
  get(value: string | undefined): number {
    const v = value ?? '0';
    if (v !== this.raw) {
      this.ms = parseDurationMs(v, this.name);
      this.raw = v;
    }
    return this.ms;
  }
}

export class SqlSession implements EngineSession {
  /** Transactional (sessionSettings.ts); GUC_REPORT ones are reported as they change. */
  private readonly settings = new SessionSettings((name, value) => {
    if (reported.has(name.toLowerCase())) this.events.parameterStatus(name, value);
  });
  /**
   * The running statement's cancel; null between statements, where a CancelRequest does
   * nothing (PostgreSQL: a cancel that finds the backend idle is dropped).
   */
  private running: StatementCancel | null = null;
  private readonly statementTimeout = new DurationSetting('statement_timeout');
  private readonly lockTimeout = new DurationSetting('lock_timeout');
  private readonly txn: SessionTxn;
  /** DECLARE … CURSOR (cursors.ts). */
  readonly cursors = new CursorSet();

  constructor(
    private readonly ctx: ExecContext,
    private readonly plans: PlanCache,
    info: SessionStartInfo,
    private readonly events: SessionEvents,
  ) {
    if (ctx.txnDeps === undefined) throw new Error('the SQL session needs the transaction layer');
    this.txn = new SessionTxn(ctx.txnDeps, {
      isolation: () =>
        parseIsolation(this.setting('default_transaction_isolation') ?? 'read committed'),
      readOnlyDefault: () => this.setting('default_transaction_read_only') === 'on',
      lockTimeoutMs: () => {
        const ms = parseDurationMs(this.setting('lock_timeout') ?? '0');
        return ms > 0 ? ms : undefined;
      },
      notice: (n) => this.events.notice(n),
      undoContext: () => this.ctx,
    });
    for (const [k, v] of [...defaultSettings, ...extraSettings]) this.settings.init(k, v);
    this.settings.init('session_authorization', info.user);
    // `options=-c statement_timeout=…` (PGOPTIONS) sets session defaults like a parameter does.
    const startup = [...info.parameters];
    const options = info.parameters.get('options');
    if (options !== undefined) startup.push(...parseStartupOptions(options));
    for (const [k, v] of startup) {
      const known = this.settings.get(k.toLowerCase());
      if (
        known &&
        ![
          'server_version',
          'server_encoding',
          'integer_datetimes',
          'is_superuser',
          'session_authorization',
        ].includes(known.name)
      ) {
        this.settings.init(known.name, v);
      }
    }
  }

  prepareMany(sql: string): Promise<PreparedStatement[]> | PreparedStatement[] {
    const hit = this.plans.get(sql, []);
    // Parse caches `SELECT $1` (no declared types) under the same key: a simple Query has
    // no parameters, so that text is prepared again to fail (prepareInner).
    if (hit && hit.paramTypes.length === 0) return [hit];
    return this.prepareAll(sql, [], true);
  }

  prepare(
    sql: string,
    paramTypeOids: readonly number[],
  ): Promise<PreparedStatement> | PreparedStatement {
    const hit = this.plans.get(sql, paramTypeOids);
    if (hit) {
      // Only statements that end the block are parsed in an aborted one (postgres.c
      // exec_parse_message: IsTransactionExitStmt); cached plans never are such.
      this.txn.checkNotAborted();
      return hit;
    }
    return this.prepareAll(sql, paramTypeOids, false).then((list) => {
      if (list.length > 1)
        throw new SqlError(
          SqlState.syntaxError,
          'cannot insert multiple commands into a prepared statement',
        );
      return list[0] ?? this.emptyStatement(sql);
    });
  }

  private emptyStatement(sql: string): PreparedStatement {
    return new Prepared(sql, [], null, async () => ({ rows: [], tag: '' }));
  }

  /** Runs a bound statement in the session's transaction (see the class comment). */
  private async runStatement(
    stmt: Prepared,
    params: readonly Datum[],
  ): Promise<{ rows: Datum[][]; tag: string }> {
    if (stmt.endsBlock) return (stmt.run as RunFn)(params);
    this.txn.checkNotAborted();
    const cancel = this.statementStarts();
    try {
      if (stmt.compiled === null) return await (stmt.run as RunFn)(params);
      if (stmt.outside)
        return await stmt.compiled.execute(
          {
            ...this.ctx,
            cancel,
            lockTimeoutMs: this.lockTimeout.get(this.settings.get('lock_timeout')?.value),
            noteCatalogUndo: (u) => this.txn.noteCatalogUndo(u),
            openTxn: this.txn.open ?? undefined,
          },
          params,
        );
      // Outside a transaction block, a statement that reads nothing needs no timestamp.
      if (stmt.compiled.readsNoData === true && this.txn.idle)
        return await stmt.compiled.execute({ ...this.ctx, cancel }, params);
      const st = await this.txn.forStatement();
      cancel.check();
      // After the transaction's timestamp: a DDL answered before it is known by now.
      const behind = this.catchUpWithMeta();
      if (behind !== null) await behind;
      const compiled =
        stmt.catalogVersion === this.ctx.catalog.knownVersion
          ? stmt.compiled
          : await this.replan(stmt);
      if (st.txn.options.readOnly && stmt.writes)
        throw new SqlError(
          SqlState.readOnlySqlTransaction,
          `cannot execute ${stmt.writes} in a read-only transaction`,
        );
      return await this.underCancel(st.txn, cancel, () =>
        compiled.execute({ ...this.ctx, txn: st, cancel }, params),
      );
    } catch (err) {
      // A cancelled statement fails like any other (xact.c): the block is aborted (25P02
      // until ROLLBACK), an implicit transaction rolls back its locks and prewrites.
      await this.statementFailed();
      // pg_sleep and the advisory lock functions wait between evaluations (catalog/runtime.ts
      // callAsync), which only SELECT does so far.
      if (err instanceof AsyncCallNeeded)
        throw new SqlError(
          SqlState.featureNotSupported,
          'functions that wait (pg_sleep, pg_advisory_lock) are supported in SELECT only',
        );
      throw err;
    } finally {
      this.statementEnds(cancel);
    }
  }

  /**
   * Refreshes the catalog and range caches when meta named newer versions with a timestamp
   * (MetaClient.seenCatalogVersion) than they hold: a table dropped and created again, or
   * a range carved for a new table, through another proxy or worker, is what the next
   * statement uses, not what the periodic poll will bring. Null (no await) when current.
   */
  private catchUpWithMeta(): Promise<unknown> | null {
    const { meta, catalog, ranges } = this.ctx;
    const c = meta.seenCatalogVersion > catalog.knownVersion;
    const r = meta.seenRangeVersion > ranges.knownVersion;
    if (!c && !r) return null;
    return Promise.all([c ? catalog.refresh() : null, r ? ranges.refresh() : null]);
  }

  /**
   * A prepared statement planned against an older catalog is planned again before it runs,
   * with the parameter types it was prepared with, as PostgreSQL re-plans a cached plan
   * after DDL (plancache.c RevalidateCachedQuery); a plan whose result columns would
   * change fails with 0A000 like PostgreSQL's. The client keeps the same statement, so the
   * new plan replaces the old one in place (for every session that holds it).
   */
  private async replan(stmt: Prepared): Promise<CompiledStatement> {
    const version = this.ctx.catalog.knownVersion;
    const parsed = parseSql(stmt.sql);
    if (parsed.length !== 1) throw new Error('a compiled statement holds one statement');
    const compiled = await compileStatement(parsed[0].node, this.ctx, [...stmt.paramTypes]);
    if (!sameColumns(compiled.columns, stmt.columns))
      throw new SqlError(SqlState.featureNotSupported, 'cached plan must not change result type');
    stmt.compiled = compiled;
    stmt.catalogVersion = version;
    return compiled;
  }

  /** A statement starts: its cancel (CancelRequest target) and statement_timeout's timer. */
  private statementStarts(): StatementCancel {
    const cancel = new StatementCancel();
    // PostgreSQL ≥ 13 times each statement of a multi-statement Query on its own.
    const ms = this.statementTimeout.get(this.settings.get('statement_timeout')?.value);
    if (ms > 0) cancel.startTimer(ms);
    this.running = cancel;
    return cancel;
  }

  private statementEnds(cancel: StatementCancel): void {
    cancel.done();
    if (this.running === cancel) this.running = null;
  }

  /**
   * Runs fn with the transaction's waits bound to the statement's cancel and lock_timeout;
   * unbound before anything else uses the transaction (rollback, COMMIT at Sync).
   */
  private async underCancel<T>(
    txn: Transaction,
    cancel: StatementCancel,
    fn: () => Promise<T>,
  ): Promise<T> {
    txn.bindStatement(cancel, this.lockTimeout.get(this.settings.get('lock_timeout')?.value));
    try {
      return await fn();
    } finally {
      txn.bindStatement(undefined);
    }
  }

  /** A statement failed: abort the block or roll back the implicit transaction. */
  private async statementFailed(): Promise<void> {
    await this.txn.failed().catch(() => undefined); // rollback failures: locks expire by TTL
    const ended = this.afterTxnEnd(false);
    if (ended !== undefined) await ended;
  }

  /**
   * The session's transaction ended (no-op while a block is still open): cursors follow it
   * (cursors.ts), and what it queued beyond data — NOTIFY, LISTEN, transaction-level
   * advisory locks — happens or is dropped now. Returns undefined when there is nothing to
   * wait for, so the hot path pays no Promise.
   */
  private afterTxnEnd(committed: boolean, hadTransaction = true): Promise<void> | undefined {
    if (this.txn.inBlock) return undefined;
    this.settings.transactionEnded(committed);
    this.cursors.transactionEnded(committed);
    return hadTransaction ? this.onTransactionEnd?.(committed) : undefined;
  }

  /** Set by the engine (proxy/sql/engine.ts): see afterTxnEnd. */
  onTransactionEnd?: (committed: boolean) => Promise<void> | undefined;
  /** Set by the engine: LISTEN / UNLISTEN / NOTIFY (proxy/notify/sessionNotify.ts). */
  notifications?: {
    listen(channel: string): void;
    unlisten(channel: string | null): void;
    notify(channel: string, payload: string): void;
  };

  private async prepareAll(
    sql: string,
    declaredTypes: readonly number[],
    simple: boolean,
  ): Promise<PreparedStatement[]> {
    try {
      return await this.prepareInner(sql, declaredTypes, simple);
    } catch (err) {
      // A statement that fails to parse or plan aborts the block, or rolls back the
      // implicit transaction with what earlier messages before the same Sync wrote, as any
      // error does in PostgreSQL (postgres.c error recovery: AbortCurrentTransaction).
      await this.statementFailed();
      throw err;
    }
  }

  /**
   * Plans one statement of a Query string now, after the ones before it ran, then binds
   * it. Planned alone, its error positions count from its own start: moved to the string's.
   */
  private async bindDeferred(p: ParsedStatement, params: readonly Datum[]): Promise<Portal> {
    let planned: PreparedStatement[];
    try {
      planned = await this.prepareAll(p.sql, [], true);
    } catch (err) {
      if (err instanceof SqlError && err.position !== undefined && p.offset > 0)
        throw new SqlError(err.code, err.message, { ...err, position: err.position + p.offset });
      throw err;
    }
    return this.bind(planned[0] ?? this.emptyStatement(p.sql), params);
  }

  /**
   * An error the session did not raise itself ended the current message — pgwire's Bind
   * checks, an unknown statement or portal, a value that cannot be output: as after every
   * ERROR in PostgreSQL, the block is aborted (25P02 until ROLLBACK) or the implicit
   * transaction rolled back. Harmless after an error the session already handled.
   */
  abort(): Promise<void> {
    return this.statementFailed();
  }

  private async prepareInner(
    sql: string,
    declaredTypes: readonly number[],
    simple: boolean,
  ): Promise<PreparedStatement[]> {
    const admin = parseAdmin(sql);
    if (admin)
      return [
        new Prepared(
          sql,
          [],
          admin.columns,
          null,
          { paramTypes: [], columns: admin.columns, execute: (ctx) => admin.execute(ctx) },
          true,
        ),
      ];
    const parsed = parseSql(sql);
    // exec_parse_message: in an aborted block only COMMIT / ROLLBACK (TO) are analysed. A
    // simple Query checks each statement as it runs instead (runStatement, bind), since the
    // ones before it may end the block.
    if (!simple && parsed.length === 1 && !endsBlock(parsed[0].node)) this.txn.checkNotAborted();
    if (simple && parsed.length > 1) {
      // postgres.c exec_simple_query parses the whole string, then analyses and plans
      // each statement just before it runs: `CREATE TABLE t …; INSERT INTO t …` works.
      return parsed.map((p) => {
        const d = new Prepared(p.sql, [], null, null, null, false, endsBlock(p.node));
        d.deferred = p;
        return d;
      });
    }
    const out: PreparedStatement[] = [];
    for (const p of parsed) {
      if (simple) {
        // Checked as this statement runs, after the ones before it, as PostgreSQL analyses
        // each statement of a Query string just before running it.
        const noParameter = noParameterError(p.node);
        if (noParameter !== undefined) {
          out.push(new Prepared(p.sql, [], null, () => Promise.reject(noParameter)));
          continue;
        }
      }
      const session = this.sessionStatement(p.node);
      if (session) {
        out.push(session);
        continue;
      }
      if (p.node.CopyStmt) {
        const copy = new Prepared(p.sql, [], null, null);
        copy.copy = await compileCopy(p.node.CopyStmt as AstNode, this.ctx);
        out.push(copy);
        continue;
      }
      const cursorStmt = await this.cursorStatement(p.node, p.sql);
      if (cursorStmt) {
        out.push(cursorStmt);
        continue;
      }
      if (p.node.VacuumStmt) {
        // VACUUM / ANALYZE: MVCC garbage is collected below the GC safe point by the shards.
        const tag = (p.node.VacuumStmt as AstNode).is_vacuumcmd ? 'VACUUM' : 'ANALYZE';
        out.push(new Prepared(p.sql, [], null, async () => ({ rows: [], tag })));
        continue;
      }
      const paramTypes = [...declaredTypes];
      const catalogVersion = this.ctx.catalog.knownVersion;
      const compiled = await compileStatement(p.node, this.ctx, paramTypes);
      const resolvedTypes = compiled.paramTypes.map((t) => (t === 0 ? TypeOid.text : t));
      const [kind] = Object.keys(p.node);
      const stmt = new Prepared(
        p.sql,
        resolvedTypes,
        compiled.columns,
        null,
        compiled,
        DDL_KINDS.has(kind),
      );
      stmt.writes = writeVerb(kind, p.node);
      stmt.catalogVersion = catalogVersion;
      out.push(stmt);
      if (parsed.length === 1) this.plans.put(sql, simple ? [] : declaredTypes, stmt);
    }
    return out;
  }

  /** SET / SHOW / RESET / transaction control: handled in the session, not planned. */
  private sessionStatement(node: AstNode): Prepared | null {
    const utility = utilityStatement(node, this.utilityHost);
    if (utility)
      return new Prepared(utility.tag, [], null, async () => {
        await utility.run();
        return { rows: [], tag: utility.tag };
      });
    const [kind] = Object.keys(node);
    const stmt = node[kind] as AstNode;
    if (kind === 'VariableSetStmt' && stmt.kind === 'VAR_SET_MULTI') {
      const opts = txnOptions(stmt.args as AstNode[] | undefined);
      const target = String(stmt.name ?? '').toUpperCase();
      return new Prepared('SET', [], null, async () => {
        if (target === 'TRANSACTION') this.txn.setTransaction(opts);
        else if (target === 'SESSION CHARACTERISTICS') {
          if (opts.isolation !== undefined)
            this.settings.set('default_transaction_isolation', opts.isolation);
          if (opts.readOnly !== undefined)
            this.settings.set('default_transaction_read_only', opts.readOnly ? 'on' : 'off');
        } else throw new SqlError(SqlState.featureNotSupported, `SET ${target} is not supported`);
        return { rows: [], tag: 'SET' };
      });
    }
    if (kind === 'VariableSetStmt') {
      const name = String(stmt.name ?? '').toLowerCase();
      const kindOf = String(stmt.kind);
      const args = (stmt.args as AstNode[] | undefined) ?? [];
      const value = args
        .map((a) => {
          const c = a.A_Const as AstNode | undefined;
          if (!c) return '';
          const s = (c.sval as { sval?: string } | undefined)?.sval;
          const i = (c.ival as { ival?: number } | undefined)?.ival;
          const f = (c.fval as { fval?: string } | undefined)?.fval;
          return s ?? (i !== undefined ? String(i) : (f ?? (c.ival ? '0' : '')));
        })
        .join(', ');
      return new Prepared('SET', [], null, async () => {
        const entry = this.settings.get(name) ?? { name, value: '' };
        if (
          ['server_version', 'server_encoding', 'integer_datetimes', 'is_superuser'].includes(
            entry.name,
          )
        ) {
          throw new SqlError('55P02', `parameter "${name}" cannot be changed`);
        }
        const defaults = new Map(
          [...defaultSettings, ...extraSettings].map(([k, v]) => [k.toLowerCase(), v]),
        );
        const next =
          kindOf === 'VAR_SET_DEFAULT' || kindOf === 'VAR_RESET'
            ? (defaults.get(name) ?? '')
            : value;
        if (name === 'transaction_isolation') {
          this.txn.setTransaction({ isolation: parseIsolation(next) });
          return { rows: [], tag: 'SET' };
        }
        if (name === 'default_transaction_isolation') parseIsolation(next);
        if (name === 'lock_timeout') parseDurationMs(next);
        if (name === 'statement_timeout') parseDurationMs(next, name);
        const local = stmt.is_local === true;
        // PostgreSQL warns (25P01) and lets SET LOCAL last to the end of the implicit
        // transaction it runs in (guc.c ExecSetVariableStmt → WarnNoTransactionBlock).
        if (local && !this.txn.inBlock)
          this.events.notice({
            severity: 'WARNING',
            code: SqlState.noActiveSqlTransaction,
            message: 'SET LOCAL can only be used in transaction blocks',
          });
        this.settings.set(entry.name, next, local);
        return { rows: [], tag: kindOf === 'VAR_RESET' ? 'RESET' : 'SET' };
      });
    }
    if (kind === 'VariableShowStmt') {
      const name = String(stmt.name ?? '').toLowerCase();
      const entry = this.settings.get(name);
      const columns: ColumnDescription[] = [
        { name, tableOid: 0, columnAttr: 0, typeOid: TypeOid.text, typeSize: -1, typeModifier: -1 },
      ];
      return new Prepared('SHOW', [], columns, async () => {
        if (!entry)
          throw new SqlError(
            SqlState.undefinedObject,
            `unrecognized configuration parameter "${name}"`,
          );
        if (name === 'transaction_isolation') return { rows: [[this.txn.isolation]], tag: 'SHOW' };
        return { rows: [[entry.value]], tag: 'SHOW' };
      });
    }
    if (kind === 'TransactionStmt') return this.transactionStatement(stmt);
    return null;
  }

  private transactionStatement(stmt: AstNode): Prepared {
    const k = String(stmt.kind);
    const name = String(stmt.savepoint_name ?? '');
    const tx = this.txn;
    const make = (
      tag: string,
      fn: () => Promise<string | void> | string | void,
      endsBlock = false,
    ): Prepared =>
      new Prepared(
        tag,
        [],
        null,
        async () => ({ rows: [], tag: (await fn()) ?? tag }),
        null,
        false,
        endsBlock,
      );
    switch (k) {
      case 'TRANS_STMT_BEGIN':
      case 'TRANS_STMT_START':
        return make(k === 'TRANS_STMT_BEGIN' ? 'BEGIN' : 'START TRANSACTION', () => {
          tx.checkNotAborted();
          tx.begin(txnOptions(stmt.options as AstNode[] | undefined));
        });
      case 'TRANS_STMT_COMMIT':
        return make('COMMIT', () => this.ending(() => tx.commit()), true);
      case 'TRANS_STMT_ROLLBACK':
        return make(
          'ROLLBACK',
          () => this.ending(() => tx.rollback().then(() => 'ROLLBACK')),
          true,
        );
      // Settings changed since a savepoint follow its data (sessionSettings.ts).
      case 'TRANS_STMT_SAVEPOINT':
        return make('SAVEPOINT', () => {
          tx.savepoint(name);
          this.settings.savepoint(tx.savepointDepth);
        });
      case 'TRANS_STMT_RELEASE':
        return make('RELEASE', () => {
          tx.release(name);
          this.settings.release(tx.savepointDepth);
        });
      case 'TRANS_STMT_ROLLBACK_TO':
        return make(
          'ROLLBACK',
          async () => {
            await tx.rollbackTo(name);
            this.settings.rollbackTo(tx.savepointDepth);
          },
          true,
        );
      default:
        return make('TRANSACTION', () => {
          throw new SqlError(
            SqlState.featureNotSupported,
            'two-phase commit (PREPARE TRANSACTION) is not supported',
          );
        });
    }
  }

  /** COMMIT / ROLLBACK: the transaction ends whether or not the commit succeeds. */
  private async ending(fn: () => Promise<string>): Promise<string> {
    const hadBlock = this.txn.inBlock;
    let tag: string;
    try {
      tag = await fn();
    } catch (err) {
      await this.afterTxnEnd(false, hadBlock);
      throw err;
    }
    await this.afterTxnEnd(tag === 'COMMIT', hadBlock);
    return tag;
  }

  /** DECLARE / FETCH / MOVE / CLOSE, or null for other statements. */
  private async cursorStatement(node: AstNode, sql: string): Promise<Prepared | null> {
    if (node.FetchStmt) {
      const cmd = readFetch(node.FetchStmt as AstNode);
      const stmt = new Prepared(sql, [], null, null);
      stmt.fetch = cmd;
      return stmt;
    }
    if (node.ClosePortalStmt) {
      const name = (node.ClosePortalStmt as AstNode).portalname as string | undefined;
      return new Prepared(sql, [], null, async () => {
        if (name === undefined) this.cursors.closeAll();
        else this.cursors.close(name);
        return { rows: [], tag: 'CLOSE CURSOR' };
      });
    }
    if (!node.DeclareCursorStmt) return null;
    const d = node.DeclareCursorStmt as AstNode;
    const name = String(d.portalname);
    const opts = Number(d.options ?? 0);
    const hold = (opts & CursorOpt.hold) !== 0;
    const query = await compileStatement(d.query as AstNode, this.ctx, []);
    if (query.columns === null)
      throw new SqlError(
        SqlState.syntaxError,
        'DECLARE CURSOR must specify a query returning rows',
      );
    const columns = query.columns;
    return new Prepared(sql, [], null, async (params) => {
      // portalcmds.c PerformCursorOpen: RequireTransactionBlock unless WITH HOLD, then 42P03.
      if (!hold && !this.txn.inBlock)
        throw new SqlError(
          SqlState.noActiveSqlTransaction,
          'DECLARE CURSOR can only be used in transaction blocks',
        );
      this.cursors.checkFree(name);
      const st = await this.txn.forStatement();
      const cancel = this.running ?? undefined;
      const result = await query.execute({ ...this.ctx, txn: st, cancel }, params);
      this.cursors.declare(
        {
          name,
          statement: sql,
          hold,
          binary: (opts & CursorOpt.binary) !== 0,
          scrollable: (opts & CursorOpt.noScroll) === 0,
        },
        columns,
        result.rows,
      );
      return { rows: [], tag: 'DECLARE CURSOR' };
    });
  }

  bind(statement: PreparedStatement, params: readonly Datum[]): Portal | Promise<Portal> {
    let stmt = statement as Prepared;
    if (stmt.deferred !== null) return this.bindDeferred(stmt.deferred, params);
    // exec_bind_message: in an aborted block only statements that end it are bound (25P02
    // before any RowDescription).
    if (!stmt.endsBlock) this.txn.checkNotAborted();
    if (stmt.copy !== null)
      return this.bindCopy(stmt.copy).catch(async (err: unknown) => {
        await this.statementFailed();
        throw err;
      });
    if (stmt.fetch !== null) {
      // The cursor's columns as they are now (it may have been declared earlier in the
      // same Query string); an unknown cursor fails at Execute with 34000.
      const cmd = stmt.fetch;
      stmt = new Prepared(
        stmt.sql,
        [],
        cmd.move ? null : this.cursors.columnsOf(cmd.name),
        async () => this.cursors.fetch(cmd),
      );
    }
    let result: { rows: Datum[][]; tag: string } | null = null;
    let offset = 0;
    const portal: RowsPortal = {
      kind: 'rows',
      columns: stmt.columns,
      fetch: async (maxRows: number) => {
        // A statement that completed stands, even if a cancel arrived as it ended (PG).
        if (result === null) result = await this.runStatement(stmt, params);
        const end =
          maxRows > 0 ? Math.min(result.rows.length, offset + maxRows) : result.rows.length;
        const rows = result.rows.slice(offset, end);
        offset = end;
        const done = offset >= result.rows.length;
        return done ? { rows, done, tag: result.tag } : { rows, done };
      },
      close: () => {
        result = null;
      },
    };
    return portal;
  }

  private async bindCopy(plan: CopyPlan): Promise<Portal> {
    this.txn.checkNotAborted();
    const st = await this.txn.forStatement();
    if (plan.kind === 'from' && st.txn.options.readOnly)
      throw new SqlError(
        SqlState.readOnlySqlTransaction,
        'cannot execute COPY FROM in a read-only transaction',
      );
    // COPY runs from Bind until its end, while the client streams: the cancel (and
    // statement_timeout) covers that whole time, and is checked between batches.
    const cancel = this.statementStarts();
    st.txn.bindStatement(cancel, this.lockTimeout.get(this.settings.get('lock_timeout')?.value));
    const end = (): void => {
      st.txn.bindStatement(undefined);
      this.statementEnds(cancel);
    };
    const hooks = {
      onError: () => {
        end();
        return this.statementFailed();
      },
      cancelled: () => cancel.cancelled,
    };
    const ctx = { ...this.ctx, txn: st, cancel };
    if (plan.kind === 'from') {
      const p = copyInPortal(plan, ctx, this.formatSettings(), hooks);
      const done = p.done.bind(p);
      const fail = p.fail.bind(p);
      p.done = () => done().finally(end);
      p.fail = (message) => fail(message).finally(end);
      return p;
    }
    const p = copyOutPortal(plan, ctx, this.formatSettings(), hooks);
    const read = p.read.bind(p);
    p.read = () =>
      read().then(
        (chunk) => {
          if (chunk === null) end();
          return chunk;
        },
        (err: unknown) => {
          end();
          throw err;
        },
      );
    return p;
  }

  /** Value I/O settings for COPY, as pgwire derives them for result rows. */
  private formatSettings(): FormatSettings {
    const efd = Number(this.setting('extra_float_digits') ?? '1');
    return {
      dateStyle: this.setting('DateStyle') ?? defaultFormatSettings.dateStyle,
      intervalStyle: this.setting('IntervalStyle') ?? defaultFormatSettings.intervalStyle,
      timeZone: this.setting('TimeZone') ?? defaultFormatSettings.timeZone,
      extraFloatDigits: Number.isFinite(efd) ? efd : 1,
      byteaOutput: this.setting('bytea_output') === 'escape' ? 'escape' : 'hex',
    };
  }

  async sync(): Promise<void> {
    if (this.txn.inBlock) return this.txn.sync();
    try {
      await this.txn.sync();
    } catch (err) {
      await this.afterTxnEnd(false);
      throw err;
    }
    const ended = this.afterTxnEnd(true);
    if (ended !== undefined) await ended;
  }

  transactionStatus(): TransactionStatus {
    return this.txn.status();
  }

  reportedParameters(): ReadonlyArray<[string, string]> {
    return defaultSettings.map(([k]) => [
      k,
      (this.settings.get(k.toLowerCase()) as { value: string }).value,
    ]);
  }

  setting(name: string): string | undefined {
    return this.settings.get(name.toLowerCase())?.value;
  }

  /**
   * set_config(name, value, is_local) and the utility statements (utility.ts) change
   * settings here, in the session's transaction like SET (LOCAL).
   */
  setSetting(name: string, value: string, local = false): string {
    this.settings.set(name, value, local);
    return value;
  }

  private readonly utilityHost: UtilityHost = {
    setSetting: (name, value, local) => this.setSetting(name, value, local),
    resetAll: () => {
      for (const [k, v] of [...defaultSettings, ...extraSettings]) {
        const e = this.settings.get(k.toLowerCase());
        if (e && e.value !== v) this.setSetting(k, v);
      }
    },
    discard: () => {
      this.cursors.closeAll();
      return this.onDiscard?.();
    },
    listen: (channel) => this.notificationsOrFail().listen(channel),
    unlisten: (channel) => this.notificationsOrFail().unlisten(channel),
    notify: (channel, payload) => this.notificationsOrFail().notify(channel, payload),
    // PostgreSQL runs CHECKPOINT inside a transaction block too; it changes no data. A
    // cancel or statement_timeout ends the wait; the shards finish their flush regardless.
    checkpoint: async () => {
      const done = this.onCheckpoint?.();
      if (done !== undefined) await race(done, this.running ?? undefined);
    },
  };

  private notificationsOrFail(): NonNullable<SqlSession['notifications']> {
    const n = this.notifications;
    if (n === undefined)
      throw new SqlError(SqlState.featureNotSupported, 'LISTEN/NOTIFY is not available here');
    return n;
  }

  /** Set by the engine when it has real shards: CHECKPOINT asks each of them to settle. */
  onCheckpoint?: () => Promise<void>;

  /** Set by the engine: what DISCARD ALL releases beyond settings (advisory locks, LISTENs). */
  onDiscard?: () => void | Promise<void>;

  /** Every setting as [name, value] (pg_settings, RESET ALL). */
  allSettings(): Array<[string, string]> {
    return [...this.settings.entries()].map((e) => [e.name, e.value]);
  }

  /** CancelRequest / pg_cancel_backend: cancels the running statement, if any (57014). */
  cancel(): void {
    this.running?.cancel();
  }

  async close(): Promise<void> {
    await this.txn.close();
    await this.onTransactionEnd?.(false);
  }
}
