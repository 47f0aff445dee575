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
  'CREATE TABLE docs (id int PRIMARY KEY, doc jsonb, created timestamp, due date, span interval, at timestamptz)',
  // Secondary indexes: ShardDB reads through them (index lookups) where = / IN / a range
  // fixes their leading column, so the queries below check those paths against PostgreSQL.
  'CREATE INDEX items_category_idx ON items (category)',
  'CREATE INDEX items_qty_idx ON items (qty)',
  'CREATE INDEX orders_customer_idx ON orders (customer, amount)',
  'CREATE UNIQUE INDEX docs_created_idx ON docs (created)',
  'CREATE INDEX docs_due_idx ON docs (due)',
];

/** Admin SQL run only on ShardDB after loading: several ranges per table over 3 shards. */
export const SPLITS = [
  'SPLIT RANGE ON items AT (50), (100), (150)',
  'SPLIT RANGE ON orders BETWEEN (1) AND (400) INTO 4',
  "SPLIT RANGE ON customers AT ('h'), ('p')",
  'ALTER TABLE events SPLIT AT VALUES (2, 0), (4, 20)',
  'SPLIT RANGE ON docs AT (20), (40)',
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
  out.push(docsInsert(seed + 1));
  return out;
}

const SPANS = [
  '1 mon',
  '1 day',
  '-3 days',
  '02:30:00',
  '1 year 2 mons 3 days 04:05:06.789',
  '45 days',
  '-1 mon +2 days',
  '36:00:00',
  '00:00:01.5',
  '2 mons -12:00:00',
];
const MONTH_ENDS = [
  '2024-01-31',
  '2024-02-29',
  '2023-02-28',
  '2024-03-31',
  '2023-12-31',
  '2024-04-30',
];

/** jsonb, timestamp, date, interval and timestamptz values for the docs table. */
function docsInsert(seed: number): string {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const rows: string[] = [];
  for (let id = 1; id <= 60; id++) {
    let doc: string;
    const k = r();
    if (k < 0.08) doc = 'NULL';
    else if (k < 0.14) doc = `'[${id}, "${pick(WORDS)}", null, ${id % 3 === 0}]'`;
    else if (k < 0.18) doc = pick([`'"${pick(WORDS)}"'`, `'${id}.50'`, "'null'", "'true'"]);
    else {
      const fields: string[] = [`"name": "${pick(WORDS)}"`];
      if (r() < 0.8) fields.push(`"n": ${r() < 0.5 ? id % 9 : (id * 1.25).toFixed(2)}`);
      if (r() < 0.7)
        fields.push(
          `"tags": [${Array.from({ length: Math.floor(r() * 3) }, () => `"${pick(['red', 'green', 'blue'])}"`).join(', ')}]`,
        );
      if (r() < 0.5) fields.push(`"sub": {"k": ${id % 4}, "deep": {"z": "${pick(WORDS)}"}}`);
      if (r() < 0.3) fields.push(`"flag": ${r() < 0.5}`);
      if (r() < 0.2) fields.push(`"nil": null`);
      // Source order differs from jsonb's (shorter keys first), so output order is checked.
      doc = `'{${fields.reverse().join(', ')}}'`;
    }
    const day = id <= MONTH_ENDS.length ? MONTH_ENDS[id - 1] : null;
    const base =
      day ??
      `2023-${String(1 + Math.floor(r() * 12)).padStart(2, '0')}-${String(1 + Math.floor(r() * 28)).padStart(2, '0')}`;
    const time = `${String(Math.floor(r() * 24)).padStart(2, '0')}:${String(Math.floor(r() * 60)).padStart(2, '0')}:${String(Math.floor(r() * 60)).padStart(2, '0')}${r() < 0.3 ? '.25' : ''}`;
    // created is unique (a unique index): the id in the seconds' fraction keeps it so.
    const created =
      id % 11 === 0 ? 'NULL' : `'${base} ${time.slice(0, 8)}.${String(id).padStart(3, '0')}'`;
    const due = id % 13 === 0 ? 'NULL' : `'${base}'`;
    const span = id % 17 === 0 ? 'NULL' : `'${pick(SPANS)}'`;
    const at = id % 7 === 0 ? 'NULL' : `'${base} ${time}+00'`;
    rows.push(`(${id}, ${doc}, ${created}, ${due}, ${span}, ${at})`);
  }
  return `INSERT INTO docs VALUES ${rows.join(', ')}`;
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

/**
 * jsonb, date/time arithmetic and queries that read through secondary indexes. Their
 * results are compared as the text PostgreSQL sends (no client-side parsing), so the
 * output formats (jsonb key order and spacing, interval and timestamp styles) must match
 * byte for byte.
 */
export const TEXT_EXACT: string[] = [
  // --- jsonb values and operators
  `SELECT '{"b": 1, "a": [1, 2.50, "x", null, true], "aa": {}}'::jsonb, '[]'::jsonb, '"s"'::jsonb, 'null'::jsonb`,
  `SELECT '{"a": 1, "a": 2}'::jsonb, '{"a":1}'::json::jsonb, '{"x" :  1}'::json, '{"b":1,"a":2}'::jsonb::text`,
  `SELECT '{"a":1}'::jsonb -> 'a', '{"a":{"b":[1,2]}}'::jsonb -> 'a' -> 'b' -> 1, '[1,2,3]'::jsonb -> -1, '[1,2]'::jsonb -> 5, '{"a":1}'::jsonb -> 0`,
  `SELECT '{"a":"x"}'::jsonb ->> 'a', '{"a":null}'::jsonb ->> 'a', '{"a":[1, {"b": 2}]}'::jsonb ->> 'a', '["p","q"]'::jsonb ->> 1`,
  `SELECT '{"a":{"b":[1,{"c":"d"}]}}'::jsonb #> '{a,b,1}', '{"a":{"b":[1,{"c":"d"}]}}'::jsonb #>> '{a,b,1,c}', '{"a":1}'::jsonb #> '{x}', '{"a":[1]}'::jsonb #> '{a,z}'`,
  `SELECT '{"a":1,"b":{"c":2}}'::jsonb @> '{"b":{"c":2}}', '{"a":1}'::jsonb @> '{"a":2}', '[1,2,[3]]'::jsonb @> '[[3],1]', '[1,2]'::jsonb @> '1', '{"a":1}'::jsonb <@ '{"a":1,"b":2}', '{"a":[1,2]}'::jsonb @> '{"a":1}'`,
  `SELECT '{"a":1}'::jsonb ? 'a', '{"a":1}'::jsonb ? 'b', '["a","b"]'::jsonb ? 'b', '"a"'::jsonb ? 'a', '{"a":1,"b":2}'::jsonb ?| array['x','b'], '{"a":1,"b":2}'::jsonb ?& array['a','b'], '{"a":1}'::jsonb ?& '{a,c}'`,
  `SELECT '{"a":1}'::jsonb || '{"b":2}', '[1]'::jsonb || '[2,3]', '{"a":1}'::jsonb || '{"a":5}'::jsonb, '1'::jsonb || '[2]', '{"a":1}'::jsonb || '[2]', '{"a":1}'::jsonb || 'x'::text`,
  `SELECT '{"a":1,"b":2}'::jsonb - 'a', '["a","b","a"]'::jsonb - 'a', '[1,2,3]'::jsonb - 1, '[1,2,3]'::jsonb - -1, '{"a":1,"b":2,"c":3}'::jsonb - '{a,c}'::text[]`,
  `SELECT '{"a":1}'::jsonb - 1`,
  `SELECT '1'::jsonb - 'a'`,
  `SELECT '{"a":1}'::jsonb -> 1.5`,
  `SELECT '{"a":1}'::jsonb @> 'nope'`,
  `SELECT '{"a":1}'::jsonb = '{"a":1.0}'::jsonb, '{"a":1}'::jsonb < '{"a":2}'::jsonb, '[1]'::jsonb < '{}'::jsonb, '1'::jsonb < '"a"'::jsonb`,
  // json keeps its text: -> and #> answer the member as written (last duplicate key wins)
  `SELECT '{"a":1,"a":2}'::json -> 'a', '{"a": [1,  2] , "b":3}'::json -> 'a', '[1, {"x" : 2} ]'::json -> 1, '[1,2]'::json -> -1, '{"a":"x\\ny"}'::json ->> 'a', '{"a":"x\\ny"}'::json -> 'a', '{"a":null}'::json ->> 'a'`,
  `SELECT '{"a":{"b" : [ 1 ]}}'::json #> '{a,b}', '{"a":{"b" : [ 1 ]}}'::json #>> '{a,b,0}', '{"a":{"b" : [ 1 ]}}'::json #>> '{a}', '{"a":1}'::json -> 'b', '[1]'::json -> 'a', '"s"'::json -> 0, '{ }'::json -> 'a'`,
  `SELECT '{"a":1}'::json @> '{"a":1}'`,
  // --- jsonb functions and aggregates
  `SELECT jsonb_build_object('b', 1, 'a', 'x', 'c', NULL, 'd', 2.50, 'e', true, 'f', ARRAY[1,2]), jsonb_build_array(1, 'two', NULL, 3.0), json_build_object('a', 1, 'b', ARRAY[1,2]), json_build_array(1, 'x', NULL)`,
  `SELECT jsonb_build_object(NULL, 1)`,
  `SELECT jsonb_build_object('a')`,
  `SELECT jsonb_array_length('[1,2,[3]]'), jsonb_typeof('{}'), jsonb_typeof('[]'), jsonb_typeof('1.5'), jsonb_typeof('"s"'), jsonb_typeof('null'), jsonb_typeof('false')`,
  `SELECT jsonb_array_length('{}')`,
  `SELECT jsonb_extract_path('{"a":{"b":3}}', 'a', 'b'), jsonb_extract_path_text('{"a":{"b":"t"}}', 'a', 'b'), jsonb_extract_path('{"a":1}', 'z')`,
  `SELECT jsonb_object_keys('{"b":1,"a":2,"aa":3}')`,
  `SELECT to_jsonb(1), to_jsonb('x'::text), to_jsonb(2.50), to_jsonb(ARRAY['a','b']), to_jsonb(true), to_jsonb(date '2024-02-29'), to_jsonb(timestamp '2024-01-01 10:00:00.5'), to_jsonb(interval '1 day'), to_jsonb(NULL::int), to_jsonb('NaN'::float8), to_json('x'::text)`,
  `SELECT json_agg(x), jsonb_agg(x), jsonb_object_agg(k, x), json_object_agg(k, x) FROM (VALUES ('b', 1), ('a', NULL), ('c', 3)) v(k, x)`,
  `SELECT json_agg(x ORDER BY x DESC), jsonb_agg(x) FILTER (WHERE x > 1), jsonb_agg(x) FILTER (WHERE x > 9) FROM (VALUES (1), (2), (3)) v(x)`,
  // --- jsonb columns
  'SELECT id, doc FROM docs ORDER BY id',
  `SELECT id, doc -> 'name', doc ->> 'name', doc -> 'tags' -> 0, doc #>> '{sub,deep,z}', doc -> 'n' FROM docs ORDER BY id`,
  `SELECT id FROM docs WHERE doc @> '{"tags": ["red"]}' ORDER BY id`,
  `SELECT id FROM docs WHERE doc ? 'flag' OR doc ?| array['nil'] ORDER BY id`,
  `SELECT id, jsonb_typeof(doc), jsonb_array_length(doc -> 'tags') FROM docs ORDER BY id`,
  `SELECT doc ->> 'name' AS name, count(*), sum((doc ->> 'n')::numeric) FROM docs GROUP BY doc ->> 'name' ORDER BY 1 NULLS FIRST`,
  `SELECT doc -> 'sub' -> 'k', count(*) FROM docs GROUP BY 1 ORDER BY 1 NULLS FIRST`,
  `SELECT id, doc || jsonb_build_object('id', id), doc - 'tags' FROM docs WHERE jsonb_typeof(doc) = 'object' ORDER BY id LIMIT 10`,
  `SELECT jsonb_agg(id ORDER BY id), json_agg(doc -> 'name' ORDER BY id) FROM docs WHERE id < 12`,
  `SELECT jsonb_object_agg(id, doc -> 'n') FROM docs WHERE doc ? 'n' AND id < 30`,
  `SELECT id, jsonb_build_object('id', id, 'span', span, 'due', due, 'created', created) FROM docs ORDER BY id LIMIT 8`,
  `SELECT id, jsonb_object_keys(doc) FROM docs WHERE id < 10 AND jsonb_typeof(doc) = 'object'`,
  `SELECT id, to_jsonb(created), to_jsonb(at), to_jsonb(due) FROM docs WHERE id < 8 ORDER BY id`,
  `SELECT id, (doc ->> 'n')::numeric * 2 FROM docs WHERE (doc ->> 'n')::numeric > 5 ORDER BY id`,
  // --- intervals and date/time arithmetic
  `SELECT interval '1 year 2 months 3 days 04:05:06.789', interval '-1 day +2 hours', interval '0', interval '100 hours', interval '-1 mon -2 days', interval '1.5 years'`,
  `SELECT date '2024-01-31' + interval '1 month', date '2023-01-31' + interval '1 month', timestamp '2024-03-31 10:00' - interval '1 month', timestamp '2024-02-29' + interval '1 year'`,
  `SELECT timestamptz '2024-01-31 10:00+00' + interval '1 month 1 day 1 hour', timestamptz '2024-03-01 00:00+00' - interval '1 day'`,
  `SELECT timestamp '2024-03-01 10:00' - timestamp '2024-01-01 12:30:15.5', timestamptz '2024-03-01' - timestamptz '2023-01-01', timestamp '2024-01-01' - timestamp '2024-01-02 01:00'`,
  `SELECT date '2024-03-01' - date '2024-02-01', date '2024-02-28' + 1, 1 + date '2024-02-28', date '2024-03-01' - 1, date '2024-01-10' - '2024-01-01'`,
  `SELECT date '2024-01-10' + '3'`,
  `SELECT 2 * interval '1 day', interval '1 mon' / 3, interval '1 day' * 1.5, -interval '1 day 2 hours', interval '1 day' - interval '1 hour', interval '1 mon' - interval '1 day', interval '1 hour' * 0.001`,
  `SELECT interval '2 days' / 0`,
  `SELECT interval '1 day' > interval '23 hours', interval '1 mon' = interval '30 days', interval '1 day' = '24 hours', interval '1 year' < interval '365 days', interval '-1 day' < interval '0'`,
  `SELECT now() - interval '1 day' < now(), now() - now(), current_date - current_date, (now() + interval '1 hour') > now()`,
  `SELECT extract(epoch from interval '1 day 2 hours'), extract(hour from interval '26 hours 30 min'), extract(month from interval '14 months'), extract(year from interval '14 months'), extract(second from interval '1.5 seconds'), extract(day from interval '40 days'), date_part('minute', interval '90 minutes'), extract(epoch from interval '1 year 1 month')`,
  `SELECT extract(millisecond from interval '1.5 seconds'), extract(microsecond from interval '2.000001 seconds'), extract(quarter from interval '7 months'), extract(decade from interval '25 years'), extract(century from interval '-250 years')`,
  `SELECT extract(dow from interval '1 day')`,
  `SELECT date_trunc('hour', interval '1 day 02:34:56'), date_trunc('year', interval '3 years 4 months 5 days'), date_trunc('month', interval '1 year 2 months 3 days 04:00'), date_trunc('quarter', interval '5 months'), date_trunc('second', interval '1.75 seconds')`,
  `SELECT age(timestamp '2024-03-31', timestamp '2024-01-30'), age(timestamp '2024-01-01', timestamp '2024-03-15 10:00'), age(timestamp '2000-02-29', timestamp '1990-06-15 08:30'), age(date '2024-03-01', date '2023-02-28')`,
  `SELECT justify_days(interval '65 days'), justify_hours(interval '50 hours'), justify_interval(interval '1 mon -1 hour'), justify_days(interval '-35 days'), justify_interval(interval '-1 mon 40 days 30 hours')`,
  `SELECT make_interval(1, 2, 3, 4, 5, 6, 7.5), make_interval(days => 10), make_interval(hours => 1, mins => 30), make_interval(), make_interval(secs => 0.000001)`,
  `SELECT extract(year from timestamp '2024-05-06 07:08:09.5'), extract(second from timestamp '2024-05-06 07:08:09.5'), date_part('dow', date '2024-05-06'), date_trunc('month', timestamp '2024-05-06 07:08'), extract(epoch from timestamp '2024-01-01')`,
  `SELECT '1 day'::interval::text, '1 day'::text::interval, '2024-01-01'::date::text, interval '1 day' IN (interval '24 hours'), greatest(interval '1 day', interval '23 hours')`,
  `SELECT extract(week from date '2024-01-01'), extract(week from date '2021-01-03'), extract(isoyear from date '2021-01-03'), extract(decade from date '2024-05-05'), extract(century from date '2000-12-31'), extract(century from date '2001-01-01'), extract(millennium from date '2024-01-01'), extract(epoch from date '2024-01-01')`,
  `SELECT extract(hour from date '2024-01-01')`,
  `SELECT extract(milliseconds from timestamp '2024-01-01 10:00:01.5'), extract(microseconds from timestamp '2024-01-01 10:00:01.5'), extract(doy from timestamp '2024-12-31'), extract(isodow from timestamp '2024-06-09'), date_part('epoch', timestamp '2024-01-01 00:00:00.5'), extract(years from timestamp '2024-01-01')`,
  `SELECT extract(foo from timestamp '2024-01-01')`,
  `SELECT date_trunc('century', timestamp '2024-05-06 07:08:09.123456'), date_trunc('millennium', timestamp '2000-05-06'), date_trunc('decade', timestamp '2024-05-06'), date_trunc('milliseconds', timestamp '2024-05-06 07:08:09.123456'), date_trunc('second', timestamp '2024-05-06 07:08:09.123456'), date_trunc('week', timestamp '2024-05-09 07:08'), date_trunc('days', timestamp '2024-05-09 07:08')`,
  `SELECT date_trunc('foo', timestamp '2024-05-06')`,
  `SELECT date_trunc('day', timestamptz '2024-05-06 07:08:09+00'), date_trunc('month', date '2024-05-06')`,
  // --- date/time columns
  'SELECT id, created, due, span, at FROM docs ORDER BY id',
  "SELECT id, created + span, due + span, at + span, due - 1, created - interval '1 day' FROM docs ORDER BY id",
  'SELECT id, span, -span, span * 2, span / 3, justify_interval(span) FROM docs ORDER BY span NULLS FIRST, id',
  `SELECT id FROM docs WHERE span > interval '1 day' ORDER BY id`,
  `SELECT id, created - timestamp '2023-06-01', age(created, timestamp '2020-02-29'), date_trunc('month', created), extract(year from created), due - date '2024-01-01' FROM docs ORDER BY id`,
  'SELECT sum(span), avg(span), max(span), min(span), count(span), max(created), min(due) FROM docs',
  'SELECT span, count(*) FROM docs GROUP BY span ORDER BY span NULLS FIRST',
  `SELECT date_trunc('month', due) AS m, count(*), max(span) FROM docs GROUP BY 1 ORDER BY 1 NULLS LAST`,
  `SELECT id FROM docs WHERE due + interval '1 month' > date '2024-03-01' ORDER BY id`,
  `SELECT id, extract(epoch from span), date_part('hour', span), extract(month from span) FROM docs ORDER BY id`,
  `SELECT id FROM docs WHERE created BETWEEN timestamp '2023-03-01' AND timestamp '2023-06-30 23:59' ORDER BY created`,
  // --- reads through secondary indexes (items_category_idx, items_qty_idx, orders_customer_idx, docs_*_idx)
  `SELECT id, name FROM items WHERE category = 'b' ORDER BY id`,
  `SELECT id FROM items WHERE category IN ('a', 'c', NULL) AND qty > 50 ORDER BY id`,
  'SELECT id, qty FROM items WHERE qty = 42 ORDER BY id',
  'SELECT id, qty FROM items WHERE qty BETWEEN 10 AND 12 ORDER BY qty, id',
  'SELECT count(*), sum(qty) FROM items WHERE qty >= 95',
  'SELECT id FROM items WHERE qty < 3 ORDER BY id DESC LIMIT 4',
  `SELECT id, amount FROM orders WHERE customer = 'alice' ORDER BY id`,
  `SELECT id, amount FROM orders WHERE customer = 'bob' AND amount > 200 ORDER BY amount, id`,
  `SELECT customer, count(*), sum(amount) FROM orders WHERE customer IN ('carol', 'dave', 'nobody') GROUP BY customer ORDER BY customer`,
  `SELECT o.id, i.name FROM orders o JOIN items i ON i.id = o.item_id WHERE o.customer = 'erin' ORDER BY o.id`,
  `SELECT c.name, o.id FROM customers c JOIN orders o ON o.customer = c.name WHERE c.name = 'frank' ORDER BY o.id`,
  `SELECT id FROM items WHERE category = 'a' AND id = 17`,
  `SELECT id, created FROM docs WHERE created = timestamp '2024-02-29 00:00:00' OR created IS NULL ORDER BY id`,
  `SELECT id, due FROM docs WHERE due = date '2024-02-29'`,
  `SELECT id, due FROM docs WHERE due >= date '2023-11-01' ORDER BY due, id`,
  `SELECT id FROM items WHERE qty = NULL`,
  // WITH RECURSIVE: counting, a graph walk whose cycle UNION ends, a path, a walk over a table.
  'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 100) SELECT sum(n), count(*) FROM t',
  'WITH RECURSIVE g(a, b) AS (VALUES (1, 2), (2, 3), (3, 1), (3, 4)), r(n) AS (SELECT 1 UNION SELECT g.b FROM g JOIN r ON g.a = r.n) SELECT n FROM r ORDER BY n',
  `WITH RECURSIVE r(n, depth, path) AS (SELECT 1, 0, '1'::text UNION ALL SELECT n * 2, depth + 1, path || '>' || (n * 2)::text FROM r WHERE depth < 5) SELECT * FROM r ORDER BY depth`,
  'WITH RECURSIVE chain(id, qty) AS (SELECT id, qty FROM items WHERE id = 1 UNION ALL SELECT i.id, i.qty FROM items i JOIN chain c ON i.id = c.id + 1 WHERE c.id < 8) SELECT * FROM chain ORDER BY id',
  'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n::bigint + 1 FROM t WHERE n < 3) SELECT * FROM t',
  'WITH RECURSIVE a AS (SELECT 5 AS x) SELECT x FROM a',
  // LATERAL: top-n per group, an aggregate per row with LEFT JOIN … ON true, no match.
  'SELECT c.name, o.id, o.amount FROM customers c, LATERAL (SELECT id, amount FROM orders WHERE customer = c.name ORDER BY amount DESC, id LIMIT 2) o ORDER BY c.name, o.amount DESC, o.id',
  'SELECT c.name, t.n FROM customers c LEFT JOIN LATERAL (SELECT count(*) AS n FROM orders o WHERE o.customer = c.name AND o.amount > 400) t ON true ORDER BY c.name',
  'SELECT c.name, x.id FROM customers c LEFT JOIN LATERAL (SELECT id FROM orders WHERE customer = c.name AND amount > 10000) x ON true ORDER BY c.name',
  'SELECT i.id, s.x FROM items i JOIN LATERAL (SELECT i.qty * 2 AS x) s ON s.x > 150 WHERE i.id < 20 ORDER BY i.id',
  'SELECT v.a, l.b FROM (VALUES (1), (2), (3)) v(a), LATERAL (SELECT v.a * 10 AS b UNION ALL SELECT v.a * 100) l ORDER BY 1, 2',
  'SELECT c.name FROM customers c, (SELECT c.name AS n) x',
  'WITH RECURSIVE t(n) AS (SELECT n FROM t) SELECT * FROM t',
  'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5) SELECT o.id FROM orders o WHERE o.id IN (SELECT n FROM t) ORDER BY o.id',
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
  // INSERT … SELECT assigns as PostgreSQL does: untyped literals take the column's type,
  // numbers go into text and round into int, a type with no assignment cast is 42804.
  "INSERT INTO kv2 SELECT '200', 'literal'",
  "INSERT INTO kv2 SELECT 201::text, 'text into int'",
  "INSERT INTO kv2 (k) SELECT x FROM (VALUES ('202')) v(x)",
  'INSERT INTO kv2 SELECT 203, 204',
  "INSERT INTO kv2 SELECT 205.7, 'rounded'",
  "INSERT INTO kv2 SELECT 206, 'x' UNION ALL SELECT 207, now()",
  'CREATE TABLE arr8 (k int PRIMARY KEY, a int8[], j jsonb)',
  'INSERT INTO arr8 SELECT 1, ARRAY[1, 2], \'{"a": 1}\'::json',
  "INSERT INTO arr8 SELECT 2, ARRAY['x'], NULL",
  'INSERT INTO arr8 VALUES (3, ARRAY[3, 4]), (4, ARRAY[5]::int2[])',
  'SELECT * FROM arr8 ORDER BY k',
  "SELECT ARRAY[1, 2]::int8[] AS a, ARRAY[1.5, NULL]::int[] AS b, ARRAY['1', '2']::int[] AS c",
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
  // ON CONFLICT on a UNIQUE constraint, not the primary key (Prisma's upsert on a unique
  // field, Drizzle's onConflictDoUpdate({ target })); ids are not compared from here on,
  // since a skipped row's serial value may differ (sequence caching).
  "INSERT INTO ser (name) VALUES ('one') ON CONFLICT DO NOTHING RETURNING name",
  "INSERT INTO ser (name) VALUES ('one'), ('four'), ('four') ON CONFLICT (name) DO NOTHING RETURNING name",
  "INSERT INTO ser (name) VALUES ('two') ON CONFLICT (name) DO UPDATE SET name = excluded.name || '!' RETURNING name",
  "INSERT INTO ser (name) VALUES ('three'), ('three') ON CONFLICT (name) DO UPDATE SET name = 'x'",
  "INSERT INTO ser (name) VALUES ('four'), ('four') ON CONFLICT (name) DO UPDATE SET made = now()",
  "INSERT INTO ser (name) VALUES ('six'), ('six') ON CONFLICT (name) DO UPDATE SET made = now()",
  "INSERT INTO ser (id, name) VALUES (1, 'three') ON CONFLICT (name) DO NOTHING",
  "INSERT INTO ser (id, name) VALUES (1, 'five') ON CONFLICT (name) DO NOTHING",
  "INSERT INTO ser (id, name) VALUES (1, 'five') ON CONFLICT DO NOTHING",
  "INSERT INTO ser (name) VALUES ('one') ON CONFLICT ON CONSTRAINT ser_name_key DO UPDATE SET name = 'uno' RETURNING name",
  "INSERT INTO ser (name) VALUES ('x') ON CONFLICT ON CONSTRAINT nope DO NOTHING",
  "INSERT INTO ser (name) VALUES ('x') ON CONFLICT (made) DO NOTHING",
  "INSERT INTO ser (name) VALUES ('x') ON CONFLICT (lower(name)) DO NOTHING",
  'INSERT INTO ser (name) VALUES (NULL) ON CONFLICT (name) DO NOTHING RETURNING name',
  "INSERT INTO ser (id, name) VALUES (2, 'uno') ON CONFLICT (id) DO UPDATE SET name = excluded.name",
  'SELECT name FROM ser ORDER BY name',
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
