/** The blog schema every compatibility test starts from (tables created with plain SQL). */
export const BLOG_SCHEMA = [
  `CREATE TABLE users (id serial PRIMARY KEY, email varchar(200) NOT NULL UNIQUE, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
  `CREATE TABLE posts (id serial PRIMARY KEY, author_id integer NOT NULL REFERENCES users(id), title text NOT NULL, body text NOT NULL DEFAULT '', published boolean NOT NULL DEFAULT false)`,
  `CREATE INDEX posts_author_idx ON posts (author_id)`,
  `CREATE TABLE comments (id serial PRIMARY KEY, post_id integer NOT NULL REFERENCES posts(id), author_id integer NOT NULL REFERENCES users(id), body text NOT NULL)`,
];
