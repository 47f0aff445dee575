/**
 * One client connection's protocol state machine (startup → authentication → ready),
 * kept apart from SQL (the EngineSession does that) and from sockets (a Transport does
 * that). Bytes come in through receive(); replies go out through Transport.write() at the
 * points where PostgreSQL flushes (ReadyForQuery, Flush, COPY, a full buffer) and whenever
 * the input runs dry.
 *
 * Frames are processed strictly in order by one pump; a handler that must wait (Execute,
 * Sync, COPY) is awaited before the next frame is looked at, and COPY pulls its own
 * CopyData frames while it runs.
 */
import { SqlError, SqlState, toSqlError } from '../../common/errors';
import type { Datum } from '../../common/types/datum';
import { TypeOid } from '../../common/types/datum';
import { parseValue } from '../../common/expr/typesAdapter';
import {
  defaultFormatSettings,
  type FormatSettings,
  formatBinary,
  formatText,
  parseBinary,
  parseText,
} from '../../common/types/io';
import type {
  ColumnDescription,
  CopyInPortal,
  CopyOutPortal,
  EngineSession,
  Notice,
  Portal,
  PreparedStatement,
  RowsPortal,
  SessionEvents,
  SqlEngine,
} from '../engine';
import type { AuthExchange } from './auth/exchange';
import { BackendType, BackendWriter } from './backendWriter';
import type { PgLimits } from './config';
import { FrameReader, type Frame } from './frameReader';
import {
  FrontendType,
  readBind,
  readCopyFail,
  readDescribeOrClose,
  readExecute,
  readParse,
  readQuery,
  readStartup,
} from './frontendMessages';
import { ProtocolError } from './protocolError';
import { copyEndMarkerFilter, type CopyEndFilter } from './copyEndMarker';

/** The connection's side of a socket (plain or TLS). */
export interface Transport {
  /** false: the socket buffer is full, wait for drained(). */
  write(data: Buffer): boolean;
  /** Flush what was written, then close. */
  close(): void;
  /** Switch to TLS after 'S' was written (only when the host has TLS). */
  startTls(): void;
  pauseReading(): void;
  resumeReading(): void;
  readonly remoteAddress: string;
}

/** Server-wide services a connection uses. */
export interface ConnectionHost {
  readonly engine: SqlEngine;
  readonly limits: PgLimits;
  readonly tlsAvailable: boolean;
  /**
   * Called once a StartupMessage arrives: false when max_connections is reached (a
   * Promise when the count is kept by another process: proxy/workers/).
   */
  admit(conn: Connection): boolean | Promise<boolean>;
  /** A new backend pid/secret pair, registered for CancelRequest. */
  register(conn: Connection): { pid: number; secret: number };
  unregister(conn: Connection): void;
  /** The connection admitted by admit() ended. */
  release(conn: Connection): void;
  cancel(pid: number, secret: number): void;
  /** The authentication exchange for this client (host-based rules), or a SqlError. */
  authenticate(info: AuthRequest): AuthExchange | SqlError;
  setTimer(ms: number, fn: () => void): unknown;
  clearTimer(t: unknown): void;
  log(level: 'debug' | 'info' | 'warn', msg: string, fields?: Record<string, unknown>): void;
}

export interface AuthRequest {
  readonly user: string;
  readonly database: string;
  readonly remoteAddress: string;
  readonly ssl: boolean;
}

type Phase = 'startup' | 'auth' | 'ready' | 'closed';

interface OpenPortal {
  readonly portal: Portal;
  readonly formats: readonly number[];
}

const statusByte = { I: 0x49, T: 0x54, E: 0x45 } as const;
type FetchResult = Awaited<ReturnType<RowsPortal['fetch']>>;
const noFormats: readonly number[] = [];
const noParams: readonly Datum[] = [];
/** Flush rows to the socket once this much output is pending (PostgreSQL flushes per 8 KiB). */
const flushThreshold = 64 * 1024;
/** Stop reading from the socket while busy once this much input is queued. */
const inputHighWater = 1024 * 1024;
/**
 * Notifications held for a session that is busy or inside a transaction block: past this
 * many the oldest are dropped (with a warning) so a listener that never goes idle cannot
 * exhaust the proxy's memory.
 */
const maxHeldNotifications = 10_000;

export class Connection {
  private readonly reader: FrameReader;
  private readonly w = new BackendWriter();
  private phase: Phase = 'startup';
  private tlsActive = false;
  private busy = false;
  private paused = false;
  private blocked = false;
  private drainWaiter: (() => void) | undefined;
  private frameWaiter: (() => void) | undefined;
  private skipToSync = false;

  private session: EngineSession | undefined;
  private auth: AuthExchange | undefined;
  private startupUser = '';
  private startupDatabase = '';
  private startupParams: Map<string, string> = new Map();
  private admitted = false;
  pid = 0;
  secret = 0;

  private unnamedStatement: PreparedStatement | undefined;
  private readonly statements = new Map<string, PreparedStatement>();
  private unnamedPortal: OpenPortal | undefined;
  private readonly portals = new Map<string, OpenPortal>();
  private settings: FormatSettings | undefined;

  /** NotificationResponses waiting for the session to be idle: [pid, channel, payload]. */
  private heldNotifications: Array<[number, string, string]> = [];
  private droppedNotifications = 0;

  private statementTimer: unknown;
  private statementTimedOut = false;
  private idleTimer: unknown;
  private authTimer: unknown;

  constructor(
    private readonly host: ConnectionHost,
    private readonly transport: Transport,
  ) {
    this.reader = new FrameReader(host.limits.maxMessageSize);
    if (host.limits.authenticationTimeoutMs > 0) {
      this.authTimer = host.setTimer(host.limits.authenticationTimeoutMs, () => this.authTimeout());
    }
  }

  // --- input ---------------------------------------------------------------------------

  receive(chunk: Buffer): void {
    if (this.phase === 'closed') return;
    if (this.idleTimer !== undefined) {
      this.host.clearTimer(this.idleTimer);
      this.idleTimer = undefined;
    }
    this.reader.push(chunk);
    const waiter = this.frameWaiter;
    if (waiter !== undefined) {
      this.frameWaiter = undefined;
      waiter();
    } else if (!this.busy) {
      void this.pump();
    } else if (!this.paused && this.reader.pending > inputHighWater) {
      // A bound on queued input: let TCP push back on a client that outruns us.
      this.paused = true;
      this.transport.pauseReading();
    }
  }

  /** The socket's write buffer drained. */
  drained(): void {
    this.blocked = false;
    const waiter = this.drainWaiter;
    if (waiter !== undefined) {
      this.drainWaiter = undefined;
      waiter();
    }
    if (this.heldNotifications.length > 0) this.deliverIfIdle();
  }

  /** The socket closed (by the client, an error, or us). */
  transportClosed(): void {
    this.shutdown();
  }

  private async pump(): Promise<void> {
    this.busy = true;
    try {
      while (this.phase !== 'closed') {
        const f = this.phase === 'startup' ? this.reader.nextStartup() : this.reader.next();
        if (f === undefined) break;
        const p = this.dispatch(f);
        if (p !== undefined) await p;
        if (this.blocked) await this.waitDrain();
      }
      this.flush();
    } catch (err) {
      this.fatal(err);
    }
    this.busy = false;
    if (this.paused && this.phase !== 'closed') {
      this.paused = false;
      this.transport.resumeReading();
    }
  }

  /** The next frame, waiting for bytes if needed (COPY pulls its data this way). */
  private async nextFrame(): Promise<Frame> {
    for (;;) {
      const f = this.reader.next();
      if (f !== undefined) return f;
      if (this.phase === 'closed') throw new ProtocolError('connection closed');
      this.flush();
      if (this.paused) {
        this.paused = false;
        this.transport.resumeReading();
      }
      await new Promise<void>((resolve) => {
        this.frameWaiter = resolve;
      });
    }
  }

  private waitDrain(): Promise<void> {
    if (!this.blocked || this.phase === 'closed') return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.drainWaiter = resolve;
    });
  }

  // --- output --------------------------------------------------------------------------

  private flush(): void {
    if (this.w.length === 0 || this.phase === 'closed') return;
    if (!this.transport.write(this.w.take())) this.blocked = true;
  }

  /** Flushes when enough output is pending, then waits if the socket pushes back. */
  private async flushIfFull(): Promise<void> {
    if (this.w.length < flushThreshold) return;
    this.flush();
    if (this.blocked) await this.waitDrain();
  }

  // --- dispatch ------------------------------------------------------------------------

  private dispatch(f: Frame): Promise<void> | void {
    switch (this.phase) {
      case 'startup':
        return this.onStartupPacket(f.body);
      case 'auth':
        if (f.type !== FrontendType.Password) {
          throw new ProtocolError(`expected password response, got message type ${f.type}`);
        }
        return this.onAuthResponse(f.body);
      case 'ready':
        return this.onReady(f);
      default:
        return;
    }
  }

  private onReady(f: Frame): Promise<void> | void {
    const type = f.type;
    if (this.skipToSync) {
      // Extended protocol §55.2.3: after an error, discard messages until Sync.
      if (type === FrontendType.Sync) return this.onSync();
      if (type === FrontendType.Terminate) return this.terminate();
      return;
    }
    try {
      switch (type) {
        case FrontendType.Bind:
          return this.onBind(f.body);
        case FrontendType.Execute:
          return this.onExecute(f.body);
        case FrontendType.Sync:
          return this.onSync();
        case FrontendType.Parse:
          return this.onParse(f.body);
        case FrontendType.Describe:
          return this.onDescribe(f.body);
        case FrontendType.Close:
          return this.onClose(f.body);
        case FrontendType.Flush:
          return this.flush();
        case FrontendType.Query:
          return this.onQuery(readQuery(f.body));
        case FrontendType.Terminate:
          return this.terminate();
        case FrontendType.CopyData:
        case FrontendType.CopyDone:
        case FrontendType.CopyFail:
          // postgres.c: accepted and ignored outside COPY; the client may still be sending
          // data for a COPY that failed.
          return;
        case FrontendType.FunctionCall:
          throw new SqlError(
            SqlState.featureNotSupported,
            'fastpath function calls are not supported',
          );
        default:
          throw new ProtocolError(`invalid frontend message type ${type}`);
      }
    } catch (err) {
      return this.extendedError(err);
    }
  }

  /**
   * An error in an extended-protocol message: report it, abort the transaction, then skip
   * to Sync (postgres.c: EmitErrorReport, AbortCurrentTransaction, ignore_till_sync).
   */
  private extendedError(err: unknown): Promise<void> | void {
    if (err instanceof ProtocolError) throw err;
    this.w.errorResponse(this.errorFor(err));
    this.skipToSync = true;
    return this.abortTransaction();
  }

  /**
   * Every ERROR aborts the session's transaction (postgres.c's error recovery calls
   * AbortCurrentTransaction): an explicit block becomes aborted (25P02 until ROLLBACK), an
   * implicit one rolls back, with what earlier messages before the same Sync wrote
   * (protocol.html §55.2.3). The engine does so for the errors it raises; this covers the
   * ones raised here (Bind checks, an unknown statement or portal, a value that cannot be
   * output), and is harmless after the former.
   */
  private abortTransaction(): Promise<void> | void {
    const session = this.session;
    if (session === undefined) return;
    return session.abort().catch((err: unknown) => {
      // Locks and prewrites of a transaction whose rollback failed expire by TTL.
      this.host.log('warn', 'rollback after an error failed', { err: String(err) });
    });
  }

  private errorFor(err: unknown): SqlError {
    const e = toSqlError(err);
    if (e.code === SqlState.queryCanceled && this.statementTimedOut) {
      return new SqlError(SqlState.queryCanceled, 'canceling statement due to statement timeout');
    }
    if (!(err instanceof SqlError))
      this.host.log('warn', 'internal error reached the client', { err: String(err) });
    return e;
  }

  // --- startup and authentication ---------------------------------------------------------

  private onStartupPacket(body: Buffer): Promise<void> | void {
    const req = readStartup(body);
    switch (req.kind) {
      case 'ssl':
        if (this.tlsActive)
          throw new ProtocolError('SSLRequest received over an encrypted connection');
        if (!this.host.tlsAvailable) {
          this.w.rawByte(0x4e); // 'N'
          return;
        }
        // CVE-2021-23214: bytes sent before the TLS handshake must not be trusted.
        if (this.reader.pending > 0)
          throw new ProtocolError('received unencrypted data after SSL request');
        this.w.rawByte(0x53); // 'S'
        this.flush();
        this.tlsActive = true;
        this.transport.startTls();
        return;
      case 'gssenc':
        this.w.rawByte(0x4e);
        return;
      case 'cancel':
        // postmaster.c processCancelRequest: no reply; the connection just closes.
        this.host.cancel(req.pid, req.secret);
        this.phase = 'closed';
        this.cleanup();
        this.transport.close();
        return;
      case 'startup':
        return this.onStartupMessage(req.major, req.minor, req.parameters);
    }
  }

  private onStartupMessage(
    major: number,
    minor: number,
    params: Map<string, string>,
  ): Promise<void> | void {
    if (major !== 3) {
      throw new SqlError(
        SqlState.featureNotSupported,
        `unsupported frontend protocol ${major}.${minor}: server supports 3.0 to 3.0`,
        { severity: 'FATAL' },
      );
    }
    // Protocol options (_pq_.*) we do not know are named back in NegotiateProtocolVersion.
    const unrecognized: string[] = [];
    for (const k of params.keys()) if (k.startsWith('_pq_.')) unrecognized.push(k);
    for (const k of unrecognized) params.delete(k);
    const user = params.get('user');
    if (user === undefined || user === '') {
      throw new SqlError(
        SqlState.invalidAuthorizationSpecification,
        'no PostgreSQL user name specified in startup packet',
        {
          severity: 'FATAL',
        },
      );
    }
    this.startupUser = user;
    this.startupDatabase = params.get('database') || user;
    this.startupParams = params;
    if (minor > 0 || unrecognized.length > 0) this.w.negotiateProtocolVersion(0, unrecognized);
    const admitted = this.host.admit(this);
    if (typeof admitted === 'boolean') return this.afterAdmit(admitted, user);
    return admitted.then((ok) => this.afterAdmit(ok, user));
  }

  private afterAdmit(ok: boolean, user: string): Promise<void> | void {
    if (!ok) {
      throw new SqlError(SqlState.tooManyConnections, 'sorry, too many clients already', {
        severity: 'FATAL',
      });
    }
    if (this.phase === 'closed') {
      // The client left while the ticket was on its way: give it back.
      this.host.release(this);
      return;
    }
    this.admitted = true;
    const exchange = this.host.authenticate({
      user,
      database: this.startupDatabase,
      remoteAddress: this.transport.remoteAddress,
      ssl: this.tlsActive,
    });
    if (exchange instanceof SqlError) throw exchange;
    this.phase = 'auth';
    this.auth = exchange;
    return this.afterAuthStep(exchange.start(this.w));
  }

  private onAuthResponse(body: Buffer): Promise<void> {
    const exchange = this.auth;
    if (exchange === undefined) throw new ProtocolError('unexpected password message');
    return this.afterAuthStep(exchange.step(body, this.w));
  }

  private async afterAuthStep(step: Promise<boolean> | boolean): Promise<void> {
    const done = typeof step === 'boolean' ? step : await step;
    if (!done) {
      this.flush();
      return;
    }
    this.auth = undefined;
    await this.finishStartup();
  }

  private async finishStartup(): Promise<void> {
    this.w.authentication(0); // AuthenticationOk
    const { pid, secret } = this.host.register(this);
    this.pid = pid;
    this.secret = secret;
    let session: EngineSession;
    try {
      session = await this.host.engine.openSession(
        {
          user: this.startupUser,
          database: this.startupDatabase,
          parameters: this.startupParams,
          remoteAddress: this.transport.remoteAddress,
          backendPid: pid,
        },
        this.events(),
      );
    } catch (err) {
      const e = toSqlError(err);
      throw new SqlError(e.code, e.message, { detail: e.detail, hint: e.hint, severity: 'FATAL' });
    }
    if (this.phase === 'closed') {
      void session.close();
      return;
    }
    this.session = session;
    if (this.authTimer !== undefined) {
      this.host.clearTimer(this.authTimer);
      this.authTimer = undefined;
    }
    for (const [name, value] of session.reportedParameters()) this.w.parameterStatus(name, value);
    this.w.backendKeyData(pid, secret);
    this.phase = 'ready';
    this.readyForQuery();
  }

  private events(): SessionEvents {
    return {
      notice: (n: Notice) => {
        if (this.phase !== 'closed') this.w.noticeResponse(n);
      },
      parameterStatus: (name: string, value: string) => {
        this.settings = undefined;
        if (this.phase !== 'closed') this.w.parameterStatus(name, value);
      },
      notification: (pid: number, channel: string, payload: string) => {
        if (this.phase === 'closed') return;
        if (this.heldNotifications.length >= maxHeldNotifications) {
          this.heldNotifications.shift();
          if (this.droppedNotifications++ === 0)
            this.host.log('warn', 'listener is not reading; dropping its oldest notifications', {
              pid: this.pid,
            });
        }
        this.heldNotifications.push([pid, channel, payload]);
        this.deliverIfIdle();
      },
    };
  }

  /**
   * Sends held notifications now if the session waits for the client outside a transaction
   * block (PostgreSQL's ProcessClientReadInterrupt → ProcessNotifyInterrupt does the same).
   */
  private deliverIfIdle(): void {
    if (this.phase !== 'ready' || this.busy || this.blocked) return;
    if (this.session === undefined || this.session.transactionStatus() !== 'I') return;
    this.writeHeldNotifications();
    this.flush();
  }

  private writeHeldNotifications(): void {
    const held = this.heldNotifications;
    if (held.length === 0) return;
    this.heldNotifications = [];
    this.droppedNotifications = 0;
    for (const [pid, channel, payload] of held) this.w.notificationResponse(pid, channel, payload);
  }

  private authTimeout(): void {
    this.authTimer = undefined;
    if (this.phase === 'startup' || this.phase === 'auth') {
      // PostgreSQL just closes the socket when authentication_timeout expires.
      this.host.log('debug', 'authentication timeout');
      this.shutdown();
      this.transport.close();
    }
  }

  // --- simple query --------------------------------------------------------------------------

  private async onQuery(sql: string): Promise<void> {
    const session = this.requireSession();
    // A Query message drops the unnamed statement and portal (postgres.c exec_simple_query).
    this.unnamedStatement = undefined;
    this.closeUnnamedPortal();
    this.startStatementTimer();
    let failed = false;
    try {
      const statements = await session.prepareMany(sql);
      if (statements.length === 0) {
        this.w.empty(BackendType.emptyQuery);
      }
      for (const stmt of statements) {
        const portal = await session.bind(stmt, noParams);
        const ok = await this.runPortal(portal, noFormats, 0, true, true);
        if (!ok) {
          failed = true;
          break;
        }
      }
    } catch (err) {
      if (err instanceof ProtocolError) throw err;
      this.w.errorResponse(this.errorFor(err));
      failed = true;
    }
    this.stopStatementTimer();
    // The rest of the string is skipped and its implicit transaction rolls back.
    if (failed) await this.abortTransaction();
    await this.syncSession();
  }

  // --- extended query ------------------------------------------------------------------------

  private onParse(body: Buffer): Promise<void> | void {
    const msg = readParse(body);
    const session = this.requireSession();
    if (msg.name !== '' && this.statements.has(msg.name)) {
      throw new SqlError(
        SqlState.duplicatePreparedStatement,
        `prepared statement "${msg.name}" already exists`,
      );
    }
    const finish = (stmt: PreparedStatement): void => {
      if (msg.name === '') this.unnamedStatement = stmt;
      else this.statements.set(msg.name, stmt);
      this.w.empty(BackendType.parseComplete);
    };
    const stmt = session.prepare(msg.sql, msg.paramTypes);
    // A cached plan answers synchronously; only a catalog miss costs a Promise.
    if (stmt instanceof Promise)
      return stmt.then(finish, (err: unknown) => this.extendedError(err));
    finish(stmt);
  }

  private statement(name: string): PreparedStatement {
    const stmt = name === '' ? this.unnamedStatement : this.statements.get(name);
    if (stmt === undefined) {
      throw new SqlError(
        SqlState.invalidSqlStatementName,
        `prepared statement "${name}" does not exist`,
      );
    }
    return stmt;
  }

  private onBind(body: Buffer): Promise<void> | void {
    const msg = readBind(body);
    const session = this.requireSession();
    const stmt = this.statement(msg.statement);
    const types = stmt.paramTypes;
    if (msg.params.length !== types.length) {
      throw new SqlError(
        SqlState.protocolViolation,
        `bind message supplies ${msg.params.length} parameters, but prepared statement "${msg.statement}" requires ${types.length}`,
      );
    }
    const nCols = stmt.columns === null ? 0 : stmt.columns.length;
    if (msg.resultFormats.length > 1 && msg.resultFormats.length !== nCols) {
      throw new SqlError(
        SqlState.protocolViolation,
        `bind message has ${msg.resultFormats.length} result formats but query has ${nCols} columns`,
      );
    }
    if (msg.portal !== '' && this.portals.has(msg.portal)) {
      throw new SqlError(SqlState.duplicateCursor, `portal "${msg.portal}" already exists`);
    }
    const values = this.decodeParams(msg.params, msg.paramFormats, types);
    if (msg.portal === '') this.closeUnnamedPortal();
    const finish = (portal: Portal): void => {
      const open: OpenPortal = { portal, formats: msg.resultFormats };
      if (msg.portal === '') this.unnamedPortal = open;
      else this.portals.set(msg.portal, open);
      this.w.empty(BackendType.bindComplete);
    };
    const portal = session.bind(stmt, values);
    if (portal instanceof Promise)
      return portal.then(finish, (err: unknown) => this.extendedError(err));
    finish(portal);
  }

  private decodeParams(
    raw: readonly (Buffer | null)[],
    formats: readonly number[],
    types: readonly number[],
  ): Datum[] {
    const n = raw.length;
    const out = new Array<Datum>(n);
    if (n === 0) return out;
    const settings = this.formatSettings();
    for (let i = 0; i < n; i++) {
      const b = raw[i];
      if (b === null) {
        out[i] = null;
        continue;
      }
      const fmt = formats.length === 0 ? 0 : formats.length === 1 ? formats[0] : formats[i];
      const v =
        fmt === 0 ? parseText(types[i], b.toString('utf8'), settings) : parseBinary(types[i], b);
      out[i] = v !== null && types[i] === TypeOid.numeric ? engineNumeric(v, settings) : v;
    }
    return out;
  }

  private portal(name: string): OpenPortal {
    const p = name === '' ? this.unnamedPortal : this.portals.get(name);
    if (p === undefined)
      throw new SqlError(SqlState.invalidCursorName, `portal "${name}" does not exist`);
    return p;
  }

  private onDescribe(body: Buffer): void {
    const msg = readDescribeOrClose(body);
    this.requireSession();
    if (msg.kind === 0x53) {
      const stmt = this.statement(msg.name);
      this.w.parameterDescription(stmt.paramTypes);
      if (stmt.columns === null) this.w.empty(BackendType.noData);
      else this.w.rowDescription(stmt.columns, noFormats);
    } else {
      const p = this.portal(msg.name);
      const cols = p.portal.kind === 'rows' ? p.portal.columns : null;
      if (cols === null) this.w.empty(BackendType.noData);
      else this.w.rowDescription(cols, p.formats);
    }
  }

  private onClose(body: Buffer): void {
    const msg = readDescribeOrClose(body);
    this.requireSession();
    // Closing a name that does not exist is not an error (protocol.html, Close).
    if (msg.kind === 0x53) {
      if (msg.name === '') this.unnamedStatement = undefined;
      else this.statements.delete(msg.name);
    } else if (msg.name === '') {
      this.closeUnnamedPortal();
    } else {
      const p = this.portals.get(msg.name);
      if (p !== undefined) {
        this.portals.delete(msg.name);
        closePortal(p.portal);
      }
    }
    this.w.empty(BackendType.closeComplete);
  }

  /*
   * Execute and Sync are the per-transaction hot path (pgbench -M prepared sends
   * Bind/Describe/Execute/Sync): one Promise each, the engine's own (fetch(), sync()),
   * chained with then() rather than through extra async frames, and rows written
   * synchronously unless the output buffer fills.
   */
  private onExecute(body: Buffer): Promise<void> | void {
    const msg = readExecute(body);
    this.requireSession();
    let p: OpenPortal;
    try {
      p = this.portal(msg.portal);
    } catch (err) {
      return this.extendedError(err);
    }
    this.startStatementTimer();
    const portal = p.portal;
    if (portal.kind !== 'rows') return this.executeCopy(portal, p.formats, msg.maxRows);
    let fetched: Promise<FetchResult>;
    try {
      fetched = portal.fetch(msg.maxRows);
    } catch (err) {
      this.stopStatementTimer();
      return this.extendedError(err);
    }
    return fetched.then(
      (r) => {
        let written: Promise<void> | void;
        try {
          written = this.writeRows(portal.columns, p.formats, r);
        } catch (err) {
          // A value that cannot be output fails the statement, not the connection.
          return this.executeFailed(err);
        }
        if (written === undefined) {
          this.stopStatementTimer();
          return;
        }
        return written.then(
          () => this.stopStatementTimer(),
          (err: unknown) => this.executeFailed(err),
        );
      },
      (err: unknown) => this.executeFailed(err),
    );
  }

  private executeFailed(err: unknown): Promise<void> | void {
    this.stopStatementTimer();
    return this.extendedError(err);
  }

  private async executeCopy(
    portal: Portal,
    formats: readonly number[],
    maxRows: number,
  ): Promise<void> {
    try {
      const ok = await this.runPortal(portal, formats, maxRows, false, false);
      if (!ok) {
        this.skipToSync = true;
        await this.abortTransaction();
      }
    } catch (err) {
      await this.extendedError(err);
    } finally {
      this.stopStatementTimer();
    }
  }

  private onSync(): Promise<void> {
    this.skipToSync = false;
    return this.syncSession();
  }

  /** Ends the implicit-transaction unit, then ReadyForQuery and a flush. */
  private syncSession(): Promise<void> {
    const session = this.requireSession();
    let synced: Promise<void>;
    try {
      synced = session.sync();
    } catch (err) {
      synced = Promise.reject(err);
    }
    return synced.then(
      () => this.afterSync(session),
      (err: unknown) => {
        this.w.errorResponse(this.errorFor(err));
        this.afterSync(session);
      },
    );
  }

  private afterSync(session: EngineSession): void {
    if (session.transactionStatus() === 'I') this.closeAllPortals();
    this.readyForQuery();
  }

  private readyForQuery(): void {
    const session = this.session;
    const status = session === undefined ? 'I' : session.transactionStatus();
    // Notifications go out between transactions, just before ReadyForQuery (postgres.c).
    if (status === 'I' && this.heldNotifications.length > 0) this.writeHeldNotifications();
    this.w.readyForQuery(statusByte[status]);
    // A pipelining client (JDBC batches, pg's pipelined queries) has more frames already
    // here: answer them all in one write when the input runs dry (pump() flushes then),
    // rather than one write per Sync. A bounded amount is held back.
    if (this.phase !== 'ready' || !this.reader.hasFrame() || this.w.length >= flushThreshold)
      this.flush();
    if (status !== 'I') this.startIdleTimer();
  }

  // --- running portals -----------------------------------------------------------------

  /**
   * Runs a portal up to maxRows. Returns false when an error was reported (the caller
   * stops the Query string / skips to Sync).
   */
  private async runPortal(
    portal: Portal,
    formats: readonly number[],
    maxRows: number,
    describe: boolean,
    simple: boolean,
  ): Promise<boolean> {
    switch (portal.kind) {
      case 'rows': {
        const cols = portal.columns;
        if (describe && cols !== null) this.w.rowDescription(cols, formats);
        const written = this.writeRows(cols, formats, await portal.fetch(maxRows));
        if (written !== undefined) await written;
        return true;
      }
      case 'copyIn':
        return this.runCopyIn(portal, simple);
      case 'copyOut':
        return this.runCopyOut(portal);
    }
  }

  /**
   * DataRows, then CommandComplete or PortalSuspended. Synchronous unless the output
   * buffer passes flushThreshold mid-result (then it flushes and awaits the socket).
   */
  private writeRows(
    cols: readonly ColumnDescription[] | null,
    formats: readonly number[],
    r: FetchResult,
  ): Promise<void> | void {
    const rows = r.rows;
    if (cols !== null && rows.length > 0) {
      const settings = this.formatSettings();
      for (let i = 0; i < rows.length; i++) {
        this.dataRow(rows[i], cols, formats, settings);
        if (this.w.length >= flushThreshold)
          return this.writeRowsSlowly(cols, formats, r, i + 1, settings);
      }
    }
    this.finishRows(r);
  }

  private async writeRowsSlowly(
    cols: readonly ColumnDescription[],
    formats: readonly number[],
    r: FetchResult,
    from: number,
    settings: FormatSettings,
  ): Promise<void> {
    await this.flushIfFull();
    const rows = r.rows;
    for (let i = from; i < rows.length; i++) {
      this.dataRow(rows[i], cols, formats, settings);
      if (this.w.length >= flushThreshold) await this.flushIfFull();
    }
    this.finishRows(r);
  }

  private finishRows(r: FetchResult): void {
    if (r.done) {
      const tag = r.tag ?? '';
      this.w.commandComplete(tag);
      if (tag.startsWith('SET') || tag.startsWith('RESET')) this.settings = undefined;
    } else {
      this.w.empty(BackendType.portalSuspended);
    }
  }

  private dataRow(
    row: readonly Datum[],
    cols: readonly ColumnDescription[],
    formats: readonly number[],
    settings: FormatSettings,
  ): void {
    const w = this.w;
    const n = cols.length;
    const at = w.begin(0x44, 2);
    w.int16(n);
    const nf = formats.length;
    for (let i = 0; i < n; i++) {
      const v = row[i];
      if (v === null || v === undefined) {
        w.nullField();
        continue;
      }
      const fmt = nf === 0 ? 0 : nf === 1 ? formats[0] : formats[i];
      const oid = cols[i].typeOid;
      try {
        if (fmt === 0) w.lengthPrefixedString(formatText(oid, v, settings));
        else w.lengthPrefixedBytes(formatBinary(oid, v));
      } catch (err) {
        // Never a half-written DataRow (clients drop the connection): the row goes, and the
        // statement fails with an ErrorResponse instead.
        w.abandon(at);
        throw err instanceof SqlError
          ? err
          : new SqlError(
              SqlState.internalError,
              `could not output a value of type ${oid} in column "${cols[i].name}": ${(err as Error).message}`,
            );
      }
    }
    w.end(at);
  }

  private async runCopyIn(portal: CopyInPortal, simple: boolean): Promise<boolean> {
    const formats = new Array<number>(portal.columnCount).fill(portal.format);
    this.w.copyResponse(BackendType.copyInResponse, portal.format, formats);
    this.flush();
    // psql ends text-format data with a "\." line (protocol.html COPY: still honoured).
    const filter: CopyEndFilter | undefined =
      portal.format === 0 ? copyEndMarkerFilter() : undefined;
    let failed: SqlError | undefined;
    for (;;) {
      const f = await this.nextFrame();
      const type = f.type;
      if (type === FrontendType.CopyData) {
        if (failed !== undefined) continue;
        const data = filter === undefined ? f.body : filter.feed(f.body);
        if (data.length === 0) continue;
        try {
          const p = portal.write(Buffer.from(data));
          if (p !== undefined) await p;
        } catch (err) {
          failed = this.errorFor(err);
          if (!simple) break;
        }
      } else if (type === FrontendType.CopyDone) {
        if (failed !== undefined) break;
        try {
          const tail = filter === undefined ? undefined : filter.finish();
          if (tail !== undefined && tail.length > 0) {
            const p = portal.write(tail);
            if (p !== undefined) await p;
          }
          const tag = await portal.done();
          this.w.commandComplete(tag);
          return true;
        } catch (err) {
          this.w.errorResponse(this.errorFor(err));
          return false;
        }
      } else if (type === FrontendType.CopyFail) {
        const message = readCopyFail(f.body);
        if (failed === undefined) {
          const reported = await this.failCopy(portal, message);
          // The engine may describe the failure itself (PostgreSQL adds the line reached).
          failed =
            reported?.code === SqlState.queryCanceled
              ? reported
              : new SqlError(SqlState.queryCanceled, `COPY from stdin failed: ${message}`);
          this.w.errorResponse(failed);
          return false;
        }
        break;
      } else if (type === FrontendType.Flush || type === FrontendType.Sync) {
        // protocol.html §55.2.6: Flush and Sync are ignored during copy-in.
        continue;
      } else {
        await this.failCopy(portal, 'protocol violation');
        throw new ProtocolError(
          `unexpected message type 0x${type.toString(16)} during COPY from stdin`,
        );
      }
    }
    if (failed === undefined) return true;
    await this.failCopy(portal, failed.message);
    this.w.errorResponse(failed);
    return false;
  }

  /** Tells the engine the COPY failed; what it raises (if a SqlError) is returned. */
  private async failCopy(portal: CopyInPortal, message: string): Promise<SqlError | undefined> {
    try {
      await portal.fail(message);
    } catch (err) {
      if (err instanceof SqlError) return err;
      this.host.log('debug', 'copy fail() raised', { err: String(err) });
    }
    return undefined;
  }

  private async runCopyOut(portal: CopyOutPortal): Promise<boolean> {
    const formats = new Array<number>(portal.columnCount).fill(portal.format);
    this.w.copyResponse(BackendType.copyOutResponse, portal.format, formats);
    for (;;) {
      const chunk = await portal.read();
      if (chunk === null) break;
      this.w.copyData(chunk);
      await this.flushIfFull();
    }
    this.w.empty(BackendType.copyDone);
    this.w.commandComplete(portal.tag ?? 'COPY 0');
    return true;
  }

  // --- settings, timers, portals ------------------------------------------------------------

  private formatSettings(): FormatSettings {
    let s = this.settings;
    if (s !== undefined) return s;
    const session = this.session;
    if (session === undefined) return defaultFormatSettings;
    const efd = Number(session.setting('extra_float_digits') ?? '1');
    const bo = session.setting('bytea_output');
    s = {
      dateStyle: session.setting('DateStyle') ?? defaultFormatSettings.dateStyle,
      intervalStyle: session.setting('IntervalStyle') ?? defaultFormatSettings.intervalStyle,
      timeZone: session.setting('TimeZone') ?? defaultFormatSettings.timeZone,
      extraFloatDigits: Number.isFinite(efd) ? efd : 1,
      byteaOutput: bo === 'escape' ? 'escape' : 'hex',
    };
    this.settings = s;
    return s;
  }

  private timeoutSetting(name: string, fallback: number): number {
    const v = this.session?.setting(name);
    if (v === undefined) return fallback;
    const ms = parseDuration(v);
    return ms === undefined ? fallback : ms;
  }

  private startStatementTimer(): void {
    this.statementTimedOut = false;
    const ms = this.timeoutSetting('statement_timeout', this.host.limits.statementTimeoutMs);
    if (ms <= 0) return;
    this.statementTimer = this.host.setTimer(ms, () => {
      this.statementTimer = undefined;
      this.statementTimedOut = true;
      this.session?.cancel();
    });
  }

  private stopStatementTimer(): void {
    if (this.statementTimer !== undefined) {
      this.host.clearTimer(this.statementTimer);
      this.statementTimer = undefined;
    }
  }

  private startIdleTimer(): void {
    const ms = this.timeoutSetting(
      'idle_in_transaction_session_timeout',
      this.host.limits.idleInTransactionSessionTimeoutMs,
    );
    if (ms <= 0) return;
    if (this.idleTimer !== undefined) this.host.clearTimer(this.idleTimer);
    this.idleTimer = this.host.setTimer(ms, () => {
      this.idleTimer = undefined;
      if (this.phase !== 'ready' || this.busy) return;
      this.fatal(
        new SqlError('25P03', 'terminating connection due to idle-in-transaction timeout', {
          severity: 'FATAL',
        }),
      );
    });
  }

  private closeUnnamedPortal(): void {
    const p = this.unnamedPortal;
    if (p !== undefined) {
      this.unnamedPortal = undefined;
      closePortal(p.portal);
    }
  }

  /** Portals do not outlive their transaction (non-holdable, as all protocol portals are). */
  private closeAllPortals(): void {
    this.closeUnnamedPortal();
    if (this.portals.size === 0) return;
    for (const p of this.portals.values()) closePortal(p.portal);
    this.portals.clear();
  }

  private requireSession(): EngineSession {
    const s = this.session;
    if (s === undefined) throw new ProtocolError('no session');
    return s;
  }

  // --- ending --------------------------------------------------------------------------

  private terminate(): void {
    this.flush();
    this.shutdown();
    this.transport.close();
  }

  /** Reports a fatal error (protocol violation, FATAL SqlError) and closes. */
  private fatal(err: unknown): void {
    if (this.phase === 'closed') return;
    const e = toSqlError(err);
    if (!(err instanceof SqlError))
      this.host.log('warn', 'connection failed', { err: String(err) });
    const fatal =
      e.severity === 'ERROR' ? new SqlError(e.code, e.message, { severity: 'FATAL' }) : e;
    this.w.errorResponse(fatal);
    this.flush();
    this.shutdown();
    this.transport.close();
  }

  private shutdown(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.cleanup();
    const w = this.frameWaiter;
    if (w !== undefined) {
      this.frameWaiter = undefined;
      w();
    }
    const d = this.drainWaiter;
    if (d !== undefined) {
      this.drainWaiter = undefined;
      d();
    }
  }

  private cleanup(): void {
    this.stopStatementTimer();
    if (this.idleTimer !== undefined) this.host.clearTimer(this.idleTimer);
    if (this.authTimer !== undefined) this.host.clearTimer(this.authTimer);
    this.idleTimer = this.authTimer = undefined;
    this.closeAllPortals();
    if (this.pid !== 0) this.host.unregister(this);
    if (this.admitted) {
      this.admitted = false;
      this.host.release(this);
    }
    const s = this.session;
    this.session = undefined;
    if (s !== undefined) {
      s.close().catch((err: unknown) =>
        this.host.log('warn', 'session close failed', { err: String(err) }),
      );
    }
  }

  /** The engine session, for CancelRequest. */
  cancelRunning(): void {
    this.session?.cancel();
  }

  /**
   * pg_terminate_backend: what PostgreSQL's die() leads to — the running statement stops,
   * the client gets FATAL 57P01 (instead of whatever the statement would still have sent)
   * and the connection closes. false if it had already ended.
   */
  terminateByAdministrator(): boolean {
    if (this.phase === 'closed') return false;
    this.session?.cancel();
    // Whatever the running statement had buffered is dropped: the FATAL is the last word.
    if (this.phase === 'ready') this.w.discard();
    this.fatal(
      new SqlError('57P01', 'terminating connection due to administrator command', {
        severity: 'FATAL',
      }),
    );
    return true;
  }
}

function closePortal(p: Portal): void {
  if (p.kind === 'rows') p.close();
}

/** A GUC duration: '0', '150' (ms), '5s', '100ms', '2min', '1h'. */
export function parseDuration(v: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h|d)?\s*$/.exec(v);
  if (m === null) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  const mult =
    unit === 'ms'
      ? 1
      : unit === 's'
        ? 1000
        : unit === 'min'
          ? 60_000
          : unit === 'h'
            ? 3_600_000
            : 86_400_000;
  return n * mult;
}

/**
 * A numeric parameter in the evaluator's form. io parses numeric into its own class, which
 * the evaluator's arithmetic does not take (`SELECT $1::numeric + 1` failed with a
 * TypeError); rows are stored in the evaluator's form already (proxy/sql/copyDatum.ts
 * explains the two layers).
 */
function engineNumeric(v: Datum, settings: FormatSettings): Datum {
  return parseValue(TypeOid.numeric, formatText(TypeOid.numeric, v, settings));
}
