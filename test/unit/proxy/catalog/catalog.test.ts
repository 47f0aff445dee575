/**
 * pg_catalog / information_schema over a real (in-process) cluster: the rows come from our
 * catalog and answer the joins, filters, casts and functions clients send.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { waitFor } from '../../../support/waitFor';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';

describe('proxy/catalog: pg_catalog and information_schema', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let client: Client;

  before(async () => {
    cluster = await startInProcessCluster({ shards: 1 });
    client = new Client({ connectionString: cluster.url });
    await client.connect();
    await client.query(
      `CREATE TABLE users (id serial PRIMARY KEY, email varchar(100) NOT NULL UNIQUE, name text DEFAULT 'x', created timestamptz DEFAULT now())`,
    );
    await client.query(
      `CREATE TABLE posts (id bigserial PRIMARY KEY, user_id int REFERENCES users(id), title text NOT NULL, score int CHECK (score > 0))`,
    );
    await client.query(`CREATE INDEX posts_title_idx ON posts (title)`);
  });

  after(async () => {
    await client?.end();
    await cluster?.close();
  });

  const rows = async (
    sql: string,
    params: unknown[] = [],
  ): Promise<Array<Record<string, unknown>>> =>
    (await client.query(sql, params)).rows as Array<Record<string, unknown>>;

  it('lists tables, indexes and sequences in pg_class, joined to pg_namespace', async () => {
    const r = await rows(
      `SELECT c.relname, c.relkind FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' ORDER BY 1`,
    );
    expect(r.map((x) => `${String(x.relname)}:${String(x.relkind)}`)).to.deep.equal([
      'posts:r',
      'posts_id_seq:S',
      'posts_pkey:i',
      'posts_title_idx:i',
      'users:r',
      'users_email_key:i',
      'users_id_seq:S',
      'users_pkey:i',
    ]);
  });

  it('resolves regclass / regtype casts both ways and compares them as oids', async () => {
    const [r] = await rows(
      `SELECT 'users'::regclass AS rel, 'public.users'::regclass::oid = c.oid AS same, 'int4'::regtype AS t
       FROM pg_class c WHERE c.relname = 'users'`,
    );
    expect(r).to.deep.equal({ rel: 'users', same: true, t: 'integer' });
    const err = await client.query(`SELECT 'nope'::regclass`).catch((e: { code: string }) => e);
    expect((err as { code: string }).code).to.equal('42P01');
  });

  it('describes columns like psql: format_type, defaults through pg_get_expr, NOT NULL', async () => {
    const r = await rows(
      `SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,
              (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid) FROM pg_catalog.pg_attrdef d
                WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef) AS def
       FROM pg_catalog.pg_attribute a WHERE a.attrelid = 'users'::regclass AND a.attnum > 0 ORDER BY a.attnum`,
    );
    expect(r).to.deep.equal([
      {
        attname: 'id',
        type: 'integer',
        attnotnull: true,
        def: "nextval('users_id_seq'::regclass)",
      },
      { attname: 'email', type: 'character varying(100)', attnotnull: true, def: null },
      { attname: 'name', type: 'text', attnotnull: false, def: "'x'::text" },
      { attname: 'created', type: 'timestamp with time zone', attnotnull: false, def: 'now()' },
    ]);
  });

  it('prints constraints and indexes with pg_get_constraintdef / pg_get_indexdef', async () => {
    const cons = await rows(
      `SELECT conname, contype, pg_get_constraintdef(oid, true) AS def, conrelid::regclass AS rel
       FROM pg_constraint WHERE conrelid = 'posts'::regclass ORDER BY conname`,
    );
    expect(
      cons.map(
        (c) => `${String(c.conname)} ${String(c.contype)} ${String(c.def)} ${String(c.rel)}`,
      ),
    ).to.deep.equal([
      'posts_pkey p PRIMARY KEY (id) posts',
      'posts_score_check c CHECK (score > 0) posts',
      'posts_user_id_fkey f FOREIGN KEY (user_id) REFERENCES users(id) posts',
    ]);
    const idx = await rows(
      `SELECT c2.relname, pg_get_indexdef(i.indexrelid, 0, true) AS def FROM pg_index i
       JOIN pg_class c2 ON c2.oid = i.indexrelid WHERE i.indrelid = 'users'::regclass ORDER BY i.indisprimary DESC, 1`,
    );
    expect(idx.map((x) => x.def)).to.deep.equal([
      'CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)',
      'CREATE UNIQUE INDEX users_email_key ON public.users USING btree (email)',
    ]);
  });

  it('matches names with OPERATOR(pg_catalog.~) and COLLATE as psql does', async () => {
    const r = await rows(
      `SELECT c.relname FROM pg_catalog.pg_class c
       WHERE c.relname OPERATOR(pg_catalog.~) '^(us.*)$' COLLATE pg_catalog.default
         AND pg_catalog.pg_table_is_visible(c.oid) AND c.relkind = 'r'`,
    );
    expect(r.map((x) => x.relname)).to.deep.equal(['users']);
  });

  it('fills information_schema.columns, table_constraints and key_column_usage', async () => {
    const cols = await rows(
      `SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
      ['posts'],
    );
    expect(
      cols.map((c) => `${String(c.column_name)} ${String(c.data_type)} ${String(c.is_nullable)}`),
    ).to.deep.equal(['id bigint NO', 'user_id integer YES', 'title text NO', 'score integer YES']);
    const keys = await rows(
      `SELECT tc.constraint_type, kcu.column_name FROM information_schema.table_constraints tc
       JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name
       WHERE tc.table_name = 'posts' ORDER BY 1`,
    );
    expect(keys).to.deep.equal([
      { constraint_type: 'FOREIGN KEY', column_name: 'user_id' },
      { constraint_type: 'PRIMARY KEY', column_name: 'id' },
    ]);
  });

  it('answers session functions and settings', async () => {
    const [r] = await rows(
      `SELECT current_user AS u, current_database() AS d, current_schema() AS s, pg_backend_pid() > 0 AS p,
              set_config('application_name', 'cat-test', false) AS a, current_setting('application_name') AS b,
              pg_get_serial_sequence('users', 'id') AS seq`,
    );
    expect(r).to.deep.equal({
      u: 'postgres',
      d: 'postgres',
      s: 'public',
      p: true,
      a: 'cat-test',
      b: 'cat-test',
      seq: 'public.users_id_seq',
    });
    const act = await rows(
      `SELECT application_name, state FROM pg_stat_activity WHERE pid = pg_backend_pid()`,
    );
    expect(act).to.deep.equal([{ application_name: 'cat-test', state: 'active' }]);
  });

  it('serialises pg_advisory_lock between sessions of the proxy', async () => {
    const other = new Client({ connectionString: cluster.url });
    await other.connect();
    try {
      await client.query('SELECT pg_advisory_lock(42)');
      const [t] = await (await other.query('SELECT pg_try_advisory_lock(42) AS ok')).rows;
      expect(t.ok).to.equal(false);
      let acquired = false;
      const waiting = other.query('SELECT pg_advisory_lock(42)').then(() => {
        acquired = true;
      });
      const [u] = (await client.query('SELECT pg_advisory_unlock(42) AS ok')).rows;
      expect(u.ok).to.equal(true);
      await waiting;
      expect(acquired).to.equal(true);
      const [again] = (await client.query('SELECT pg_try_advisory_lock(42) AS ok')).rows;
      expect(again.ok).to.equal(false);
    } finally {
      await other.end();
    }
    // The other session's lock goes with it (once the proxy has seen the connection close).
    await waitFor(
      'the closed session to release lock 42',
      async () => {
        const [free] = (await client.query('SELECT pg_try_advisory_lock(42) AS ok')).rows;
        return free.ok === true ? true : undefined;
      },
      5000,
    );
  });
});
