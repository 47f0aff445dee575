/**
 * The contract between the wire protocol (proxy/pgwire/) and the SQL engine behind it.
 *
 * pgwire owns bytes, message order and formats (text/binary, via common/types); the engine
 * owns SQL: parsing, planning, transactions and execution. Neither reaches into the other.
 * pgwire's tests drive it with a small in-memory engine; production wires in the real one.
 */
import type { Datum } from '../common/types/datum';

/** One output column, as RowDescription states it. */
export interface ColumnDescription {
  readonly name: string;
  /** pg_class oid of the source table, or 0. */
  readonly tableOid: number;
  /** attnum in the source table, or 0. */
  readonly columnAttr: number;
  readonly typeOid: number;
  /** pg_type.typlen: -1 variable, -2 cstring, else bytes. */
  readonly typeSize: number;
  /** atttypmod, -1 when none. */
  readonly typeModifier: number;
}

export interface PreparedStatement {
  readonly sql: string;
  /** Parameter types after inference ($n with OID 0 from the client gets a type here). */
  readonly paramTypes: readonly number[];
  /** Result columns, or null when the statement returns no rows (Describe answers NoData). */
  readonly columns: readonly ColumnDescription[] | null;
}

/** What Execute produces. A portal runs lazily: rows are fetched in slices of maxRows. */
export type Portal = RowsPortal | CopyInPortal | CopyOutPortal;

export interface RowsPortal {
  readonly kind: 'rows';
  readonly columns: readonly ColumnDescription[] | null;
  /**
   * Up to maxRows rows (0 = all). `tag` is the CommandComplete tag once the portal is done
   * (`SELECT 3`, `INSERT 0 1`, `BEGIN` …); rows may be empty with done=false only if
   * maxRows is 0-sized slices, which never happens.
   */
  fetch(maxRows: number): Promise<{ rows: Datum[][]; done: boolean; tag?: string }>;
  close(): void;
}

export interface CopyInPortal {
  readonly kind: 'copyIn';
  /** 0 text, 1 binary (CopyInResponse's overall format) and the per-column formats. */
  readonly format: 0 | 1;
  readonly columnCount: number;
  /** Streamed input; returns a promise when the engine wants the writer to wait. */
  write(chunk: Buffer): Promise<void> | void;
  /** End of input: resolves with the tag (`COPY 1000`). */
  done(): Promise<string>;
  fail(message: string): Promise<void>;
}

export interface CopyOutPortal {
  readonly kind: 'copyOut';
  readonly format: 0 | 1;
  readonly columnCount: number;
  /** The next chunk of output, or null when done (then `tag` is set). */
  read(): Promise<Buffer | null>;
  readonly tag: string | undefined;
}

export type TransactionStatus = 'I' | 'T' | 'E';

export interface Notice {
  readonly severity: 'NOTICE' | 'WARNING' | 'INFO' | 'DEBUG' | 'LOG';
  readonly code: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
}

export interface SessionStartInfo {
  readonly user: string;
  readonly database: string;
  /** Every StartupMessage parameter (application_name, DateStyle, TimeZone, options …). */
  readonly parameters: ReadonlyMap<string, string>;
  readonly remoteAddress: string;
  readonly backendPid: number;
}

export interface SessionEvents {
  notice(notice: Notice): void;
  /** A reported setting changed (SET application_name …): send ParameterStatus. */
  parameterStatus(name: string, value: string): void;
  /**
   * A notification for a channel this session listens on (LISTEN/NOTIFY): pid is the
   * notifying backend's. May be called at any time, also while no statement runs; pgwire
   * sends NotificationResponse when the session is idle outside a transaction block, or
   * just before the ReadyForQuery that ends the current one (PostgreSQL never sends one
   * inside a transaction block), and keeps a bounded number waiting meanwhile.
   */
  notification(pid: number, channel: string, payload: string): void;
}

/**
 * One client session's engine side. Errors are thrown as SqlError (common/errors) with a
 * SQLSTATE; pgwire turns them into ErrorResponse.
 */
export interface EngineSession {
  /*
   * prepare/prepareMany/bind may answer synchronously (a cached plan: the hot path pays no
   * Promise) or asynchronously (a catalog miss that asks meta); pgwire awaits either.
   */
  /** Splits and prepares every statement of a simple Query string. */
  prepareMany(sql: string): PreparedStatement[] | Promise<PreparedStatement[]>;
  /** One statement for Parse (42601 if the text holds several). */
  prepare(
    sql: string,
    paramTypeOids: readonly number[],
  ): PreparedStatement | Promise<PreparedStatement>;
  /** Bind: params already decoded from the wire by their paramTypes. */
  bind(statement: PreparedStatement, params: readonly Datum[]): Portal | Promise<Portal>;
  /**
   * End of an implicit-transaction unit: Sync in the extended protocol, the end of a
   * simple Query string. Commits the implicit transaction if it succeeded, rolls back
   * after an error; an explicit BEGIN … block is left open.
   */
  sync(): Promise<void>;
  /**
   * An error raised outside the session (a Bind check, an unknown portal, a value pgwire
   * cannot output) ended the current message: abort the transaction as PostgreSQL does
   * for every ERROR (the implicit one rolls back at Sync, a BEGIN block becomes aborted).
   * Harmless when the session already failed the statement itself.
   */
  abort(): Promise<void>;
  transactionStatus(): TransactionStatus;
  /** Settings reported to the client at startup (ParameterStatus), in order. */
  reportedParameters(): ReadonlyArray<[string, string]>;
  /** Current value of a setting the wire layer needs (DateStyle, IntervalStyle, extra_float_digits, TimeZone). */
  setting(name: string): string | undefined;
  /** CancelRequest: abort what runs now with 57014. */
  cancel(): void;
  close(): Promise<void>;
}

/** What pgwire needs to authenticate a user (SCRAM/md5 verifiers live in the catalog). */
export interface AuthProvider {
  /** The stored verifier, or undefined for an unknown user. */
  passwordVerifier(user: string): Promise<string | undefined>;
}

export interface SqlEngine extends AuthProvider {
  openSession(info: SessionStartInfo, events: SessionEvents): Promise<EngineSession>;
}
