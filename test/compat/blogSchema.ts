/** The blog schema every compatibility test starts from (tables created with plain SQL). */
export const BLOG_SCHEMA = [
  `CREATE TABLE users (id serial PRIMARY KEY, email varchar(200) NOT NULL UNIQUE, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
  `CREATE TABLE posts (id serial PRIMARY KEY, author_id integer NOT NULL REFERENCES users(id), title text NOT NULL, body text NOT NULL DEFAULT '', published boolean NOT NULL DEFAULT false)`,
  `CREATE INDEX posts_author_idx ON posts (author_id)`,
  `CREATE TABLE comments (id serial PRIMARY KEY, post_id integer NOT NULL REFERENCES posts(id), author_id integer NOT NULL REFERENCES users(id), body text NOT NULL)`,
];

/**
 * Transactions arrive with the transaction layer (branch `txnsql`): until then BEGIN is
 * refused with 0A000, and the tests that need a transaction are skipped when that is the
 * only reason they fail.
 */
export function isTransactionRefusal(err: unknown): boolean {
  // Libraries wrap the driver's error: look through `original` (Sequelize) and `cause` (Drizzle).
  if (err === null || typeof err !== 'object') return false;
  const e = err as { code?: string; message?: string; original?: unknown; cause?: unknown };
  if (e.code === '0A000' && /transaction/i.test(String(e.message ?? ''))) return true;
  return isTransactionRefusal(e.original) || isTransactionRefusal(e.cause);
}
