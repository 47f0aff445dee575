/**
 * One client session of the SQL engine (the EngineSession that pgwire drives): statement
 * preparation through a per-proxy plan cache, session settings, portals.
 *
 * Transactions: every statement commits on its own (autocommit). Explicit transaction
 * blocks arrive with the transaction layer; until then BEGIN is refused with 0A000
 * rather than pretending to group statements atomically.
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
import { AstNode, parseSql } from './parser';
import { compileStatement, CompiledStatement } from './statements';
import type { PlanCache } from './planCache';
import { parseAdmin } from './admin';
import { utilityStatement, type UtilityHost } from './utility';

export const SERVER_VERSION = '15.0 (ShardDB 0.1.0)';

class Prepared implements PreparedStatement {
  constructor(
    readonly sql: string,
    readonly paramTypes: readonly number[],
    readonly columns: readonly ColumnDescription[] | null,
    readonly run: (params: readonly Datum[]) => Promise<{ rows: Datum[][]; tag: string }>,
  ) {}
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
  ['transaction_isolation', 'read committed'],
  ['bytea_output', 'hex'],
  ['client_min_messages', 'notice'],
];

export class SqlSession implements EngineSession {
  private readonly settings = new Map<string, { name: string; value: string }>();
  private cancelled = false;

  constructor(
    private readonly ctx: ExecContext,
    private readonly plans: PlanCache,
    info: SessionStartInfo,
    private readonly events: SessionEvents,
  ) {
    for (const [k, v] of [...defaultSettings, ...extraSettings])
      this.settings.set(k.toLowerCase(), { name: k, value: v });
    this.settings.set('session_authorization', { name: 'session_authorization', value: info.user });
    for (const [k, v] of info.parameters) {
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
        known.value = v;
      }
    }
  }

  prepareMany(sql: string): Promise<PreparedStatement[]> | PreparedStatement[] {
    const hit = this.plans.get(sql, []);
    if (hit) return [hit];
    return this.prepareAll(sql, [], true);
  }

  prepare(
    sql: string,
    paramTypeOids: readonly number[],
  ): Promise<PreparedStatement> | PreparedStatement {
    const hit = this.plans.get(sql, paramTypeOids);
    if (hit) return hit;
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

  private async prepareAll(
    sql: string,
    declaredTypes: readonly number[],
    simple: boolean,
  ): Promise<PreparedStatement[]> {
    const admin = parseAdmin(sql);
    if (admin) return [new Prepared(sql, [], admin.columns, () => admin.execute(this.ctx))];
    const parsed = parseSql(sql);
    const out: PreparedStatement[] = [];
    for (const p of parsed) {
      const session = this.sessionStatement(p.node);
      if (session) {
        out.push(session);
        continue;
      }
      const paramTypes = [...declaredTypes];
      let compiled: CompiledStatement;
      try {
        compiled = await compileStatement(p.node, this.ctx, paramTypes);
      } catch (err) {
        if (err instanceof SqlError && err.position !== undefined && p.offset > 0) {
          throw new SqlError(err.code, err.message, { ...err, position: err.position });
        }
        throw err;
      }
      const resolvedTypes = compiled.paramTypes.map((t) => (t === 0 ? TypeOid.text : t));
      const stmt = new Prepared(p.sql, resolvedTypes, compiled.columns, (params) =>
        compiled.execute(this.ctx, params),
      );
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
        entry.value =
          kindOf === 'VAR_SET_DEFAULT' || kindOf === 'VAR_RESET'
            ? (defaults.get(name) ?? '')
            : value;
        this.settings.set(name, entry);
        if (reported.has(name)) this.events.parameterStatus(entry.name, entry.value);
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
        return { rows: [[entry.value]], tag: 'SHOW' };
      });
    }
    if (kind === 'TransactionStmt') {
      return new Prepared('TRANSACTION', [], null, async () => {
        throw new SqlError(
          SqlState.featureNotSupported,
          'transaction blocks are not supported yet: every statement commits on its own',
        );
      });
    }
    return null;
  }

  bind(statement: PreparedStatement, params: readonly Datum[]): Portal {
    const stmt = statement as Prepared;
    let result: { rows: Datum[][]; tag: string } | null = null;
    let offset = 0;
    this.cancelled = false;
    const portal: RowsPortal = {
      kind: 'rows',
      columns: stmt.columns,
      fetch: async (maxRows: number) => {
        if (result === null) {
          result = await stmt.run(params);
          if (this.cancelled)
            throw new SqlError(SqlState.queryCanceled, 'canceling statement due to user request');
        }
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

  async sync(): Promise<void> {
    // Autocommit: nothing is pending at a Sync.
  }

  transactionStatus(): TransactionStatus {
    return 'I';
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

  /** set_config() and the utility statements (catalog/utility.ts) change settings here. */
  setSetting(name: string, value: string): string {
    const key = name.toLowerCase();
    const entry = this.settings.get(key) ?? { name, value: '' };
    entry.value = value;
    this.settings.set(key, entry);
    if (reported.has(key)) this.events.parameterStatus(entry.name, entry.value);
    return value;
  }

  private readonly utilityHost: UtilityHost = {
    setSetting: (name, value) => this.setSetting(name, value),
    resetAll: () => {
      for (const [k, v] of [...defaultSettings, ...extraSettings]) {
        const e = this.settings.get(k.toLowerCase());
        if (e && e.value !== v) this.setSetting(k, v);
      }
    },
    discard: () => this.onDiscard?.(),
  };

  /** Set by the engine: what DISCARD ALL releases beyond settings (advisory locks). */
  onDiscard?: () => void;

  /** Every setting as [name, value] (pg_settings, RESET ALL). */
  allSettings(): Array<[string, string]> {
    return [...this.settings.values()].map((e) => [e.name, e.value]);
  }

  cancel(): void {
    this.cancelled = true;
  }

  async close(): Promise<void> {}
}
