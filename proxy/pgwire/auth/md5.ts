/**
 * MD5 password authentication (PostgreSQL's md5 method, crypt.c): the stored verifier is
 * "md5" + md5hex(password || user); the client answers a 4-byte salt with
 * "md5" + md5hex(md5hex(password || user) || salt).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const md5hex = (data: Buffer | string): string => createHash('md5').update(data).digest('hex');

export function makeMd5Verifier(password: string, user: string): string {
  return 'md5' + md5hex(password + user);
}

export function isMd5Verifier(v: string): boolean {
  return /^md5[0-9a-f]{32}$/.test(v);
}

/** What the client must send for this verifier and salt. */
export function expectedMd5Response(verifier: string, salt: Buffer): string {
  return 'md5' + md5hex(Buffer.concat([Buffer.from(verifier.slice(3)), salt]));
}

export function md5ResponseMatches(verifier: string, salt: Buffer, response: string): boolean {
  const want = Buffer.from(expectedMd5Response(verifier, salt));
  const got = Buffer.from(response);
  return want.length === got.length && timingSafeEqual(want, got);
}
