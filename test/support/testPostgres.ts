/**
 * A private PostgreSQL 15 for a test file: started in `before`, stopped in `after`, or the
 * whole file skipped, with the reason printed, when PostgreSQL is not installed.
 */
import { Client } from 'pg';
import {
  findPostgresBinDir,
  startPostgres,
  type PostgresServer,
} from '../../scripts/lib/postgresServer';

export interface TestPostgres {
  server?: PostgresServer;
  client: Client;
}

/** Registers before/after hooks in the current describe block; use the returned object in tests. */
export function useTestPostgres(): TestPostgres {
  const pg = {} as TestPostgres;
  before(async function () {
    if (findPostgresBinDir() === null) {
      console.warn(
        'SKIPPED: PostgreSQL 15 is not installed (apt-get install -y postgresql-15, or installPostgresIfMissing() from scripts/lib/postgresServer)',
      );
      this.skip();
    }
    pg.server = await startPostgres();
    pg.client = new Client({ connectionString: pg.server.connectionString });
    await pg.client.connect();
  });
  after(async () => {
    await pg.client?.end().catch(() => undefined);
    await pg.server?.stop();
  });
  return pg;
}
