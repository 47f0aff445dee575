/**
 * A violation of the wire protocol by the client. PostgreSQL answers every such violation
 * with ErrorResponse 08P01 and closes the connection (postgres.c: "invalid frontend message
 * type", pqcomm.c: "invalid message length"); so do we. Only the connection dies.
 */
import { SqlError, SqlState } from '../../common/errors';

export class ProtocolError extends SqlError {
  constructor(message: string) {
    super(SqlState.protocolViolation, message, { severity: 'FATAL' });
    this.name = 'ProtocolError';
  }
}
