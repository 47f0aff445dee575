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
}

export interface TableDef {
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
}

export interface RangeDescriptor {
  readonly id: number;
  /** Inclusive; empty = the start of the key space. */
  readonly startKey: Buffer;
  /** Exclusive; null = the end of the key space. */
  readonly endKey: Buffer | null;
  readonly shardId: number;
  /** Bumped by every change to this range (split, merge, move). */
  readonly epoch: number;
}

export interface ShardInfo {
  readonly id: number;
  readonly address: string;
  readonly name: string;
}
