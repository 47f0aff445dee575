/**
 * A session's transaction state, as PostgreSQL keeps it (src/backend/access/transam/xact.c
 * is the reference for the rules below):
 *
 * - Outside a block every statement runs in an implicit transaction that commits at the
 *   end of the unit — the Sync of the extended protocol, the end of a simple Query string
 *   (proxy/engine.ts EngineSession.sync) — and rolls back on error.
 * - BEGIN opens an explicit block; its snapshot is taken by the first statement, not by
 *   BEGIN (so REPEATABLE READ sees what committed before that statement).
 * - An error inside a block puts it in the aborted state: every command but ROLLBACK /
 *   ROLLBACK TO SAVEPOINT / COMMIT (which then rolls back) fails with 25P02.
 * - Savepoints mark the transaction's write buffer; ROLLBACK TO restores it and leaves
 *   the aborted state. Row locks taken since stay (PostgreSQL keeps them too).
 * - DDL changes the shared catalog when it runs, not at COMMIT (other sessions see it
 *   before the transaction ends, unlike in PostgreSQL); each statement hands over its undo
 *   (ddl.ts), and a rollback — ROLLBACK, ROLLBACK TO a savepoint taken before it, a failed
 *   implicit transaction or COMMIT, a closed connection — runs them newest first, so a
 *   migration that fails halfway leaves no half-built schema behind. What cannot be taken
 *   back (DROP, TRUNCATE, data-changing ALTERs) is named in a WARNING.
 */
import { SqlError, SqlState } from '../../common/errors';
import type { Notice, TransactionStatus } from '../engine';
import { Transaction, type IsolationLevel, type TxnDeps } from '../txn/transaction';
import type { CatalogUndo, ExecContext, StatementTxn } from './context';
import { duplicateKeyToSql } from './writeBuffer';

type Mark = ReturnType<Transaction['savepoint']>;

export interface TxnSettings {
  /** default_transaction_isolation, transaction_read_only default, lock_timeout (ms; 0 = default). */
  isolation(): IsolationLevel;
  readOnlyDefault(): boolean;
  lockTimeoutMs(): number | undefined;
  notice(n: Notice): void;
  /** A context for DDL outside any transaction (the rollback's catalog undo). */
  undoContext(): ExecContext;
}

export function parseIsolation(v: string): IsolationLevel {
  const s = v.trim().toLowerCase().replace(/\s+/g, ' ');
  if (s === 'read committed' || s === 'read uncommitted') return 'read committed';
  if (s === 'repeatable read') return 'repeatable read';
  if (s === 'serializable') return 'serializable';
  throw new SqlError(
    SqlState.invalidParameterValue,
    `invalid value for parameter "transaction_isolation": "${v}"`,
    {
      hint: 'Available values: serializable, repeatable read, read committed, read uncommitted.',
    },
  );
}

/** Transaction options from BEGIN / SET TRANSACTION DefElems. */
export interface TxnOptionList {
  isolation?: IsolationLevel;
  readOnly?: boolean;
}

export class SessionTxn {
  private st: StatementTxn | null = null;
  private explicit = false;
  private aborted = false;
  private options: TxnOptionList = {};
  private savepoints: Array<{ name: string; mark: Mark | null; catalogDepth: number }> = [];
  /** Undo of the DDL this transaction ran, oldest first. */
  private catalogUndo: CatalogUndo[] = [];
  /** A statement ran in this transaction (SET TRANSACTION must come before). */
  private started = false;

  constructor(
    private readonly deps: TxnDeps,
    private readonly settings: TxnSettings,
  ) {}

  status(): TransactionStatus {
    if (!this.explicit) return 'I';
    return this.aborted ? 'E' : 'T';
  }

  get inBlock(): boolean {
    return this.explicit;
  }

  /** Open savepoints (the settings' undo levels follow them). */
  get savepointDepth(): number {
    return this.savepoints.length;
  }

  get isolation(): IsolationLevel {
    return this.st?.txn.options.isolation ?? this.options.isolation ?? this.settings.isolation();
  }

  /** Refuses work in an aborted block (25P02). */
  checkNotAborted(): void {
    if (this.aborted)
      throw new SqlError(
        SqlState.inFailedSqlTransaction,
        'current transaction is aborted, commands ignored until end of transaction block',
      );
  }

  /** The transaction under way (block or implicit), if any; it is not started here. */
  get open(): StatementTxn | null {
    return this.st;
  }

  /** No transaction block and no implicit transaction under way. */
  get idle(): boolean {
    return !this.explicit && this.st === null;
  }

  /** The transaction a statement runs in: the block's, the open implicit one, or a new one. */
  async forStatement(): Promise<StatementTxn> {
    this.checkNotAborted();
    this.started = true;
    if (this.st !== null) {
      await this.st.txn.beginStatement();
      return this.st;
    }
    const txn = await Transaction.begin(this.deps, {
      isolation: this.options.isolation ?? this.settings.isolation(),
      readOnly: this.options.readOnly ?? this.settings.readOnlyDefault(),
      lockTimeoutMs: this.settings.lockTimeoutMs(),
    });
    this.st = { txn, implicit: !this.explicit, conflicts: new Map() };
    return this.st;
  }

  /** A statement failed: an explicit block becomes aborted; an implicit one rolls back. */
  async failed(): Promise<void> {
    if (this.explicit) {
      this.aborted = true;
      return;
    }
    await this.end(false);
  }

  /** End of an implicit-transaction unit (Sync / end of a simple Query). */
  async sync(): Promise<void> {
    if (this.explicit) return;
    if (this.st === null) {
      this.catalogUndo = [];
      return;
    }
    await this.end(true);
  }

  begin(opts: TxnOptionList): void {
    if (this.explicit) {
      this.settings.notice({
        severity: 'WARNING',
        code: '25001',
        message: 'there is already a transaction in progress',
      });
      return;
    }
    // An implicit transaction already running (BEGIN later in a multi-statement string)
    // becomes the block, as in PostgreSQL.
    this.explicit = true;
    this.options = opts;
    if (this.st !== null) this.st = { ...this.st, implicit: false };
  }

  /** COMMIT: returns the tag (ROLLBACK when the block had failed). */
  async commit(): Promise<string> {
    if (!this.explicit) {
      this.settings.notice({
        severity: 'WARNING',
        code: '25P01',
        message: 'there is no transaction in progress',
      });
      return 'COMMIT';
    }
    if (this.aborted) {
      await this.end(false);
      return 'ROLLBACK';
    }
    await this.end(true);
    return 'COMMIT';
  }

  async rollback(): Promise<void> {
    if (!this.explicit && this.st === null) {
      this.settings.notice({
        severity: 'WARNING',
        code: '25P01',
        message: 'there is no transaction in progress',
      });
      return;
    }
    await this.end(false);
  }

  setTransaction(opts: TxnOptionList): void {
    if (!this.explicit) {
      this.settings.notice({
        severity: 'WARNING',
        code: '25P01',
        message: 'SET TRANSACTION can only be used in transaction blocks',
      });
      return;
    }
    this.checkNotAborted();
    if (opts.isolation !== undefined && this.started)
      throw new SqlError(
        SqlState.activeSqlTransaction,
        'SET TRANSACTION ISOLATION LEVEL must be called before any query',
      );
    this.options = { ...this.options, ...opts };
  }

  savepoint(name: string): void {
    if (!this.explicit)
      throw new SqlError(
        SqlState.noActiveSqlTransaction,
        'SAVEPOINT can only be used in transaction blocks',
      );
    this.checkNotAborted();
    this.savepoints.push({
      name,
      mark: this.st?.txn.savepoint() ?? null,
      catalogDepth: this.catalogUndo.length,
    });
  }

  release(name: string): void {
    if (!this.explicit)
      throw new SqlError(
        SqlState.noActiveSqlTransaction,
        'RELEASE SAVEPOINT can only be used in transaction blocks',
      );
    this.checkNotAborted();
    const i = this.find(name);
    this.savepoints.length = i;
  }

  async rollbackTo(name: string): Promise<void> {
    if (!this.explicit)
      throw new SqlError(
        SqlState.noActiveSqlTransaction,
        'ROLLBACK TO SAVEPOINT can only be used in transaction blocks',
      );
    const i = this.find(name);
    const { mark, catalogDepth } = this.savepoints[i];
    this.savepoints.length = i + 1;
    this.st?.txn.rollbackTo(mark ?? new Map());
    this.aborted = false;
    await this.undoCatalog(this.catalogUndo, catalogDepth);
  }

  /**
   * A DDL statement of this transaction (explicit block, or the implicit one of a
   * multi-statement query string, as in PostgreSQL) changed the catalog.
   */
  noteCatalogUndo(undo: CatalogUndo): void {
    this.catalogUndo.push(undo);
  }

  /** Takes back the DDL of `log` after its first `keep` entries, newest first. */
  private async undoCatalog(log: CatalogUndo[], keep: number): Promise<void> {
    while (log.length > keep) {
      const entry = log.pop() as CatalogUndo;
      try {
        await entry.undo(this.settings.undoContext());
      } catch (err) {
        this.settings.notice({
          severity: 'WARNING',
          code: '01000',
          message: `the rollback could not undo ${entry.what}: ${(err as Error).message}`,
        });
      }
    }
  }

  private find(name: string): number {
    for (let i = this.savepoints.length - 1; i >= 0; i--)
      if (this.savepoints[i].name === name) return i;
    throw new SqlError('3B001', `savepoint "${name}" does not exist`);
  }

  /** Ends the current transaction; a failed commit has already rolled back. */
  private async end(commit: boolean): Promise<void> {
    const st = this.st;
    const catalogUndo = this.catalogUndo;
    this.st = null;
    this.explicit = false;
    this.aborted = false;
    this.started = false;
    this.options = {};
    this.savepoints = [];
    this.catalogUndo = [];
    if (st === null) {
      if (!commit) await this.undoCatalog(catalogUndo, 0);
      return;
    }
    if (!commit) {
      await st.txn.rollback().finally(() => this.undoCatalog(catalogUndo, 0));
      return;
    }
    try {
      await st.txn.commit();
    } catch (err) {
      await this.undoCatalog(catalogUndo, 0);
      throw duplicateKeyToSql(err, st.conflicts);
    }
  }

  /** The connection closes: roll back whatever is open. */
  async close(): Promise<void> {
    await this.end(false).catch(() => undefined); // locks expire by TTL anyway
  }
}
