/** Catalog objects as the meta cluster stores them and every role reads them. */

export interface ColumnDef {
  /** Stable id; row values are stored by column id, never by position or name. */
  readonly id: number;
  readonly name: string;
  readonly typeOid: number;
  /** atttypmod: -1 when none (varchar(n) → n + 4, numeric(p,s) → ((p << 16) | s) + 4). */
  readonly typeMod: number;
  readonly notNull: boolean;
  /** The DEFAULT expression as SQL text, if any. */
  readonly defaultExpr?: string;
  /** A column the user did not declare (the rowid of a table without a primary key). */
  readonly hidden?: boolean;
  /** Wire form of the value rows stored before ADD COLUMN read as (its constant default). */
  readonly missing?: unknown;
  /** GENERATED ALWAYS / BY DEFAULT AS IDENTITY. */
  readonly identity?: 'always' | 'by default';
}

/** A global secondary index (DESIGN.md "Keys and rows"). */
export interface IndexDef {
  readonly id: number;
  readonly name: string;
  /** Column ids, in key order. */
  readonly columns: readonly number[];
  readonly unique: boolean;
  /** Backs a UNIQUE constraint (dropped with the constraint). */
  readonly constraint?: boolean;
  /**
   * Being backfilled (CREATE INDEX on a table with rows): writers maintain it, readers
   * must not use it yet, since entries for older rows may still be missing.
   */
  readonly building?: boolean;
}

export interface CheckDef {
  readonly name: string;
  /** The condition as SQL text, compiled against the table's columns. */
  readonly expr: string;
}

export interface ForeignKeyDef {
  readonly name: string;
  readonly columns: readonly number[];
  readonly refSchema: string;
  readonly refTable: string;
  readonly refColumns: readonly string[];
  readonly onDelete?: 'restrict' | 'cascade' | 'set null' | 'no action';
}

/** Constraints and indexes of a table (optional so older catalog entries still read). */
export interface TableExtras {
  readonly indexes?: readonly IndexDef[];
  readonly checks?: readonly CheckDef[];
  readonly foreignKeys?: readonly ForeignKeyDef[];
  /** Next column id for ADD COLUMN (ids are never reused). */
  readonly nextColumnId?: number;
  readonly nextIndexId?: number;
  /** Name of the primary-key constraint. */
  readonly pkName?: string;
}

export interface TableDef extends TableExtras {
  readonly id: number;
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  /** Column ids of the primary key, in key order. */
  readonly primaryKey: readonly number[];
  /** Bumped by every change to the table's definition. */
  readonly version: number;
}

/** What CREATE TABLE sends to meta; meta assigns ids. */
export interface TableSpec {
  readonly schema: string;
  readonly name: string;
  readonly columns: ReadonlyArray<Omit<ColumnDef, 'id'>>;
  /** Column names of the primary key. */
  readonly primaryKey: readonly string[];
  /** Indexes and constraints; column ids are the 1-based positions in `columns`. */
  readonly extras?: TableExtras;
}

export interface SequenceDef {
  readonly schema: string;
  readonly name: string;
  readonly start: bigint;
  readonly increment: bigint;
  /** Next value meta hands out. */
  readonly next: bigint;
}

export interface RangeDescriptor {
  readonly id: number;
  /** Inclusive; empty = the start of the key space. */
  readonly startKey: Buffer;
  /** Exclusive; null = the end of the key space. */
  readonly endKey: Buffer | null;
  readonly shardId: number;
  /** Bumped by every change to this range (split, merge, move, freeze, unfreeze). */
  readonly epoch: number;
  /**
   * Set while the range is being moved to another shard (DESIGN.md "Range map", MOVE
   * RANGE): the range is frozen, its shard (the source) refuses every write with a
   * "retry later" RANGE_STALE until meta finishes the move (shardId := toShard) or aborts it.
   */
  readonly moving?: RangeMove;
}

export interface RangeMove {
  readonly toShard: number;
}

export interface ShardInfo {
  readonly id: number;
  readonly address: string;
  readonly name: string;
}

/** A role (user) as CREATE ROLE defines it; the password is kept only as a verifier. */
export interface RoleDef {
  readonly name: string;
  readonly superuser: boolean;
  readonly login: boolean;
  readonly createdb: boolean;
  readonly createrole: boolean;
  /** `SCRAM-SHA-256$…` or `md5…`, as PostgreSQL stores it; absent: no password. */
  readonly passwordVerifier?: string;
}

/**
 * A database (pg_database row). All databases share one keyspace of schemas and tables for
 * now (meta/PROTOCOL.md "Databases"); a database gates connections and is listed by \l.
 */
export interface DatabaseDef {
  readonly oid: number;
  readonly name: string;
  /** The owning role's name. */
  readonly owner: string;
  /** Always UTF8: the only server encoding ShardDB has. */
  readonly encoding: 'UTF8';
  readonly collate: string;
  readonly ctype: string;
  readonly isTemplate: boolean;
  readonly allowConnections: boolean;
  /** datacl as PostgreSQL prints its items (`=c/postgres`); absent: the default privileges. */
  readonly acl?: readonly string[];
}
