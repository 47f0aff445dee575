/**
 * Sequelize with `sync`: it runs `SET client_min_messages …; SET TIME ZONE INTERVAL …` on
 * every connection, reads pg_type/pg_range/pg_enum at connect, creates the tables, and on
 * `sync({ alter: true })` reads the schema back (information_schema, pg_index.indkey as
 * int2vector text "1 2", pg_get_indexdef).
 */
import { expect } from 'chai';
import {
  DataTypes,
  Model,
  Sequelize,
  UniqueConstraintError,
  type InferAttributes,
  type InferCreationAttributes,
  type CreationOptional,
  type ForeignKey,
} from 'sequelize';
import { startInProcessCluster, type InProcessCluster } from '../support/inProcessCluster';

class User extends Model<InferAttributes<User>, InferCreationAttributes<User>> {
  declare id: CreationOptional<number>;
  declare email: string;
  declare name: string;
  declare posts?: Post[];
}
class Post extends Model<InferAttributes<Post>, InferCreationAttributes<Post>> {
  declare id: CreationOptional<number>;
  declare title: string;
  declare published: CreationOptional<boolean>;
  declare authorId: ForeignKey<number>;
  declare author?: User;
  declare comments?: Comment[];
}
class Comment extends Model<InferAttributes<Comment>, InferCreationAttributes<Comment>> {
  declare id: CreationOptional<number>;
  declare body: string;
  declare postId: ForeignKey<number>;
}

describe('compat: Sequelize', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let sequelize: Sequelize;

  before(async () => {
    cluster = await startInProcessCluster({ shards: 2 });
    sequelize = new Sequelize(cluster.url, {
      dialect: 'postgres',
      logging: false,
      pool: { max: 2 },
    });
    User.init(
      {
        id: { type: DataTypes.INTEGER, autoIncrement: true, primaryKey: true },
        email: { type: DataTypes.STRING(200), allowNull: false, unique: true },
        name: { type: DataTypes.TEXT, allowNull: false },
      },
      { sequelize, tableName: 'users', underscored: true },
    );
    Post.init(
      {
        id: { type: DataTypes.INTEGER, autoIncrement: true, primaryKey: true },
        title: { type: DataTypes.TEXT, allowNull: false },
        published: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      },
      {
        sequelize,
        tableName: 'posts',
        underscored: true,
        indexes: [{ fields: ['author_id', 'published'] }],
      },
    );
    Comment.init(
      {
        id: { type: DataTypes.INTEGER, autoIncrement: true, primaryKey: true },
        body: { type: DataTypes.TEXT, allowNull: false },
      },
      { sequelize, tableName: 'comments', underscored: true },
    );
    User.hasMany(Post, { as: 'posts', foreignKey: { name: 'authorId', allowNull: false } });
    Post.belongsTo(User, { as: 'author', foreignKey: { name: 'authorId', allowNull: false } });
    Post.hasMany(Comment, { as: 'comments', foreignKey: { name: 'postId', allowNull: false } });
  });

  after(async () => {
    await sequelize?.close();
    await cluster?.close();
  });

  it('creates the schema with sync() and reads it back with sync({ alter: true })', async () => {
    await sequelize.sync();
    const qi = sequelize.getQueryInterface();
    const tables = (await qi.showAllTables()).map(String).sort();
    expect(tables).to.deep.equal(['comments', 'posts', 'users']);
    // showIndex reads pg_index.indkey and splits it on ' ' (int2vector's text form).
    const indexes = (await qi.showIndex('posts')) as {
      name: string;
      primary: boolean;
      fields: { attribute: string }[];
    }[];
    const composite = indexes.find((i) => !i.primary);
    expect(composite?.fields.map((f) => f.attribute)).to.deep.equal(['author_id', 'published']);
    const email = (await qi.describeTable('users')).email;
    expect(email).to.include({ type: 'CHARACTER VARYING(200)', allowNull: false });
    // alter: describes every table and its foreign keys, then alters columns to match.
    await sequelize.sync({ alter: true });
    const again = (await qi.showIndex('posts')) as unknown[];
    expect(again).to.have.length(indexes.length);
  });

  it('creates through associations, includes and paginates', async () => {
    const ann = await User.create({ email: 'ann@example.com', name: 'Ann' });
    for (let i = 1; i <= 4; i++)
      await Post.create({ title: `post ${i}`, published: i % 2 === 0, authorId: ann.id });
    const second = await Post.findOne({ where: { title: 'post 2' } });
    await Comment.create({ body: 'nice', postId: second!.id });
    const page = await Post.findAll({
      include: [
        { model: User, as: 'author' },
        { model: Comment, as: 'comments' },
      ],
      order: [['id', 'ASC']],
      offset: 1,
      limit: 2,
    });
    expect(page.map((p) => [p.title, p.author?.name, p.comments?.length])).to.deep.equal([
      ['post 2', 'Ann', 1],
      ['post 3', 'Ann', 0],
    ]);
    const { count, rows } = await Post.findAndCountAll({
      where: { published: true },
      limit: 1,
      order: [['id', 'DESC']],
    });
    expect([count, rows.map((r) => r.title)]).to.deep.equal([2, ['post 4']]);
    const withPosts = await User.findOne({
      where: { email: 'ann@example.com' },
      include: [{ model: Post, as: 'posts' }],
    });
    expect(withPosts?.posts).to.have.length(4);
  });

  it('maps a duplicate email to SequelizeUniqueConstraintError', async () => {
    const err = await User.create({ email: 'ann@example.com', name: 'again' }).catch(
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(UniqueConstraintError);
    expect((err as UniqueConstraintError).name).to.equal('SequelizeUniqueConstraintError');
    expect((err as UniqueConstraintError).fields).to.deep.equal({ email: 'ann@example.com' });
  });

  it('commits a managed transaction and rolls back a failed one', async function () {
    await sequelize.transaction(async (transaction) => {
      await User.create({ email: 'bob@example.com', name: 'Bob' }, { transaction });
    });
    const failed = await sequelize
      .transaction(async (transaction) => {
        await User.create({ email: 'cy@example.com', name: 'Cy' }, { transaction });
        await User.create({ email: 'bob@example.com', name: 'dup' }, { transaction });
      })
      .catch((e: unknown) => e);
    expect(failed).to.be.instanceOf(UniqueConstraintError);
    expect(await User.count({ where: { email: ['bob@example.com', 'cy@example.com'] } })).to.equal(
      1,
    );
  });
});
