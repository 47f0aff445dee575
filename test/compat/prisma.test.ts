/**
 * Prisma 7 with @prisma/adapter-pg: `prisma generate` runs offline (no engine download:
 * PRISMA_SCHEMA_ENGINE_BINARY names an existing file; the adapter replaces the query
 * engine), the tables are created with SQL, then the generated client talks to the proxy
 * through node-postgres: unnamed extended queries, `LIMIT $n OFFSET $n`, relation loads.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { Client } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../support/inProcessCluster';

const SCHEMA = `
generator client {
  provider = "prisma-client-js"
  output   = "./generated"
}
datasource db {
  provider = "postgresql"
}
model User {
  id    Int    @id @default(autoincrement())
  email String @unique @db.VarChar(200)
  name  String
  posts Post[]
  @@map("users")
}
model Post {
  id        Int       @id @default(autoincrement())
  title     String
  published Boolean   @default(false)
  authorId  Int       @map("author_id")
  author    User      @relation(fields: [authorId], references: [id])
  comments  Comment[]
  @@map("posts")
}
model Comment {
  id     Int    @id @default(autoincrement())
  body   String
  postId Int    @map("post_id")
  post   Post   @relation(fields: [postId], references: [id])
  @@map("comments")
}
`;

const TABLES = [
  `CREATE TABLE users (id serial PRIMARY KEY, email varchar(200) NOT NULL UNIQUE, name text NOT NULL)`,
  `CREATE TABLE posts (id serial PRIMARY KEY, title text NOT NULL, published boolean NOT NULL DEFAULT false, author_id integer NOT NULL REFERENCES users(id))`,
  `CREATE TABLE comments (id serial PRIMARY KEY, body text NOT NULL, post_id integer NOT NULL REFERENCES posts(id))`,
];

// The generated client is plain JS loaded at run time; its shape is checked by the asserts.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Generated = { PrismaClient: new (opts: unknown) => any };

/** Prisma wraps the driver error: the SQLSTATE is in meta.driverAdapterError.cause. */
function originalCode(err: unknown): string | undefined {
  const e = err as { meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } };
  return e?.meta?.driverAdapterError?.cause?.originalCode;
}

describe('compat: Prisma 7 (adapter-pg)', function () {
  this.timeout(90_000);
  // Under the repository so the generated client resolves @prisma/* from node_modules.
  const root = resolve(__dirname, '../../..');
  let dir = '';
  let cluster: InProcessCluster;
  let prisma: any;
  const queries: string[] = [];

  before(async () => {
    mkdirSync(join(root, '.tmp'), { recursive: true });
    dir = mkdtempSync(join(root, '.tmp', 'prisma-'));
    writeFileSync(join(dir, 'schema.prisma'), SCHEMA);
    await promisify(execFile)(
      join(root, 'node_modules/.bin/prisma'),
      ['generate', '--schema', join(dir, 'schema.prisma')],
      {
        cwd: dir,
        timeout: 60_000,
        env: {
          ...process.env,
          PRISMA_SCHEMA_ENGINE_BINARY: process.execPath,
          PRISMA_HIDE_UPDATE_MESSAGE: '1',
          CHECKPOINT_DISABLE: '1',
        },
      },
    );
    cluster = await startInProcessCluster({ shards: 2 });
    const sql = new Client({ connectionString: cluster.url });
    await sql.connect();
    try {
      for (const t of TABLES) await sql.query(t);
    } finally {
      await sql.end();
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { PrismaClient } = require(join(dir, 'generated')) as Generated;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { PrismaPg } = require('@prisma/adapter-pg') as {
      PrismaPg: new (o: { connectionString: string }) => unknown;
    };
    prisma = new PrismaClient({
      adapter: new PrismaPg({ connectionString: cluster.url }),
      log: [{ emit: 'event', level: 'query' }],
    });
    prisma.$on('query', (e: { query: string }) => queries.push(e.query));
  });

  after(async () => {
    await prisma?.$disconnect();
    await cluster?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates rows and reads them back with include, filters and pagination', async () => {
    const ann = await prisma.user.create({ data: { email: 'ann@example.com', name: 'Ann' } });
    for (let i = 1; i <= 4; i++)
      await prisma.post.create({
        data: { title: `post ${i}`, published: i % 2 === 0, authorId: ann.id },
      });
    const second = await prisma.post.findFirstOrThrow({ where: { title: 'post 2' } });
    await prisma.comment.create({ data: { body: 'nice', postId: second.id } });

    const page = await prisma.post.findMany({
      include: { author: true, comments: true },
      orderBy: { id: 'asc' },
      skip: 1,
      take: 2,
    });
    expect(
      page.map((p: any) => [p.title, p.author.name, p.comments.map((c: any) => c.body)]),
    ).to.deep.equal([
      ['post 2', 'Ann', ['nice']],
      ['post 3', 'Ann', []],
    ]);
    const user = await prisma.user.findUnique({
      where: { email: 'ann@example.com' },
      include: { posts: { where: { published: true }, orderBy: { id: 'desc' } } },
    });
    expect(user.posts.map((p: any) => p.title)).to.deep.equal(['post 4', 'post 2']);
    expect(await prisma.post.count({ where: { published: false } })).to.equal(2);
    const updated = await prisma.post.updateMany({
      where: { authorId: ann.id, published: false },
      data: { published: true },
    });
    expect(updated.count).to.equal(2);
  });

  it('maps a duplicate email to P2002 (SQLSTATE 23505 underneath)', async () => {
    const err = await prisma.user
      .create({ data: { email: 'ann@example.com', name: 'again' } })
      .catch((e: unknown) => e);
    expect(err).to.have.property('code', 'P2002');
    expect(originalCode(err)).to.equal('23505');
  });

  it('upserts on a unique field with INSERT … ON CONFLICT (the native upsert)', async () => {
    queries.length = 0;
    const args = (name: string): unknown => ({
      where: { email: 'cat@example.com' },
      create: { email: 'cat@example.com', name },
      update: { name },
    });
    const first = await prisma.user.upsert(args('Cat'));
    const second = await prisma.user.upsert(args('Catherine'));
    expect(second.id).to.equal(first.id);
    expect(await prisma.user.count({ where: { email: 'cat@example.com' } })).to.equal(1);
    expect((await prisma.user.findUnique({ where: { email: 'cat@example.com' } })).name).to.equal(
      'Catherine',
    );
    expect(queries.some((q) => /ON CONFLICT/i.test(q))).to.equal(true);
  });

  it('runs a nested write (an implicit transaction)', async function () {
    // A nested write runs inside BEGIN … COMMIT.
    const bob = await prisma.user.create({
      data: { email: 'bob@example.com', name: 'Bob', posts: { create: [{ title: 'hello' }] } },
      include: { posts: true },
    });
    expect(bob.posts.map((p: any) => p.title)).to.deep.equal(['hello']);
  });
});
