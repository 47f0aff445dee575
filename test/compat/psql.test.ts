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
 * Every command's output is compared byte for byte: both clusters hold the same databases
 * (postgres, template1, template0 as initdb makes them, with initdb's default locale C, which
 * the private server is given too) and the same schema.
 */
function normalize(_cmd: string, out: string): string {
  return out;
}

/** Run on both servers after the describe commands: database DDL, then \l again. */
const DATABASE_DDL = [
  'CREATE DATABASE shop;',
  "CREATE DATABASE scratch TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C';",
  'ALTER DATABASE scratch RENAME TO archive;',
  'CREATE DATABASE gone;',
  'DROP DATABASE gone;',
];

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

  it('\\l after CREATE, ALTER … RENAME and DROP DATABASE', async () => {
    // One statement per -c: PostgreSQL refuses CREATE/DROP DATABASE in a multi-statement
    // string (an implicit transaction block).
    for (const stmt of DATABASE_DDL) {
      const [ours, theirs] = await Promise.all([
        psql(cluster.url, ['-c', stmt]),
        psql(pg.connectionString, ['-c', stmt]),
      ]);
      expect(ours, stmt).to.equal(theirs);
    }
    const [ours, theirs] = await Promise.all([
      psql(cluster.url, ['-c', '\\l']),
      psql(pg.connectionString, ['-c', '\\l']),
    ]);
    expect(ours).to.include('shop').and.include('archive').and.not.include('gone');
    expect(ours).to.equal(theirs);
  });
});
