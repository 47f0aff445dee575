/**
 * Runs once before the suite (mocha's global setup): installs what the comparison tests
 * need on a machine that lacks it (PostgreSQL 15 for differential, Hermitage and psql
 * comparisons), so `npm test` passes on a fresh machine. If the install fails (no package
 * network), those tests report the missing server and skip, saying why.
 */
import { installPostgresIfMissing } from '../../scripts/lib/postgresServer';

export async function mochaGlobalSetup(): Promise<void> {
  try {
    await installPostgresIfMissing();
  } catch (err) {
    console.warn(
      `PostgreSQL 15 could not be installed; comparison tests will skip: ${(err as Error).message}`,
    );
  }
}
