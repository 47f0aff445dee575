/**
 * The pgwire server's configuration: limits, TLS, host-based authentication rules.
 */
import type { Logger } from 'pino';
import type { SqlEngine } from '../engine';

export type AuthMethod = 'trust' | 'reject' | 'password' | 'md5' | 'scram-sha-256';

/**
 * One pg_hba.conf-style line: the first rule whose address, user, database (and ssl, when
 * given) match decides the method (pg_hba.conf semantics: first match wins, no fall-through).
 */
export interface HbaRule {
  /** CIDR ('10.0.0.0/8', '::1/128'), a bare address, 'all', or 'loopback' (127/8 and ::1). */
  readonly address: string;
  /** A user name or 'all'. */
  readonly user: string;
  /** A database name or 'all'. */
  readonly database: string;
  readonly method: AuthMethod;
  /** true: only over TLS (hostssl); false: only without (hostnossl); absent: both (host). */
  readonly ssl?: boolean;
}

/** Trust on loopback, SCRAM everywhere else (PostgreSQL 15's initdb default for host lines). */
export const defaultHbaRules: readonly HbaRule[] = [
  { address: 'loopback', user: 'all', database: 'all', method: 'trust' },
  { address: 'all', user: 'all', database: 'all', method: 'scram-sha-256' },
];

export interface PgLimits {
  /** Largest frontend message body accepted (bytes); larger → 08P01 and close. */
  readonly maxMessageSize: number;
  /** Sessions past this get FATAL 53300 "sorry, too many clients already". */
  readonly maxConnections: number;
  /** Default statement_timeout in ms (0 = none); the session's own setting wins. */
  readonly statementTimeoutMs: number;
  /** Default idle_in_transaction_session_timeout in ms (0 = none); the session's setting wins. */
  readonly idleInTransactionSessionTimeoutMs: number;
  /** authentication_timeout: a client must finish startup within this (ms). */
  readonly authenticationTimeoutMs: number;
}

export const defaultLimits: PgLimits = {
  maxMessageSize: 64 * 1024 * 1024,
  maxConnections: 1000,
  statementTimeoutMs: 0,
  idleInTransactionSessionTimeoutMs: 0,
  authenticationTimeoutMs: 60_000,
};

export interface TlsConfig {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

export interface PgServerOptions {
  readonly host?: string;
  /** 0 or absent: an ephemeral port (see the returned handle's port). */
  readonly port?: number;
  readonly engine: SqlEngine;
  readonly tls?: TlsConfig;
  readonly hba?: readonly HbaRule[];
  readonly limits?: Partial<PgLimits>;
  readonly logger?: Logger;
  /** Set when this server is one of several worker processes sharing a port. */
  readonly cluster?: PgClusterHooks;
}

/**
 * What a pgwire server needs from its siblings when the proxy runs one worker per core
 * (proxy/workers/WORKERS.md): pids carry the worker id (backendPid.ts), cancels for
 * another worker's pid are forwarded, and max_connections is counted across workers.
 */
export interface PgClusterHooks {
  /** This worker's id, 1..511, put in the high bits of every backend pid. */
  readonly workerId: number;
  /** A CancelRequest for a pid another worker owns; the owner checks the secret. */
  forwardCancel(pid: number, secret: number): void;
  /** A cross-worker connection ticket: resolves false at the limit (never rejects). */
  acquireConnection(): Promise<boolean>;
  /** Gives back a ticket acquireConnection granted. */
  releaseConnection(): void;
  /**
   * pg_terminate_backend for a pid another worker owns (the engine asks; the owner checks
   * the permission): resolves with that worker's answer, 'nopid' when it is gone.
   */
  forwardTerminate?(
    pid: number,
    requester: { user: string; superuser: boolean },
  ): Promise<'ok' | 'nopid' | 'superuser' | 'permission'>;
}
