/**
 * The meta node: the state machine replicated by Raft (replicatedLog.ts), the TSO on the
 * leader (leaderTso.ts), shard liveness in the leader's memory, and the RPC methods every
 * other role calls (meta/PROTOCOL.md; common/clients/metaClient.ts for the client side).
 *
 * Every change goes through propose(), which only the leader accepts (a follower answers
 * NOT_LEADER naming the leader's address). Every read of replicated state first passes a
 * ReadIndex barrier, so it is linearizable: it sees every change acknowledged before it.
 */
import { createHash } from 'node:crypto';
import { RpcServer, RpcHandler } from '../common/rpc';
import { parseAddress } from '../common/config';
import type { Logger } from '../common/logger';
import type { TableSpec } from '../common/catalog/schema';
import { SqlError, SqlState } from '../common/errors';
import { MetaStateMachine } from './stateMachine';
import { ReplicatedLog } from './replicatedLog';
import { LeaderTso } from './leaderTso';
import { validatePeers } from './config';
import type { MetaConfig } from './config';
import type { MetaCommand } from './commands';
import { roleMethods } from './roleMethods';
import { SafePointKeeper } from './safePoint';
import { sqlMethods } from './sqlMethods';
import { sessionMethods } from './sessionMethods';
import { requestIdOf } from './clientSessions';
import { databaseMethods } from './databaseMethods';
import { memberMethods } from './memberMethods';
import { startUnderDataDirLock, DataDirLock } from '../common/dataDirLock';
import type { TsoWithVersions } from '../common/clients/metaClient';

export interface MetaNode {
  readonly address: string;
  readonly name: string;
  close(): Promise<void>;
}

/** One meta node as meta.raftStatus / meta.cluster report it. */
export interface MetaMemberStatus {
  readonly id: number;
  readonly name: string | null;
  readonly address: string;
  /** follower | preCandidate | candidate | leader, or unreachable. */
  readonly role: string;
  readonly term: number | null;
  readonly leaderId: number | null;
  readonly commitIndex: number | null;
  readonly appliedIndex: number | null;
  readonly lastIndex: number | null;
  readonly tsoServing: boolean;
  /** sha256 of the state machine image, when asked for ({digest: true}): replicas at the same applied index agree. */
  readonly stateDigest?: string;
}

/** How long meta.cluster waits for each peer's status. */
const PEER_STATUS_TIMEOUT_MS = 500;

function bad(message: string): SqlError {
  return new SqlError(SqlState.internalError, `bad meta request: ${message}`);
}

export async function startMetaNode(config: MetaConfig, logger: Logger): Promise<MetaNode> {
  const problems = validatePeers(config);
  if (problems.length > 0) throw new Error(problems.join('; '));
  // Before the Raft log is opened: two members on one directory would each append to and
  // truncate the same log (common/dataDirLock.ts). Kept until close().
  return startUnderDataDirLock(
    config.dataDir,
    { role: 'meta', node: config.nodeName },
    { logger },
    (lock) => startLocked(config, logger, lock),
  );
}

async function startLocked(
  config: MetaConfig,
  logger: Logger,
  lock: DataDirLock,
): Promise<MetaNode> {
  const machine = new MetaStateMachine();
  const log = new ReplicatedLog(machine, {
    nodeId: config.nodeId,
    peers: config.peers,
    dataDir: config.dataDir,
    secret: config.secret,
    tickMs: config.raftTickMs,
    snapshotEvery: config.raftSnapshotEvery,
    logger,
    join: config.join,
  });
  logger.info(
    {
      nodeId: config.nodeId,
      peers: config.peers,
      appliedIndex: log.status().applied,
      tables: machine.tables.length,
      ranges: machine.ranges.length,
    },
    'meta state recovered',
  );
  /** Every change to meta state: one Raft entry, applied on every member. */
  const propose = (command: MetaCommand): Promise<unknown> => log.propose(command);
  /** A client's command, with the request id from its RPC body (applied once per id). */
  const proposeFor = (body: unknown, command: MetaCommand): Promise<unknown> =>
    log.propose({ ...command, req: requestIdOf((body as { req?: unknown } | null)?.req) });
  /** Before every read of replicated state (linearizable reads). */
  const readBarrier = (): Promise<void> => log.readBarrier();

  const safePoints = new SafePointKeeper({
    now: () => Date.now(),
    lifeTimeMs: config.gcLifeTimeMs ?? 600_000,
    // A proxy reports every few seconds; after this long without a report it is forgotten.
    reportTtlMs: Math.max(30_000, 6 * (config.gcIntervalMs ?? 5000)),
    current: () => machine.safePoint,
    isLeader: () => log.isLeader(),
    propose: (ts) => propose({ type: 'setSafePoint', ts }),
    logger: logger.child({ component: 'gc' }),
    // Proxies report every 2 s (proxy/server.ts): hear each of them before moving on.
    leaderWarmupMs: 5_000,
    shards: () => machine.shards.map((s) => s.id),
    term: () => log.status().term,
    staleLockMs: config.staleLockMs,
  });
  const safePointTimer = setInterval(() => {
    safePoints
      .tick()
      .catch((err: unknown) =>
        logger.warn({ err: (err as Error).message }, 'could not advance the GC safe point'),
      );
  }, config.gcIntervalMs ?? 5000);
  safePointTimer.unref();

  const lastHeartbeat = new Map<number, number>();
  function isLive(shardId: number): boolean {
    const now = Date.now();
    const t = lastHeartbeat.get(shardId);
    if (t !== undefined && now - t < config.shardLivenessMs) return true;
    // Liveness lives in the leader's memory: a new leader has heard nobody yet, and gives
    // every shard one liveness period to send its first heartbeat before calling it down.
    const since = tso.leaderSinceMs;
    return (
      (t === undefined || t < since!) && since !== null && now - since < config.shardLivenessMs
    );
  }
  function leaderOnly(): void {
    if (!log.isLeader()) throw log.notLeader();
  }
  function ownStatus(): MetaMemberStatus {
    const st = log.status();
    return {
      id: st.id,
      name: config.nodeName,
      address,
      role: st.role,
      term: st.term,
      leaderId: st.leader === 0 ? null : st.leader,
      commitIndex: st.commit,
      appliedIndex: st.applied,
      lastIndex: st.lastIndex,
      tsoServing: tso.serving,
    };
  }
  async function peerStatus(id: number, peerAddress: string): Promise<MetaMemberStatus> {
    try {
      const client = log.transport.client(id);
      if (!client) throw new Error('no client');
      return await client.call<MetaMemberStatus>(
        'meta.raftStatus',
        {},
        { timeoutMs: PEER_STATUS_TIMEOUT_MS },
      );
    } catch {
      return {
        id,
        name: null,
        address: peerAddress,
        role: 'unreachable',
        term: null,
        leaderId: null,
        commitIndex: null,
        appliedIndex: null,
        lastIndex: null,
        tsoServing: false,
      };
    }
  }

  // LISTEN/NOTIFY and advisory locks shared by every proxy (sessionMethods.ts).
  const shared = sessionMethods(machine, propose, readBarrier, leaderOnly);

  const handlers = new Map<string, RpcHandler>([
    ['meta.raft', (body) => log.transport.deliver(body)],
    [
      'meta.registerShard',
      async (body) => {
        const b = body as { address?: unknown; name?: unknown; shardId?: unknown };
        if (typeof b.address !== 'string' || typeof b.name !== 'string')
          throw bad('registerShard needs address and name');
        const shard = (await proposeFor(body, {
          type: 'registerShard',
          address: b.address,
          name: b.name,
          shardId: typeof b.shardId === 'number' ? b.shardId : undefined,
        })) as { id: number };
        lastHeartbeat.set(shard.id, Date.now());
        logger.info({ shard }, 'shard registered');
        return shard;
      },
    ],
    [
      'meta.heartbeat',
      (body) => {
        const { shardId: id, oldestLock } = body as { shardId?: unknown; oldestLock?: unknown };
        if (typeof id !== 'number') throw bad('heartbeat needs shardId');
        leaderOnly();
        // Absent (a shard that does not index its locks): no report, so GC waits for one.
        if (oldestLock !== undefined) {
          if (oldestLock !== null && typeof oldestLock !== 'bigint')
            throw bad('heartbeat oldestLock must be a bigint or null');
          safePoints.reportShard(id, oldestLock);
        }
        const wasDown = !lastHeartbeat.has(id) || !isLive(id);
        lastHeartbeat.set(id, Date.now());
        if (wasDown) logger.info({ shardId: id }, 'shard is live');
        // Versions as the leader has applied them: a hint to refresh caches, not a read; the
        // safe point is committed state and only moves forward, so a shard may GC up to it.
        return {
          rangeVersion: machine.rangeVersion,
          catalogVersion: machine.catalogVersion,
          safePoint: machine.safePoint,
        };
      },
    ],
    /** A proxy's oldest active start_ts (null: none), which holds the GC safe point back. */
    [
      'meta.reportActive',
      (body) => {
        const b = body as { proxy?: unknown; oldest?: unknown };
        if (typeof b.proxy !== 'string' || (b.oldest !== null && typeof b.oldest !== 'bigint'))
          throw bad('reportActive needs proxy and oldest (bigint or null)');
        leaderOnly();
        safePoints.report(b.proxy, b.oldest);
        return { safePoint: machine.safePoint, staleLockShards: safePoints.staleLockShards() };
      },
    ],
    [
      'meta.safePoint',
      async () => {
        await readBarrier();
        return { safePoint: machine.safePoint };
      },
    ],
    /** Cheap change detection for proxies' caches: versions as applied here (a hint, not a read). */
    [
      'meta.versions',
      () => ({ rangeVersion: machine.rangeVersion, catalogVersion: machine.catalogVersion }),
    ],
    [
      'meta.ranges',
      async () => {
        await readBarrier();
        return { version: machine.rangeVersion, ranges: machine.ranges, shards: machine.shards };
      },
    ],
    [
      'meta.catalog',
      async () => {
        await readBarrier();
        return { version: machine.catalogVersion, tables: machine.tables };
      },
    ],
    [
      'meta.createTable',
      async (body) => {
        const b = body as { spec?: TableSpec; ifNotExists?: boolean };
        if (!b.spec || typeof b.spec.name !== 'string') throw bad('createTable needs a spec');
        const table = await proposeFor(body, {
          type: 'createTable',
          spec: b.spec,
          ifNotExists: b.ifNotExists === true,
        });
        if (table) logger.info({ table: b.spec.name }, 'table created');
        return {
          table,
          catalogVersion: machine.catalogVersion,
          rangeVersion: machine.rangeVersion,
        };
      },
    ],
    [
      'meta.dropTable',
      async (body) => {
        const b = body as { schema?: string; name?: string; ifExists?: boolean };
        if (typeof b.name !== 'string' || typeof b.schema !== 'string')
          throw bad('dropTable needs schema and name');
        const table = await proposeFor(body, {
          type: 'dropTable',
          schema: b.schema,
          name: b.name,
          ifExists: b.ifExists === true,
        });
        if (table) logger.info({ table: b.name }, 'table dropped');
        return { table, catalogVersion: machine.catalogVersion };
      },
    ],
    [
      'meta.tso',
      (body) => {
        const b = body as { count?: unknown; versions?: unknown } | null;
        const count = b?.count ?? 1;
        if (typeof count !== 'number' || !Number.isInteger(count))
          throw bad('tso count must be an integer');
        const first = tso.next(count);
        // `versions`: also the catalog and range-map versions as applied here. A DDL is
        // answered only once applied on the leader, so a timestamp asked for after it
        // comes with its version: a proxy learns of it before it runs the statement.
        if (b?.versions !== true) return first;
        const withVersions = (ts: bigint): TsoWithVersions => ({
          first: ts,
          catalogVersion: machine.catalogVersion,
          rangeVersion: machine.rangeVersion,
        });
        return typeof first === 'bigint' ? withVersions(first) : first.then(withVersions);
      },
    ],
    /** This node's own Raft state (any member answers; meta.cluster asks each one). */
    [
      'meta.raftStatus',
      (body) => {
        if ((body as { digest?: unknown } | null)?.digest !== true) return ownStatus();
        return {
          ...ownStatus(),
          stateDigest: createHash('sha256').update(machine.snapshot()).digest('hex'),
        };
      },
    ],
    [
      'meta.cluster',
      async () => {
        // From the leader, after a barrier. When no leader is known at all (an election, or a
        // majority down) any member answers with what it can see, so an operator can still
        // tell which members are up; shard liveness is then unknown and reported as down.
        const leaderKnown = log.status().leader !== 0;
        if (leaderKnown && !log.isLeader()) throw log.notLeader();
        if (leaderKnown) await readBarrier();
        // The members are Raft's current voter set (it changes with ALTER CLUSTER … META).
        const metas = await Promise.all(
          log
            .members()
            .map((p) => (p.id === config.nodeId ? ownStatus() : peerStatus(p.id, p.address))),
        );
        const now = Date.now();
        return {
          metas,
          shards: machine.shards.map((s) => {
            const t = lastHeartbeat.get(s.id);
            return {
              ...s,
              live: leaderKnown && isLive(s.id),
              lastHeartbeatMsAgo: t === undefined ? null : now - t,
            };
          }),
        };
      },
    ],
    /**
     * Fault injection, only with --fault-injection (tests): {cutOff: [ids]} drops all Raft
     * traffic between this member and those peers (both directions, as seen from here);
     * {clockSkewMs} shifts the wall clock this member's TSO reads.
     */
    [
      'meta.faultInjection',
      (body) => {
        if (!config.faultInjection) throw bad('fault injection is disabled (--fault-injection)');
        const b = body as { cutOff?: unknown; clockSkewMs?: unknown };
        if (b.cutOff !== undefined) {
          const cut = b.cutOff;
          if (!Array.isArray(cut) || !cut.every((x) => typeof x === 'number'))
            throw bad('cutOff must be a list of node ids');
          log.transport.partition(cut as number[]);
          logger.warn({ cutOff: cut }, 'fault injection: raft traffic with these peers is dropped');
        }
        if (typeof b.clockSkewMs === 'number') {
          tso.clockSkewMs = b.clockSkewMs;
          logger.warn({ clockSkewMs: b.clockSkewMs }, 'fault injection: TSO clock skewed');
        }
        return null;
      },
    ],
    /**
     * The test/diagnostic register (commands.ts): {op: 'get'|'put'|'cas', key, value?, from?, to?}.
     * get is a linearizable read (ReadIndex), put and cas are Raft entries.
     */
    [
      'meta.kv',
      async (body) => {
        const b = body as {
          op?: unknown;
          key?: unknown;
          value?: unknown;
          from?: unknown;
          to?: unknown;
        };
        if (typeof b.key !== 'string') throw bad('kv needs a key');
        switch (b.op) {
          case 'get':
            await readBarrier();
            return { value: machine.kvGet(b.key) };
          case 'put':
            if (typeof b.value !== 'string') throw bad('kv put needs a string value');
            await propose({ type: 'kvPut', key: b.key, value: b.value });
            return { ok: true };
          case 'cas':
            if (typeof b.to !== 'string' || (b.from !== null && typeof b.from !== 'string'))
              throw bad('kv cas needs from (string or null) and to');
            return {
              ok: (await propose({ type: 'kvCas', key: b.key, from: b.from, to: b.to })) === true,
            };
          default:
            throw bad('kv op must be get, put or cas');
        }
      },
    ],
    ...sqlMethods(machine, proposeFor, logger, readBarrier),
    ...roleMethods(machine, proposeFor, logger, readBarrier),
    ...databaseMethods(machine, proposeFor, logger, readBarrier),
    ...memberMethods(log, propose, logger.child({ component: 'membership' }), config.secret),
    ...shared.handlers,
  ]);

  // The handlers above run only once the server accepts calls, by when tso is set.
  const { host, port } = parseAddress(config.listen);
  const server = await RpcServer.listen({
    host,
    port,
    secret: config.secret,
    handlers,
    logger: logger.child({ component: 'rpc' }),
  });
  const address = config.advertise !== '' ? config.advertise : `${host}:${server.port}`;
  const tso = new LeaderTso(log, machine, address, logger.child({ component: 'tso' }));
  logger.info(
    { address, nodeId: config.nodeId, members: config.peers.length || 1 },
    'meta node serving',
  );

  return {
    address,
    name: config.nodeName,
    async close() {
      clearInterval(safePointTimer);
      shared.close();
      tso.close();
      await server.close();
      log.close();
      lock.release();
      logger.info('meta node stopped');
    },
  };
}
