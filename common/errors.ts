/**
 * Errors that cross a boundary. A SqlError carries a PostgreSQL SQLSTATE from where it is
 * raised to the client's ErrorResponse; internal RPC failures use a closed set of codes
 * (RpcErrorCode) that the proxy maps to SQLSTATE (see sqlStateForRpc).
 */

/** SQLSTATE codes we raise (PostgreSQL Appendix A). */
export const SqlState = {
  successfulCompletion: '00000',
  warning: '01000',
  connectionException: '08000',
  connectionFailure: '08006',
  protocolViolation: '08P01',
  featureNotSupported: '0A000',
  invalidTransactionState: '25000',
  activeSqlTransaction: '25001',
  noActiveSqlTransaction: '25P01',
  inFailedSqlTransaction: '25P02',
  readOnlySqlTransaction: '25006',
  invalidAuthorizationSpecification: '28000',
  invalidPassword: '28P01',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  syntaxError: '42601',
  insufficientPrivilege: '42501',
  undefinedColumn: '42703',
  undefinedTable: '42P01',
  undefinedObject: '42704',
  undefinedFunction: '42883',
  duplicateTable: '42P07',
  duplicateObject: '42710',
  duplicateColumn: '42701',
  duplicateDatabase: '42P04',
  duplicateSchema: '42P06',
  ambiguousColumn: '42702',
  datatypeMismatch: '42804',
  groupingError: '42803',
  invalidColumnReference: '42P10',
  invalidRecursion: '42P19',
  undefinedParameter: '42P02',
  indeterminateDatatype: '42P18',
  invalidTableDefinition: '42P16',
  undefinedDatabase: '3D000',
  invalidSchemaName: '3F000',
  invalidCursorName: '34000',
  invalidSqlStatementName: '26000',
  duplicatePreparedStatement: '42P05',
  duplicateCursor: '42P03',
  dataException: '22000',
  numericValueOutOfRange: '22003',
  divisionByZero: '22012',
  invalidTextRepresentation: '22P02',
  invalidBinaryRepresentation: '22P03',
  stringDataRightTruncation: '22001',
  invalidDatetimeFormat: '22007',
  datetimeFieldOverflow: '22008',
  invalidParameterValue: '22023',
  characterNotInRepertoire: '22021',
  nullValueNotAllowed: '22004',
  badCopyFileFormat: '22P04',
  integrityConstraintViolation: '23000',
  notNullViolation: '23502',
  foreignKeyViolation: '23503',
  uniqueViolation: '23505',
  checkViolation: '23514',
  tooManyConnections: '53300',
  programLimitExceeded: '54000',
  queryCanceled: '57014',
  adminShutdown: '57P01',
  lockNotAvailable: '55P03',
  objectNotInPrerequisiteState: '55000',
  snapshotTooOld: '72000',
  internalError: 'XX000',
  dataCorrupted: 'XX001',
} as const;
export type SqlStateCode = (typeof SqlState)[keyof typeof SqlState] | string;

export interface SqlErrorFields {
  readonly detail?: string;
  readonly hint?: string;
  /** 1-based character position in the query text, as ErrorResponse's P field. */
  readonly position?: number;
  readonly severity?: 'ERROR' | 'FATAL' | 'PANIC';
  readonly schema?: string;
  readonly table?: string;
  readonly column?: string;
  readonly constraint?: string;
}

/** An error the client sees, with its SQLSTATE. Thrown from any layer. */
export class SqlError extends Error {
  readonly code: SqlStateCode;
  readonly detail?: string;
  readonly hint?: string;
  readonly position?: number;
  readonly severity: 'ERROR' | 'FATAL' | 'PANIC';
  readonly schema?: string;
  readonly table?: string;
  readonly column?: string;
  readonly constraint?: string;

  constructor(code: SqlStateCode, message: string, fields: SqlErrorFields = {}) {
    super(message);
    this.name = 'SqlError';
    this.code = code;
    this.detail = fields.detail;
    this.hint = fields.hint;
    this.position = fields.position;
    this.severity = fields.severity ?? 'ERROR';
    this.schema = fields.schema;
    this.table = fields.table;
    this.column = fields.column;
    this.constraint = fields.constraint;
  }
}

/** The closed set of internal RPC error codes. */
export const RpcErrorCode = {
  /** The peer could not be reached, or went away mid-call. */
  unavailable: 'UNAVAILABLE',
  deadlineExceeded: 'DEADLINE_EXCEEDED',
  badRequest: 'BAD_REQUEST',
  unknownMethod: 'UNKNOWN_METHOD',
  authFailed: 'AUTH_FAILED',
  /** Meta: this node is not the Raft leader; detail names the leader if known. */
  notLeader: 'NOT_LEADER',
  /** Shard: the (rangeId, epoch) in the request is not what this shard owns. */
  rangeStale: 'RANGE_STALE',
  /** Too many calls in flight, or a queue is full. */
  resourceExhausted: 'RESOURCE_EXHAUSTED',
  /** A SQL-level error raised on the remote side; sqlState carries its SQLSTATE. */
  sql: 'SQL',
  internal: 'INTERNAL',
} as const;
export type RpcErrorCodeValue = (typeof RpcErrorCode)[keyof typeof RpcErrorCode];

/** An internal RPC failure, as a caller sees it. */
export class RpcError extends Error {
  readonly code: RpcErrorCodeValue;
  readonly detail?: unknown;
  /** For code SQL: the remote SqlError's SQLSTATE and fields. */
  readonly sqlState?: string;

  constructor(code: RpcErrorCodeValue, message: string, detail?: unknown, sqlState?: string) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.detail = detail;
    this.sqlState = sqlState;
  }
}

/** The SQLSTATE a client sees for an internal failure. */
export function sqlStateForRpc(err: RpcError): string {
  switch (err.code) {
    case RpcErrorCode.sql:
      return err.sqlState ?? SqlState.internalError;
    case RpcErrorCode.unavailable:
      return SqlState.connectionFailure;
    case RpcErrorCode.deadlineExceeded:
      return SqlState.queryCanceled;
    case RpcErrorCode.resourceExhausted:
      return SqlState.tooManyConnections;
    default:
      return SqlState.internalError;
  }
}

/** Any thrown value as a SqlError, so that every failure reaches the client with a SQLSTATE. */
export function toSqlError(err: unknown): SqlError {
  if (err instanceof SqlError) return err;
  if (err instanceof RpcError) {
    if (err.code === RpcErrorCode.sql && err.detail && typeof err.detail === 'object') {
      return new SqlError(sqlStateForRpc(err), err.message, err.detail as SqlErrorFields);
    }
    return new SqlError(sqlStateForRpc(err), err.message);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new SqlError(SqlState.internalError, message);
}
