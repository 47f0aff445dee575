/**
 * Name resolution: the columns visible at a point of a query (FROM items, with their
 * aliases), chained to the enclosing query's scope for correlated references.
 */
import { SqlError, SqlState } from '../../common/errors';

export interface ScopeColumn {
  /** The FROM item's alias or table name (null for unnamed derived columns). */
  readonly rel: string | null;
  readonly name: string;
  readonly t: number;
  readonly tm: number;
  /** Not expanded by `*` (the hidden rowid). */
  readonly hidden?: boolean;
  /** Reachable only as rel.name (the right copy of a JOIN … USING column). */
  readonly qualifiedOnly?: boolean;
  readonly tableOid: number;
  readonly attnum: number;
  /** Part of its table's primary key (GROUP BY functional dependency). */
  readonly pk?: boolean;
}

/** Set when a query reads a column of an enclosing query. */
export interface CorrelationFlag {
  correlated: boolean;
}

export class Scope {
  constructor(
    readonly cols: readonly ScopeColumn[],
    readonly parent: Scope | null = null,
    readonly flag: CorrelationFlag = { correlated: false },
  ) {}

  /** Position of rel.name (rel optional) in this scope only; -1 if absent; throws 42702 if ambiguous. */
  find(rel: string | null, name: string, position?: number): number {
    let found = -1;
    for (let i = 0; i < this.cols.length; i++) {
      const c = this.cols[i];
      if (c.name !== name || (rel !== null && c.rel !== rel) || (rel === null && c.qualifiedOnly))
        continue;
      if (found >= 0) {
        throw new SqlError(SqlState.ambiguousColumn, `column reference "${name}" is ambiguous`, {
          position,
        });
      }
      found = i;
    }
    return found;
  }

  hasRel(rel: string): boolean {
    return this.cols.some((c) => c.rel === rel);
  }

  private self(): Scope {
    return this;
  }

  /** Resolves through enclosing scopes: depth 0 is this scope. Marks correlation on the way. */
  resolve(
    rel: string | null,
    name: string,
    position?: number,
  ): { depth: number; index: number; col: ScopeColumn } | null {
    let scope: Scope | null = this.self();
    const passed: Scope[] = [];
    for (let depth = 0; scope !== null; depth++) {
      const i = scope.find(rel, name, position);
      if (i >= 0) {
        for (const s of passed) s.flag.correlated = true;
        return { depth, index: i, col: scope.cols[i] };
      }
      passed.push(scope);
      scope = scope.parent;
    }
    return null;
  }
}
