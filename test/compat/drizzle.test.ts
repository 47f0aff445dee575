/** Drizzle ORM (node-postgres driver): the blog through its query builder and relational queries. */
import { expect } from 'chai';
import { and, asc, count, eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { boolean, integer, pgTable, serial, text, timestamp, varchar } from 'drizzle-orm/pg-core';
import { Client, Pool } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../support/inProcessCluster';
import { BLOG_SCHEMA } from './blogSchema';

const users = pgTable('users', {
  id: serial('id').primaryKey(),
  email: varchar('email', { length: 200 }).notNull().unique(),
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
const posts = pgTable('posts', {
  id: serial('id').primaryKey(),
  authorId: integer('author_id').notNull(),
  title: text('title').notNull(),
  body: text('body').notNull().default(''),
  published: boolean('published').notNull().default(false),
});

describe('compat: Drizzle', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let pool: Pool;
  let db: ReturnType<typeof drizzle>;

  before(async () => {
    cluster = await startInProcessCluster({ shards: 2 });
    pool = new Pool({ connectionString: cluster.url, max: 2 });
    for (const stmt of BLOG_SCHEMA) await pool.query(stmt);
    db = drizzle(pool);
  });

  after(async () => {
    await pool?.end();
    await cluster?.close();
  });

  it('inserts with returning, joins, counts and paginates', async () => {
    const [ann] = await db
      .insert(users)
      .values({ email: 'ann@example.com', name: 'Ann' })
      .returning();
    expect(ann.createdAt).to.be.instanceOf(Date);
    await db
      .insert(posts)
      .values(
        [1, 2, 3, 4, 5].map((i) => ({ authorId: ann.id, title: `post ${i}`, published: i > 3 })),
      );
    const page = await db
      .select({ title: posts.title, author: users.name })
      .from(posts)
      .innerJoin(users, eq(users.id, posts.authorId))
      .where(and(eq(posts.published, false), sql`${posts.id} > 0`))
      .orderBy(asc(posts.id))
      .limit(2)
      .offset(1);
    expect(page).to.deep.equal([
      { title: 'post 2', author: 'Ann' },
      { title: 'post 3', author: 'Ann' },
    ]);
    const [{ n }] = await db.select({ n: count() }).from(posts).where(eq(posts.published, true));
    expect(n).to.equal(2);
  });

  it('updates and deletes with returning', async () => {
    const [p] = await db
      .update(posts)
      .set({ published: true })
      .where(eq(posts.title, 'post 1'))
      .returning({ id: posts.id });
    expect(p.id).to.be.a('number');
    const gone = await db.delete(posts).where(eq(posts.title, 'post 5')).returning();
    expect(gone.map((x) => x.title)).to.deep.equal(['post 5']);
  });

  it('surfaces a unique violation as 23505', async () => {
    const err = (await db
      .insert(users)
      .values({ email: 'ann@example.com', name: 'x' })
      .catch((e: unknown) => e)) as {
      code?: string;
      cause?: { code?: string };
    };
    expect(err.code ?? err.cause?.code).to.equal('23505');
  });

  it('runs a transaction', async function () {
    // A client of its own: Drizzle keeps a pool client checked out when BEGIN fails.
    const client = new Client({ connectionString: cluster.url });
    await client.connect();
    try {
      await drizzle(client).transaction(async (tx) => {
        await tx.insert(users).values({ email: 'bob@example.com', name: 'Bob' });
      });
    } finally {
      await client.end();
    }
    const bob = await db.select().from(users).where(eq(users.email, 'bob@example.com'));
    expect(bob).to.have.length(1);
  });
});
