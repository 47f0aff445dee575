/**
 * Applies the cluster's GC safe point on this shard: the MVCC store refuses reads below
 * it and the LSM's compaction filter drops shadowed versions as it compacts, both at once;
 * a background pass deletes the rest, at most one pass per `passIntervalMs` (the safe
 * point moves every few seconds). A pass looks only at the keys written since they were
 * last looked at whose garbage the safe point has reached (MvccStore.gcPass,
 * mvcc/gcDirtyKeys.ts); a pass over every key, which cost a third of a busy shard's CPU
 * under pgbench's TPC-B, runs only after a restart, an overflow of that set, or a range
 * copied in.
 */
import path from 'node:path';
import type { Logger } from '../common/logger';
import type { MvccStore } from './mvcc';
import type { KvEngine } from './storage/kvEngine';
import { LsmEngine } from './lsm';

export class GcRunner {
  private running: Promise<void> | null = null;
  private pending: bigint | null = null;
  /** A background pass is owed for a safe point newer than the last pass's. */
  private passOwed = false;
  private lastPassEndMs = -Infinity;
  private passTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Versions deleted by background passes since start (for stats and tests). */
  deleted = 0;
  passes = 0;
  /** Full passes since start. */
  fullPasses = 0;
  /** User keys the last pass looked at (tests, stats). */
  lastPassExamined = 0;
  private overflowsLogged = 0;

  constructor(
    private readonly store: MvccStore,
    private readonly engine: KvEngine,
    private readonly logger: Logger,
    private readonly passIntervalMs = 30_000,
  ) {}

  /** A safe point from meta; ignored unless it moves forward. */
  advance(safePoint: bigint): void {
    if (this.closed) return;
    if (safePoint <= this.store.safePoint && this.pending === null) return;
    this.pending = safePoint;
    this.passOwed = true;
    this.kick();
  }

  private kick(): void {
    if (this.running === null && !this.closed)
      this.running = this.drain().finally(() => {
        this.running = null;
        // A safe point that arrived after drain's last look would otherwise wait for the
        // next one from meta.
        if (this.pending !== null) this.kick();
      });
  }

  private async drain(): Promise<void> {
    while (this.pending !== null) {
      const sp = this.pending;
      this.pending = null;
      try {
        await this.store.updateSafePoint(sp);
        if (this.engine instanceof LsmEngine) {
          this.engine.setCompactionFilter({
            module: path.join(__dirname, 'mvcc', 'lsmGcFilter.js'),
            options: { safePoint: sp.toString() },
          });
        }
      } catch (err) {
        this.logger.warn(
          { err: (err as Error).message, safePoint: String(sp) },
          'applying the safe point failed; will retry at the next one',
        );
      }
    }
    if (!this.passOwed || this.closed) return;
    const wait = this.lastPassEndMs + this.passIntervalMs - Date.now();
    if (wait > 0) {
      if (this.passTimer === null) {
        this.passTimer = setTimeout(() => {
          this.passTimer = null;
          this.kick();
        }, wait);
        this.passTimer.unref();
      }
      return;
    }
    this.passOwed = false;
    const sp = this.store.safePoint;
    const dirty = this.store.gcDirty;
    if (dirty.overflows > this.overflowsLogged) {
      this.overflowsLogged = dirty.overflows;
      this.logger.info(
        {
          maxKeys: dirty.maxKeys,
          overflows: dirty.overflows,
          fullPassAtMs: new Date(dirty.fullPassAtMs).toISOString(),
        },
        'more keys to revisit than the GC pass tracks; a pass over every key will run when the safe point gets there',
      );
    }
    try {
      const r = await this.store.gcPass();
      this.deleted += r.deleted;
      this.passes++;
      if (r.full) this.fullPasses++;
      this.lastPassExamined = r.examined;
      if (r.deleted > 0 || r.full)
        this.logger.info(
          { safePoint: String(sp), deleted: r.deleted, examined: r.examined, full: r.full },
          r.full ? 'GC pass over every key done' : 'GC pass removed old versions',
        );
    } catch (err) {
      this.passOwed = true;
      this.logger.warn(
        { err: (err as Error).message, safePoint: String(sp) },
        'GC pass failed; will retry at the next safe point',
      );
    } finally {
      this.lastPassEndMs = Date.now();
    }
    // A safe point that arrived during the pass is applied now; its pass waits its turn.
    if (this.pending !== null || this.passOwed) await this.drain();
  }

  /** Resolves when no pass is running (for tests and shutdown); no pass starts after close. */
  async idle(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  close(): Promise<void> {
    this.closed = true;
    if (this.passTimer !== null) clearTimeout(this.passTimer);
    this.passTimer = null;
    return this.idle();
  }
}
