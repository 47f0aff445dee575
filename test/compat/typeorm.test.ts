/**
 * TypeORM with `synchronize: true`: it reads information_schema and pg_catalog to diff the
 * entities against the database, creates what is missing, and must find nothing to change
 * on a second start. Entities are EntitySchemas (no decorators needed).
 */
import 'reflect-metadata';
import { expect } from 'chai';
import { DataSource, EntitySchema, QueryFailedError } from 'typeorm';
import { startInProcessCluster, type InProcessCluster } from '../support/inProcessCluster';

interface User {
  id: number;
  email: string;
  name: string;
  posts?: Post[];
}
interface Post {
  id: number;
  title: string;
  published: boolean;
  author?: User;
}

const UserEntity = new EntitySchema<User>({
  name: 'User',
  tableName: 'users',
  columns: {
    id: { type: Number, primary: true, generated: 'increment' },
    email: { type: 'varchar', length: 200, unique: true },
    name: { type: 'text' },
  },
  relations: { posts: { type: 'one-to-many', target: 'Post', inverseSide: 'author' } },
});

const PostEntity = new EntitySchema<Post>({
  name: 'Post',
  tableName: 'posts',
  columns: {
    id: { type: Number, primary: true, generated: 'increment' },
    title: { type: 'text' },
    published: { type: 'boolean', default: false },
  },
  relations: {
    author: {
      type: 'many-to-one',
      target: 'User',
      joinColumn: { name: 'author_id' },
      nullable: false,
    },
  },
});

function dataSource(url: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: [UserEntity, PostEntity],
    synchronize: false,
    logging: false,
    poolSize: 2,
  });
}

describe('compat: TypeORM (synchronize)', function () {
  this.timeout(90_000);
  let cluster: InProcessCluster;
  let ds: DataSource;

  before(async () => {
    cluster = await startInProcessCluster({ shards: 2 });
    ds = dataSource(cluster.url);
    await ds.initialize();
  });

  after(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await cluster?.close();
  });

  it('synchronizes the schema (synchronize())', async function () {
    await ds.synchronize();
  });

  it('reads the synchronized schema back through the catalog and finds nothing to change', async () => {
    const left = (await ds.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query);
    expect(left).to.deep.equal([]);
    const tables = await ds.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`,
    );
    expect(tables.map((t: { table_name: string }) => t.table_name)).to.deep.equal([
      'posts',
      'users',
    ]);
  });

  it('saves and loads entities with relations, paginates', async () => {
    const users = ds.getRepository(UserEntity);
    const posts = ds.getRepository(PostEntity);
    // save() wraps each call in a transaction unless told not to (transactions: branch txnsql).
    const noTx = { transaction: false };
    const ann = await users.save({ email: 'ann@example.com', name: 'Ann' }, noTx);
    for (let i = 1; i <= 4; i++)
      await posts.save({ title: `post ${i}`, published: i % 2 === 0, author: ann }, noTx);
    const page = await posts.find({
      relations: { author: true },
      order: { id: 'ASC' },
      skip: 1,
      take: 2,
    });
    expect(page.map((p) => [p.title, p.author?.name])).to.deep.equal([
      ['post 2', 'Ann'],
      ['post 3', 'Ann'],
    ]);
    const withPosts = await users.findOneOrFail({
      where: { email: 'ann@example.com' },
      relations: { posts: true },
    });
    expect(withPosts.posts).to.have.length(4);
  });

  it('raises QueryFailedError with code 23505 on a duplicate email', async () => {
    const err = await ds
      .getRepository(UserEntity)
      .insert({ email: 'ann@example.com', name: 'x' })
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(QueryFailedError);
    expect((err as QueryFailedError & { driverError: { code: string } }).driverError.code).to.equal(
      '23505',
    );
  });
});
