/**
 * A session's settings (SET / SHOW / RESET / set_config) with PostgreSQL's transactional
 * rules (src/backend/utils/misc/guc.c, AtEOXact_GUC and push_old_value):
 *
 * - A change inside a transaction is undone when the transaction rolls back, and a change
 *   after a savepoint is undone by ROLLBACK TO that savepoint. Outside a block a change
 *   belongs to the implicit transaction (the Query string / up to Sync), so it is undone
 *   when a later statement of the same unit fails.
 * - SET LOCAL (set_config(…, true)) lasts until the transaction ends, commit or rollback:
 *   then the setting returns to its session value. A plain SET after a SET LOCAL makes the
 *   new value the session value (guc.c: GUC_LOCAL → GUC_SET); a SET LOCAL after a plain
 *   SET masks it until the end of the transaction (GUC_SET → GUC_SET_LOCAL).
 * - RELEASE SAVEPOINT keeps the changes, now belonging to the enclosing level.
 *
 * Pure: no I/O; the session reports changes of GUC_REPORT settings through `changed`.
 * Undo records are taken at the first change of a setting per level, so a transaction
 * that changes no setting costs nothing here.
 */

export interface SettingEntry {
  /** The name as PostgreSQL spells it (TimeZone, DateStyle). */
  readonly name: string;
  readonly value: string;
}

/** What a setting was before its first change at one level. */
interface Saved {
  readonly entry: SettingEntry | undefined;
  /** Its pending end-of-transaction restore (SET LOCAL), if any. */
  readonly restore: string | undefined;
}

export class SessionSettings {
  private readonly values = new Map<string, SettingEntry>();
  /** [0]: the transaction; [i]: the i-th open savepoint. Empty: no change undone yet. */
  private levels: Array<Map<string, Saved>> = [];
  /** SET LOCAL: the session value each setting takes back at the end of the transaction. */
  private readonly localRestore = new Map<string, string>();

  constructor(private readonly changed: (name: string, value: string) => void = () => {}) {}

  get(key: string): SettingEntry | undefined {
    return this.values.get(key.toLowerCase());
  }

  entries(): IterableIterator<SettingEntry> {
    return this.values.values();
  }

  /** A value outside any transaction (defaults, startup parameters): nothing to undo. */
  init(name: string, value: string): void {
    this.values.set(name.toLowerCase(), { name, value });
  }

  /**
   * SET (local: SET LOCAL) in the current transaction; `name` keeps an existing entry's
   * spelling. `local` outside a block is the caller's to refuse or accept (PostgreSQL
   * warns and lets it last to the end of the implicit transaction).
   */
  set(name: string, value: string, local = false): void {
    const key = name.toLowerCase();
    this.remember(key);
    const before = this.values.get(key);
    if (local) {
      if (!this.localRestore.has(key)) this.localRestore.set(key, before?.value ?? '');
    } else this.localRestore.delete(key);
    this.put(key, before?.name ?? name, value);
  }

  /** A savepoint was taken; `depth` is the number of open savepoints now. */
  savepoint(depth: number): void {
    while (this.levels.length < depth + 1) this.levels.push(new Map());
  }

  /** RELEASE SAVEPOINT: `depth` savepoints stay open; later levels merge into the last. */
  release(depth: number): void {
    if (this.levels.length <= depth + 1) return;
    const into = this.levels[depth];
    for (const level of this.levels.slice(depth + 1))
      for (const [k, saved] of level) if (!into.has(k)) into.set(k, saved);
    this.levels.length = depth + 1;
  }

  /** ROLLBACK TO SAVEPOINT: `depth` savepoints stay open, the last one emptied of changes. */
  rollbackTo(depth: number): void {
    this.undoDownTo(depth);
    this.savepoint(depth);
  }

  /** The transaction (explicit or implicit) ended. */
  transactionEnded(committed: boolean): void {
    if (!committed) this.undoDownTo(0);
    else
      for (const [k, v] of this.localRestore) {
        const e = this.values.get(k);
        if (e !== undefined) this.put(k, e.name, v);
      }
    this.localRestore.clear();
    this.levels = [];
  }

  private remember(key: string): void {
    if (this.levels.length === 0) this.levels.push(new Map());
    const top = this.levels[this.levels.length - 1];
    if (!top.has(key))
      top.set(key, { entry: this.values.get(key), restore: this.localRestore.get(key) });
  }

  /** Undoes every level from the top down to (and including) level `depth`. */
  private undoDownTo(depth: number): void {
    for (let i = this.levels.length - 1; i >= depth; i--) {
      for (const [k, saved] of this.levels[i]) {
        if (saved.restore === undefined) this.localRestore.delete(k);
        else this.localRestore.set(k, saved.restore);
        if (saved.entry === undefined) this.values.delete(k);
        else this.put(k, saved.entry.name, saved.entry.value);
      }
    }
    this.levels.length = Math.min(this.levels.length, depth);
  }

  private put(key: string, name: string, value: string): void {
    const prev = this.values.get(key);
    this.values.set(key, { name, value });
    if (prev?.value !== value) this.changed(name, value);
  }
}
