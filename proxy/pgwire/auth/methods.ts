/**
 * The authentication exchange for a method chosen by the host-based rules.
 */
import { SqlError, SqlState } from '../../../common/errors';
import type { AuthProvider } from '../../engine';
import type { AuthMethod } from '../config';
import { trustExchange, type AuthExchange } from './exchange';

export function authExchangeFor(method: AuthMethod, user: string, provider: AuthProvider): AuthExchange | SqlError {
  switch (method) {
    case 'trust':
      return trustExchange;
    default:
      void provider;
      return new SqlError(SqlState.featureNotSupported, `authentication method ${method} is not supported yet for user "${user}"`, {
        severity: 'FATAL',
      });
  }
}
