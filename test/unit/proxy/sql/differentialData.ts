/**
 * Schema, data and queries for the differential suite (differential.test.ts): the same
 * statements run on PostgreSQL 15 and on ShardDB, results compared. Data and generated
 * queries come from a seeded generator, so a run is reproducible from its seed.
 */

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

export const SCHEMA = [
  'CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, category text, price numeric(10,2), qty int, active boolean, weight float8)',
  'CREATE TABLE orders (id int PRIMARY KEY, item_id int, customer text, amount int NOT NULL, note text)',
  'CREATE TABLE customers (name text PRIMARY KEY, city text, tier smallint)',
  'CREATE TABLE events (tenant int, seq int, kind text, val float8, big bigint, PRIMARY KEY (tenant, seq))',
  'CREATE TABLE logs (msg text, level int)',
];

/** Admin SQL run only on ShardDB after loading: several ranges per table over 3 shards. */
export const SPLITS = [
  'SPLIT RANGE ON items AT (50), (100), (150)',
  'SPLIT RANGE ON orders BETWEEN (1) AND (400) INTO 4',
  "SPLIT RANGE ON customers AT ('h'), ('p')",
  'ALTER TABLE events SPLIT AT VALUES (2, 0), (4, 20)',
];

const WORDS = [
  'apple',
  'banana',
  'cherry',
  'date',
  'elder',
  'fig',
  'grape',
  'honeydew',
  'kiwi',
  'lemon',
  'mango',
  'nectar',
  'olive',
  'peach',
  'quince',
  'rasp',
  'Straw',
  'Tomato',
  'ugli',
  'vanilla',
  'water',
  'xigua',
  'yam',
  'zucchini',
];
const CUSTOMERS = [
  'alice',
  'bob',
  'carol',
  'dave',
  'erin',
  'frank',
  'grace',
  'heidi',
  'ivan',
  'judy',
  'mallory',
  'niaj',
  'olivia',
  'peggy',
  'quentin',
  'rupert',
  'sybil',
  'trent',
  'uma',
  'victor',
  'walter',
];
const CITIES = ['Paris', 'Berlin', 'Oslo', 'Rome', null];

function lit(v: unknown): string {
  if (v === null) return 'NULL';
  if (typeof v === 'string') return `'${v.replace(/'/g, "''")}'`;
  return String(v);
}

/** INSERT statements (multi-row) loading the same data into both databases. */
export function dataStatements(seed = 42): string[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const out: string[] = [];
  const items: string[] = [];
  for (let id = 1; id <= 200; id++) {
    const name = `${pick(WORDS)}${id % 7 === 0 ? ' ' + pick(WORDS) : ''}`;
    const category = r() < 0.1 ? null : pick(['a', 'b', 'c', 'd']);
    const price = r() < 0.08 ? null : (Math.floor(r() * 100000) / 100).toFixed(2);
    const qty = r() < 0.1 ? null : Math.floor(r() * 100);
    const active = r() < 0.05 ? null : r() < 0.6;
    const weight = r() < 0.05 ? null : Math.floor(r() * 1000) / 4;
    items.push(
      `(${id}, ${lit(name)}, ${lit(category)}, ${price ?? 'NULL'}, ${qty ?? 'NULL'}, ${active ?? 'NULL'}, ${weight ?? 'NULL'})`,
    );
  }
  out.push(`INSERT INTO items VALUES ${items.join(', ')}`);
  const orders: string[] = [];
  for (let id = 1; id <= 400; id++) {
    const item = Math.floor(r() * 220) + 1;
    const cust = r() < 0.05 ? null : pick(CUSTOMERS);
    const amount = Math.floor(r() * 500) - 50;
    const note = r() < 0.7 ? null : pick(['rush', 'gift', 'fragile', 'late', 'Rush']);
    orders.push(`(${id}, ${item}, ${lit(cust)}, ${amount}, ${lit(note)})`);
  }
  out.push(`INSERT INTO orders VALUES ${orders.join(', ')}`);
  out.push(
    `INSERT INTO customers VALUES ${CUSTOMERS.slice(0, 18)
      .map((c, i) => `(${lit(c)}, ${lit(CITIES[i % CITIES.length])}, ${i % 4})`)
      .join(', ')}`,
  );
  const events: string[] = [];
  for (let t = 1; t <= 5; t++) {
    for (let s = 1; s <= 40; s++) {
      events.push(
        `(${t}, ${s}, ${lit(pick(['click', 'view', 'buy']))}, ${Math.floor(r() * 2000) / 8}, ${BigInt(Math.floor(r() * 1e6)) * 1000003n})`,
      );
    }
  }
  out.push(`INSERT INTO events VALUES ${events.join(', ')}`);
  out.push(
    `INSERT INTO logs VALUES ('boot', 1), ('warn disk', 2), ('boot', 1), (NULL, 3), ('err', NULL)`,
  );
  return out;
}

/** Hand-written queries over every feature. */
export const HAND_WRITTEN: string[] = [
  // --- literals, arithmetic, casts
  'SELECT 1',
  'SELECT 1 + 2 * 3, 7 / 2, 7 % 3, -7 / 2, -7 % 3',
  'SELECT 2147483647 + 1',
  'SELECT 9223372036854775807 + 1',
  'SELECT 32767::smallint + 1::smallint',
  'SELECT 1 / 0',
  'SELECT 1.0 / 0',
  'SELECT 5 % 0',
  'SELECT 1.5 + 2, 3 * 1.25, 10 / 4.0, 1 / 3.0',
  'SELECT 2 ^ 10, 2.0 ^ 3',
  "SELECT 'abc' || 'def', 'x' || 1, 1 || 'y'",
  "SELECT '42'::int + 1, '3.14'::numeric, 'true'::boolean, '  7 '::int",
  "SELECT 'x'::int",
  "SELECT 'nope'::boolean",
  'SELECT 3.7::int, 3.5::int, 2.5::int, -2.5::int, (-3.7)::int',
  'SELECT 3.5::float8::int, 2.5::float8::int',
  'SELECT 10::numeric(5,2), 1.005::numeric(5,2), 123.456::numeric(6,1)',
  'SELECT 12345.6::numeric(4,1)',
  "SELECT CAST(12 AS text), CAST('12' AS bigint), 12::float8 / 5",
  'SELECT 0.1::float8 + 0.2::float8',
  'SELECT 1e3::float8, 1.5e-3::float8, 100::real / 3',
  "SELECT NULL::int + 1, NULL || 'a', 1 + NULL",
  // --- boolean logic
  'SELECT true AND NULL, false AND NULL, true OR NULL, false OR NULL, NOT NULL::boolean',
  'SELECT NULL = NULL, NULL IS NULL, 1 IS NOT NULL, NULL IS DISTINCT FROM NULL, 1 IS DISTINCT FROM NULL, 1 IS NOT DISTINCT FROM 1',
  'SELECT 1 IN (1, 2), 3 IN (1, 2), 3 IN (1, NULL), 3 NOT IN (1, NULL), 1 NOT IN (2, 3)',
  'SELECT 5 BETWEEN 1 AND 10, 5 NOT BETWEEN 6 AND 10, 5 BETWEEN SYMMETRIC 10 AND 1',
  'SELECT true IS TRUE, NULL::boolean IS UNKNOWN, false IS NOT FALSE',
  // --- string functions
  "SELECT length('héllo'), upper('abc'), lower('ABC'), initcap('hello world')",
  "SELECT substr('hello', 2, 3), substring('hello' from 2 for 2), substr('hello', 3), left('hello', 2), right('hello', 2), left('hello', -1)",
  "SELECT trim('  x  '), ltrim('  x'), rtrim('x  '), btrim('xxaxx', 'x'), trim(both 'x' from 'xxbxx')",
  "SELECT lpad('7', 3, '0'), rpad('ab', 5, '-'), lpad('hello', 2), repeat('ab', 3), reverse('abc')",
  "SELECT replace('banana', 'an', 'AN'), position('na' in 'banana'), strpos('banana', 'x'), split_part('a,b,c', ',', 2)",
  "SELECT concat('a', 1, NULL, true), concat_ws('-', 'a', NULL, 'b'), md5('abc')",
  "SELECT 'abc' LIKE 'a%', 'abc' LIKE '_b_', 'abc' NOT LIKE 'b%', 'ABC' ILIKE 'a%', 'a_c' LIKE 'a\\_c', 'abc' LIKE 'a\\_c'",
  "SELECT ascii('A'), chr(66), starts_with('hello', 'he')",
  // --- math functions
  'SELECT abs(-5), abs(-5.5), abs(-2.5::float8), sign(-3), sign(2.5)',
  'SELECT round(2.5), round(-2.5), round(2.567, 2), round(2.5::float8), round(3.5::float8), trunc(2.567, 1), trunc(-2.7)',
  'SELECT floor(2.7), ceil(2.1), floor(-2.5), ceiling(-2.5), floor(2.7::float8)',
  'SELECT mod(7, 3), mod(-7, 3), mod(7.5, 2), power(2, 8), sqrt(16::float8), pi()',
  "SELECT greatest(1, 5, 3), least(1, 5, 3), greatest(NULL, 2), least('b', 'a'), greatest(1, 2.5)",
  "SELECT coalesce(NULL, NULL, 3), coalesce(NULL::text, 'x'), nullif(1, 1), nullif(1, 2), nullif('a', 'b')",
  "SELECT CASE WHEN 1 > 2 THEN 'a' WHEN 2 > 1 THEN 'b' END, CASE 3 WHEN 1 THEN 'one' WHEN 3 THEN 'three' ELSE 'other' END, CASE WHEN false THEN 1 END",
  'SELECT CASE WHEN NULL THEN 1 ELSE 2 END, CASE NULL WHEN NULL THEN 1 ELSE 2 END',
  // --- simple table queries
  'SELECT * FROM items ORDER BY id',
  'SELECT id, name FROM items WHERE id = 42',
  'SELECT * FROM items WHERE id IN (1, 50, 100, 150, 199, 500) ORDER BY id',
  'SELECT id FROM items WHERE id > 190 ORDER BY id',
  'SELECT id FROM items WHERE id >= 45 AND id < 55 ORDER BY id',
  'SELECT id FROM items WHERE id BETWEEN 98 AND 102 ORDER BY id DESC',
  'SELECT id, price FROM items WHERE price > 900 ORDER BY price DESC, id',
  'SELECT id, qty FROM items WHERE qty IS NULL ORDER BY id',
  "SELECT id, category FROM items WHERE category IS NOT NULL AND category <> 'a' ORDER BY id LIMIT 10",
  "SELECT id, name FROM items WHERE name LIKE 'a%' ORDER BY id",
  "SELECT id, name FROM items WHERE name ILIKE '%STRAW%' ORDER BY id",
  'SELECT id FROM items WHERE NOT active ORDER BY id',
  'SELECT id FROM items WHERE active IS NOT TRUE ORDER BY id',
  'SELECT id, qty * 2 + 1 AS q FROM items WHERE qty % 10 = 0 ORDER BY id',
  'SELECT id, weight FROM items WHERE weight > 200 ORDER BY weight, id LIMIT 5',
  'SELECT id FROM items ORDER BY id LIMIT 5 OFFSET 10',
  'SELECT id FROM items ORDER BY id DESC LIMIT 3',
  'SELECT id, qty FROM items ORDER BY qty NULLS FIRST, id LIMIT 12',
  'SELECT id, qty FROM items ORDER BY qty DESC NULLS LAST, id LIMIT 12',
  'SELECT id, qty FROM items ORDER BY qty DESC, id LIMIT 12',
  'SELECT id, name FROM items ORDER BY name, id LIMIT 20',
  'SELECT id AS k, name FROM items ORDER BY k DESC LIMIT 4',
  'SELECT id, price FROM items ORDER BY 2 DESC NULLS LAST, 1 LIMIT 7',
  'SELECT name FROM items WHERE id < 20 ORDER BY id',
  'SELECT count(*) FROM items',
  'SELECT count(*) FROM orders',
  'SELECT count(*), count(qty), count(DISTINCT category) FROM items',
  'SELECT sum(qty), avg(qty), min(qty), max(qty) FROM items',
  'SELECT sum(price), avg(price), min(price), max(price) FROM items',
  'SELECT min(name), max(name), min(weight), max(weight) FROM items',
  'SELECT bool_and(active), bool_or(active), every(active) FROM items',
  'SELECT sum(amount), avg(amount) FROM orders WHERE amount > 100',
  'SELECT count(*) FROM items WHERE id > 1000',
  'SELECT sum(qty), max(name) FROM items WHERE id > 1000',
  'SELECT category, count(*) FROM items GROUP BY category ORDER BY category NULLS FIRST',
  'SELECT category, count(*), sum(qty), avg(price) FROM items GROUP BY category ORDER BY category',
  'SELECT category, active, count(*) FROM items GROUP BY category, active ORDER BY 1, 2',
  'SELECT category, count(*) FROM items GROUP BY 1 HAVING count(*) > 40 ORDER BY 1',
  'SELECT category, max(price) - min(price) AS spread FROM items GROUP BY category HAVING max(price) IS NOT NULL ORDER BY spread DESC',
  'SELECT qty % 3 AS m, count(*) FROM items GROUP BY qty % 3 ORDER BY m NULLS LAST',
  'SELECT customer, count(*) AS n, sum(amount) FROM orders GROUP BY customer ORDER BY n DESC, customer LIMIT 5',
  'SELECT count(*) FILTER (WHERE active), count(*) FILTER (WHERE NOT active) FROM items',
  'SELECT category, count(DISTINCT active) FROM items GROUP BY category ORDER BY category',
  "SELECT string_agg(name, ',' ORDER BY name) FROM items WHERE id < 8",
  'SELECT array_agg(id ORDER BY id)::text FROM items WHERE id < 6',
  'SELECT tenant, count(*), sum(big) FROM events GROUP BY tenant ORDER BY tenant',
  'SELECT kind, avg(val) FROM events GROUP BY kind ORDER BY kind',
  'SELECT name, qty FROM items GROUP BY id ORDER BY id LIMIT 2',
  'SELECT name, count(*) FROM items GROUP BY category',
  'SELECT DISTINCT category FROM items ORDER BY category',
  'SELECT DISTINCT category, active FROM items ORDER BY 1, 2',
  'SELECT DISTINCT ON (category) category, id, price FROM items ORDER BY category, price DESC NULLS LAST, id',
  'SELECT count(*) FROM (SELECT DISTINCT customer FROM orders) s',
  'SELECT DISTINCT customer FROM orders ORDER BY id',
  // --- composite primary key
  'SELECT * FROM events WHERE tenant = 3 AND seq = 7',
  'SELECT tenant, seq FROM events WHERE tenant = 2 ORDER BY seq DESC LIMIT 5',
  'SELECT tenant, seq FROM events WHERE tenant = 4 AND seq > 35 ORDER BY seq',
  'SELECT tenant, seq, kind FROM events WHERE tenant IN (1, 5) AND seq IN (1, 2) ORDER BY tenant, seq',
  'SELECT count(*) FROM events WHERE seq = 10',
  'SELECT tenant, seq FROM events WHERE tenant > 4 ORDER BY tenant, seq LIMIT 3',
  // --- tables without a primary key
  'SELECT msg, level FROM logs ORDER BY level NULLS LAST, msg',
  "SELECT * FROM logs WHERE msg = 'boot'",
  'SELECT msg, count(*) FROM logs GROUP BY msg ORDER BY msg NULLS FIRST',
  // --- joins
  'SELECT o.id, i.name FROM orders o JOIN items i ON i.id = o.item_id WHERE o.id < 20 ORDER BY o.id',
  'SELECT o.id, i.name FROM orders o LEFT JOIN items i ON i.id = o.item_id WHERE o.id < 40 ORDER BY o.id',
  'SELECT o.id, i.id FROM items i RIGHT JOIN orders o ON i.id = o.item_id WHERE o.id BETWEEN 40 AND 80 ORDER BY o.id',
  'SELECT i.id, o.id FROM items i FULL JOIN orders o ON i.id = o.item_id WHERE (i.id IS NULL OR i.id > 195) ORDER BY i.id NULLS FIRST, o.id NULLS FIRST',
  'SELECT count(*) FROM orders o JOIN items i ON i.id = o.item_id',
  "SELECT count(*) FROM orders o, items i WHERE i.id = o.item_id AND i.category = 'a'",
  'SELECT i.category, sum(o.amount) FROM orders o JOIN items i ON i.id = o.item_id GROUP BY i.category ORDER BY 1 NULLS LAST',
  'SELECT c.name, c.city, count(o.id) FROM customers c LEFT JOIN orders o ON o.customer = c.name GROUP BY c.name, c.city ORDER BY c.name',
  'SELECT a.id, b.id FROM items a JOIN items b ON a.id + 1 = b.id WHERE a.id < 5 ORDER BY a.id',
  'SELECT a.id, b.id FROM items a CROSS JOIN items b WHERE a.id < 3 AND b.id < 3 ORDER BY 1, 2',
  'SELECT a.id, b.id FROM items a JOIN items b ON a.id < b.id AND b.id < 4 WHERE a.id < 4 ORDER BY 1, 2',
  'SELECT * FROM customers JOIN orders ON orders.customer = customers.name WHERE orders.id < 10 ORDER BY orders.id',
  "SELECT o.id, c.city FROM orders o JOIN customers c ON c.name = o.customer WHERE c.city = 'Oslo' ORDER BY o.id LIMIT 10",
  'SELECT o.id, i.name, c.tier FROM orders o JOIN items i ON i.id = o.item_id JOIN customers c ON c.name = o.customer WHERE o.id < 30 ORDER BY o.id',
  'SELECT id, item_id FROM orders JOIN items USING (id) WHERE id < 5 ORDER BY id',
  'SELECT count(*) FROM items NATURAL JOIN orders',
  'SELECT e.tenant, e.seq, x.kind FROM events e JOIN events x ON x.tenant = e.tenant AND x.seq = e.seq + 1 WHERE e.tenant = 1 AND e.seq < 5 ORDER BY e.seq',
  'SELECT id FROM items i JOIN orders o ON i.id = o.item_id',
  'SELECT x.id FROM items i JOIN orders o ON i.id = o.item_id',
  // --- subqueries
  'SELECT id FROM items WHERE id IN (SELECT item_id FROM orders WHERE amount > 400) ORDER BY id',
  'SELECT id FROM items WHERE id NOT IN (SELECT item_id FROM orders) ORDER BY id',
  'SELECT id FROM items WHERE id NOT IN (SELECT item_id FROM orders UNION SELECT NULL) ORDER BY id',
  'SELECT id FROM items i WHERE EXISTS (SELECT 1 FROM orders o WHERE o.item_id = i.id AND o.amount < 0) ORDER BY id',
  'SELECT id FROM items i WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.item_id = i.id) ORDER BY id',
  'SELECT id, (SELECT count(*) FROM orders o WHERE o.item_id = i.id) AS n FROM items i WHERE id < 15 ORDER BY id',
  'SELECT id, price FROM items WHERE price > (SELECT avg(price) FROM items) ORDER BY price DESC LIMIT 5',
  'SELECT (SELECT max(id) FROM items), (SELECT min(amount) FROM orders)',
  'SELECT (SELECT id FROM items)',
  'SELECT s.category, s.n FROM (SELECT category, count(*) AS n FROM items GROUP BY category) s WHERE s.n > 10 ORDER BY s.category',
  'SELECT t.a FROM (VALUES (1), (2), (3)) AS t(a) ORDER BY a DESC',
  'SELECT * FROM (SELECT id, qty FROM items WHERE qty > 90) AS big ORDER BY id',
  'SELECT id FROM items WHERE qty = ANY (ARRAY[1, 2, 3]) ORDER BY id',
  'SELECT id FROM items WHERE qty > ALL (SELECT qty FROM items WHERE qty < 90) ORDER BY id',
  'SELECT id FROM items WHERE qty < ANY (SELECT amount FROM orders WHERE amount < 0) AND id < 30 ORDER BY id',
  // --- CTEs
  'WITH big AS (SELECT * FROM orders WHERE amount > 300) SELECT customer, count(*) FROM big GROUP BY customer ORDER BY customer NULLS FIRST',
  'WITH a AS (SELECT id FROM items WHERE id < 10), b AS (SELECT id FROM a WHERE id > 5) SELECT * FROM b ORDER BY id',
  "WITH t(x, y) AS (VALUES (1, 'a'), (2, 'b')) SELECT y, x FROM t ORDER BY x",
  'WITH c AS (SELECT category, avg(price) AS ap FROM items GROUP BY category) SELECT i.id FROM items i JOIN c ON c.category = i.category WHERE i.price > c.ap * 1.9 ORDER BY i.id',
  // --- set operations
  'SELECT id FROM items WHERE id < 5 UNION SELECT item_id FROM orders WHERE id < 5 ORDER BY 1',
  'SELECT category FROM items UNION ALL SELECT category FROM items WHERE id < 3 ORDER BY 1 NULLS FIRST',
  "SELECT category FROM items INTERSECT SELECT 'a' UNION SELECT 'z' ORDER BY 1",
  'SELECT id FROM items WHERE id < 10 EXCEPT SELECT item_id FROM orders ORDER BY 1',
  'SELECT customer FROM orders EXCEPT ALL SELECT name FROM customers ORDER BY 1 NULLS FIRST',
  'SELECT customer FROM orders INTERSECT ALL SELECT name FROM customers ORDER BY 1',
  'SELECT 1 AS a UNION SELECT 2 ORDER BY a DESC LIMIT 1',
  'SELECT 1, 2 UNION SELECT 1',
  // --- window functions
  'SELECT id, row_number() OVER (ORDER BY id DESC) FROM items WHERE id < 6 ORDER BY id',
  'SELECT id, category, rank() OVER (PARTITION BY category ORDER BY qty DESC NULLS LAST) FROM items WHERE id < 30 ORDER BY id',
  'SELECT id, category, dense_rank() OVER (ORDER BY category) FROM items WHERE id < 20 ORDER BY id',
  'SELECT id, qty, sum(qty) OVER (ORDER BY id) FROM items WHERE id < 15 ORDER BY id',
  'SELECT id, category, sum(qty) OVER (PARTITION BY category) FROM items WHERE id < 15 ORDER BY id',
  'SELECT id, count(*) OVER () FROM items WHERE id < 5 ORDER BY id',
  'SELECT id, lag(qty) OVER (ORDER BY id), lead(qty, 2) OVER (ORDER BY id) FROM items WHERE id < 10 ORDER BY id',
  'SELECT id, first_value(name) OVER (PARTITION BY category ORDER BY id) FROM items WHERE id < 20 ORDER BY id',
  'SELECT category, count(*), row_number() OVER (ORDER BY count(*) DESC, category) FROM items GROUP BY category ORDER BY category',
  'SELECT tenant, seq, avg(val) OVER (PARTITION BY tenant ORDER BY seq) FROM events WHERE seq < 4 ORDER BY tenant, seq',
  // --- errors
  'SELECT * FROM no_such_table',
  'SELECT no_such_column FROM items',
  'SELECT id FROM items i JOIN orders o ON o.id = i.id',
  'SELEC 1',
  'SELECT 1 +',
  "SELECT 'a' + 1",
  'SELECT id FROM items WHERE name = 1',
  'SELECT sum(name) FROM items',
  'SELECT count(*) FROM items WHERE count(*) > 1',
  'SELECT id FROM items ORDER BY 5',
  'SELECT nofunc(1)',
  'SELECT i.nope FROM items i',
  'SELECT z.id FROM items i',
];

/** DML and DDL run in order on both sides (command tags, RETURNING rows and errors compared). */
export const DML: string[] = [
  "CREATE TABLE kv (k int PRIMARY KEY, v text DEFAULT 'none', n int NOT NULL DEFAULT 0, CHECK (n >= 0))",
  "INSERT INTO kv VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3)",
  'INSERT INTO kv (k) VALUES (4) RETURNING *',
  "INSERT INTO kv (k, v) VALUES (5, DEFAULT), (6, 'f') RETURNING k, v, n",
  "INSERT INTO kv VALUES (1, 'dup', 0)",
  'INSERT INTO kv (k, n) VALUES (7, NULL)',
  'INSERT INTO kv (k, n) VALUES (8, -1)',
  "INSERT INTO kv VALUES ('x', 'y', 1)",
  "INSERT INTO kv VALUES (1, 'again', 9) ON CONFLICT DO NOTHING",
  "INSERT INTO kv VALUES (1, 'again', 9), (9, 'nine', 9) ON CONFLICT (k) DO NOTHING RETURNING k",
  "INSERT INTO kv VALUES (2, 'upd', 5) ON CONFLICT (k) DO UPDATE SET v = excluded.v, n = kv.n + excluded.n RETURNING *",
  "INSERT INTO kv VALUES (3, 'skip', 5) ON CONFLICT (k) DO UPDATE SET v = excluded.v WHERE kv.n > 100 RETURNING *",
  'SELECT * FROM kv ORDER BY k',
  'UPDATE kv SET v = upper(v) WHERE k < 3 RETURNING k, v',
  'UPDATE kv SET n = n + 10 WHERE k = 4',
  'UPDATE kv SET n = -5 WHERE k = 4',
  'UPDATE kv SET n = NULL WHERE k = 5',
  'UPDATE kv SET k = k + 100 WHERE k = 9 RETURNING k',
  "UPDATE kv SET v = 'none2' WHERE k > 1000",
  'DELETE FROM kv WHERE k = 3 RETURNING *',
  'DELETE FROM kv WHERE n > 100',
  'SELECT * FROM kv ORDER BY k',
  'CREATE TABLE kv2 (k int PRIMARY KEY, label text)',
  "INSERT INTO kv2 SELECT k, 'from ' || v FROM kv WHERE k < 10",
  'SELECT * FROM kv2 ORDER BY k',
  'UPDATE kv2 SET label = kv.v FROM kv WHERE kv.k = kv2.k AND kv.n < 5 RETURNING kv2.k, kv2.label',
  "DELETE FROM kv2 USING kv WHERE kv.k = kv2.k AND kv.v = 'A' RETURNING kv2.k",
  'SELECT * FROM kv2 ORDER BY k',
  'CREATE TABLE ser (id serial PRIMARY KEY, name text UNIQUE, made timestamptz DEFAULT now())',
  "INSERT INTO ser (name) VALUES ('one'), ('two') RETURNING id, name",
  "INSERT INTO ser (name) VALUES ('three') RETURNING id",
  "INSERT INTO ser (name) VALUES ('one')",
  'INSERT INTO ser (name) VALUES (NULL), (NULL) RETURNING id, name',
  'SELECT id, name, made IS NOT NULL FROM ser ORDER BY id',
  'CREATE TABLE parent (id int PRIMARY KEY)',
  'CREATE TABLE child (id int PRIMARY KEY, pid int REFERENCES parent (id))',
  'INSERT INTO parent VALUES (1), (2)',
  'INSERT INTO child VALUES (10, 1), (11, NULL)',
  'INSERT INTO child VALUES (12, 3)',
  'DELETE FROM parent WHERE id = 1',
  'DELETE FROM parent WHERE id = 2',
  'SELECT * FROM parent ORDER BY id',
  'CREATE TABLE nopk (a int, b text)',
  "INSERT INTO nopk VALUES (1, 'x'), (1, 'x'), (2, NULL)",
  'SELECT a, b, count(*) FROM nopk GROUP BY a, b ORDER BY a',
  "UPDATE nopk SET b = 'y' WHERE a = 1",
  'SELECT * FROM nopk ORDER BY a, b',
  'DELETE FROM nopk WHERE b IS NULL',
  'SELECT count(*) FROM nopk',
  'ALTER TABLE nopk ADD PRIMARY KEY (a)',
  'ALTER TABLE kv ADD COLUMN extra int DEFAULT 7',
  'SELECT k, extra FROM kv ORDER BY k',
  'ALTER TABLE kv ADD COLUMN note text',
  "UPDATE kv SET note = 'hi' WHERE k = 1",
  'SELECT k, note FROM kv ORDER BY k',
  'ALTER TABLE kv RENAME COLUMN note TO remark',
  'SELECT k, remark FROM kv WHERE remark IS NOT NULL',
  'ALTER TABLE kv DROP COLUMN remark',
  'SELECT * FROM kv ORDER BY k',
  "ALTER TABLE kv ALTER COLUMN v SET DEFAULT 'dflt'",
  'INSERT INTO kv (k) VALUES (50) RETURNING v',
  'ALTER TABLE kv ALTER COLUMN v SET NOT NULL',
  'INSERT INTO kv (k, v) VALUES (51, NULL)',
  'ALTER TABLE kv ALTER COLUMN v DROP NOT NULL',
  'INSERT INTO kv (k, v) VALUES (51, NULL)',
  'ALTER TABLE kv ADD CONSTRAINT kv_v_uniq UNIQUE (v)',
  "INSERT INTO kv (k, v) VALUES (52, 'dflt')",
  'ALTER TABLE kv DROP CONSTRAINT kv_v_uniq',
  "INSERT INTO kv (k, v) VALUES (52, 'dflt')",
  'CREATE INDEX kv_n_idx ON kv (n)',
  'SELECT k FROM kv WHERE n = 0 ORDER BY k',
  'DROP INDEX kv_n_idx',
  'CREATE UNIQUE INDEX kv_extra_u ON kv (extra)',
  'TRUNCATE kv2',
  'SELECT count(*) FROM kv2',
  'CREATE TABLE IF NOT EXISTS kv2 (k int PRIMARY KEY)',
  'CREATE TABLE kv2 (k int PRIMARY KEY)',
  'DROP TABLE kv2',
  'DROP TABLE kv2',
  'DROP TABLE IF EXISTS kv2',
  'SELECT * FROM kv2',
  'CREATE SCHEMA app',
  'CREATE TABLE app.things (id int PRIMARY KEY, label text)',
  "INSERT INTO app.things VALUES (1, 'x')",
  'SELECT * FROM app.things',
  'CREATE SEQUENCE myseq START 100',
  "SELECT nextval('myseq')",
];

const NUM_COLS = ['id', 'qty', 'price', 'weight'];
const CMP = ['=', '<>', '<', '<=', '>', '>='];

/** Random predicates, projections, aggregates, joins and ORDER BY/LIMIT over items and orders. */
export function generatedQueries(seed = 7, count = 320): string[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const num = (col: string): string => {
    if (col === 'id') return String(Math.floor(r() * 210));
    if (col === 'qty') return String(Math.floor(r() * 100));
    if (col === 'price') return (Math.floor(r() * 100000) / 100).toFixed(2);
    return String(Math.floor(r() * 1000) / 4);
  };
  const pred = (depth: number): string => {
    const k = r();
    if (depth > 0 && k < 0.25)
      return `(${pred(depth - 1)} ${pick(['AND', 'OR'])} ${pred(depth - 1)})`;
    if (depth > 0 && k < 0.3) return `NOT (${pred(depth - 1)})`;
    const col = pick(NUM_COLS);
    const j = r();
    if (j < 0.5) return `${col} ${pick(CMP)} ${num(col)}`;
    if (j < 0.6) return `${col} IS ${pick(['', 'NOT '])}NULL`;
    if (j < 0.7) {
      const a = num(col),
        b = num(col);
      return `${col} ${pick(['', 'NOT '])}BETWEEN ${a} AND ${b}`;
    }
    if (j < 0.8) return `${col} IN (${[num(col), num(col), num(col)].join(', ')})`;
    if (j < 0.87) return `category ${pick(['=', '<>', '<'])} '${pick(['a', 'b', 'c', 'd'])}'`;
    if (j < 0.93) return `name LIKE '${pick(['a', 'b', 'c', 'm', 'p', 's', '%an', '%e%'])}%'`;
    return `active ${pick(['', 'IS NOT TRUE AND true', 'IS NULL OR false'])}`.trim() === 'active'
      ? 'active'
      : `(active ${pick(['IS NOT TRUE', 'IS FALSE', 'IS NULL'])})`;
  };
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const kind = r();
    if (kind < 0.45) {
      const cols = [
        'id',
        ...['name', 'category', 'price', 'qty', 'active', 'weight'].filter(() => r() < 0.5),
      ];
      const lim = r() < 0.3 ? ` LIMIT ${1 + Math.floor(r() * 20)}` : '';
      const dir = r() < 0.3 ? ' DESC' : '';
      out.push(`SELECT ${cols.join(', ')} FROM items WHERE ${pred(2)} ORDER BY id${dir}${lim}`);
    } else if (kind < 0.7) {
      const g = pick(['category', 'active', 'qty % 4', 'id / 50']);
      const aggs = [
        pick([
          'count(*)',
          'count(qty)',
          'sum(qty)',
          'min(price)',
          'max(name)',
          'avg(qty)',
          'sum(price)',
          'max(weight)',
          'avg(price)',
        ]),
      ];
      if (r() < 0.5) aggs.push(pick(['count(*)', 'min(id)', 'max(id)', 'sum(id)']));
      const having = r() < 0.3 ? ` HAVING count(*) > ${Math.floor(r() * 20)}` : '';
      out.push(
        `SELECT ${g} AS g, ${aggs.join(', ')} FROM items WHERE ${pred(1)} GROUP BY ${g}${having} ORDER BY 1 NULLS FIRST`,
      );
    } else if (kind < 0.85) {
      const lim = r() < 0.5 ? ` LIMIT ${1 + Math.floor(r() * 30)}` : '';
      out.push(
        `SELECT o.id, o.amount, i.name, i.qty FROM orders o ${pick(['JOIN', 'LEFT JOIN'])} items i ON i.id = o.item_id WHERE o.amount ${pick(CMP)} ${Math.floor(r() * 500) - 50} AND (i.qty IS NULL OR i.qty ${pick(CMP)} ${Math.floor(r() * 100)}) ORDER BY o.id${lim}`,
      );
    } else {
      const c = pick(NUM_COLS);
      const lim = 1 + Math.floor(r() * 15);
      out.push(
        `SELECT id, ${c} FROM items WHERE ${pred(1)} ORDER BY ${c} ${pick(['ASC', 'DESC'])} NULLS ${pick(['FIRST', 'LAST'])}, id LIMIT ${lim} OFFSET ${Math.floor(r() * 5)}`,
      );
    }
  }
  return out;
}
