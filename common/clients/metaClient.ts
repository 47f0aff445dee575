/**
 * How proxies and shards talk to the meta cluster: find the leader, follow NOT_LEADER
 * redirects, fail over on UNAVAILABLE, retry with backoff within a deadline; and batch
 * every timestamp request in flight into one TSO call.
 */
import { RpcClient } from '../rpc';
import { RpcError, RpcErrorCode } from '../errors';
import type { Logger } from '../logger';
import type { RangeDescriptor, SequenceDef, ShardInfo, TableDef, TableSpec } from '../catalog/schema';
import { asBuffer } from '../codec';

export interface MetaClientOptions {
  readonly addresses: readonly string[];
  readonly secret: string;
  readonly name: string;
  readonly logger: Logger;
  /** Total time a call may take across retries. */
  readonly deadlineMs?: number;
}

export interface ClusterStatus {
  readonly metas: ReadonlyArray<{ name: string; address: string; role: string; term: number; commitIndex: number; appliedIndex: number }>;
  readonly shards: ReadonlyArray<ShardInfo & { live: boolean; lastHeartbeatMsAgo: number | null }>;
}

/** Errors after which trying another meta node (or again) can help. */
function retryable(err: unknown): err is RpcError {
  return (
    err instanceof RpcError &&
    (err.code === RpcErrorCode.unavailable || err.code === RpcErrorCode.notLeader || err.code === RpcErrorCode.deadlineExceeded)
  );
}

export class MetaClient {
  private readonly clients: RpcClient[];
  private leader = 0;
  private tsoQueue: Array<{ resolve: (ts: bigint) => void; reject: (err: unknown) => void }> = [];
  private tsoInFlight = false;

  constructor(private readonly options: MetaClientOptions) {
    if (options.addresses.length === 0) throw new Error('MetaClient needs at least one meta address');
    this.clients = options.addresses.map(
      (address) => new RpcClient({ address, secret: options.secret, name: options.name, logger: options.logger, defaultTimeoutMs: 3000 }),
    );
  }

  async call<T>(method: string, body: unknown = {}, timeoutMs?: number): Promise<T> {
    const deadline = Date.now() + (timeoutMs ?? this.options.deadlineMs ?? 10_000);
    let backoff = 20;
    for (let attempt = 0; ; attempt++) {
      const client = this.clients[this.leader];
      try {
        return await client.call<T>(method, body, { timeoutMs: Math.max(50, Math.min(3000, deadline - Date.now())) });
      } catch (err) {
        if (!retryable(err) || Date.now() + backoff > deadline) throw err;
        if (err.code === RpcErrorCode.notLeader) {
          const hint = (err.detail as { leader?: string } | undefined)?.leader;
          const i = hint ? this.options.addresses.indexOf(hint) : -1;
          this.leader = i >= 0 ? i : (this.leader + 1) % this.clients.length;
        } else {
          this.leader = (this.leader + 1) % this.clients.length;
        }
        // After a full round of nodes, wait before the next: an election may be running.
        if ((attempt + 1) % this.clients.length === 0) {
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(backoff * 2, 500);
        }
      }
    }
  }

  /** One timestamp; all requests made while a TSO call is in flight share the next one. */
  timestamp(): Promise<bigint> {
    return new Promise((resolve, reject) => {
      this.tsoQueue.push({ resolve, reject });
      if (!this.tsoInFlight) this.flushTso();
    });
  }

  private flushTso(): void {
    const batch = this.tsoQueue;
    this.tsoQueue = [];
    this.tsoInFlight = true;
    this.call<bigint>('meta.tso', { count: batch.length }).then(
      (first) => {
        for (let i = 0; i < batch.length; i++) batch[i].resolve(first + BigInt(i));
        this.afterTso();
      },
      (err: unknown) => {
        for (const waiter of batch) waiter.reject(err);
        this.afterTso();
      },
    );
  }

  private afterTso(): void {
    this.tsoInFlight = false;
    if (this.tsoQueue.length > 0) this.flushTso();
  }

  registerShard(address: string, name: string, shardId?: number): Promise<ShardInfo> {
    return this.call('meta.registerShard', { address, name, shardId });
  }

  heartbeat(shardId: number): Promise<{ rangeVersion: number; catalogVersion: number }> {
    return this.call('meta.heartbeat', { shardId }, 2000);
  }

  async ranges(): Promise<{ version: number; ranges: RangeDescriptor[]; shards: ShardInfo[] }> {
    const r = await this.call<{ version: number; ranges: RangeDescriptor[]; shards: ShardInfo[] }>('meta.ranges');
    return {
      version: r.version,
      shards: r.shards,
      ranges: r.ranges.map((x) => ({
        ...x,
        startKey: asBuffer(x.startKey),
        endKey: x.endKey === null ? null : asBuffer(x.endKey),
      })),
    };
  }

  catalog(): Promise<{ version: number; tables: TableDef[] }> {
    return this.call('meta.catalog');
  }

  createTable(spec: TableSpec, ifNotExists: boolean): Promise<{ table: TableDef | null; catalogVersion: number; rangeVersion: number }> {
    return this.call('meta.createTable', { spec, ifNotExists });
  }

  dropTable(schema: string, name: string, ifExists: boolean): Promise<{ table: TableDef | null; catalogVersion: number }> {
    return this.call('meta.dropTable', { schema, name, ifExists });
  }

  /** Proposes one of the SQL catalog commands (meta/catalogCommands.ts). */
  sqlCommand<T>(command: { readonly type: string } & Record<string, unknown>): Promise<{ result: T; catalogVersion: number; rangeVersion: number }> {
    return this.call('meta.sqlCommand', { command });
  }

  sqlCatalog(): Promise<{ version: number; sequences: SequenceDef[]; schemas: string[] }> {
    return this.call('meta.sqlCatalog');
  }

  cluster(): Promise<ClusterStatus> {
    return this.call('meta.cluster');
  }

  close(): void {
    for (const c of this.clients) c.close();
    const err = new RpcError(RpcErrorCode.unavailable, 'meta client closed');
    for (const waiter of this.tsoQueue.splice(0)) waiter.reject(err);
  }
}
