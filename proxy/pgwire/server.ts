/**
 * The pgwire server: a TCP listener binding each socket (plain, or TLS after SSLRequest)
 * to a Connection, plus the server-wide state connections share: backend pids and cancel
 * secrets, the connection count, host-based authentication rules.
 */
import { randomInt } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Logger } from 'pino';
import { SqlError, SqlState } from '../../common/errors';
import { authExchangeFor } from './auth/methods';
import { chooseAuthMethod } from './auth/hba';
import type { AuthExchange } from './auth/exchange';
import {
  defaultHbaRules,
  defaultLimits,
  type HbaRule,
  type PgLimits,
  type PgServerOptions,
} from './config';
import { makeWorkerPid, maxLocalPid, workerOfPid } from './backendPid';
import { Connection, type AuthRequest, type ConnectionHost, type Transport } from './connection';

export interface PgServer {
  readonly port: number;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
  /** Open client connections (for tests and metrics). */
  readonly connectionCount: number;
  /**
   * Cancels the running statement of this server's session `pid` if `secret` matches
   * (a CancelRequest forwarded from another worker). true when the key matched.
   */
  cancel(pid: number, secret: number): boolean;
  /**
   * pg_terminate_backend for this server's session `pid`: FATAL 57P01 and the connection
   * closes. false when no such session is here (the caller checked the permission).
   */
  terminate(pid: number): boolean;
}

class SocketTransport implements Transport {
  private socket: net.Socket;
  readonly remoteAddress: string;
  private closing = false;

  constructor(
    socket: net.Socket,
    private readonly conn: () => Connection,
    private readonly secureContext: tls.SecureContext | undefined,
    private readonly onGone: () => void,
    private readonly logger: Logger | undefined,
  ) {
    this.socket = socket;
    this.remoteAddress = socket.remoteAddress ?? '';
    socket.setNoDelay(true);
    this.bind(socket);
    socket.on('close', () => {
      this.conn().transportClosed();
      this.onGone();
    });
  }

  private bind(s: net.Socket): void {
    s.on('data', (chunk: Buffer) => this.conn().receive(chunk));
    s.on('drain', () => this.conn().drained());
    s.on('error', (err: Error) => {
      this.logger?.debug({ err: err.message }, 'client socket error');
      this.conn().transportClosed();
      s.destroy();
    });
  }

  write(data: Buffer): boolean {
    if (this.closing || this.socket.destroyed) return true;
    return this.socket.write(data);
  }

  close(): void {
    if (this.closing) return;
    this.closing = true;
    const s = this.socket;
    s.end();
    // A client that never reads must not keep the socket open forever.
    setTimeout(() => s.destroy(), 5000).unref();
  }

  startTls(): void {
    const raw = this.socket;
    raw.removeAllListeners('data');
    raw.removeAllListeners('drain');
    const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: this.secureContext });
    this.socket = secure;
    this.bind(secure);
  }

  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    this.socket.resume();
  }
}

export function startPgServer(options: PgServerOptions): Promise<PgServer> {
  const limits: PgLimits = { ...defaultLimits, ...options.limits };
  const rules: readonly HbaRule[] = options.hba ?? defaultHbaRules;
  const logger = options.logger?.child({ component: 'pgwire' });
  const secureContext = options.tls
    ? tls.createSecureContext({ cert: options.tls.cert, key: options.tls.key })
    : undefined;
  const engine = options.engine;
  const cluster = options.cluster;

  const sockets = new Set<net.Socket>();
  const byPid = new Map<number, Connection>();
  let admitted = 0;
  // Backend pids: unique among live sessions, starting somewhere random like real pids.
  let nextPid = randomInt(1000, 1 << 22);
  // With workers, pids follow backendPid.ts: worker id high, a per-worker counter low.
  let nextLocal = randomInt(1, maxLocalPid);

  const allocatePid = (): number => {
    if (cluster === undefined) {
      do {
        nextPid = nextPid >= 0x7ffffffe ? 1000 : nextPid + 1;
      } while (byPid.has(nextPid));
      return nextPid;
    }
    let pid: number;
    do {
      nextLocal = nextLocal >= maxLocalPid ? 1 : nextLocal + 1;
      pid = makeWorkerPid(cluster.workerId, nextLocal);
    } while (byPid.has(pid));
    return pid;
  };

  const cancelLocal = (pid: number, secret: number): boolean => {
    const conn = byPid.get(pid);
    // A wrong secret is ignored silently, as PostgreSQL does (it only logs it).
    if (conn !== undefined && conn.secret === secret) {
      conn.cancelRunning();
      return true;
    }
    logger?.debug({ pid }, 'cancel request for unknown pid or wrong key');
    return false;
  };

  const host: ConnectionHost = {
    engine,
    limits,
    tlsAvailable: secureContext !== undefined,
    admit(): boolean | Promise<boolean> {
      if (admitted >= limits.maxConnections) return false;
      admitted++;
      if (cluster === undefined) return true;
      // Across workers the primary holds the count (WORKERS.md, max_connections).
      return cluster.acquireConnection().then((ok) => {
        if (!ok) admitted--;
        return ok;
      });
    },
    release(): void {
      admitted--;
      cluster?.releaseConnection();
    },
    register(conn: Connection) {
      const pid = allocatePid();
      byPid.set(pid, conn);
      return { pid, secret: randomInt(-0x80000000, 0x7fffffff) };
    },
    unregister(conn: Connection): void {
      if (byPid.get(conn.pid) === conn) byPid.delete(conn.pid);
    },
    cancel(pid: number, secret: number): void {
      if (cluster !== undefined && workerOfPid(pid) !== cluster.workerId) {
        cluster.forwardCancel(pid, secret);
        return;
      }
      cancelLocal(pid, secret);
    },
    authenticate(info: AuthRequest): AuthExchange | SqlError {
      const method = chooseAuthMethod(
        rules,
        info.remoteAddress,
        info.user,
        info.database,
        info.ssl,
      );
      if (method === undefined || method === 'reject') {
        const what =
          method === undefined ? 'no pg_hba.conf entry' : 'pg_hba.conf rejects connection';
        return new SqlError(
          SqlState.invalidAuthorizationSpecification,
          `${what} for host "${info.remoteAddress}", user "${info.user}", database "${info.database}", ${info.ssl ? 'SSL encryption' : 'no encryption'}`,
          { severity: 'FATAL' },
        );
      }
      return authExchangeFor(method, info.user, engine);
    },
    setTimer(ms: number, fn: () => void): unknown {
      const t = setTimeout(fn, ms);
      t.unref();
      return t;
    },
    clearTimer(t: unknown): void {
      clearTimeout(t as NodeJS.Timeout);
    },
    log(level, msg, fields): void {
      logger?.[level](fields ?? {}, msg);
    },
  };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    // The transport and the connection refer to each other; the holder breaks the cycle.
    const holder: { conn?: Connection } = {};
    const transport = new SocketTransport(
      socket,
      () => holder.conn as Connection,
      secureContext,
      () => sockets.delete(socket),
      logger,
    );
    holder.conn = new Connection(host, transport);
  });
  server.on('error', (err) => logger?.error({ err: err.message }, 'pgwire listener error'));

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      const addr = server.address() as net.AddressInfo;
      logger?.info(
        {
          host: options.host ?? '127.0.0.1',
          port: addr.port,
          tls: secureContext !== undefined,
          limits,
        },
        'pgwire listening',
      );
      resolve({
        port: addr.port,
        get connectionCount() {
          return sockets.size;
        },
        cancel: cancelLocal,
        terminate(pid: number): boolean {
          const conn = byPid.get(pid);
          return conn !== undefined && conn.terminateByAdministrator();
        },
        close(): Promise<void> {
          return new Promise<void>((done) => {
            server.close(() => done());
            for (const s of sockets) s.destroy();
          });
        },
      });
    });
  });
}
