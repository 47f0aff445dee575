/** Wire shapes of the internal RPC after the handshake (see PROTOCOL.md). */
import { RpcError, RpcErrorCode, RpcErrorCodeValue, SqlError } from '../errors';

export const KIND_REQUEST = 0;
export const KIND_RESPONSE = 1;
export const KIND_ERROR = 2;

/** [0, id, method, body] */
export type RequestFrame = [typeof KIND_REQUEST, number, string, unknown];
/** [1, id, result] */
export type ResponseFrame = [typeof KIND_RESPONSE, number, unknown];
/** [2, id, error] */
export type ErrorFrame = [typeof KIND_ERROR, number, WireError];

export interface WireError {
  readonly code: RpcErrorCodeValue;
  readonly message: string;
  readonly detail?: unknown;
  readonly sqlState?: string;
}

const validCodes = new Set<string>(Object.values(RpcErrorCode));

/** Any thrown value in the closed wire form; SqlErrors keep their SQLSTATE and fields. */
export function toWireError(err: unknown): WireError {
  if (err instanceof RpcError) {
    return { code: err.code, message: err.message, detail: err.detail, sqlState: err.sqlState };
  }
  if (err instanceof SqlError) {
    return {
      code: RpcErrorCode.sql,
      message: err.message,
      sqlState: err.code,
      detail: {
        detail: err.detail,
        hint: err.hint,
        position: err.position,
        table: err.table,
        column: err.column,
        constraint: err.constraint,
      },
    };
  }
  return { code: RpcErrorCode.internal, message: err instanceof Error ? err.message : String(err) };
}

export function fromWireError(wire: unknown): RpcError {
  if (wire && typeof wire === 'object') {
    const w = wire as Partial<WireError>;
    const code =
      typeof w.code === 'string' && validCodes.has(w.code) ? w.code : RpcErrorCode.internal;
    return new RpcError(code, String(w.message ?? 'remote error'), w.detail, w.sqlState);
  }
  return new RpcError(RpcErrorCode.internal, 'malformed remote error');
}
