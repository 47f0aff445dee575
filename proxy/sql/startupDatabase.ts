/**
 * The startup packet's database must exist, as in PostgreSQL (postinit.c): otherwise the
 * connection ends with FATAL 3D000 `database "x" does not exist`, or 55000 for a database
 * that accepts no connections (template0). Checked after authentication, as PostgreSQL does.
 *
 * The list comes from meta and is reused for a second, so a burst of connections costs one
 * meta call; a name not in the list is always asked again (a database just created on another
 * proxy is found at once). A database dropped elsewhere may still admit connections here for
 * that second (on the proxy that changed it, the list is dropped at once). When meta cannot be
 * reached, a name known from before is admitted.
 */
import { SqlError, SqlState } from '../../common/errors';
import type { DatabaseDef } from '../../common/catalog/schema';
import type { MetaClient } from '../../common/clients/metaClient';
import type { Logger } from '../../common/logger';
import { singleFlight } from '../../common/singleFlight';

const MAX_AGE_MS = 1000;

export class StartupDatabases {
  private byName = new Map<string, DatabaseDef>();
  private fetchedAt = -Infinity;

  constructor(
    private readonly meta: Pick<MetaClient, 'databases'>,
    private readonly logger?: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {}

  private readonly refresh = singleFlight(async (): Promise<void> => {
    const started = this.now();
    const { databases } = await this.meta.databases();
    this.byName = new Map(databases.map((d) => [d.name, d]));
    this.fetchedAt = started;
  });

  /** Forgets the list (this proxy just changed a database). */
  invalidate(): void {
    this.fetchedAt = -Infinity;
  }

  /** Resolves if a session may open on `name`; rejects with the FATAL error otherwise. */
  async check(name: string): Promise<void> {
    let db = this.now() - this.fetchedAt < MAX_AGE_MS ? this.byName.get(name) : undefined;
    if (db === undefined) {
      try {
        await this.refresh();
      } catch (err) {
        const known = this.byName.get(name);
        if (known === undefined) throw err;
        this.logger?.warn(
          { database: name, err: (err as Error).message },
          'meta unreachable; admitting a connection to a database known from before',
        );
      }
      db = this.byName.get(name);
    }
    if (db === undefined)
      throw new SqlError(SqlState.undefinedDatabase, `database "${name}" does not exist`, {
        severity: 'FATAL',
      });
    if (!db.allowConnections)
      throw new SqlError(
        SqlState.objectNotInPrerequisiteState,
        `database "${name}" is not currently accepting connections`,
        { severity: 'FATAL' },
      );
  }
}

/** One list per meta client (per proxy process), shared by the engine and the DDL that changes it. */
const byMeta = new WeakMap<object, StartupDatabases>();

export function startupDatabasesFor(
  meta: Pick<MetaClient, 'databases'>,
  logger?: Logger,
): StartupDatabases {
  let dbs = byMeta.get(meta);
  if (dbs === undefined) {
    dbs = new StartupDatabases(meta, logger);
    byMeta.set(meta, dbs);
  }
  return dbs;
}
