/** The SQL engine behind pgwire: one per proxy process, a session per client. */
import type { EngineSession, SessionEvents, SessionStartInfo, SqlEngine } from '../engine';
import type { ExecContext } from './context';
import { loadParser } from './parser';
import { PlanCache } from './planCache';
import { SqlSession } from './session';
import { SequenceCache } from './sequences';
import { startupDatabasesFor, type StartupDatabases } from './startupDatabase';
import {
  AdvisoryLocks,
  catalogAccess,
  SessionRegistry,
  type PgServices,
  type PgSession,
} from '../catalog';
import { trackSession } from '../catalog/track';
import { TxnShardRpc } from '../txn/shardGroups';
import { LockResolver } from '../txn/lockResolver';

export class ShardSqlEngine implements SqlEngine {
  private readonly plans: PlanCache;
  private readonly services: PgServices = {
    sessions: new SessionRegistry(),
    locks: new AdvisoryLocks(),
  };

  private readonly databases: StartupDatabases;

  private constructor(private readonly ctx: ExecContext) {
    this.plans = new PlanCache(() => ctx.catalog.knownVersion);
    this.databases = startupDatabasesFor(ctx.meta);
  }

  static async create(ctx: ExecContext): Promise<ShardSqlEngine> {
    await loadParser();
    let txnDeps = ctx.txnDeps;
    if (txnDeps === undefined) {
      if (ctx.shardClients === undefined)
        throw new Error('the SQL engine needs shardClients or txnDeps');
      const rpc = new TxnShardRpc(ctx.ranges, ctx.shardClients);
      txnDeps = { rpc, resolver: new LockResolver(rpc), timestamp: () => ctx.meta.timestamp() };
    }
    return new ShardSqlEngine({
      ...ctx,
      sequences: ctx.sequences ?? new SequenceCache(ctx.meta),
      txnDeps,
    });
  }

  async openSession(info: SessionStartInfo, events: SessionEvents): Promise<EngineSession> {
    await this.databases.check(info.database);
    // The session's own ExecContext carries its view of pg_catalog (catalog/access.ts).
    const holder: { session?: SqlSession } = {};
    const pgSession: PgSession = {
      pid: info.backendPid,
      user: info.user,
      database: info.database,
      setting: (name) => holder.session?.setting(name),
      setSetting: (name, value) => holder.session?.setSetting(name, value) ?? value,
      settings: () => holder.session?.allSettings() ?? [],
      cancel: () => holder.session?.cancel(),
    };
    const ctx: ExecContext = {
      ...this.ctx,
      catalogAccess: catalogAccess(this.ctx, pgSession, this.services),
    };
    const session = new SqlSession(ctx, this.plans, info, events);
    holder.session = session;
    session.onDiscard = () => this.services.locks.releaseAll(info.backendPid);
    const entry = trackSession(this.services, info, session, pgSession);
    const close = session.close.bind(session);
    session.close = async () => {
      entry.remove();
      await close();
    };
    return session;
  }

  /** The role's stored verifier (SCRAM or md5) from the catalog; undefined for an unknown role or one without a password. */
  async passwordVerifier(user: string): Promise<string | undefined> {
    const { roles } = await this.ctx.meta.roles();
    const role = roles.find((r) => r.name === user);
    return role?.login ? role.passwordVerifier : undefined;
  }
}
