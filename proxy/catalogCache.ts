/**
 * The proxy's copy of the catalog, by schema-qualified name. A miss refreshes from meta
 * once before reporting "does not exist", so a table created through another proxy is
 * found on first use.
 */
import type { TableDef } from '../common/catalog/schema';
import type { MetaClient } from '../common/clients/metaClient';
import { singleFlight } from '../common/singleFlight';

export class CatalogCache {
  private tables = new Map<string, TableDef>();
  private version = 0;

  constructor(private readonly meta: MetaClient) {}

  get knownVersion(): number {
    return this.version;
  }

  /** Fetches the catalog from meta; concurrent callers share one fetch. */
  readonly refresh = singleFlight(async (): Promise<void> => {
    const { version, tables } = await this.meta.catalog();
    if (version >= this.version) {
      this.tables = new Map(tables.map((t) => [`${t.schema}.${t.name}`, t]));
      this.version = version;
    }
  });

  /** Cached lookup only. */
  peek(schema: string, name: string): TableDef | undefined {
    return this.tables.get(`${schema}.${name}`);
  }

  async find(schema: string, name: string): Promise<TableDef | undefined> {
    const hit = this.peek(schema, name);
    if (hit) return hit;
    await this.refresh();
    return this.peek(schema, name);
  }

  /** Applies a change this proxy made, without waiting for the next refresh. */
  learned(table: TableDef, version: number): void {
    if (version > this.version) {
      this.tables.set(`${table.schema}.${table.name}`, table);
    }
  }

  forget(schema: string, name: string): void {
    this.tables.delete(`${schema}.${name}`);
  }

  get all(): TableDef[] {
    return [...this.tables.values()];
  }
}
