/** The SQL engine behind pgwire: one per proxy process, a session per client. */
import type { EngineSession, SessionEvents, SessionStartInfo, SqlEngine } from '../engine';
import type { ExecContext } from './context';
import { loadParser } from './parser';
import { PlanCache } from './planCache';
import { SqlSession } from './session';
import { SequenceCache } from './sequences';

export class ShardSqlEngine implements SqlEngine {
  private readonly plans: PlanCache;

  private constructor(private readonly ctx: ExecContext) {
    this.plans = new PlanCache(() => ctx.catalog.knownVersion);
  }

  static async create(ctx: ExecContext): Promise<ShardSqlEngine> {
    await loadParser();
    return new ShardSqlEngine({ ...ctx, sequences: ctx.sequences ?? new SequenceCache(ctx.meta) });
  }

  async openSession(info: SessionStartInfo, events: SessionEvents): Promise<EngineSession> {
    return new SqlSession(this.ctx, this.plans, info, events);
  }

  /** The role's stored verifier (SCRAM or md5) from the catalog; undefined for an unknown role or one without a password. */
  async passwordVerifier(user: string): Promise<string | undefined> {
    const { roles } = await this.ctx.meta.roles();
    const role = roles.find((r) => r.name === user);
    return role?.login ? role.passwordVerifier : undefined;
  }
}
