/** The SQL engine behind pgwire: one per proxy process, a session per client. */
import type { EngineSession, SessionEvents, SessionStartInfo, SqlEngine } from '../engine';
import type { ExecContext } from './context';
import { loadParser } from './parser';
import { PlanCache } from './planCache';
import { SqlSession } from './session';
import { SequenceCache } from './sequences';
import { TxnShardRpc } from '../txn/shardGroups';
import { LockResolver } from '../txn/lockResolver';

export class ShardSqlEngine implements SqlEngine {
  private readonly plans: PlanCache;

  private constructor(private readonly ctx: ExecContext) {
    this.plans = new PlanCache(() => ctx.catalog.knownVersion);
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
    return new SqlSession(this.ctx, this.plans, info, events);
  }

  /** Users and password verifiers arrive with the catalog work; until then only trust rules apply. */
  async passwordVerifier(_user: string): Promise<string | undefined> {
    return undefined;
  }
}
