/** What version() answers: PostgreSQL's format, so clients that parse it (TypeORM, Knex) read 15. */
export const SERVER_VERSION_TEXT =
  'PostgreSQL 15.0 (ShardDB 0.1.0) on x86_64-pc-linux-gnu, compiled by TypeScript, 64-bit';
