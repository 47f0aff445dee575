/**
 * How proxies and shards talk to the meta cluster: find the leader, follow NOT_LEADER
 * redirects, fail over on UNAVAILABLE, retry with backoff within a deadline; and batch
 * every timestamp request in flight into one TSO call.
 *
 * Retrying a command whose answer was lost may deliver it twice, so every command carries a
 * request id (this client's random id + a sequence number, the same on every retry) and the
 * meta state machine applies each id once, answering a duplicate with the first outcome
 * (meta/clientSessions.ts). A leader named in a redirect that is not among the addresses this
 * client was given (a member added at run time) is added to them.
 */
import { randomBytes } from 'node:crypto';
import { RpcClient } from '../rpc';
import { RpcError, RpcErrorCode } from '../errors';
import type { Logger } from '../logger';
import type {
  DatabaseDef,
  RoleDef,
  RangeDescriptor,
  SequenceDef,
  ShardInfo,
  TableDef,
  TableSpec,
} from '../catalog/schema';
import { asBuffer } from '../codec';

/** meta.tso's answer when asked for `versions`. */
export interface TsoWithVersions {
  readonly first: bigint;
  readonly catalogVersion: number;
  readonly rangeVersion: number;
}

export interface MetaClientOptions {
  readonly addresses: readonly string[];
  readonly secret: string;
  readonly name: string;
  readonly logger: Logger;
  /** Total time a call may take across retries. */
  readonly deadlineMs?: number;
}

export interface MetaMemberAddress {
  readonly id: number;
  readonly address: string;
}

export interface ClusterStatus {
  /** Every meta node; a node that did not answer has role 'unreachable' and null figures. */
  readonly metas: ReadonlyArray<{
    id: number;
    name: string | null;
    address: string;
    role: string;
    term: number | null;
    leaderId: number | null;
    commitIndex: number | null;
    appliedIndex: number | null;
    lastIndex: number | null;
    tsoServing: boolean;
  }>;
  readonly shards: ReadonlyArray<ShardInfo & { live: boolean; lastHeartbeatMsAgo: number | null }>;
}

/** Meta addresses learned from redirects, beyond the configured ones (a bound, not a target). */
const MAX_LEARNED_ADDRESSES = 16;

/** The request id a command carries (meta/clientSessions.ts RequestId). */
interface RequestId {
  readonly client: string;
  readonly seq: number;
  readonly ackedBelow: number;
}

/** Timestamps per TSO call; the logical part of one millisecond holds 2^18 (meta/tso.ts). */
const MAX_TSO_BATCH = 100_000;

/** Errors after which trying another meta node (or again) can help. */
function retryable(err: unknown): err is RpcError {
  return (
    err instanceof RpcError &&
    (err.code === RpcErrorCode.unavailable ||
      err.code === RpcErrorCode.notLeader ||
      err.code === RpcErrorCode.deadlineExceeded)
  );
}

export class MetaClient {
  private readonly clients: RpcClient[];
  private readonly addresses: string[];
  private leader = 0;
  /** Unique per client instance: request ids of different clients never collide. */
  private readonly clientId: string;
  private nextSeq = 1;
  /** Seqs of commands not yet answered (their outcome may still be asked for again). */
  private readonly pending = new Set<number>();
  /**
   * The newest catalog and range-map versions meta named with a timestamp: a statement
   * that took its timestamp after a DDL was answered sees that DDL's version here
   * (meta/server.ts, meta.tso), whatever this process's caches still hold.
   */
  seenCatalogVersion = 0;
  seenRangeVersion = 0;
  private tsoQueue: Array<{ resolve: (ts: bigint) => void; reject: (err: unknown) => void }> = [];
  private tsoInFlight = false;
  private tsoScheduled = false;

  constructor(private readonly options: MetaClientOptions) {
    if (options.addresses.length === 0)
      throw new Error('MetaClient needs at least one meta address');
    this.addresses = [...options.addresses];
    this.clients = this.addresses.map((address) => this.rpcClient(address));
    this.clientId = `${options.name}-${randomBytes(8).toString('hex')}`;
  }

  private rpcClient(address: string): RpcClient {
    return new RpcClient({
      address,
      secret: this.options.secret,
      name: this.options.name,
      logger: this.options.logger,
      defaultTimeoutMs: 3000,
    });
  }

  /** The index of a leader's address, learning it if it is new to us (-1: not usable). */
  private addressIndex(address: string): number {
    const i = this.addresses.indexOf(address);
    if (i >= 0) return i;
    if (this.addresses.length >= this.options.addresses.length + MAX_LEARNED_ADDRESSES) return -1;
    this.addresses.push(address);
    this.clients.push(this.rpcClient(address));
    this.options.logger.info({ address }, 'learned a new meta member from a redirect');
    return this.addresses.length - 1;
  }

  /**
   * A call that changes meta state: it carries a request id, the same on every retry, so it
   * is applied once however many times it reaches the log.
   */
  async command<T>(method: string, body: Record<string, unknown>, timeoutMs?: number): Promise<T> {
    const seq = this.nextSeq++;
    this.pending.add(seq);
    let ackedBelow = seq;
    for (const p of this.pending) if (p < ackedBelow) ackedBelow = p;
    const req: RequestId = { client: this.clientId, seq, ackedBelow };
    try {
      return await this.call<T>(method, { ...body, req }, timeoutMs);
    } finally {
      // Answered or given up: either way this client will not ask for it again.
      this.pending.delete(seq);
    }
  }

  async call<T>(method: string, body: unknown = {}, timeoutMs?: number): Promise<T> {
    const deadline = Date.now() + (timeoutMs ?? this.options.deadlineMs ?? 10_000);
    let backoff = 10;
    let hops = 0;
    for (;;) {
      const current = this.leader;
      const client = this.clients[current];
      try {
        return await client.call<T>(method, body, {
          timeoutMs: Math.max(50, Math.min(3000, deadline - Date.now())),
        });
      } catch (err) {
        if (!retryable(err) || Date.now() + backoff > deadline) throw err;
        // A meta node names the leader by address in detail.leader (NOT_LEADER, or
        // UNAVAILABLE from a leader that is not ready yet): follow it at once when it points
        // elsewhere; otherwise try the next node, and back off once per round of nodes.
        const hint = (err.detail as { leader?: unknown } | undefined)?.leader;
        const hinted = typeof hint === 'string' ? this.addressIndex(hint) : -1;
        if (hinted >= 0 && hinted !== current && hops < this.clients.length) {
          this.leader = hinted;
          hops++;
          continue;
        }
        hops = 0;
        if (hinted < 0) this.leader = (current + 1) % this.clients.length;
        // An election may be running, or the leader is waiting out its predecessor's lease.
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 200);
      }
    }
  }

  /**
   * One timestamp. Every request made while a TSO call is in flight (or during the same
   * event-loop turn) shares the next call: one RPC hands out a block of consecutive
   * timestamps, one per waiter.
   */
  timestamp(): Promise<bigint> {
    return new Promise((resolve, reject) => {
      this.tsoQueue.push({ resolve, reject });
      this.scheduleTso();
    });
  }

  private scheduleTso(): void {
    if (this.tsoInFlight || this.tsoScheduled) return;
    // Wait for the rest of this turn: callers woken by the previous answer queue up first.
    this.tsoScheduled = true;
    setImmediate(() => {
      this.tsoScheduled = false;
      if (!this.tsoInFlight && this.tsoQueue.length > 0) this.flushTso();
    });
  }

  private flushTso(): void {
    const batch =
      this.tsoQueue.length > MAX_TSO_BATCH ? this.tsoQueue.splice(0, MAX_TSO_BATCH) : this.tsoQueue;
    if (batch === this.tsoQueue) this.tsoQueue = [];
    this.tsoInFlight = true;
    this.call<TsoWithVersions>('meta.tso', { count: batch.length, versions: true }).then(
      ({ first, catalogVersion, rangeVersion }) => {
        // Before the waiters resume: each checks these against its caches next.
        if (catalogVersion > this.seenCatalogVersion) this.seenCatalogVersion = catalogVersion;
        if (rangeVersion > this.seenRangeVersion) this.seenRangeVersion = rangeVersion;
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
    else this.scheduleTso();
  }

  registerShard(address: string, name: string, shardId?: number): Promise<ShardInfo> {
    return this.command('meta.registerShard', { address, name, shardId });
  }

  /** The catalog and range-map versions (a hint for cache refreshes). */
  versions(): Promise<{ rangeVersion: number; catalogVersion: number }> {
    return this.call('meta.versions', {}, 2000);
  }

  /**
   * Reports this proxy's oldest active transaction start_ts (null: none); answers the safe
   * point, and names the shards holding a lock older than meta's stale-lock age (a dead
   * coordinator's, likely), which the proxy resolves.
   */
  reportActive(
    proxy: string,
    oldest: bigint | null,
  ): Promise<{ safePoint: bigint; staleLockShards?: number[] }> {
    return this.call('meta.reportActive', { proxy, oldest }, 3000);
  }

  safePoint(): Promise<{ safePoint: bigint }> {
    return this.call('meta.safePoint');
  }

  /** A shard's liveness, with the start_ts of the oldest lock it holds (null: none). */
  heartbeat(
    shardId: number,
    oldestLock: bigint | null,
  ): Promise<{ rangeVersion: number; catalogVersion: number; safePoint?: bigint }> {
    return this.call('meta.heartbeat', { shardId, oldestLock }, 2000);
  }

  async ranges(): Promise<{ version: number; ranges: RangeDescriptor[]; shards: ShardInfo[] }> {
    const r = await this.call<{ version: number; ranges: RangeDescriptor[]; shards: ShardInfo[] }>(
      'meta.ranges',
    );
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

  createTable(
    spec: TableSpec,
    ifNotExists: boolean,
  ): Promise<{ table: TableDef | null; catalogVersion: number; rangeVersion: number }> {
    return this.command('meta.createTable', { spec, ifNotExists });
  }

  dropTable(
    schema: string,
    name: string,
    ifExists: boolean,
  ): Promise<{ table: TableDef | null; catalogVersion: number }> {
    return this.command('meta.dropTable', { schema, name, ifExists });
  }

  /** Proposes one of the SQL catalog commands (meta/catalogCommands.ts). */
  sqlCommand<T>(
    command: { readonly type: string } & Record<string, unknown>,
  ): Promise<{ result: T; catalogVersion: number; rangeVersion: number }> {
    return this.command('meta.sqlCommand', { command });
  }

  roleCommand(
    command: { readonly type: 'createRole' | 'alterRole' | 'dropRole' } & Record<string, unknown>,
  ): Promise<{ result: RoleDef | null; catalogVersion: number }> {
    return this.command('meta.roleCommand', { command });
  }

  roles(): Promise<{ version: number; roles: RoleDef[] }> {
    return this.call('meta.roles');
  }

  sqlCatalog(): Promise<{
    version: number;
    sequences: SequenceDef[];
    schemas: string[];
    roles?: RoleDef[];
    databases?: DatabaseDef[];
  }> {
    return this.call('meta.sqlCatalog');
  }

  /** CREATE / DROP DATABASE, ALTER DATABASE … RENAME TO (meta/databaseCommands.ts). */
  databaseCommand(
    command:
      | {
          readonly type: 'createDatabase';
          readonly name: string;
          readonly owner: string;
          readonly template?: string;
          readonly collate?: string;
          readonly ctype?: string;
        }
      | { readonly type: 'dropDatabase'; readonly name: string; readonly ifExists: boolean }
      | { readonly type: 'renameDatabase'; readonly name: string; readonly newName: string },
  ): Promise<{ result: DatabaseDef | null; catalogVersion: number }> {
    return this.command('meta.databaseCommand', { command });
  }

  databases(): Promise<{ version: number; databases: DatabaseDef[] }> {
    return this.call('meta.databases');
  }

  /** Adds a meta node (already running with --join) to the Raft group, as a voter. */
  addMetaMember(id: number, address: string): Promise<{ members: MetaMemberAddress[] }> {
    return this.call('meta.addMember', { id, address }, 30_000);
  }

  /** Removes a meta node from the Raft group (the leader too: it steps down). */
  removeMetaMember(id: number): Promise<{ members: MetaMemberAddress[] }> {
    return this.call('meta.removeMember', { id }, 30_000);
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
