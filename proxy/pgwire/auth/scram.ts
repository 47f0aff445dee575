/**
 * SCRAM-SHA-256 (RFC 5802, RFC 7677), server side, without channel binding: the mechanism
 * PostgreSQL 10+ uses (auth-scram.c). Pure: randomness comes in as bytes.
 *
 * Verifier as PostgreSQL stores it in pg_authid.rolpassword:
 *   SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export interface ScramVerifier {
  readonly iterations: number;
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

const hmac = (key: Buffer, data: string | Buffer): Buffer =>
  createHmac('sha256', key).update(data).digest();
const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();

/** PostgreSQL's default scram_iterations is 4096. */
export function scramKeys(password: string, salt: Buffer, iterations: number): ScramVerifier {
  // RFC 5802 §3: SaltedPassword := Hi(Normalize(password), salt, i); Hi is PBKDF2 with HMAC.
  // SASLprep is the identity for ASCII; PostgreSQL also uses the raw bytes when it fails.
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = hmac(salted, 'Client Key');
  return { iterations, salt, storedKey: sha256(clientKey), serverKey: hmac(salted, 'Server Key') };
}

export function makeScramVerifier(
  password: string,
  salt: Buffer = randomBytes(16),
  iterations = 4096,
): string {
  const k = scramKeys(password, salt, iterations);
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${k.storedKey.toString('base64')}:${k.serverKey.toString('base64')}`;
}

export function parseScramVerifier(v: string): ScramVerifier | undefined {
  const m = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(v);
  if (m === null) return undefined;
  const storedKey = Buffer.from(m[3], 'base64');
  const serverKey = Buffer.from(m[4], 'base64');
  if (storedKey.length !== 32 || serverKey.length !== 32) return undefined;
  return { iterations: Number(m[1]), salt: Buffer.from(m[2], 'base64'), storedKey, serverKey };
}

/** Whether a cleartext password matches a SCRAM verifier (password auth against SCRAM). */
export function scramPasswordMatches(v: ScramVerifier, password: string): boolean {
  const k = scramKeys(password, v.salt, v.iterations);
  return timingSafeEqual(k.storedKey, v.storedKey) && timingSafeEqual(k.serverKey, v.serverKey);
}

/** Why an exchange failed: a malformed message (08P01) or a wrong proof (28P01). */
export class ScramError extends Error {
  constructor(
    readonly malformed: boolean,
    message: string,
  ) {
    super(message);
  }
}

/** One server-side exchange: clientFirst → server-first, clientFinal → server-final. */
export class ScramExchange {
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';
  private gs2Header = '';

  /** `verifier` undefined: an unknown user; the exchange runs on a mock and always fails. */
  constructor(
    private readonly verifier: ScramVerifier,
    private readonly serverNonce: string = randomBytes(18).toString('base64'),
    private readonly mock = false,
  ) {}

  clientFirst(msg: string): string {
    // gs2-header: gs2-cbind-flag "," [authzid] ","
    const c1 = msg.indexOf(',');
    const c2 = c1 < 0 ? -1 : msg.indexOf(',', c1 + 1);
    if (c2 < 0) throw new ScramError(true, 'malformed SCRAM message');
    const flag = msg.slice(0, c1);
    if (flag.startsWith('p='))
      throw new ScramError(
        true,
        'channel binding is not supported (SCRAM-SHA-256-PLUS was not offered)',
      );
    if (flag !== 'n' && flag !== 'y')
      throw new ScramError(true, 'malformed SCRAM message (unexpected channel-binding flag)');
    const authzid = msg.slice(c1 + 1, c2);
    if (authzid !== '')
      throw new ScramError(true, 'client uses authorization identity, but it is not supported');
    this.gs2Header = msg.slice(0, c2 + 1);
    this.clientFirstBare = msg.slice(c2 + 1);
    const attrs = this.clientFirstBare.split(',');
    // The user name is ignored: PostgreSQL authenticates the startup packet's user (auth-scram.c).
    if (attrs.length < 2 || !attrs[0].startsWith('n='))
      throw new ScramError(true, 'malformed SCRAM message (n= expected)');
    if (!attrs[1].startsWith('r='))
      throw new ScramError(true, 'malformed SCRAM message (r= expected)');
    if (attrs.slice(2).some((a) => a.startsWith('m=')))
      throw new ScramError(true, 'SCRAM extensions are not supported');
    const clientNonce = attrs[1].slice(2);
    if (clientNonce === '' || /[^\x21-\x2b\x2d-\x7e]/.test(clientNonce))
      throw new ScramError(true, 'malformed SCRAM message (invalid nonce)');
    this.nonce = clientNonce + this.serverNonce;
    const v = this.verifier;
    this.serverFirst = `r=${this.nonce},s=${v.salt.toString('base64')},i=${v.iterations}`;
    return this.serverFirst;
  }

  /** Returns server-final (v=…) when the proof is right; throws ScramError otherwise. */
  clientFinal(msg: string): string {
    const pIdx = msg.lastIndexOf(',p=');
    if (pIdx < 0) throw new ScramError(true, 'malformed SCRAM message (proof expected)');
    const withoutProof = msg.slice(0, pIdx);
    const attrs = withoutProof.split(',');
    if (attrs.length < 2 || !attrs[0].startsWith('c=') || !attrs[1].startsWith('r=')) {
      throw new ScramError(true, 'malformed SCRAM message');
    }
    if (Buffer.from(attrs[0].slice(2), 'base64').toString('latin1') !== this.gs2Header) {
      throw new ScramError(true, 'SCRAM channel binding check failed');
    }
    if (attrs[1].slice(2) !== this.nonce) throw new ScramError(true, 'SCRAM nonce mismatch');
    const proof = Buffer.from(msg.slice(pIdx + 3), 'base64');
    if (proof.length !== 32) throw new ScramError(true, 'malformed SCRAM proof');
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const v = this.verifier;
    // RFC 5802 §3: ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage); H(ClientKey) must equal StoredKey.
    const clientSignature = hmac(v.storedKey, authMessage);
    const clientKey = Buffer.alloc(32);
    for (let i = 0; i < 32; i++) clientKey[i] = proof[i] ^ clientSignature[i];
    if (this.mock || !timingSafeEqual(sha256(clientKey), v.storedKey))
      throw new ScramError(false, 'wrong proof');
    return `v=${hmac(v.serverKey, authMessage).toString('base64')}`;
  }
}

/** A verifier for an unknown user, so the exchange looks the same and then fails (auth-scram.c mock_scram_secret). */
export function mockScramVerifier(user: string, serverSecret: Buffer): ScramVerifier {
  const salt = createHash('sha256').update(serverSecret).update(user).digest().subarray(0, 16);
  return { iterations: 4096, salt, storedKey: Buffer.alloc(32), serverKey: Buffer.alloc(32) };
}
