/**
 * Prepared statements by (text, declared parameter types), shared by the sessions of a
 * proxy, so a hot `SELECT … WHERE id = $1` costs a map lookup, not a parse and a plan
 * (DESIGN.md "Planner"). Entries are dropped when the catalog version they were planned
 * against moves on, and the cache is bounded (oldest entries go first).
 */
import type { PreparedStatement } from '../engine';

export class PlanCache {
  private readonly entries = new Map<string, { stmt: PreparedStatement; catalogVersion: number }>();

  constructor(
    private readonly catalogVersion: () => number,
    private readonly capacity = 10_000,
  ) {}

  private static key(sql: string, types: readonly number[]): string {
    return types.length === 0 ? sql : `${types.join(',')}|${sql}`;
  }

  get(sql: string, types: readonly number[]): PreparedStatement | undefined {
    const k = PlanCache.key(sql, types);
    const e = this.entries.get(k);
    if (e === undefined) return undefined;
    if (e.catalogVersion !== this.catalogVersion()) {
      this.entries.delete(k);
      return undefined;
    }
    return e.stmt;
  }

  put(sql: string, types: readonly number[], stmt: PreparedStatement): void {
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    this.entries.set(PlanCache.key(sql, types), { stmt, catalogVersion: this.catalogVersion() });
  }
}
