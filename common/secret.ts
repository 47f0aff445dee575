/** The cluster secret that internal connections prove (common/rpc/handshake.ts). */
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';

/** The secret from a file (trimmed); throws a clear error if missing or empty. */
export function readSecretFile(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new Error(`cannot read cluster secret file ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (text === '') throw new Error(`cluster secret file ${file} is empty`);
  return text;
}

/** Creates the secret file (mode 0600) if absent and returns the secret in it. */
export function ensureSecretFile(file: string): string {
  if (!fs.existsSync(file)) {
    fs.writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  }
  return readSecretFile(file);
}
