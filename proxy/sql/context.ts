/** What statements need from the proxy to run: catalog, routing, meta, the transaction. */
import type { MetaClient } from '../../common/clients/metaClient';
import type { ShardClients } from '../../common/clients/shardClients';
import type { SqlError } from '../../common/errors';
import type { CatalogCache } from '../catalogCache';
import type { RangeCache } from '../rangeCache';
import type { ShardRouter } from '../shardRouter';
import type { Transaction, TxnDeps } from '../txn/transaction';
import type { SequenceCache } from './sequences';
import type { CatalogAccess } from '../catalog/access';
import type { StatementCancel } from '../txn/statementCancel';

/** The session's transaction as a statement sees it. */
export interface StatementTxn {
  readonly txn: Transaction;
  /**
   * An implicit transaction (autocommit: it commits at the next Sync / end of the query
   * string). INSERTs there buffer optimistic 'insert' mutations instead of taking locks,
   * so a single-shard autocommit INSERT is one 1PC round trip.
   */
  readonly implicit: boolean;
  /** The error each uniquely-checked key reports when it turns out to exist (23505). */
  readonly conflicts: Map<string, () => SqlError>;
  /** Keys this statement reads as absent (rows SKIP LOCKED left out), sorted. */
  readonly skip?: readonly Buffer[];
}

/**
 * Takes one DDL statement back (drops what it created, puts an altered definition back);
 * `what` names the statement in the rollback's warning when that fails or cannot be done.
 */
export interface CatalogUndo {
  readonly what: string;
  undo(ctx: ExecContext): Promise<void>;
}

export interface ExecContext {
  readonly meta: MetaClient;
  readonly catalog: CatalogCache;
  readonly ranges: RangeCache;
  readonly router: ShardRouter;
  /** Filled in by the engine when absent. */
  readonly sequences?: SequenceCache;
  /** The session's view of pg_catalog (set per session by the engine). */
  readonly catalogAccess?: CatalogAccess;
  /** Needed to build txnDeps; the engine fills txnDeps in when both are absent. */
  readonly shardClients?: ShardClients;
  readonly txnDeps?: TxnDeps;
  /** The statement's transaction; absent for internal work (each write then commits alone). */
  readonly txn?: StatementTxn;
  /**
   * DDL runs outside the session's transaction (no `txn`); this is that transaction when
   * one is open, whose buffered rows DDL must see and index (ddlRows.ts).
   */
  readonly openTxn?: StatementTxn;
  /** The running statement's cancel (CancelRequest, statement_timeout): checked between steps. */
  readonly cancel?: StatementCancel;
  /** lock_timeout in ms (0: none), for waits outside a transaction (TRUNCATE's). */
  readonly lockTimeoutMs?: number;
  /**
   * DDL hands its undo to the session's transaction here (sessionTxn.ts: a rollback runs
   * it, newest first); absent for internal work.
   */
  readonly noteCatalogUndo?: (undo: CatalogUndo) => void;
}
