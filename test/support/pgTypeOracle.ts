/**
 * A PostgreSQL oracle for value I/O: for many input strings at once, what PostgreSQL's
 * input function makes of each (its text output and its typsend bytes), or the SQLSTATE
 * and message it raises. One round trip per batch: a PL/pgSQL function catches the error
 * of each value in its own subtransaction.
 */
import type { Client } from 'pg';

export interface OracleSettings {
  readonly dateStyle?: string;
  readonly timeZone?: string;
  readonly intervalStyle?: string;
  readonly extraFloatDigits?: number;
  readonly byteaOutput?: 'hex' | 'escape';
}

export type OracleResult =
  | { readonly ok: true; readonly text: string; readonly send: Buffer }
  | { readonly ok: false; readonly code: string; readonly message: string };

const FN = `
CREATE OR REPLACE FUNCTION pg_temp.try_in(vals text[], typ text, sendfn text)
RETURNS TABLE(i int, txt text, send text, state text, msg text) LANGUAGE plpgsql AS $$
DECLARE v text; k int := 0;
BEGIN
  FOREACH v IN ARRAY vals LOOP
    k := k + 1;
    BEGIN
      EXECUTE format('SELECT format(''%%s'', $1::%s), encode(%s($1::%s), ''hex'')', typ, sendfn, typ) INTO txt, send USING v;
      i := k; state := NULL; msg := NULL; RETURN NEXT;
    EXCEPTION WHEN OTHERS THEN
      i := k; txt := NULL; send := NULL; state := SQLSTATE; msg := SQLERRM; RETURN NEXT;
    END;
  END LOOP;
END $$;`;

export async function applySettings(client: Client, s: OracleSettings): Promise<void> {
  await client.query(`SET DateStyle = '${s.dateStyle ?? 'ISO, MDY'}'`);
  await client.query(`SET TimeZone = '${s.timeZone ?? 'UTC'}'`);
  await client.query(`SET IntervalStyle = '${s.intervalStyle ?? 'postgres'}'`);
  await client.query(`SET extra_float_digits = ${s.extraFloatDigits ?? 1}`);
  await client.query(`SET bytea_output = '${s.byteaOutput ?? 'hex'}'`);
}

/** What PostgreSQL makes of each input string as `typ` (a SQL type name such as 'int4[]'). */
export async function oracle(
  client: Client,
  typ: string,
  inputs: readonly string[],
): Promise<OracleResult[]> {
  await client.query(FN);
  const sendfn = (
    await client.query(`SELECT typsend::text AS f FROM pg_type WHERE oid = $1::regtype`, [typ])
  ).rows[0].f as string;
  const r = await client.query(
    `SELECT i, txt, send, state, msg FROM pg_temp.try_in($1::text[], $2, $3) ORDER BY i`,
    [inputs, typ, sendfn],
  );
  return r.rows.map(
    (row: { txt: string | null; send: string | null; state: string | null; msg: string | null }) =>
      row.state === null
        ? {
            ok: true as const,
            text: row.txt as string,
            send: Buffer.from(row.send as string, 'hex'),
          }
        : { ok: false as const, code: row.state, message: row.msg as string },
  );
}

const CAST_FN = `
CREATE OR REPLACE FUNCTION pg_temp.try_cast(vals text[], src text, dst text)
RETURNS TABLE(i int, txt text, state text, msg text) LANGUAGE plpgsql AS $$
DECLARE v text; k int := 0;
BEGIN
  FOREACH v IN ARRAY vals LOOP
    k := k + 1;
    BEGIN
      EXECUTE format('SELECT format(''%%s'', ($1::%s)::%s)', src, dst) INTO txt USING v;
      i := k; state := NULL; msg := NULL; RETURN NEXT;
    EXCEPTION WHEN OTHERS THEN
      i := k; txt := NULL; state := SQLSTATE; msg := SQLERRM; RETURN NEXT;
    END;
  END LOOP;
END $$;`;

export type CastResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** What PostgreSQL makes of `(input::src)::dst` for each input (text output or error). */
export async function oracleCast(
  client: Client,
  src: string,
  dst: string,
  inputs: readonly string[],
): Promise<CastResult[]> {
  await client.query(CAST_FN);
  const r = await client.query(
    `SELECT i, txt, state, msg FROM pg_temp.try_cast($1::text[], $2, $3) ORDER BY i`,
    [inputs, src, dst],
  );
  return r.rows.map((row: { txt: string | null; state: string | null; msg: string | null }) =>
    row.state === null
      ? { ok: true as const, text: row.txt as string }
      : { ok: false as const, code: row.state, message: row.msg as string },
  );
}
