/**
 * Applies the cluster's GC safe point on this shard: the MVCC store refuses reads below
 * it, the LSM's compaction filter drops shadowed versions as it compacts, and a background
 * pass deletes them now (one pass at a time; a newer safe point queues the next).
 */
import path from 'node:path';
import type { Logger } from '../common/logger';
import type { MvccStore } from './mvcc';
import type { KvEngine } from './storage/kvEngine';
import { LsmEngine } from './lsm';

export class GcRunner {
  private running: Promise<void> | null = null;
  private pending: bigint | null = null;
  /** Versions deleted by background passes since start (for stats and tests). */
  deleted = 0;

  constructor(
    private readonly store: MvccStore,
    private readonly engine: KvEngine,
    private readonly logger: Logger,
  ) {}

  /** A safe point from meta; ignored unless it moves forward. */
  advance(safePoint: bigint): void {
    if (safePoint <= this.store.safePoint && this.pending === null) return;
    this.pending = safePoint;
    if (this.running === null) this.running = this.drain().finally(() => (this.running = null));
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
        const n = await this.store.gc({});
        this.deleted += n;
        if (n > 0)
          this.logger.info({ safePoint: String(sp), deleted: n }, 'GC pass removed old versions');
      } catch (err) {
        this.logger.warn(
          { err: (err as Error).message, safePoint: String(sp) },
          'GC pass failed; will retry at the next safe point',
        );
      }
    }
  }

  /** Resolves when no pass is running (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.running !== null) await this.running;
  }
}
