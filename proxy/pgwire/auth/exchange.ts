/**
 * An authentication exchange: the server's side of one method's messages
 * (AuthenticationXxx out, PasswordMessage / SASLInitialResponse / SASLResponse in).
 */
import { SqlError, SqlState } from '../../../common/errors';
import type { BackendWriter } from '../backendWriter';

export interface AuthExchange {
  /** Writes the first request; true when the client is already authenticated (trust). */
  start(w: BackendWriter): Promise<boolean> | boolean;
  /**
   * One 'p' message body. True when authenticated; false when more messages are expected.
   * Throws SqlError (FATAL 28P01) when authentication fails, ProtocolError when malformed.
   */
  step(body: Buffer, w: BackendWriter): Promise<boolean>;
}

export const trustExchange: AuthExchange = {
  start: () => true,
  step: () => Promise.resolve(true),
};

/**
 * The one failure a client sees, whatever went wrong (unknown user, wrong password, a
 * verifier of the wrong kind): auth.c auth_failed() hides the reason from the client.
 */
export function authFailed(user: string): SqlError {
  return new SqlError(
    SqlState.invalidPassword,
    `password authentication failed for user "${user}"`,
    { severity: 'FATAL' },
  );
}
