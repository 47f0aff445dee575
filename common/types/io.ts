/**
 * Value I/O: SQL values to and from PostgreSQL's text and binary wire formats.
 * Text output is byte-identical to PostgreSQL 15's for the same settings.
 *
 * CONTRACT (used by proxy/pgwire and the SQL engine): the four function signatures and
 * FormatSettings. Each type's rules live in its own module (numeric.ts, floatText.ts,
 * scalarText.ts, datetime.ts, interval.ts, jsonb.ts, arrayText.ts, binaryIo.ts); this
 * file only dispatches on the type OID. Types we do not know are passed through as text.
 */
import { formatArrayText, parseArrayText } from './arrayText';
import { parseBinaryValue, formatBinaryValue } from './binaryIo';
import type { Datum } from './datum';
import { TypeOid } from './datum';
import {
  formatDate,
  formatTime,
  formatTimestamp,
  formatTimestamptz,
  parseDate,
  parseTime,
  parseTimestamp,
  parseTimestamptz,
} from './datetime';
import { formatFloat4, formatFloat8, parseFloat4, parseFloat8 } from './floatText';
import { formatInterval, parseInterval, type Interval } from './interval';
import { Jsonb, parseJsonText } from './jsonb';
import { Numeric } from './numeric';
import {
  formatBytea,
  parseBool,
  parseBytea,
  parseIntText,
  parseName,
  parseOid,
  parseSmallInt,
  parseUuid,
} from './scalarText';
import { elementType } from './typeTable';
import { formatVectorText, parseVectorText } from './vectorText';

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

/** Text output of a non-null value. */
export function formatText(typeOid: number, value: Datum, settings: FormatSettings): string {
  switch (typeOid) {
    case TypeOid.bool:
      return value ? 't' : 'f';
    case TypeOid.int2:
    case TypeOid.int4:
    case TypeOid.int8:
    case TypeOid.oid:
    case TypeOid.regproc:
    case TypeOid.regclass:
    case TypeOid.regtype:
      return String(value);
    case TypeOid.float4:
      return formatFloat4(value as number, settings.extraFloatDigits);
    case TypeOid.float8:
      return formatFloat8(value as number, settings.extraFloatDigits);
    case TypeOid.numeric:
      return (value as Numeric).toString();
    case TypeOid.text:
    case TypeOid.varchar:
    case TypeOid.bpchar:
    case TypeOid.name:
    case TypeOid.json:
    case TypeOid.uuid:
    case TypeOid.char:
    case TypeOid.unknown:
      return value as string;
    case TypeOid.bytea:
      return formatBytea(value as Buffer, settings.byteaOutput);
    case TypeOid.date:
      return formatDate(value as number, settings.dateStyle);
    case TypeOid.time:
      return formatTime(value as number);
    case TypeOid.timestamp:
      return formatTimestamp(value as bigint, settings.dateStyle);
    case TypeOid.timestamptz:
      return formatTimestamptz(value as bigint, settings.timeZone, settings.dateStyle);
    case TypeOid.interval:
      return formatInterval(value as Interval, settings.intervalStyle);
    case TypeOid.jsonb:
      return (value as Jsonb).toString();
    case TypeOid.int2vector:
    case TypeOid.oidvector:
      return formatVectorText(value as Datum[]);
    default: {
      const elem = elementType(typeOid);
      if (elem !== 0)
        return formatArrayText(value as Datum[], (v) => formatText(elem, v, settings));
      if (Buffer.isBuffer(value)) return formatBytea(value, settings.byteaOutput);
      return String(value);
    }
  }
}

/** Parses a non-null text-format value. Throws SqlError (22P02, 22003, 22007, 22008, ...) on bad input. */
export function parseText(typeOid: number, text: string, settings: FormatSettings): Datum {
  switch (typeOid) {
    case TypeOid.bool:
      return parseBool(text);
    case TypeOid.int2:
      return parseSmallInt(text, 16);
    case TypeOid.int4:
      return parseSmallInt(text, 32);
    case TypeOid.int8:
      return parseIntText(text, 64);
    case TypeOid.oid:
    case TypeOid.regproc:
    case TypeOid.regclass:
    case TypeOid.regtype:
      return parseOid(text);
    case TypeOid.float4:
      return parseFloat4(text);
    case TypeOid.float8:
      return parseFloat8(text);
    case TypeOid.numeric:
      return Numeric.parse(text);
    case TypeOid.name:
      return parseName(text);
    case TypeOid.char:
      return text.length === 0 ? '' : text[0];
    case TypeOid.bytea:
      return parseBytea(text);
    case TypeOid.uuid:
      return parseUuid(text);
    case TypeOid.json:
      return parseJsonText(text);
    case TypeOid.jsonb:
      return Jsonb.parse(text);
    case TypeOid.date:
      return parseDate(text, settings);
    case TypeOid.time:
      return parseTime(text, settings);
    case TypeOid.timestamp:
      return parseTimestamp(text, settings);
    case TypeOid.timestamptz:
      return parseTimestamptz(text, settings);
    case TypeOid.interval:
      return parseInterval(text, settings.intervalStyle);
    case TypeOid.text:
    case TypeOid.varchar:
    case TypeOid.bpchar:
    case TypeOid.unknown:
      return text;
    case TypeOid.int2vector:
    case TypeOid.oidvector:
      return parseVectorText(typeOid, text);
    default: {
      const elem = elementType(typeOid);
      if (elem !== 0) return parseArrayText(text, (s) => parseText(elem, s, settings));
      return text;
    }
  }
}

/** Binary output of a non-null value (the typsend format). */
export function formatBinary(typeOid: number, value: Datum): Buffer {
  return formatBinaryValue(typeOid, value);
}

/** Parses a non-null binary-format value (the typreceive format). Throws SqlError 22P03. */
export function parseBinary(typeOid: number, data: Buffer): Datum {
  return parseBinaryValue(typeOid, data);
}
