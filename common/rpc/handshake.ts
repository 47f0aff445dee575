/**
 * Mutual authentication of internal connections by a shared cluster secret
 * (HMAC-SHA256 challenge-response; the secret itself never crosses the wire):
 *
 *   server → client  ['hello', serverNonce]
 *   client → server  ['auth', clientNonce, HMAC(secret, "client" | serverNonce | clientNonce), clientName]
 *   server → client  ['welcome', HMAC(secret, "server" | clientNonce | serverNonce)]
 *
 * The server proves itself too, so a client never sends requests to an impostor.
 * Nonces are 32 random bytes per connection, so a recorded exchange cannot be replayed.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const NONCE_BYTES = 32;

export function newNonce(): Buffer {
  return randomBytes(NONCE_BYTES);
}

export function clientProof(
  secret: string,
  serverNonce: Uint8Array,
  clientNonce: Uint8Array,
): Buffer {
  return createHmac('sha256', secret)
    .update('client')
    .update(serverNonce)
    .update(clientNonce)
    .digest();
}

export function serverProof(
  secret: string,
  clientNonce: Uint8Array,
  serverNonce: Uint8Array,
): Buffer {
  return createHmac('sha256', secret)
    .update('server')
    .update(clientNonce)
    .update(serverNonce)
    .digest();
}

export function proofsEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function isBytes(value: unknown, length?: number): value is Uint8Array {
  return value instanceof Uint8Array && (length === undefined || value.length === length);
}
