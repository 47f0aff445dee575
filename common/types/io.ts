/**
 * Value I/O: SQL values to and from PostgreSQL's text and binary wire formats.
 * Text output is byte-identical to PostgreSQL 15's for the same settings.
 *
 * CONTRACT (used by proxy/pgwire and the SQL engine): the four function signatures and
 * FormatSettings. The bodies here are a first minimal version (bool, ints, floats, text);
 * the full set of types replaces them without changing the signatures.
 */
import { SqlError, SqlState } from '../errors';
import type { Datum } from './datum';
import { TypeOid } from './datum';

/** Session settings that change how values are written and read. */
export interface FormatSettings {
  /** e.g. 'ISO, MDY' */
  readonly dateStyle: string;
  /** 'postgres' | 'postgres_verbose' | 'sql_standard' | 'iso_8601' */
  readonly intervalStyle: string;
  /** IANA zone name or a POSIX-style offset, e.g. 'UTC', 'Europe/Paris'. */
  readonly timeZone: string;
  /** -15..3; PostgreSQL 12+ defaults to 1 (shortest exact output). */
  readonly extraFloatDigits: number;
  /** 'hex' (default) or 'escape'. */
  readonly byteaOutput: 'hex' | 'escape';
}

export const defaultFormatSettings: FormatSettings = {
  dateStyle: 'ISO, MDY',
  intervalStyle: 'postgres',
  timeZone: 'UTC',
  extraFloatDigits: 1,
  byteaOutput: 'hex',
};

function invalid(typeName: string, text: string): SqlError {
  return new SqlError(
    SqlState.invalidTextRepresentation,
    `invalid input syntax for type ${typeName}: "${text}"`,
  );
}

/** Text output of a non-null value. */
export function formatText(typeOid: number, value: Datum, _settings: FormatSettings): string {
  switch (typeOid) {
    case TypeOid.bool:
      return value ? 't' : 'f';
    default:
      return String(value);
  }
}

/** Parses a non-null text-format value. Throws SqlError 22P02 on bad input. */
export function parseText(typeOid: number, text: string, _settings: FormatSettings): Datum {
  switch (typeOid) {
    case TypeOid.bool: {
      const t = text.trim().toLowerCase();
      if (['t', 'true', 'yes', 'on', '1', 'y'].includes(t)) return true;
      if (['f', 'false', 'no', 'off', '0', 'n'].includes(t)) return false;
      throw invalid('boolean', text);
    }
    case TypeOid.int2:
    case TypeOid.int4: {
      if (!/^\s*[+-]?\d+\s*$/.test(text)) throw invalid(typeOid === TypeOid.int2 ? 'smallint' : 'integer', text);
      return Number(text);
    }
    case TypeOid.int8: {
      if (!/^\s*[+-]?\d+\s*$/.test(text)) throw invalid('bigint', text);
      return BigInt(text.trim());
    }
    case TypeOid.float4:
    case TypeOid.float8:
      return Number(text);
    default:
      return text;
  }
}

/** Binary output of a non-null value (the typsend format). */
export function formatBinary(typeOid: number, value: Datum): Buffer {
  switch (typeOid) {
    case TypeOid.bool:
      return Buffer.from([value ? 1 : 0]);
    case TypeOid.int4: {
      const b = Buffer.allocUnsafe(4);
      b.writeInt32BE(value as number);
      return b;
    }
    default:
      return Buffer.from(String(value), 'utf8');
  }
}

/** Parses a non-null binary-format value (the typreceive format). Throws SqlError 22P03. */
export function parseBinary(typeOid: number, data: Buffer): Datum {
  switch (typeOid) {
    case TypeOid.bool:
      return data[0] !== 0;
    case TypeOid.int4:
      if (data.length !== 4) {
        throw new SqlError(SqlState.invalidBinaryRepresentation, 'incorrect binary data format');
      }
      return data.readInt32BE(0);
    default:
      return data.toString('utf8');
  }
}
