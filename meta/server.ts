/**
 * The meta node: the state machine behind its log, the TSO, shard liveness, and the RPC
 * methods every other role calls (see common/clients/metaClient.ts for the client side).
 */
import { RpcServer, RpcHandler } from '../common/rpc';
import { parseAddress } from '../common/config';
import type { Logger } from '../common/logger';
import type { TableSpec } from '../common/catalog/schema';
import { SqlError, SqlState } from '../common/errors';
import { MetaStateMachine } from './stateMachine';
import { SingleNodeLog } from './singleNodeLog';
import { TimestampOracle } from './tso';
import type { MetaConfig } from './config';
import type { MetaCommand } from './commands';
import { sqlMethods } from './sqlMethods';

export interface MetaNode {
  readonly address: string;
  readonly name: string;
  close(): Promise<void>;
}

function bad(message: string): SqlError {
  return new SqlError(SqlState.internalError, `bad meta request: ${message}`);
}

export async function startMetaNode(config: MetaConfig, logger: Logger): Promise<MetaNode> {
  const machine = new MetaStateMachine();
  const log = new SingleNodeLog(config.dataDir, machine);
  logger.info({ appliedIndex: log.appliedIndex, tables: machine.tables.length, ranges: machine.ranges.length }, 'meta state recovered');
  const propose = (command: MetaCommand): unknown => log.propose(command);

  const tso = new TimestampOracle({
    now: () => Date.now(),
    highWater: () => machine.tsoHighWaterMs,
    persistHighWater: async (physicalMs) => {
      propose({ type: 'tsoHighWater', physicalMs });
    },
  });
  await tso.start();

  const lastHeartbeat = new Map<number, number>();
  const started = Date.now();

  const handlers = new Map<string, RpcHandler>([
    ['meta.registerShard', (body) => {
      const b = body as { address?: unknown; name?: unknown; shardId?: unknown };
      if (typeof b.address !== 'string' || typeof b.name !== 'string') throw bad('registerShard needs address and name');
      const shard = propose({ type: 'registerShard', address: b.address, name: b.name, shardId: typeof b.shardId === 'number' ? b.shardId : undefined }) as { id: number };
      lastHeartbeat.set(shard.id, Date.now());
      logger.info({ shard }, 'shard registered');
      return shard;
    }],
    ['meta.heartbeat', (body) => {
      const id = (body as { shardId?: unknown }).shardId;
      if (typeof id !== 'number') throw bad('heartbeat needs shardId');
      const wasDown = !isLive(id);
      lastHeartbeat.set(id, Date.now());
      if (wasDown) logger.info({ shardId: id }, 'shard is live');
      return { rangeVersion: machine.rangeVersion, catalogVersion: machine.catalogVersion };
    }],
    ['meta.ranges', () => ({ version: machine.rangeVersion, ranges: machine.ranges, shards: machine.shards })],
    ['meta.catalog', () => ({ version: machine.catalogVersion, tables: machine.tables })],
    ['meta.createTable', (body) => {
      const b = body as { spec?: TableSpec; ifNotExists?: boolean };
      if (!b.spec || typeof b.spec.name !== 'string') throw bad('createTable needs a spec');
      const table = propose({ type: 'createTable', spec: b.spec, ifNotExists: b.ifNotExists === true });
      if (table) logger.info({ table: b.spec.name }, 'table created');
      return { table, catalogVersion: machine.catalogVersion, rangeVersion: machine.rangeVersion };
    }],
    ['meta.dropTable', (body) => {
      const b = body as { schema?: string; name?: string; ifExists?: boolean };
      if (typeof b.name !== 'string' || typeof b.schema !== 'string') throw bad('dropTable needs schema and name');
      const table = propose({ type: 'dropTable', schema: b.schema, name: b.name, ifExists: b.ifExists === true });
      if (table) logger.info({ table: b.name }, 'table dropped');
      return { table, catalogVersion: machine.catalogVersion };
    }],
    ['meta.tso', (body) => {
      const count = (body as { count?: unknown })?.count ?? 1;
      if (typeof count !== 'number' || !Number.isInteger(count)) throw bad('tso count must be an integer');
      return tso.next(count);
    }],
    ['meta.cluster', () => ({
      metas: [{ name: config.nodeName, address: config.advertise, role: 'leader', term: 1, commitIndex: log.appliedIndex, appliedIndex: log.appliedIndex, uptimeMs: Date.now() - started }],
      shards: machine.shards.map((s) => ({ ...s, live: isLive(s.id), lastHeartbeatMsAgo: lastHeartbeat.has(s.id) ? Date.now() - (lastHeartbeat.get(s.id) as number) : null })),
    })],
    ...sqlMethods(machine, propose, logger),
  ]);

  function isLive(shardId: number): boolean {
    const t = lastHeartbeat.get(shardId);
    return t !== undefined && Date.now() - t < config.shardLivenessMs;
  }

  const { host, port } = parseAddress(config.listen);
  const server = await RpcServer.listen({ host, port, secret: config.secret, handlers, logger: logger.child({ component: 'rpc' }) });
  const address = config.advertise !== '' ? config.advertise : `${host}:${server.port}`;
  logger.info({ address }, 'meta node serving');

  return {
    address,
    name: config.nodeName,
    async close() {
      await server.close();
      log.close();
      logger.info('meta node stopped');
    },
  };
}
