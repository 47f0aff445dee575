/**
 * A pgwire server over the memory engine, started per test file and always closed.
 */
import { startPgServer, type PgServer, type PgServerOptions } from '../../../../proxy/pgwire';
import { MemoryEngine } from '../../../support/memoryEngine';

export interface Fixture {
  server: PgServer;
  engine: MemoryEngine;
}

export async function startFixture(
  options: Partial<PgServerOptions> = {},
  engine: MemoryEngine = new MemoryEngine(),
): Promise<Fixture> {
  const server = await startPgServer({ engine, ...options });
  return { server, engine };
}
