/** Kysely with its pg dialect: typed queries and schema introspection over the blog. */
import { expect } from 'chai';
import { Kysely, PostgresDialect, sql, type Generated } from 'kysely';
import { Pool } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../support/inProcessCluster';
import { BLOG_SCHEMA } from './blogSchema';

interface Db {
  users: { id: Generated<number>; email: string; name: string; created_at: Generated<Date> };
  posts: {
    id: Generated<number>;
    author_id: number;
    title: string;
    body: Generated<string>;
    published: Generated<boolean>;
  };
  comments: { id: Generated<number>; post_id: number; author_id: number; body: string };
}

describe('compat: Kysely', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let db: Kysely<Db>;

  before(async () => {
    cluster = await startInProcessCluster({ shards: 2 });
    db = new Kysely<Db>({
      dialect: new PostgresDialect({ pool: new Pool({ connectionString: cluster.url, max: 2 }) }),
    });
    for (const stmt of BLOG_SCHEMA) await sql.raw(stmt).execute(db);
  });

  after(async () => {
    await db?.destroy();
    await cluster?.close();
  });

  it('introspects the tables and columns (information_schema, pg_catalog)', async () => {
    const tables = await db.introspection.getTables();
    const users = tables.find((t) => t.name === 'users');
    expect(tables.map((t) => t.name).sort()).to.deep.equal(['comments', 'posts', 'users']);
    const email = users?.columns.find((c) => c.name === 'email');
    expect(email).to.include({ dataType: 'varchar', isNullable: false, hasDefaultValue: false });
    expect(users?.columns.find((c) => c.name === 'id')).to.include({
      isAutoIncrementing: true,
      hasDefaultValue: true,
    });
  });

  it('inserts, joins, filters and paginates', async () => {
    const ann = await db
      .insertInto('users')
      .values({ email: 'ann@example.com', name: 'Ann' })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (let i = 1; i <= 4; i++)
      await db
        .insertInto('posts')
        .values({ author_id: ann.id, title: `post ${i}`, published: i % 2 === 0 })
        .execute();
    const post = await db
      .selectFrom('posts')
      .select('id')
      .where('title', '=', 'post 2')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('comments')
      .values({ post_id: post.id, author_id: ann.id, body: 'nice' })
      .execute();
    const rows = await db
      .selectFrom('posts as p')
      .innerJoin('users as u', 'u.id', 'p.author_id')
      .leftJoin('comments as c', 'c.post_id', 'p.id')
      .select(['p.title', 'u.name', sql<string>`count(c.id)`.as('comments')])
      .where('p.published', '=', true)
      .groupBy(['p.id', 'p.title', 'u.name'])
      .orderBy('p.id')
      .limit(1)
      .offset(0)
      .execute();
    expect(rows).to.deep.equal([{ title: 'post 2', name: 'Ann', comments: '1' }]);
  });

  it('surfaces a unique violation as 23505', async () => {
    const err = (await db
      .insertInto('users')
      .values({ email: 'ann@example.com', name: 'x' })
      .execute()
      .catch((e: unknown) => e)) as {
      code?: string;
      constraint?: string;
    };
    expect(err.code).to.equal('23505');
    expect(err.constraint).to.equal('users_email_key');
  });

  it('runs a transaction', async function () {
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('users').values({ email: 'bob@example.com', name: 'Bob' }).execute();
    });
    const bob = await db
      .selectFrom('users')
      .select('name')
      .where('email', '=', 'bob@example.com')
      .executeTakeFirst();
    expect(bob?.name).to.equal('Bob');
  });
});
