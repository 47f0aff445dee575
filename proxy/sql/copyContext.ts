/**
 * PostgreSQL's CONTEXT field (ErrorResponse 'W') for errors raised while a COPY runs
 * ("COPY t, line 3, column n: \"x\""). SqlError (common/errors.ts, a shared contract) has
 * no field for it yet, so this subclass carries it and pgwire's ErrorResponse writer sends
 * any `where` it finds on the error.
 */
import { SqlError, toSqlError } from '../../common/errors';

export class SqlErrorWithContext extends SqlError {
  constructor(
    base: SqlError,
    readonly where: string,
  ) {
    super(base.code, base.message, base);
    this.stack = base.stack;
  }
}

/** The error as a SqlError with this context; an inner context (already set) wins. */
export function withContext(err: unknown, where: string): SqlError {
  if (err instanceof SqlErrorWithContext) return err;
  return new SqlErrorWithContext(toSqlError(err), where);
}
