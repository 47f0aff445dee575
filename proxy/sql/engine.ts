/** The SQL engine behind pgwire: one per proxy process, a session per client. */
import type { EngineSession, SessionEvents, SessionStartInfo, SqlEngine } from '../engine';
import { checkpointShards } from './checkpoint';
import type { ExecContext } from './context';
import { loadParser } from './parser';
import { PlanCache } from './planCache';
import { SqlSession } from './session';
import { SequenceCache } from './sequences';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../common/logger';
import type { RoleDef } from '../../common/catalog/schema';
import { startupDatabasesFor, type StartupDatabases } from './startupDatabase';
import {
  AdvisoryLocks,
  BackendTerminator,
  catalogAccess,
  SessionRegistry,
  type PgServices,
  type PgSession,
} from '../catalog';
import { metaNotifyLink, NotificationHub, SessionNotifications } from '../notify';
import { trackSession } from '../catalog/track';
import { TxnShardRpc } from '../txn/shardGroups';
import { LockResolver } from '../txn/lockResolver';

/** meta.advisory answers {result}. */
function resultOf(r: unknown): unknown {
  return (r as { result: unknown }).result;
}

/** Per-process identity and logging for what sessions share across proxies. */
export interface EngineOptions {
  /** Names this process in meta's advisory lock table and NOTIFY log (unique per start). */
  readonly processId?: string;
  readonly logger?: Logger;
}

export class ShardSqlEngine implements SqlEngine {
  private readonly plans: PlanCache;
  private readonly services: PgServices;
  /** LISTEN/NOTIFY across proxies (proxy/notify/). */
  readonly notifications: NotificationHub;
  /** pg_terminate_backend (catalog/terminate.ts); pgwire and the worker link plug in. */
  readonly terminator: BackendTerminator;

  private readonly databases: StartupDatabases;

  private constructor(
    private readonly ctx: ExecContext,
    options: EngineOptions,
  ) {
    this.plans = new PlanCache(() => ctx.catalog.knownVersion);
    this.databases = startupDatabasesFor(ctx.meta);
    const processId =
      options.processId ?? `${os.hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
    const sessions = new SessionRegistry();
    const roles = async (): Promise<readonly RoleDef[]> => (await ctx.meta.roles()).roles;
    this.terminator = new BackendTerminator({ sessions, roles });
    this.notifications = new NotificationHub(metaNotifyLink(ctx.meta), {
      origin: processId,
      logger: options.logger?.child({ component: 'notify' }),
    });
    this.services = {
      sessions,
      locks: new AdvisoryLocks(
        { call: (command) => ctx.meta.call('meta.advisory', { command }).then(resultOf) },
        { proxy: processId, logger: options.logger?.child({ component: 'advisory-locks' }) },
      ),
      terminator: this.terminator,
      roles,
    };
  }

  static async create(ctx: ExecContext, options: EngineOptions = {}): Promise<ShardSqlEngine> {
    await loadParser();
    let txnDeps = ctx.txnDeps;
    if (txnDeps === undefined) {
      if (ctx.shardClients === undefined)
        throw new Error('the SQL engine needs shardClients or txnDeps');
      const rpc = new TxnShardRpc(ctx.ranges, ctx.shardClients);
      txnDeps = { rpc, resolver: new LockResolver(rpc), timestamp: () => ctx.meta.timestamp() };
    }
    return new ShardSqlEngine(
      {
        ...ctx,
        sequences: ctx.sequences ?? new SequenceCache(ctx.meta),
        txnDeps,
      },
      options,
    );
  }

  async openSession(info: SessionStartInfo, events: SessionEvents): Promise<EngineSession> {
    await this.databases.check(info.database);
    // The session's own ExecContext carries its view of pg_catalog (catalog/access.ts).
    const holder: { session?: SqlSession } = {};
    const pid = info.backendPid;
    const locks = this.services.locks;
    const notifications = new SessionNotifications(this.notifications, pid, (from, ch, payload) =>
      events.notification(from, ch, payload),
    );
    const pgSession: PgSession = {
      pid,
      user: info.user,
      database: info.database,
      setting: (name) => holder.session?.setting(name),
      setSetting: (name, value, local) => holder.session?.setSetting(name, value, local) ?? value,
      settings: () => holder.session?.allSettings() ?? [],
      cancel: () => holder.session?.cancel(),
      notify: (channel, payload) => notifications.notify(channel, payload),
      notice: (n) => events.notice(n),
    };
    const ctx: ExecContext = {
      ...this.ctx,
      catalogAccess: catalogAccess(this.ctx, pgSession, this.services),
    };
    const session = new SqlSession(ctx, this.plans, info, events);
    holder.session = session;
    session.notifications = notifications;
    // What a transaction queued beyond data happens at its end: NOTIFY / LISTEN at commit,
    // transaction-level advisory locks are released either way. Nothing queued: no Promise.
    session.onTransactionEnd = (committed) => {
      const xact = locks.holds(pid, 'xact');
      if (!notifications.pending && !xact) return undefined;
      return (async () => {
        try {
          if (committed) await notifications.commit();
          else notifications.discard();
        } finally {
          if (xact) await locks.release(pid, 'xact');
        }
      })();
    };
    // DISCARD ALL = … UNLISTEN *; SELECT pg_advisory_unlock_all() (PostgreSQL's docs).
    session.onDiscard = async () => {
      notifications.unlistenAll();
      await locks.release(pid, 'session');
    };
    const shardClients = this.ctx.shardClients;
    if (shardClients !== undefined)
      session.onCheckpoint = async () =>
        checkpointShards(
          this.ctx.meta,
          shardClients,
          info.user,
          (await this.ctx.meta.roles()).roles,
        );
    const entry = trackSession(this.services, info, session);
    const close = session.close.bind(session);
    session.close = async () => {
      entry.remove();
      notifications.unlistenAll();
      try {
        await close();
      } finally {
        // A backend's exit releases its advisory locks (PostgreSQL's lock.c LockReleaseAll).
        await locks.release(pid, 'all');
      }
    };
    return session;
  }

  /** Stops reading notifications and gives this process's advisory locks back to meta. */
  async close(): Promise<void> {
    this.notifications.close();
    await this.services.locks.close();
  }

  /** The role's stored verifier (SCRAM or md5) from the catalog; undefined for an unknown role or one without a password. */
  async passwordVerifier(user: string): Promise<string | undefined> {
    const { roles } = await this.ctx.meta.roles();
    const role = roles.find((r) => r.name === user);
    return role?.login ? role.passwordVerifier : undefined;
  }
}
