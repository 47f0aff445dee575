import type { Client } from 'pg';

/** The SQLSTATE `sql` fails with on `c`, or undefined when it succeeds. */
export async function sqlStateOf(c: Client, sql: string): Promise<string | undefined> {
  try {
    await c.query(sql);
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}
