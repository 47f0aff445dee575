/**
 * The shard node: a KvEngine, the ranges it owns, and the RPC methods the proxy calls.
 *
 * This first version serves raw key/value reads and writes per range; MVCC reads at a
 * timestamp, locks and plan fragments come with the transaction and SQL work.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RpcServer, RpcHandler } from '../common/rpc';
import { parseAddress } from '../common/config';
import type { Logger } from '../common/logger';
import { MetaClient } from '../common/clients/metaClient';
import { RpcError, RpcErrorCode } from '../common/errors';
import { asBuffer } from '../common/codec';
import type { RangeDescriptor } from '../common/catalog/schema';
import { compareEnd } from '../common/catalog/keyspace';
import type { KvEngine } from './storage/kvEngine';
import { WriteBatch } from './storage/kvEngine';
import { SqliteEngine } from './storage/sqliteEngine';
import { LsmEngine, openLsm } from './lsm';
import { RangeTable, retryLaterError } from './rangeTable';
import { RangeLockWaiters } from './rangeLockWaiters';
import { lockKey } from './mvcc/keys';
import { MvccStore } from './mvcc';
import { ShardClients } from '../common/clients/shardClients';
import { ClusterDeadlockDetector } from './clusterDeadlock';
import { txnHandlers, RangeResolver } from './txnHandlers';
import { GcRunner } from './gcRunner';
import type { ShardConfig } from './config';
import { sqlHandlers } from './sqlHandlers';
import { FencedEngine } from './writeFence';
import { LockIndexedEngine } from './lockIndex';
import { rangeMoveHandlers } from './rangeMoveHandlers';
import { startUnderDataDirLock, DataDirLock } from '../common/dataDirLock';

export interface ShardNode {
  readonly address: string;
  readonly shardId: number;
  close(): Promise<void>;
}

/** Most entries one scan call returns; the caller continues from the last key. */
const MAX_SCAN_BATCH = 10_000;

function bytes(value: unknown, what: string): Buffer {
  if (!(value instanceof Uint8Array))
    throw new RpcError(RpcErrorCode.badRequest, `${what} must be bytes`);
  return asBuffer(value);
}

function num(value: unknown, what: string): number {
  if (typeof value !== 'number')
    throw new RpcError(RpcErrorCode.badRequest, `${what} must be a number`);
  return value;
}

/** A small FIFO lock: writes are applied one at a time so a check-then-write is atomic. */
class WriteLock {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

async function openEngine(config: ShardConfig, logger: Logger): Promise<KvEngine> {
  if (config.engine === 'lsm') {
    return openLsm(path.join(config.dataDir, 'lsm'), {
      logger: logger.child({ component: 'lsm' }),
      filterPrefix: 'mvcc', // bloom filters per MVCC key, so versionAt/txnRecord seeks skip tables
    });
  }
  return SqliteEngine.open(path.join(config.dataDir, 'sqlite'));
}

/** What SHOW-style callers and tests see of the storage engine: the LSM's shape, if LSM. */
function storageStatus(engine: KvEngine): Record<string, unknown> {
  if (!(engine instanceof LsmEngine)) return {};
  const s = engine.stats();
  return {
    memtableBytes: s.memtableBytes,
    immutableMemtables: s.immutableMemtables,
    levelFiles: s.levelFiles,
    flushes: s.flushes,
    compactions: s.compactions,
  };
}

interface Identity {
  shardId?: number;
}

export async function startShardNode(config: ShardConfig, logger: Logger): Promise<ShardNode> {
  // Before anything in the directory is opened: a second shard on a live shard's data dir
  // once deleted SSTables under it (common/dataDirLock.ts). Kept until close().
  return startUnderDataDirLock(
    config.dataDir,
    { role: 'shard', node: config.nodeName },
    { logger },
    (lock) => startLocked(config, logger, lock),
  );
}

async function startLocked(
  config: ShardConfig,
  logger: Logger,
  lock: DataDirLock,
): Promise<ShardNode> {
  const identityFile = path.join(config.dataDir, 'shard.json');
  const identity: Identity = fs.existsSync(identityFile)
    ? (JSON.parse(fs.readFileSync(identityFile, 'utf8')) as Identity)
    : {};
  const engine = await openEngine(config, logger);
  logger.info({ engine: config.engine, dataDir: config.dataDir }, 'storage engine open');

  let shardId = identity.shardId ?? 0;
  const ranges = new RangeTable(() => shardId);
  // Every MVCC write goes through the fence: it lands only in ranges owned and not frozen
  // at the moment it is handed to the engine (shard/writeFence.ts).
  // Beneath every writer of locks: the oldest lock held goes to meta with each heartbeat,
  // so the GC safe point never passes a dead coordinator's locks (shard/lockIndex.ts).
  const locked = LockIndexedEngine.over(engine, logger.child({ component: 'lock-index' }));
  const fenced = new FencedEngine(locked, ranges);
  const meta = new MetaClient({
    addresses: config.meta,
    secret: config.secret,
    name: config.nodeName,
    logger: logger.child({ component: 'meta-client' }),
  });
  const writeLock = new WriteLock();

  // Deadlocks across shards: the registered shard with the lowest id runs the wait-for
  // graph (shard/clusterDeadlock.ts); its address comes with every range map refresh.
  const peers = new ShardClients(
    config.secret,
    config.nodeName,
    logger.child({ component: 'shard-peers' }),
  );
  let detectorAddress: string | undefined;
  const detector = new ClusterDeadlockDetector({ remote: () => detectorAddress }, peers);

  let lockWaits: RangeLockWaiters | undefined;
  let lastRefresh = 0;
  const refreshRanges = async (): Promise<void> => {
    lastRefresh = Date.now();
    const { version, ranges: all, shards } = await meta.ranges();
    ranges.update(version, all);
    // Waits for locks in ranges this shard no longer writes (frozen or gone) end now with
    // "retry later": the release they wait for will happen on the new owner.
    lockWaits?.endWaitsOutside(
      (key) => ranges.writableEngineKey(lockKey(key)),
      () => retryLaterError('the lock waited for is in a range moving off this shard; retry later'),
    );
    const lowest = [...(shards ?? [])].sort((a, b) => a.id - b.id)[0];
    detectorAddress = lowest === undefined || lowest.id === shardId ? undefined : lowest.address;
  };

  /**
   * The range named by the request. Known ranges answer synchronously (the point-read hot
   * path pays no Promise); an unknown (rangeId, epoch) refreshes from meta once first.
   */
  const rangeOf = (body: {
    rangeId?: unknown;
    epoch?: unknown;
  }): RangeDescriptor | Promise<RangeDescriptor> => {
    const rangeId = num(body.rangeId, 'rangeId');
    const epoch = num(body.epoch, 'epoch');
    const known = ranges.lookup(rangeId, epoch);
    if (known !== undefined) return known;
    if (Date.now() - lastRefresh <= 20) throw ranges.stale(rangeId, epoch);
    return refreshRanges().then(() => {
      const r = ranges.lookup(rangeId, epoch);
      if (r === undefined) throw ranges.stale(rangeId, epoch);
      return r;
    });
  };
  /** Runs fn on the request's range, synchronously when the range is known. */
  const withRange = <T>(body: unknown, fn: (r: RangeDescriptor) => T): T | Promise<T> => {
    const r = rangeOf(body as { rangeId?: unknown; epoch?: unknown });
    return r instanceof Promise ? r.then(fn) : fn(r);
  };

  /** [start, end) clamped to the range. */
  const bounds = (
    r: RangeDescriptor,
    start: unknown,
    end: unknown,
  ): { gte: Buffer; lt: Buffer | null } => {
    let gte = r.startKey;
    if (start instanceof Uint8Array && Buffer.compare(asBuffer(start), gte) > 0)
      gte = asBuffer(start);
    let lt = r.endKey;
    if (end instanceof Uint8Array && compareEnd(asBuffer(end), lt) < 0) lt = asBuffer(end);
    return { gte, lt };
  };

  const opened: { store?: MvccStore } = {};
  const handlers = new Map<string, RpcHandler>([
    [
      'kv.get',
      (body) =>
        withRange(body, (r) => {
          const key = bytes((body as { key?: unknown }).key, 'key');
          ranges.checkKeys(r, [key]);
          return engine.get(key) ?? null;
        }),
    ],
    [
      'kv.scan',
      async (body) => {
        const b = body as { start?: unknown; end?: unknown; limit?: unknown };
        const r = await rangeOf(body as object);
        const { gte, lt } = bounds(r, b.start, b.end);
        const limit = Math.min(
          typeof b.limit === 'number' && b.limit > 0 ? b.limit : MAX_SCAN_BATCH,
          MAX_SCAN_BATCH,
        );
        const it = engine.iterator(lt === null ? { gte } : { gte, lt });
        const entries: Array<[Buffer, Buffer]> = [];
        try {
          for (let e = it.next(); e !== undefined; e = it.next()) {
            if (entries.length === limit) return { entries, more: true };
            entries.push(e);
          }
        } finally {
          it.close();
        }
        return { entries, more: false };
      },
    ],
    [
      'kv.count',
      async (body) => {
        const b = body as { start?: unknown; end?: unknown };
        const r = await rangeOf(body as object);
        const { gte, lt } = bounds(r, b.start, b.end);
        const it = engine.iterator(lt === null ? { gte } : { gte, lt });
        let n = 0;
        try {
          while (it.next() !== undefined) n++;
        } finally {
          it.close();
        }
        return n;
      },
    ],
    [
      'kv.write',
      async (body) => {
        const b = body as { puts?: unknown; dels?: unknown; mustNotExist?: unknown };
        const r = await rangeOf(body as object);
        const puts = Array.isArray(b.puts)
          ? b.puts.map((p: unknown) => {
              if (!Array.isArray(p))
                throw new RpcError(RpcErrorCode.badRequest, 'puts must be [key, value] pairs');
              return [bytes(p[0], 'key'), bytes(p[1], 'value')] as const;
            })
          : [];
        const dels = Array.isArray(b.dels) ? b.dels.map((k: unknown) => bytes(k, 'key')) : [];
        ranges.checkKeys(r, [...puts.map((p) => p[0]), ...dels]);
        ranges.checkWritable(r);
        return writeLock.run(async () => {
          if (b.mustNotExist === true) {
            const seen = new Set<string>();
            for (let i = 0; i < puts.length; i++) {
              const hex = puts[i][0].toString('hex');
              if (seen.has(hex) || engine.get(puts[i][0]) !== undefined) return { conflict: i };
              seen.add(hex);
            }
          }
          const batch = new WriteBatch();
          for (const [k, v] of puts) batch.put(k, v);
          for (const k of dels) batch.del(k);
          await locked.write(batch, { sync: true });
          return { written: batch.length };
        });
      },
    ],
    [
      'shard.status',
      () => ({
        shardId,
        ranges: ranges.ranges.length,
        rangeVersion: ranges.knownVersion,
        storage: storageStatus(engine),
      }),
    ],
    [
      // CHECKPOINT: flush and finish due compactions, so a benchmark or a bulk load's
      // follower measures the engine settled, not catching up on the load's debt.
      'shard.checkpoint',
      async () => {
        const started = Date.now();
        await engine.checkpoint();
        const storage = storageStatus(engine);
        logger.info({ ms: Date.now() - started, ...storage }, 'checkpoint done');
        return { storage };
      },
    ],
    ...sqlHandlers({
      engine: fenced,
      rawEngine: locked,
      rangeOf: async (b) => rangeOf(b),
      checkReadable: (r) => ranges.checkReadable(r),
      checkWritableNow: (r) => {
        const now = ranges.lookup(r.id, r.epoch);
        if (now === undefined) throw ranges.stale(r.id, r.epoch);
        ranges.checkWritable(now);
      },
      writableEngineKey: (k) => ranges.writableEngineKey(k),
      owned: () => ranges.ranges,
      refresh: refreshRanges,
      // Before the store below is open, 0n: every record is kept (the safe side).
      safePoint: () => opened.store?.safePoint ?? 0n,
    }),
    ...detector.handlers(),
  ]);

  const { host, port } = parseAddress(config.listen);
  const server = await RpcServer.listen({
    host,
    port,
    secret: config.secret,
    handlers,
    logger: logger.child({ component: 'rpc' }),
  });
  const address = config.advertise !== '' ? config.advertise : `${host}:${server.port}`;

  // Register (or re-register under our stored id), retrying while meta comes up.
  const registerDeadline = Date.now() + 60_000;
  for (;;) {
    try {
      const info = await meta.registerShard(address, config.nodeName, identity.shardId);
      shardId = info.id;
      break;
    } catch (err) {
      if (Date.now() > registerDeadline) {
        await server.close();
        await engine.close();
        meta.close();
        throw new Error(
          `could not register with meta at ${config.meta.join(',')}: ${(err as Error).message}`,
          { cause: err },
        );
      }
      logger.warn({ err: (err as Error).message }, 'meta not reachable yet; retrying registration');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  if (identity.shardId !== shardId) {
    fs.writeFileSync(identityFile, JSON.stringify({ shardId }) + '\n');
  }
  await refreshRanges();

  // Reads served before a restart are forgotten, so 1PC commits and prewrite locks (whose
  // min_commit_ts a 2PC commit_ts may be taken from) must land above a fresh TSO
  // timestamp (the MVCC store's initial max read ts), as TiKV syncs max_ts from PD.
  const store = await MvccStore.open({
    engine: fenced,
    initialMaxReadTs: await meta.timestamp(),
    waiters: (lockWaits = new RangeLockWaiters({
      detector,
      logger: logger.child({ component: 'lock-waits' }),
    })),
  });
  opened.store = store;
  const usable = (found: RangeDescriptor[], access: 'read' | 'write'): RangeDescriptor[] => {
    for (const r of found) {
      if (access === 'write') ranges.checkWritable(r);
      else ranges.checkReadable(r);
    }
    return found;
  };
  const resolveRanges: RangeResolver = (pairs, access) => {
    const found = pairs.map(([id, epoch]) => ranges.lookup(id, epoch));
    if (found.every((r) => r !== undefined)) return usable(found as RangeDescriptor[], access);
    return refreshRanges().then(() =>
      usable(
        pairs.map(([id, epoch]) => {
          const r = ranges.lookup(id, epoch);
          if (r === undefined) throw ranges.stale(id, epoch);
          return r;
        }),
        access,
      ),
    );
  };
  for (const [method, h] of txnHandlers(store, resolveRanges)) handlers.set(method, h);
  for (const [method, h] of rangeMoveHandlers({
    ranges,
    fence: fenced,
    refresh: refreshRanges,
    raiseMaxReadTs: async (ts) => store.raiseMaxReadTs(ts),
    maxReadTs: () => store.maxReadTs,
  }))
    handlers.set(method, h);
  const gc = new GcRunner(
    store,
    engine,
    logger.child({ component: 'gc' }),
    config.gcPassIntervalMs,
  );
  handlers.set('shard.gcStatus', () => ({
    safePoint: store.safePoint,
    deleted: gc.deleted,
    passes: gc.passes,
    oldestLock: locked.oldestLock(),
    locks: locked.lockCount,
  }));
  // MVCC history held for user keys [start, end) (default: all): versions per key, locks.
  handlers.set('shard.mvccStats', (body) => {
    const b = body as { start?: unknown; end?: unknown };
    return store.versionStats({
      start: b.start instanceof Uint8Array ? asBuffer(b.start) : Buffer.alloc(0),
      end: b.end instanceof Uint8Array ? asBuffer(b.end) : null,
    });
  });
  logger.info(
    { shardId, address, ranges: ranges.ranges.length, safePoint: String(store.safePoint) },
    'shard serving',
  );

  let heartbeatFailing = false;
  const heartbeat = setInterval(() => {
    meta
      .heartbeat(shardId, locked.oldestLock())
      .then(
        async (reply) => {
          if (heartbeatFailing) logger.info('heartbeats to meta restored');
          heartbeatFailing = false;
          if (reply.safePoint !== undefined) gc.advance(reply.safePoint);
          if (reply.rangeVersion > ranges.knownVersion) await refreshRanges();
        },
        (err: unknown) => {
          if (!heartbeatFailing)
            logger.warn({ err: (err as Error).message }, 'heartbeat to meta failed');
          heartbeatFailing = true;
        },
      )
      .catch((err: unknown) =>
        logger.warn({ err: (err as Error).message }, 'range refresh failed'),
      );
  }, config.heartbeatMs);

  return {
    address,
    get shardId() {
      return shardId;
    },
    async close() {
      clearInterval(heartbeat);
      await server.close();
      meta.close();
      peers.close();
      await writeLock.run(async () => undefined);
      await gc.close();
      await engine.close();
      lock.release();
      logger.info('shard stopped');
    },
  };
}
