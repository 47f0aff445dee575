/**
 * An authentication exchange: the server's side of one method's messages
 * (AuthenticationXxx out, PasswordMessage / SASLInitialResponse / SASLResponse in).
 */
import type { BackendWriter } from '../backendWriter';

export interface AuthExchange {
  /** Writes the first request; true when the client is already authenticated (trust). */
  start(w: BackendWriter): boolean;
  /**
   * One 'p' message body. True when authenticated; false when more messages are expected.
   * Throws SqlError (FATAL 28P01 / 28000) when authentication fails.
   */
  step(body: Buffer, w: BackendWriter): Promise<boolean>;
}

export const trustExchange: AuthExchange = {
  start: () => true,
  step: () => Promise.resolve(true),
};
