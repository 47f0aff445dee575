/**
 * The meta state machine: catalog, range map, shard registry, TSO high-water mark.
 * Pure and deterministic (see commands.ts); persistence and replication live elsewhere.
 */
import { SqlError, SqlState } from '../common/errors';
import { encodeValue, decodeValue, asBuffer } from '../common/codec';
import type {
  ColumnDef,
  DatabaseDef,
  RangeDescriptor,
  RoleDef,
  SequenceDef,
  ShardInfo,
  TableDef,
} from '../common/catalog/schema';
import { applyRoleCommand, BOOTSTRAP_ROLE, rolesOf } from './roleCommands';
import { applyCatalogCommand } from './catalogCommands';
import { compareEnd, tableEnd, tableIdOfKey, tableStart } from '../common/catalog/keyspace';
import {
  applyNotify,
  emptyNotificationLog,
  readNotifications,
  type NotificationLogState,
  type NotifyRead,
} from './notifications';
import {
  advisoryHolds,
  applyAdvisory,
  emptyAdvisoryState,
  type AdvisoryHold,
  type AdvisoryLockState,
} from './advisoryLocks';
import type { MetaCommand, MetaEntry } from './commands';
import { applyOnce, requestIdOf, type SessionsState } from './clientSessions';
import {
  afterRoleRenamed,
  applyDatabaseCommand,
  checkRoleCommand,
  databasesOf,
  type DatabaseState,
} from './databaseCommands';
import { setMetaMember, type MembersState } from './members';
import type { MetaPeer } from './config';

export interface State extends SessionsState, DatabaseState, MembersState {
  nextTableId: number;
  nextRangeId: number;
  nextShardId: number;
  catalogVersion: number;
  rangeVersion: number;
  tsoHighWaterMs: number;
  tables: TableDef[];
  /** Sorted by startKey; tile the whole key space once any shard exists. */
  ranges: RangeDescriptor[];
  shards: ShardInfo[];
  sequences?: SequenceDef[];
  schemas?: string[];
  roles?: RoleDef[];
  /** The GC safe point (a TSO timestamp); absent = 0. */
  gcSafePoint?: bigint;
  /** The test/diagnostic register (commands.ts, kvPut/kvCas); not database state. */
  kv: Record<string, string>;
  /** LISTEN/NOTIFY's log (notifications.ts); absent = empty. */
  notifications?: NotificationLogState;
  /** Cluster-wide advisory locks (advisoryLocks.ts); absent = none. */
  advisory?: AdvisoryLockState;
}

/** First user table id; lower ids are reserved for system tables. */
const FIRST_TABLE_ID = 100;

function emptyState(): State {
  return {
    nextTableId: FIRST_TABLE_ID,
    nextRangeId: 1,
    nextShardId: 1,
    catalogVersion: 1,
    rangeVersion: 1,
    tsoHighWaterMs: 0,
    tables: [],
    ranges: [],
    shards: [],
    kv: {},
  };
}

export class MetaStateMachine {
  private state: State = emptyState();
  /** Called after a notify entry is applied (the leader's long polls wake up). */
  onNotify: (() => void) | undefined;
  /** Stands in for the Raft index when a caller (a unit test) applies without one. */
  private localIndex = 0;

  /**
   * Applies one Raft entry at log position `index`. A command with a request id runs once per
   * id: a retried copy gets the first copy's result or error (clientSessions.ts).
   */
  apply(entry: MetaEntry, index?: number): unknown {
    const at = index ?? ++this.localIndex;
    return applyOnce(this.state, requestIdOf(entry.req), at, () => this.applyCommand(entry));
  }

  private applyCommand(command: MetaCommand): unknown {
    switch (command.type) {
      case 'registerShard':
        return this.registerShard(command.address, command.name, command.shardId);
      case 'createTable':
        return this.createTable(command);
      case 'dropTable':
        return this.dropTable(command.schema, command.name, command.ifExists);
      case 'alterTable':
      case 'splitRanges':
      case 'mergeRange':
      case 'rangeMove':
      case 'createSequence':
      case 'dropSequence':
      case 'nextSequence':
      case 'createSchema':
        return applyCatalogCommand(this.state, command, {
          findTable: (schema, name) => this.findTable(schema, name),
          splitAt: (key) => this.splitAt(key),
          reassign: (rangeId, shardId) => this.reassign(rangeId, shardId),
          leastLoadedShard: () => this.leastLoadedShard(-1),
        });
      case 'dropRole':
        // The bootstrap superuser is refused by applyRoleCommand first (55006), as in PostgreSQL.
        if (command.name !== BOOTSTRAP_ROLE.name) checkRoleCommand(this.state, command);
        return applyRoleCommand(this.state, command);
      case 'alterRole': {
        const result = applyRoleCommand(this.state, command);
        afterRoleRenamed(this.state, command.name, command.role.name);
        return result;
      }
      case 'createRole':
        return applyRoleCommand(this.state, command);
      case 'createDatabase':
      case 'dropDatabase':
      case 'renameDatabase':
        return applyDatabaseCommand(this.state, command);
      case 'setMetaMember':
        return setMetaMember(this.state, command.id, command.address);
      case 'setSafePoint': {
        const current = this.state.gcSafePoint ?? 0n;
        if (command.ts > current) this.state.gcSafePoint = command.ts;
        return this.state.gcSafePoint ?? 0n;
      }
      case 'tsoHighWater':
        this.state.tsoHighWaterMs = Math.max(this.state.tsoHighWaterMs, command.physicalMs);
        return this.state.tsoHighWaterMs;
      case 'notify': {
        const log = (this.state.notifications ??= emptyNotificationLog());
        const head = applyNotify(log, command);
        this.onNotify?.();
        return head;
      }
      case 'advisoryLock':
      case 'advisoryUnlock':
      case 'advisoryRelease':
      case 'advisoryRenew':
      case 'advisoryDropProxy':
        return applyAdvisory((this.state.advisory ??= emptyAdvisoryState()), command);
      case 'kvPut':
        this.state.kv[command.key] = command.value;
        return null;
      case 'kvCas': {
        if (this.kvGet(command.key) !== command.from) return false;
        this.state.kv[command.key] = command.to;
        return true;
      }
    }
  }

  // --- reads -------------------------------------------------------------------------

  get catalogVersion(): number {
    return this.state.catalogVersion;
  }
  get rangeVersion(): number {
    return this.state.rangeVersion;
  }
  get tsoHighWaterMs(): number {
    return this.state.tsoHighWaterMs;
  }
  get tables(): readonly TableDef[] {
    return this.state.tables;
  }
  get ranges(): readonly RangeDescriptor[] {
    return this.state.ranges;
  }
  get shards(): readonly ShardInfo[] {
    return this.state.shards;
  }
  get sequences(): readonly SequenceDef[] {
    return this.state.sequences ?? [];
  }
  get safePoint(): bigint {
    return this.state.gcSafePoint ?? 0n;
  }
  get roles(): readonly RoleDef[] {
    return rolesOf(this.state);
  }
  get schemas(): readonly string[] {
    return ['public', ...(this.state.schemas ?? [])];
  }
  get databases(): readonly DatabaseDef[] {
    return databasesOf(this.state);
  }
  /** Meta members added at run time, with their addresses (members.ts). */
  get metaMembers(): readonly MetaPeer[] {
    return this.state.metaMembers ?? [];
  }
  /** The test/diagnostic register: the value at key, or null. */
  kvGet(key: string): string | null {
    return Object.prototype.hasOwnProperty.call(this.state.kv, key) ? this.state.kv[key] : null;
  }

  /** Notifications after seq `after` (at most max). */
  notificationsAfter(after: number, max: number): NotifyRead {
    return readNotifications(this.state.notifications ?? emptyNotificationLog(), after, max);
  }
  get notificationHead(): number {
    return this.state.notifications?.head ?? 0;
  }
  /** Every advisory lock hold: [key, hold]. */
  get advisoryHolds(): Array<[string, AdvisoryHold]> {
    return advisoryHolds(this.state.advisory ?? emptyAdvisoryState());
  }

  // --- snapshots ---------------------------------------------------------------------

  snapshot(): Buffer {
    return Buffer.from(encodeValue(this.state));
  }

  restore(data: Uint8Array): void {
    const s = decodeValue(data) as State;
    s.kv = s.kv ?? {};
    s.ranges = s.ranges.map((r) => ({
      ...r,
      startKey: asBuffer(r.startKey as unknown as Uint8Array),
      endKey: r.endKey === null ? null : asBuffer(r.endKey as unknown as Uint8Array),
    }));
    this.state = s;
  }

  // --- commands ----------------------------------------------------------------------

  private registerShard(address: string, name: string, shardId?: number): ShardInfo {
    const s = this.state;
    const existing = s.shards.find((x) =>
      shardId !== undefined ? x.id === shardId : x.name === name,
    );
    if (existing) {
      const updated = { ...existing, address };
      s.shards = s.shards.map((x) => (x.id === existing.id ? updated : x));
      return updated;
    }
    const shard: ShardInfo = { id: s.nextShardId++, address, name };
    s.shards.push(shard);
    if (s.ranges.length === 0) {
      // The first shard takes the whole key space; CREATE TABLE carves ranges out of it.
      s.ranges.push({
        id: s.nextRangeId++,
        startKey: Buffer.alloc(0),
        endKey: null,
        shardId: shard.id,
        epoch: 1,
      });
      s.rangeVersion++;
    }
    return shard;
  }

  private createTable(command: Extract<MetaCommand, { type: 'createTable' }>): TableDef | null {
    const s = this.state;
    const { spec } = command;
    if (this.findTable(spec.schema, spec.name)) {
      if (command.ifNotExists) return null;
      throw new SqlError(SqlState.duplicateTable, `relation "${spec.name}" already exists`);
    }
    if (s.shards.length === 0) {
      throw new SqlError(
        SqlState.objectNotInPrerequisiteState,
        'no shard has registered with the cluster yet',
      );
    }
    const columns: ColumnDef[] = spec.columns.map((c, i) => ({ ...c, id: i + 1 }));
    const primaryKey = spec.primaryKey.map((name) => {
      const col = columns.find((c) => c.name === name);
      if (!col)
        throw new SqlError(
          SqlState.undefinedColumn,
          `column "${name}" named in key does not exist`,
        );
      return col.id;
    });
    if (spec.schema !== 'public' && !(s.schemas ?? []).includes(spec.schema)) {
      throw new SqlError(SqlState.invalidSchemaName, `schema "${spec.schema}" does not exist`);
    }
    const table: TableDef = {
      ...(spec.extras ?? {}),
      id: s.nextTableId++,
      schema: spec.schema,
      name: spec.name,
      columns,
      primaryKey,
      version: 1,
    };
    s.tables.push(table);
    s.catalogVersion++;
    // Every table starts in its own range (DESIGN.md "Range map"), on the least loaded shard.
    this.splitAt(tableStart(table.id));
    this.splitAt(tableEnd(table.id));
    const range = s.ranges.find((r) => r.startKey.equals(tableStart(table.id))) as RangeDescriptor;
    this.reassign(range.id, this.leastLoadedShard(range.id));
    s.rangeVersion++;
    return table;
  }

  private dropTable(schema: string, name: string, ifExists: boolean): TableDef | null {
    const s = this.state;
    const table = this.findTable(schema, name);
    if (!table) {
      if (ifExists) return null;
      throw new SqlError(SqlState.undefinedTable, `table "${name}" does not exist`);
    }
    s.tables = s.tables.filter((t) => t !== table);
    s.catalogVersion++;
    return table;
  }

  findTable(schema: string, name: string): TableDef | undefined {
    return this.state.tables.find((t) => t.schema === schema && t.name === name);
  }

  /** Splits the range containing key so that a range starts exactly at key. */
  private splitAt(key: Buffer): void {
    const s = this.state;
    const i = s.ranges.findIndex(
      (r) => Buffer.compare(r.startKey, key) <= 0 && compareEnd(key, r.endKey) < 0,
    );
    if (i < 0) return;
    const r = s.ranges[i];
    if (r.startKey.equals(key)) return;
    const left: RangeDescriptor = { ...r, endKey: key, epoch: r.epoch + 1 };
    const right: RangeDescriptor = {
      id: s.nextRangeId++,
      startKey: key,
      endKey: r.endKey,
      shardId: r.shardId,
      epoch: 1,
    };
    s.ranges.splice(i, 1, left, right);
  }

  private reassign(rangeId: number, shardId: number): void {
    this.state.ranges = this.state.ranges.map((r) =>
      r.id === rangeId && r.shardId !== shardId ? { ...r, shardId, epoch: r.epoch + 1 } : r,
    );
  }

  /**
   * The shard holding the fewest ranges of table data (the empty ranges between tables do
   * not count: they hold nothing). Ties go to the lowest shard id, so replicas agree.
   */
  /** excludeRangeId: the range being placed (-1: none). */
  private leastLoadedShard(excludeRangeId: number): number {
    const counts = new Map<number, number>(this.state.shards.map((x) => [x.id, 0]));
    const tableIds = new Set(this.state.tables.map((t) => t.id));
    for (const r of this.state.ranges) {
      const tableId = tableIdOfKey(r.startKey);
      if (r.id === excludeRangeId || tableId === undefined || !tableIds.has(tableId)) continue;
      counts.set(r.shardId, (counts.get(r.shardId) ?? 0) + 1);
    }
    let best = this.state.shards[0].id;
    for (const [id, n] of counts) if (n < (counts.get(best) as number)) best = id;
    return best;
  }
}
