import Database from 'better-sqlite3';
import type { PersistBatch, RaftStorage } from './storage';
import { EMPTY_HARD_STATE } from './storage';
import type { Entry, EntryType, HardState, NodeId, PersistedState, Snapshot } from './types';

interface EntryRow {
  idx: number;
  term: number;
  type: number;
  data: Buffer;
}
interface SnapshotRow {
  idx: number;
  term: number;
  voters: string;
  data: Buffer;
}
interface HardStateRow {
  term: number;
  vote: number;
  commit_index: number;
}

const TYPE_CODE: Record<EntryType, number> = { normal: 0, conf: 1 };
const CODE_TYPE: Record<number, EntryType> = { 0: 'normal', 1: 'conf' };

/**
 * Durable Raft state in one SQLite file through better-sqlite3 (see PROTOCOL.md, "Persisted
 * state"): WAL journal with synchronous=FULL, so every committed transaction is fsync'd before
 * the call returns — the guarantee Figure 2 needs before a vote or an append is acknowledged.
 * Each `save` is one transaction: a crash leaves either all of a Ready's state or none of it.
 */
export class SqliteStorage implements RaftStorage {
  private readonly db: Database.Database;
  private readonly stmts: {
    getHard: Database.Statement<[], HardStateRow>;
    putHard: Database.Statement<[number, number, number]>;
    getSnap: Database.Statement<[], SnapshotRow>;
    putSnap: Database.Statement<[number, number, string, Buffer]>;
    allEntries: Database.Statement<[], EntryRow>;
    rangeEntries: Database.Statement<[number, number], EntryRow>;
    termOf: Database.Statement<[number], { term: number }>;
    lastIdx: Database.Statement<[], { idx: number | null }>;
    deleteFrom: Database.Statement<[number]>;
    deleteUpTo: Database.Statement<[number]>;
    deleteAll: Database.Statement<[]>;
    insert: Database.Statement<[number, number, number, Buffer]>;
  };
  private readonly saveTx: (batch: PersistBatch) => void;
  private readonly snapshotTx: (s: Snapshot) => void;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS hard_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        term INTEGER NOT NULL, vote INTEGER NOT NULL, commit_index INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS snapshot (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        idx INTEGER NOT NULL, term INTEGER NOT NULL, voters TEXT NOT NULL, data BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS entries (
        idx INTEGER PRIMARY KEY, term INTEGER NOT NULL, type INTEGER NOT NULL, data BLOB NOT NULL);
    `);
    this.stmts = {
      getHard: this.db.prepare('SELECT term, vote, commit_index FROM hard_state WHERE id = 1'),
      putHard: this.db.prepare(
        'INSERT OR REPLACE INTO hard_state (id, term, vote, commit_index) VALUES (1, ?, ?, ?)',
      ),
      getSnap: this.db.prepare('SELECT idx, term, voters, data FROM snapshot WHERE id = 1'),
      putSnap: this.db.prepare(
        'INSERT OR REPLACE INTO snapshot (id, idx, term, voters, data) VALUES (1, ?, ?, ?, ?)',
      ),
      allEntries: this.db.prepare('SELECT idx, term, type, data FROM entries ORDER BY idx'),
      rangeEntries: this.db.prepare(
        'SELECT idx, term, type, data FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx',
      ),
      termOf: this.db.prepare('SELECT term FROM entries WHERE idx = ?'),
      lastIdx: this.db.prepare('SELECT MAX(idx) AS idx FROM entries'),
      deleteFrom: this.db.prepare('DELETE FROM entries WHERE idx >= ?'),
      deleteUpTo: this.db.prepare('DELETE FROM entries WHERE idx <= ?'),
      deleteAll: this.db.prepare('DELETE FROM entries'),
      insert: this.db.prepare('INSERT INTO entries (idx, term, type, data) VALUES (?, ?, ?, ?)'),
    };
    this.saveTx = this.db.transaction((batch: PersistBatch) => {
      if (batch.snapshot) {
        // InstallSnapshot (§7): the snapshot replaces the whole log.
        this.writeSnapshot(batch.snapshot);
        this.stmts.deleteAll.run();
      }
      if (batch.entries.length > 0) {
        const first = batch.entries[0].index;
        const last = this.lastIndex();
        if (first > last + 1) throw new Error(`raft storage: gap appending ${first} after ${last}`);
        // A conflicting suffix (entries from a deposed leader) is replaced (§5.3).
        this.stmts.deleteFrom.run(first);
        for (const e of batch.entries) {
          this.stmts.insert.run(e.index, e.term, TYPE_CODE[e.type], toBuffer(e.data));
        }
      }
      if (batch.hardState) {
        const h = batch.hardState;
        this.stmts.putHard.run(h.term, h.vote, h.commit);
      }
    });
    this.snapshotTx = this.db.transaction((s: Snapshot) => {
      const cur = this.stmts.getSnap.get();
      if (cur && cur.idx >= s.meta.index) return;
      this.writeSnapshot(s);
      this.stmts.deleteUpTo.run(s.meta.index);
    });
  }

  load(): PersistedState | undefined {
    const snap = this.snapshot();
    if (!snap) return undefined;
    const h = this.hardState();
    const entries = this.stmts.allEntries.all().map(rowToEntry);
    return { hardState: h, snapshot: snap, entries };
  }

  bootstrap(voters: readonly NodeId[]): void {
    if (this.snapshot()) throw new Error('raft storage: already bootstrapped');
    this.db.transaction(() => {
      this.writeSnapshot({ meta: { index: 0, term: 0, voters }, data: new Uint8Array(0) });
      const h = EMPTY_HARD_STATE;
      this.stmts.putHard.run(h.term, h.vote, h.commit);
    })();
  }

  save(batch: PersistBatch): void {
    if (!batch.snapshot && !batch.hardState && batch.entries.length === 0) return;
    this.saveTx(batch);
  }

  saveSnapshot(snapshot: Snapshot): void {
    this.snapshotTx(snapshot);
  }

  /** Drops stored entries ≤ index (the caller holds a snapshot covering them). */
  compact(index: number): void {
    this.stmts.deleteUpTo.run(index);
  }

  hardState(): HardState {
    const r = this.stmts.getHard.get();
    return r ? { term: r.term, vote: r.vote, commit: r.commit_index } : EMPTY_HARD_STATE;
  }

  snapshot(): Snapshot | undefined {
    const r = this.stmts.getSnap.get();
    if (!r) return undefined;
    const voters: unknown = JSON.parse(r.voters);
    if (!Array.isArray(voters) || !voters.every((v) => typeof v === 'number')) {
      throw new Error('raft storage: malformed voters in snapshot row');
    }
    return { meta: { index: r.idx, term: r.term, voters: voters as number[] }, data: r.data };
  }

  /** Entries [lo, hi). */
  entries(lo: number, hi: number): Entry[] {
    return this.stmts.rangeEntries.all(lo, hi).map(rowToEntry);
  }

  /** The term of entry i (the snapshot's term at its index), or undefined. */
  term(i: number): number | undefined {
    const r = this.stmts.termOf.get(i);
    if (r) return r.term;
    const s = this.stmts.getSnap.get();
    return s && s.idx === i ? s.term : undefined;
  }

  firstIndex(): number {
    const s = this.stmts.getSnap.get();
    return (s?.idx ?? 0) + 1;
  }

  lastIndex(): number {
    const r = this.stmts.lastIdx.get();
    if (r && r.idx !== null) return r.idx;
    return this.stmts.getSnap.get()?.idx ?? 0;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private writeSnapshot(s: Snapshot): void {
    this.stmts.putSnap.run(
      s.meta.index,
      s.meta.term,
      JSON.stringify([...s.meta.voters]),
      toBuffer(s.data),
    );
  }
}

function toBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

function rowToEntry(r: EntryRow): Entry {
  const type = CODE_TYPE[r.type];
  if (!type) throw new Error(`raft storage: unknown entry type ${r.type} at ${r.idx}`);
  return { index: r.idx, term: r.term, type, data: r.data };
}
