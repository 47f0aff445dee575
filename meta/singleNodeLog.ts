/**
 * A durable command log for a one-node meta "cluster": each command is appended to
 * SQLite (synchronous=FULL, so it is on disk before it is applied and acknowledged),
 * with periodic snapshots of the state machine. On open, the latest snapshot is restored
 * and later entries replayed. The Raft log replaces this when the meta runs as a group;
 * the state machine and the server do not change.
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import fs from 'node:fs';
import { encodeValue, decodeValue } from '../common/codec';
import type { MetaCommand } from './commands';
import type { MetaStateMachine } from './stateMachine';

const SNAPSHOT_EVERY = 1000;

export class SingleNodeLog {
  private readonly db: Database.Database;
  private lastIndex = 0;
  private snapshotIndex = 0;
  private readonly insert: Database.Statement;

  constructor(dataDir: string, private readonly machine: MetaStateMachine) {
    fs.mkdirSync(dataDir, { recursive: true });
    this.db = new Database(path.join(dataDir, 'meta.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS entries (idx INTEGER PRIMARY KEY, data BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), idx INTEGER NOT NULL, data BLOB NOT NULL);
    `);
    this.insert = this.db.prepare('INSERT INTO entries (idx, data) VALUES (?, ?)');
    this.recover();
  }

  private recover(): void {
    const snap = this.db.prepare('SELECT idx, data FROM snapshot WHERE id = 1').get() as
      | { idx: number; data: Buffer }
      | undefined;
    if (snap) {
      this.machine.restore(snap.data);
      this.snapshotIndex = snap.idx;
      this.lastIndex = snap.idx;
    }
    const rows = this.db.prepare('SELECT idx, data FROM entries WHERE idx > ? ORDER BY idx').iterate(this.lastIndex);
    for (const row of rows as Iterable<{ idx: number; data: Buffer }>) {
      try {
        this.machine.apply(decodeValue(row.data) as MetaCommand);
      } catch {
        // A command that failed when first applied fails identically on replay: deterministic.
      }
      this.lastIndex = row.idx;
    }
  }

  get appliedIndex(): number {
    return this.lastIndex;
  }

  /**
   * Applies the command against a copy-free dry run first? No: commands validate inside
   * apply and throw before mutating, so a failing command is logged and replays the same
   * failure. Appending first keeps "acknowledged ⇒ durable" simple.
   */
  propose(command: MetaCommand): unknown {
    const index = this.lastIndex + 1;
    this.insert.run(index, Buffer.from(encodeValue(command)));
    this.lastIndex = index;
    const result = this.machine.apply(command);
    if (index - this.snapshotIndex >= SNAPSHOT_EVERY) this.takeSnapshot();
    return result;
  }

  private takeSnapshot(): void {
    const data = this.machine.snapshot();
    const index = this.lastIndex;
    this.db.transaction(() => {
      this.db.prepare('INSERT OR REPLACE INTO snapshot (id, idx, data) VALUES (1, ?, ?)').run(index, data);
      this.db.prepare('DELETE FROM entries WHERE idx <= ?').run(index);
    })();
    this.snapshotIndex = index;
  }

  close(): void {
    this.db.close();
  }
}
