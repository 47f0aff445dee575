/**
 * A column DEFAULT as pg_get_expr prints it. We store the expression as the user wrote it
 * (deparsed); PostgreSQL prints its analyzed form, which adds the implicit casts: a string
 * literal carries its column's type (`'x'::text`), nextval's argument is a regclass.
 */
import { TypeOid } from '../../common/types/datum';
import { formatType } from './formatType';

export function defaultDisplay(expr: string, typeOid: number): string {
  const e = expr.trim();
  const seq = /^nextval\('([^']+)'(?:::regclass)?\)$/i.exec(e);
  if (seq) return `nextval('${seq[1]}'::regclass)`;
  if (/^'(?:[^']|'')*'$/.test(e)) {
    const t = typeOid === TypeOid.bpchar ? 'bpchar' : formatType(typeOid, -1);
    return `${e}::${t}`;
  }
  return e;
}
