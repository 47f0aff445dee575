/**
 * Debian packages a compatibility test needs (psycopg2, the PostgreSQL JDBC driver, a JDK),
 * installed by the test itself when missing. Returns null when ready, or why not (the test
 * then skips with that reason).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
let updated = false;

export async function ensureDebianPackages(
  ready: () => boolean,
  packages: readonly string[],
): Promise<string | null> {
  if (ready()) return null;
  if (!existsSync('/usr/bin/apt-get')) return 'apt-get is not available on this machine';
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    if (!updated) {
      await run('apt-get', ['update', '-q'], { timeout: 180_000, env });
      updated = true;
    }
    await run('apt-get', ['install', '-y', '-q', ...packages], { timeout: 300_000, env });
  } catch (err) {
    return `apt-get install ${packages.join(' ')} failed: ${(err as Error).message.split('\n')[0]}`;
  }
  return ready() ? null : `${packages.join(' ')} installed but still not usable`;
}
