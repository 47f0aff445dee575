/** Knex: a migration that builds the blog with the schema builder, then queries through the builder. */
import { expect } from 'chai';
import knexFactory, { type Knex } from 'knex';
import { startInProcessCluster, type InProcessCluster } from '../support/inProcessCluster';

const migration = {
  async up(knex: Knex): Promise<void> {
    await knex.schema.createTable('users', (t) => {
      t.increments('id');
      t.string('email', 200).notNullable().unique();
      t.text('name').notNullable();
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    });
    await knex.schema.createTable('posts', (t) => {
      t.increments('id');
      t.integer('author_id').notNullable().references('id').inTable('users');
      t.text('title').notNullable();
      t.boolean('published').notNullable().defaultTo(false);
      t.index(['author_id']);
    });
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTable('posts');
    await knex.schema.dropTable('users');
  },
};

describe('compat: Knex', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let knex: Knex;

  before(async () => {
    cluster = await startInProcessCluster({ shards: 2 });
    knex = knexFactory({ client: 'pg', connection: cluster.url, pool: { min: 0, max: 2 } });
  });

  after(async () => {
    await knex?.destroy();
    await cluster?.close();
  });

  it('runs the migration through knex.migrate (migration table, lock table, batch)', async function () {
    await knex.migrate.latest({
      migrationSource: {
        getMigrations: async () => ['001_blog'],
        getMigrationName: (m: string) => m,
        getMigration: async () => migration,
      },
    });
    const [row] = await knex('knex_migrations').select('name');
    expect(row.name).to.equal('001_blog');
  });

  it('sees the tables it created through its introspection (hasTable, hasColumn, columnInfo)', async () => {
    expect(await knex.schema.hasTable('users')).to.equal(true);
    expect(await knex.schema.hasTable('nope')).to.equal(false);
    expect(await knex.schema.hasColumn('posts', 'title')).to.equal(true);
    const info = await knex('users').columnInfo();
    expect(info.email).to.include({ type: 'character varying', maxLength: 200, nullable: false });
  });

  it('inserts with returning, joins and paginates', async () => {
    const [ann] = await knex('users')
      .insert({ email: 'ann@example.com', name: 'Ann' })
      .returning(['id']);
    await knex('posts').insert(
      [1, 2, 3, 4].map((i) => ({ author_id: ann.id, title: `post ${i}`, published: i > 2 })),
    );
    const page = await knex('posts')
      .join('users', 'users.id', 'posts.author_id')
      .select('posts.title', 'users.name')
      .orderBy('posts.id')
      .limit(2)
      .offset(1);
    expect(page).to.deep.equal([
      { title: 'post 2', name: 'Ann' },
      { title: 'post 3', name: 'Ann' },
    ]);
    const [{ n }] = await knex('posts').where({ published: true }).count<{ n: string }[]>('* as n');
    expect(Number(n)).to.equal(2);
  });

  it('reports a unique violation with code 23505 and the constraint', async () => {
    const err = (await knex('users')
      .insert({ email: 'ann@example.com', name: 'Again' })
      .catch((e: unknown) => e)) as { code?: string; constraint?: string };
    expect(err.code).to.equal('23505');
    expect(err.constraint).to.equal('users_email_unique');
  });

  it('runs a transaction', async function () {
    await knex.transaction(async (trx) => {
      await trx('users').insert({ email: 'bob@example.com', name: 'Bob' });
    });
    expect(await knex('users').where({ email: 'bob@example.com' }).first()).to.not.equal(undefined);
  });
});
