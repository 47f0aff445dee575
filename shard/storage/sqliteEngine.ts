/**
 * The reference KvEngine on SQLite (a WITHOUT ROWID table of blob keys). It is what the
 * shard ran before our LSM engine, and it stays as the model the LSM's tests compare
 * against: simple enough to trust.
 *
 * Snapshots are real: each holds a read transaction open on its own connection (SQLite
 * WAL mode gives every read transaction a stable snapshot), and iterators page through
 * it by key, so a long scan never blocks writers and never sees their writes.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import type {
  IteratorOptions,
  KvEngine,
  KvIterator,
  KvSnapshot,
  WriteBatch,
  WriteOptions,
} from './kvEngine';

const PAGE = 256;

interface ReadConnection {
  readonly db: Database.Database;
  readonly get: Database.Statement;
  readonly pages: Map<string, Database.Statement>;
}

export class SqliteEngine implements KvEngine {
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement;
  private readonly putStmt: Database.Statement;
  private readonly delStmt: Database.Statement;
  private readonly applyBatch: (batch: WriteBatch) => void;
  private readonly idle: ReadConnection[] = [];
  private closed = false;

  private constructor(private readonly file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID',
    );
    this.getStmt = this.db.prepare('SELECT v FROM kv WHERE k = ?').pluck();
    this.putStmt = this.db.prepare(
      'INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v',
    );
    this.delStmt = this.db.prepare('DELETE FROM kv WHERE k = ?');
    this.applyBatch = this.db.transaction((batch: WriteBatch) => {
      for (const op of batch.ops) {
        if (op.type === 'put') this.putStmt.run(op.key, op.value);
        else this.delStmt.run(op.key);
      }
    });
  }

  static open(dir: string): SqliteEngine {
    fs.mkdirSync(dir, { recursive: true });
    return new SqliteEngine(path.join(dir, 'kv.sqlite'));
  }

  get(key: Buffer): Buffer | undefined {
    return (this.getStmt.get(key) as Buffer | undefined) ?? undefined;
  }

  /** Synchronous=FULL makes every commit durable; a non-sync write is durable too. */
  async write(batch: WriteBatch, _options?: WriteOptions): Promise<void> {
    if (this.closed) throw new Error('engine is closed');
    this.applyBatch(batch);
  }

  iterator(options: IteratorOptions = {}): KvIterator {
    const snapshot = this.snapshot();
    const inner = snapshot.iterator(options);
    return {
      next: () => inner.next(),
      close: () => {
        inner.close();
        snapshot.release();
      },
    };
  }

  snapshot(): KvSnapshot {
    const conn = this.idle.pop() ?? this.openReader();
    conn.db.exec('BEGIN');
    // A read transaction takes its snapshot at its first read, not at BEGIN.
    conn.get.get(Buffer.alloc(0));
    let released = false;
    return {
      get: (key) => (conn.get.get(key) as Buffer | undefined) ?? undefined,
      iterator: (options = {}) => this.pagedIterator(conn, options),
      release: () => {
        if (released) return;
        released = true;
        conn.db.exec('COMMIT');
        if (this.closed) conn.db.close();
        else this.idle.push(conn);
      },
    };
  }

  private openReader(): ReadConnection {
    const db = new Database(this.file, { readonly: true });
    return { db, get: db.prepare('SELECT v FROM kv WHERE k = ?').pluck(), pages: new Map() };
  }

  private pagedIterator(conn: ReadConnection, options: IteratorOptions): KvIterator {
    const reverse = options.reverse === true;
    let lower: { key: Buffer; inclusive: boolean } | null = options.gte
      ? { key: options.gte, inclusive: true }
      : options.gt
        ? { key: options.gt, inclusive: false }
        : null;
    let upper: { key: Buffer; inclusive: boolean } | null = options.lte
      ? { key: options.lte, inclusive: true }
      : options.lt
        ? { key: options.lt, inclusive: false }
        : null;
    let page: Array<{ k: Buffer; v: Buffer }> = [];
    let pos = 0;
    let exhausted = false;
    const fetch = (): void => {
      const where: string[] = [];
      const params: Buffer[] = [];
      if (lower) {
        where.push(lower.inclusive ? 'k >= ?' : 'k > ?');
        params.push(lower.key);
      }
      if (upper) {
        where.push(upper.inclusive ? 'k <= ?' : 'k < ?');
        params.push(upper.key);
      }
      const sql = `SELECT k, v FROM kv${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY k ${reverse ? 'DESC' : 'ASC'} LIMIT ${PAGE}`;
      let stmt = conn.pages.get(sql);
      if (!stmt) {
        stmt = conn.db.prepare(sql);
        conn.pages.set(sql, stmt);
      }
      page = stmt.all(...params) as Array<{ k: Buffer; v: Buffer }>;
      pos = 0;
      if (page.length < PAGE) exhausted = true;
      if (page.length > 0) {
        const last = page[page.length - 1].k;
        if (reverse) upper = { key: last, inclusive: false };
        else lower = { key: last, inclusive: false };
      }
    };
    let open = true;
    return {
      next: () => {
        if (!open) return undefined;
        if (pos >= page.length) {
          if (exhausted) return undefined;
          fetch();
          if (page.length === 0) return undefined;
        }
        const row = page[pos++];
        return [row.k, row.v];
      },
      close: () => {
        open = false;
      },
    };
  }

  approximateSize(start: Buffer, end: Buffer): number {
    const row = this.db
      .prepare('SELECT coalesce(sum(length(k) + length(v)), 0) AS n FROM kv WHERE k >= ? AND k < ?')
      .get(start, end) as { n: number };
    return row.n;
  }

  async compactRange(): Promise<void> {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** SQLite has no background work to finish: its checkpoint is the compaction above. */
  checkpoint(): Promise<void> {
    return this.compactRange();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const conn of this.idle.splice(0)) conn.db.close();
    this.db.close();
  }
}
