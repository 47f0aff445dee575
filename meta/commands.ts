/**
 * Every change to meta state is one of these commands, applied in log order by
 * MetaStateMachine. Commands carry every input they need (no clock, no randomness read
 * while applying), so every replica that applies the same log reaches the same state.
 */
import type { RoleDef, TableDef, TableSpec } from '../common/catalog/schema';
import type { NotifyCommand } from './notifications';
import type { AdvisoryCommand } from './advisoryLocks';
import type { RequestId } from './clientSessions';

/**
 * The three steps of MOVE RANGE (and of a split or merge that moves data). Each names the
 * range at the epoch the caller saw, so a step that lost a race fails instead of acting
 * on a range that changed meanwhile.
 */
export type RangeMoveCommand =
  /** Freeze range rangeId@epoch for a move to toShard; with splitKey, split it there first and freeze the right half. */
  | {
      readonly type: 'rangeMove';
      readonly op: 'start';
      readonly rangeId: number;
      readonly epoch: number;
      readonly toShard: number;
      readonly splitKey?: Buffer;
    }
  /** The copy is on toShard: hand the frozen range rangeId@epoch over to it (or give it back). */
  | {
      readonly type: 'rangeMove';
      readonly op: 'finish' | 'abort';
      readonly rangeId: number;
      readonly epoch: number;
    };

export type MetaCommand =
  | {
      readonly type: 'registerShard';
      readonly address: string;
      readonly name: string;
      readonly shardId?: number;
    }
  | { readonly type: 'createTable'; readonly spec: TableSpec; readonly ifNotExists: boolean }
  | {
      readonly type: 'dropTable';
      readonly schema: string;
      readonly name: string;
      readonly ifExists: boolean;
    }
  /** Replace a table's definition (ALTER TABLE, CREATE INDEX …); fails if its version moved. */
  | {
      readonly type: 'alterTable';
      readonly schema: string;
      readonly name: string;
      readonly expectVersion: number;
      readonly table: TableDef;
    }
  /**
   * Split ranges so that one starts at each key, on the same shard. shardIds (the new right
   * range goes there) and mergeRange's rightCopied are only for log entries written before
   * range moves froze their range (rangeMove); proxies no longer send them.
   */
  | {
      readonly type: 'splitRanges';
      readonly keys: readonly Buffer[];
      readonly shardIds?: readonly number[];
    }
  /** Merge a range with its right neighbour on the same shard (MOVE the right one there first). */
  | { readonly type: 'mergeRange'; readonly rangeId: number; readonly rightCopied?: boolean }
  /** A range move (meta/rangeMoves.ts): freeze (optionally splitting first), finish or abort. */
  | RangeMoveCommand
  | {
      readonly type: 'createSequence';
      readonly schema: string;
      readonly name: string;
      readonly start: string;
      readonly increment: string;
      readonly ifNotExists: boolean;
    }
  | {
      readonly type: 'dropSequence';
      readonly schema: string;
      readonly name: string;
      readonly ifExists: boolean;
    }
  /** Hand out `count` values of a sequence (a cached block for one proxy). */
  | {
      readonly type: 'nextSequence';
      readonly schema: string;
      readonly name: string;
      readonly count: number;
    }
  | { readonly type: 'createSchema'; readonly name: string; readonly ifNotExists: boolean }
  | { readonly type: 'createRole'; readonly role: RoleDef }
  /** Replaces the named role's attributes (ALTER ROLE); rename when role.name differs. */
  | { readonly type: 'alterRole'; readonly name: string; readonly role: RoleDef }
  | { readonly type: 'dropRole'; readonly name: string; readonly ifExists: boolean }
  /** Advance the GC safe point (never backwards: the state keeps the max). */
  | { readonly type: 'setSafePoint'; readonly ts: bigint }
  /** Persist a TSO high-water mark (physical ms) the leader may hand out timestamps below. */
  | { readonly type: 'tsoHighWater'; readonly physicalMs: number }
  /** LISTEN/NOTIFY (notifications.ts) and cluster-wide advisory locks (advisoryLocks.ts). */
  | NotifyCommand
  | AdvisoryCommand
  /** CREATE DATABASE (databaseCommands.ts); absent template/collate/ctype: the defaults. */
  | {
      readonly type: 'createDatabase';
      readonly name: string;
      readonly owner: string;
      readonly template?: string;
      readonly collate?: string;
      readonly ctype?: string;
    }
  | { readonly type: 'dropDatabase'; readonly name: string; readonly ifExists: boolean }
  | { readonly type: 'renameDatabase'; readonly name: string; readonly newName: string }
  /** Records where meta member `id` serves (before it is added as a Raft voter; members.ts). */
  | { readonly type: 'setMetaMember'; readonly id: number; readonly address: string }
  // A test and diagnostic facility, apart from everything the database uses: a register per
  // string key, for the linearizability checks (meta.kv, test/support/linearizability/).
  | { readonly type: 'kvPut'; readonly key: string; readonly value: string }
  /** Sets key to `to` iff it holds `from` (null: absent); the result says whether it did. */
  | {
      readonly type: 'kvCas';
      readonly key: string;
      readonly from: string | null;
      readonly to: string;
    };

/**
 * One Raft entry: a command, with the client's request id when a client sent it, so that a
 * retried command is applied once (clientSessions.ts).
 */
export type MetaEntry = MetaCommand & { readonly req?: RequestId };
