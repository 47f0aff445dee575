/** postgres.js (the `postgres` package) running a small blog against ShardDB. */
import { expect } from 'chai';
import postgres from 'postgres';
import { startInProcessCluster, type InProcessCluster } from '../support/inProcessCluster';
import { BLOG_SCHEMA } from './blogSchema';

describe('compat: postgres.js', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let sql: postgres.Sql;

  before(async () => {
    cluster = await startInProcessCluster({ shards: 2 });
    // postgres.js reads pg_type's array types at connect (fetch_types) and uses them to parse.
    sql = postgres(cluster.url, { max: 2, onnotice: () => undefined });
    for (const stmt of BLOG_SCHEMA) await sql.unsafe(stmt);
  });

  after(async () => {
    await sql?.end({ timeout: 5 });
    await cluster?.close();
  });

  it('inserts and reads rows with parameters, RETURNING and arrays', async () => {
    const [ann] =
      await sql`INSERT INTO users (email, name) VALUES (${'ann@example.com'}, ${'Ann'}) RETURNING id, email`;
    const [bob] =
      await sql`INSERT INTO users ${sql({ email: 'bob@example.com', name: 'Bob' })} RETURNING id`;
    expect(ann.email).to.equal('ann@example.com');
    for (let i = 1; i <= 5; i++)
      await sql`INSERT INTO posts (author_id, title, published) VALUES (${i % 2 ? ann.id : bob.id}, ${`post ${i}`}, ${i % 2 === 1})`;
    const ids =
      await sql`SELECT id FROM users WHERE id = ANY(${[ann.id, bob.id]}::int[]) ORDER BY id`;
    expect(ids.map((r) => r.id)).to.deep.equal([ann.id, bob.id]);
  });

  it('joins, aggregates and paginates', async () => {
    const page = await sql`
      SELECT p.title, u.name FROM posts p JOIN users u ON u.id = p.author_id
      ORDER BY p.id LIMIT ${2} OFFSET ${2}`;
    expect(page.map((r) => r.title)).to.deep.equal(['post 3', 'post 4']);
    const counts =
      await sql`SELECT u.name, count(*)::int AS n FROM posts p JOIN users u ON u.id = p.author_id GROUP BY u.name ORDER BY u.name`;
    expect(counts.map((r) => [r.name, r.n])).to.deep.equal([
      ['Ann', 3],
      ['Bob', 2],
    ]);
  });

  it('maps a unique violation to PostgresError 23505 with the constraint name', async () => {
    const err =
      await sql`INSERT INTO users (email, name) VALUES ('ann@example.com', 'Again')`.catch(
        (e: unknown) => e,
      );
    expect(err).to.be.instanceOf(postgres.PostgresError);
    expect((err as postgres.PostgresError).code).to.equal('23505');
    expect((err as postgres.PostgresError).constraint_name).to.equal('users_email_key');
  });

  it('runs a transaction (sql.begin)', async function () {
    await sql.begin(async (tx) => {
      const [u] =
        await tx`INSERT INTO users (email, name) VALUES ('carl@example.com', 'Carl') RETURNING id`;
      await tx`INSERT INTO posts (author_id, title) VALUES (${u.id}, 'hello')`;
    });
    const [n] = await sql`SELECT count(*)::int AS n FROM posts WHERE title = 'hello'`;
    expect(n.n).to.equal(1);
  });
});
