/**
 * int2vector and oidvector text I/O (PostgreSQL's int2vectorout/oidvectorout): the
 * elements separated by single spaces, no braces; input splits on whitespace.
 */
import type { Datum } from './datum';
import { parseOid, parseSmallInt } from './scalarText';
import { TypeOid } from './datum';

export function formatVectorText(values: readonly Datum[]): string {
  return values.map((v) => String(v)).join(' ');
}

export function parseVectorText(typeOid: number, text: string): number[] {
  const parts = text
    .trim()
    .split(/\s+/)
    .filter((p) => p.length > 0);
  return parts.map((p) =>
    typeOid === TypeOid.int2vector ? (parseSmallInt(p, 16) as number) : (parseOid(p) as number),
  );
}
