/**
 * psql's describe commands against ShardDB and against a private PostgreSQL 15 holding the
 * same schema: the printed output must be the same, up to the normalizations below (each
 * says why it cannot be equal).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { startInProcessCluster, type InProcessCluster } from '../support/inProcessCluster';
import {
  installPostgresIfMissing,
  startPostgres,
  type PostgresServer,
} from '../../scripts/lib/postgresServer';

const SCHEMA = `
CREATE TABLE users (id serial PRIMARY KEY, email varchar(100) NOT NULL UNIQUE, name text DEFAULT 'anon', created_at timestamptz DEFAULT now());
CREATE TABLE posts (id bigserial PRIMARY KEY, user_id integer NOT NULL REFERENCES users(id), title text NOT NULL, score integer CHECK (score > 0), body text);
CREATE INDEX posts_user_idx ON posts (user_id);
CREATE TABLE tags (name text PRIMARY KEY, weight numeric(6,2) NOT NULL DEFAULT 1);
CREATE SEQUENCE counter_seq;
`;

const COMMANDS = [
  '\\l',
  '\\dn',
  '\\dt',
  '\\d users',
  '\\d posts',
  '\\d+ posts',
  '\\d tags',
  '\\di',
  '\\ds',
  '\\df',
  '\\du',
  '\\d users_id_seq',
];

function psql(url: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'psql',
      ['-X', '-v', 'ON_ERROR_STOP=1', url, ...args],
      { timeout: 20_000, env: { ...process.env, PGTZ: 'UTC', PAGER: '', COLUMNS: '200' } },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`psql ${args.join(' ')}: ${err.message}\n${stderr}`));
        else resolve(stdout + stderr);
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/**
 * Normalizations, and why each is needed:
 * - \l: PostgreSQL has the template0/template1 databases, which a ShardDB cluster has no
 *   use for (CREATE DATABASE is not supported), so their rows are dropped; the row count
 *   footer follows; the column widths follow the remaining rows, so runs of spaces and
 *   dashes are collapsed; Collate/Ctype are whatever initdb chose for the private server.
 * Every other command's output is compared byte for byte.
 */
function normalize(cmd: string, out: string): string {
  let lines = out.split('\n');
  if (cmd === '\\l') {
    // Continuation lines (a leading |) carry the templates' access privileges only.
    lines = lines.filter((l) => !/^\s*template[01]\s*\|/.test(l) && !/^\s*\|/.test(l));
    lines = lines.map((l) =>
      l
        .replace(/\(\d+ rows?\)/, '(N rows)')
        .replace(
          /\|\s*[A-Za-z_.0-9-]+\s*\|\s*[A-Za-z_.0-9-]+\s*\|(\s*\|\s*libc)/,
          '| LOCALE | LOCALE |$1',
        ),
    );
  }
  if (cmd !== '\\l') return lines.join('\n');
  return lines.map((l) => l.replace(/-{2,}/g, '--').replace(/ {2,}/g, ' ').trimEnd()).join('\n');
}

describe('compat: psql describe commands print what PostgreSQL 15 prints', function () {
  this.timeout(180_000);
  let cluster: InProcessCluster;
  let pg: PostgresServer;

  before(async () => {
    await installPostgresIfMissing();
    [cluster, pg] = await Promise.all([startInProcessCluster({ shards: 2 }), startPostgres()]);
    await psql(cluster.url, ['-q'], SCHEMA);
    await psql(pg.connectionString, ['-q'], SCHEMA);
  });

  after(async () => {
    await cluster?.close();
    await pg?.stop();
  });

  for (const cmd of COMMANDS) {
    it(cmd, async () => {
      const [ours, theirs] = await Promise.all([
        psql(cluster.url, ['-c', cmd]),
        psql(pg.connectionString, ['-c', cmd]),
      ]);
      expect(normalize(cmd, ours)).to.equal(normalize(cmd, theirs));
    });
  }
});
