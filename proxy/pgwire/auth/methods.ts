/**
 * The authentication exchanges for the methods host-based rules can choose (auth.c):
 * trust, password (cleartext), md5 (SCRAM when the stored verifier is SCRAM, as PostgreSQL
 * does), scram-sha-256. Verifiers come from the AuthProvider (the catalog).
 */
import { randomBytes } from 'node:crypto';
import type { AuthProvider } from '../../engine';
import type { BackendWriter } from '../backendWriter';
import type { AuthMethod } from '../config';
import { readPassword, readSaslInitialResponse } from '../frontendMessages';
import { ProtocolError } from '../protocolError';
import { authFailed, trustExchange, type AuthExchange } from './exchange';
import { isMd5Verifier, makeMd5Verifier, md5ResponseMatches } from './md5';
import {
  mockScramVerifier,
  parseScramVerifier,
  ScramError,
  ScramExchange,
  scramKeys,
  scramPasswordMatches,
  type ScramVerifier,
} from './scram';

const mockSecret = randomBytes(32);

const AuthCode = { cleartext: 3, md5: 5, sasl: 10, saslContinue: 11, saslFinal: 12 } as const;

export function authExchangeFor(
  method: Exclude<AuthMethod, 'reject'>,
  user: string,
  provider: AuthProvider,
): AuthExchange {
  switch (method) {
    case 'trust':
      return trustExchange;
    case 'password':
      return new CleartextExchange(user, provider);
    case 'md5':
      return new Md5Exchange(user, provider);
    case 'scram-sha-256':
      return new ScramAuthExchange(user, provider);
  }
}

/** Does a cleartext password match a stored verifier of any kind? */
export function passwordMatches(verifier: string, user: string, password: string): boolean {
  const scram = parseScramVerifier(verifier);
  if (scram !== undefined) return scramPasswordMatches(scram, password);
  if (isMd5Verifier(verifier)) return makeMd5Verifier(password, user) === verifier;
  return verifier === password;
}

class CleartextExchange implements AuthExchange {
  constructor(
    private readonly user: string,
    private readonly provider: AuthProvider,
  ) {}

  start(w: BackendWriter): boolean {
    w.authentication(AuthCode.cleartext);
    return false;
  }

  async step(body: Buffer): Promise<boolean> {
    const password = readPassword(body);
    const verifier = await this.provider.passwordVerifier(this.user);
    if (
      password === '' ||
      verifier === undefined ||
      !passwordMatches(verifier, this.user, password)
    ) {
      throw authFailed(this.user);
    }
    return true;
  }
}

class Md5Exchange implements AuthExchange {
  private salt = randomBytes(4);
  private verifier: string | undefined;
  private scram: ScramAuthExchange | undefined;

  constructor(
    private readonly user: string,
    private readonly provider: AuthProvider,
  ) {}

  async start(w: BackendWriter): Promise<boolean> {
    const v = await this.provider.passwordVerifier(this.user);
    if (v !== undefined && parseScramVerifier(v) !== undefined) {
      // auth.c CheckPWChallengeAuth: md5 with a SCRAM verifier runs SCRAM instead.
      this.scram = new ScramAuthExchange(this.user, this.provider);
      return this.scram.startWith(v, w);
    }
    this.verifier = v === undefined || isMd5Verifier(v) ? v : makeMd5Verifier(v, this.user);
    w.authentication(AuthCode.md5, this.salt);
    return false;
  }

  async step(body: Buffer, w: BackendWriter): Promise<boolean> {
    if (this.scram !== undefined) return this.scram.step(body, w);
    const response = readPassword(body);
    if (this.verifier === undefined || !md5ResponseMatches(this.verifier, this.salt, response)) {
      throw authFailed(this.user);
    }
    return true;
  }
}

class ScramAuthExchange implements AuthExchange {
  private exchange: ScramExchange | undefined;
  private stage: 'initial' | 'final' = 'initial';

  constructor(
    private readonly user: string,
    private readonly provider: AuthProvider,
  ) {}

  async start(w: BackendWriter): Promise<boolean> {
    return this.startWith(await this.provider.passwordVerifier(this.user), w);
  }

  startWith(stored: string | undefined, w: BackendWriter): boolean {
    let v: ScramVerifier | undefined =
      stored === undefined ? undefined : parseScramVerifier(stored);
    let mock = false;
    if (v === undefined && stored !== undefined && !isMd5Verifier(stored)) {
      // A plaintext stored password: derive keys on the fly.
      v = scramKeys(stored, randomBytes(16), 4096);
    }
    if (v === undefined) {
      // Unknown user, or an md5 verifier (cannot do SCRAM): go through the motions, then fail.
      v = mockScramVerifier(this.user, mockSecret);
      mock = true;
    }
    this.exchange = new ScramExchange(v, undefined, mock);
    w.authenticationSasl(['SCRAM-SHA-256']);
    return false;
  }

  async step(body: Buffer, w: BackendWriter): Promise<boolean> {
    const ex = this.exchange;
    if (ex === undefined) throw new ProtocolError('unexpected SASL response');
    try {
      if (this.stage === 'initial') {
        const init = readSaslInitialResponse(body);
        if (init.mechanism !== 'SCRAM-SHA-256') {
          throw new ProtocolError('client selected an invalid SASL authentication mechanism');
        }
        if (init.data === null)
          throw new ProtocolError('malformed SCRAM message (empty initial response)');
        const serverFirst = ex.clientFirst(init.data.toString('utf8'));
        this.stage = 'final';
        w.authentication(AuthCode.saslContinue, Buffer.from(serverFirst));
        return false;
      }
      const serverFinal = ex.clientFinal(body.toString('utf8'));
      w.authentication(AuthCode.saslFinal, Buffer.from(serverFinal));
      return true;
    } catch (err) {
      if (err instanceof ScramError) {
        if (err.malformed) throw new ProtocolError(err.message);
        throw authFailed(this.user);
      }
      throw err;
    }
  }
}
