/**
 * COPY and SQL cursors, differential against a private PostgreSQL 15: the same table and
 * rows on both; COPY TO output compared byte for byte in text, csv and binary (with their
 * options) over every common type; COPY FROM round trips of PostgreSQL's own output;
 * errors compared by SQLSTATE, message and CONTEXT; DECLARE/FETCH/MOVE/CLOSE compared by
 * command tags and rows.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import {
  findPostgresBinDir,
  startPostgres,
  type PostgresServer,
} from '../../../../scripts/lib/postgresServer';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';

const TABLE = `CREATE TABLE alltypes (
  id int PRIMARY KEY, b bool, i2 int2, i8 int8, f4 float4, f8 float8, n numeric(12,3),
  t text, vc varchar(20), bp char(4), by bytea, d date, tm time, ts timestamp,
  tz timestamptz, iv interval, u uuid, j json, jb jsonb, o oid, ai int4[], at text[])`;

const COLS = 'id, b, i2, i8, f4, f8, n, t, vc, bp, by, d, tm, ts, tz, iv, u, j, jb, o, ai, at';

const ROWS = [
  `(1, true, 1, 9000000000, 1.5, 3.141592653589793, 12.5, 'plain', 'v', 'ab',
    '\\x00ff10'::bytea, '2024-02-29', '12:34:56.789', '2024-01-02 03:04:05.5',
    '2024-01-02 03:04:05+02', '1 year 2 mons 3 days 04:05:06', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    '{"a": [1, 2]}', '{"b": 1, "a": "x"}', 42, '{1,NULL,3}', '{"a b","c,d",NULL,"e\\"f"}')`,
  `(2, false, '-32768', '-9223372036854775808', 'NaN', '-Infinity', -0.001,
    E'tab\\there\\nnew line\\\\back slash, comma "quote"', '', 'x', '\\x'::bytea, '1000-01-01',
    '00:00:00', '1999-12-31 23:59:59.999999', '1970-01-01 00:00:00+00', '-1 days',
    '00000000-0000-0000-0000-000000000000', '[]', '[1, "two", null]', 0, '{}', '{""}')`,
  `(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
  `(4, true, 7, 7, 1e-10, 1e300, 99999999.999, E'\\\\.', E'carriage\\rreturn', 'full',
    '\\xdeadbeef'::bytea, '2000-01-01', '23:59:59', '2000-01-01 00:00:00',
    '2038-01-19 03:14:07.123+00', '3 hours', 'ffffffff-ffff-ffff-ffff-ffffffffffff',
    '"str"', 'true', 2147483647, '{-1}', '{NULL}')`,
  `(5, false, 0, 0, -0.0, 0.1, 0, 'üñí©ødé €', 'semi;colon', 'a b', '\\x5c0a'::bytea,
    '2024-12-31', '01:02:03', '2024-06-30 12:00:00', '2024-06-30 12:00:00-07:30',
    '1 mon -2 days 00:00:01.5', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', '{}', '{}', 1,
    '{10,20}', '{"N","\\\\N"}')`,
];

async function copyOut(c: Client, sql: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(
    c.query(copyTo(sql)),
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    }),
  );
  return Buffer.concat(chunks);
}

/** COPY FROM with data cut into pieces of `piece` bytes (rows and characters span messages). */
async function copyIn(c: Client, sql: string, data: Buffer, piece = 7): Promise<number> {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += piece) parts.push(data.subarray(i, i + piece));
  const stream = c.query(copyFrom(sql));
  await pipeline(Readable.from(parts), stream);
  return stream.rowCount ?? -1;
}

interface Failure {
  code?: string;
  message?: string;
  where?: string;
}

async function failure(p: Promise<unknown>): Promise<Failure> {
  try {
    await p;
  } catch (err) {
    const e = err as Failure;
    return { code: e.code, message: e.message, where: e.where };
  }
  return {};
}

describe('COPY and cursors against PostgreSQL 15', function () {
  this.timeout(60_000);
  let pgServer: PostgresServer | undefined;
  let cluster: InProcessCluster | undefined;
  let pg: Client;
  let ours: Client;
  const both = async (sql: string): Promise<void> => {
    await pg.query(sql);
    await ours.query(sql).catch((err: Error) => {
      throw new Error(`ShardDB: ${err.message} in ${sql}`);
    });
  };

  before(async function () {
    if (findPostgresBinDir() === null) this.skip(); // PostgreSQL 15 not installed
    [pgServer, cluster] = await Promise.all([
      startPostgres(),
      startInProcessCluster({ shards: 2 }),
    ]);
    pg = new Client({ connectionString: pgServer.connectionString });
    ours = new Client({ connectionString: cluster.url });
    await Promise.all([pg.connect(), ours.connect()]);
    await both(TABLE);
    await both(`INSERT INTO alltypes (${COLS}) VALUES ${ROWS.join(', ')}`);
    // Rows on both shards.
    await ours.query('ALTER TABLE alltypes SPLIT AT VALUES (3)');
  });

  after(async () => {
    await pg?.end().catch(() => undefined);
    await ours?.end().catch(() => undefined);
    await cluster?.close();
    await pgServer?.stop();
  });

  const outputs = [
    '',
    'WITH (FORMAT text)',
    "WITH (FORMAT text, DELIMITER '|', NULL 'nil', HEADER)",
    'WITH (FORMAT csv)',
    'WITH CSV HEADER',
    "WITH (FORMAT csv, HEADER true, DELIMITER ';', QUOTE '''', ESCAPE '\\', NULL 'NULL')",
    'WITH (FORMAT csv, FORCE_QUOTE *)',
    "WITH (FORMAT csv, FORCE_QUOTE (t, vc), ENCODING 'UTF8')",
    'WITH (FORMAT binary)',
    'BINARY',
  ];

  describe('COPY (SELECT …) TO STDOUT is byte-identical', () => {
    for (const opts of outputs) {
      it(opts || '(defaults)', async () => {
        const sql = `COPY (SELECT ${COLS} FROM alltypes ORDER BY id) TO STDOUT ${opts}`;
        const [a, b] = [await copyOut(pg, sql), await copyOut(ours, sql)];
        const show = (x: Buffer): string => x.toString(/binary/i.test(opts) ? 'hex' : 'utf8');
        expect(show(b)).to.equal(show(a));
      });
    }
  });

  it('COPY t (cols) TO STDOUT writes the same rows (order aside)', async () => {
    for (const opts of ['', 'WITH (FORMAT csv, HEADER)']) {
      const sql = `COPY alltypes (id, t, ai, tz) TO STDOUT ${opts}`;
      const lines = async (c: Client): Promise<string[]> =>
        (await copyOut(c, sql)).toString().split('\n').sort();
      expect(await lines(ours)).to.deep.equal(await lines(pg));
    }
  });

  it('COPY FROM STDIN reads back what PostgreSQL wrote, in every format, cut into small messages', async () => {
    for (const opts of outputs) {
      const out = await copyOut(pg, `COPY alltypes (${COLS}) TO STDOUT ${opts}`);
      await both('DROP TABLE IF EXISTS back');
      await both(TABLE.replace('alltypes', 'back'));
      const inOpts = opts.replace(/, FORCE_QUOTE (\*|\([^)]*\))/, '');
      const sqlIn = `COPY back (${COLS}) FROM STDIN ${inOpts}`;
      expect(await copyIn(ours, sqlIn, out), opts).to.equal(ROWS.length);
      await copyIn(pg, sqlIn, out);
      const check = `COPY (SELECT ${COLS} FROM back ORDER BY id) TO STDOUT`;
      expect((await copyOut(ours, check)).toString(), opts).to.equal(
        (await copyOut(pg, check)).toString(),
      );
    }
  });

  it('COPY FROM applies defaults, serial columns, csv quoting, FORCE_NULL/FORCE_NOT_NULL and HEADER MATCH', async () => {
    await both(
      "CREATE TABLE people (id serial PRIMARY KEY, name text NOT NULL, note text DEFAULT 'none', city text, age int)",
    );
    const csv = Buffer.from(
      'name,city,age\n"Ann ""A"" Lee",,31\nBob,"",\n"multi\nline",NULL,"7"\n',
    );
    const sql =
      'COPY people (name, city, age) FROM STDIN WITH (FORMAT csv, HEADER MATCH, FORCE_NOT_NULL (city), FORCE_NULL (age))';
    expect(await copyIn(ours, sql, csv, 5)).to.equal(3);
    await copyIn(pg, sql, csv);
    const q = 'SELECT id, name, note, city, age FROM people ORDER BY id';
    expect((await ours.query(q)).rows).to.deep.equal((await pg.query(q)).rows);
    // Old syntax, text format with escapes, psql's "\." end marker in the data.
    const text = Buffer.from('Cy\\tTab\t\\N\t5\nDee\\\\\tParis\t\\N\n\\.\nignored\n');
    const old = 'COPY people (name, city, age) FROM STDIN';
    expect(await copyIn(ours, old, text, 3)).to.equal(2);
    await copyIn(pg, old, text);
    expect((await ours.query(q)).rows).to.deep.equal((await pg.query(q)).rows);
  });

  describe('errors: SQLSTATE, message and CONTEXT as PostgreSQL', () => {
    const cases: Array<[string, string, string]> = [
      ['a bad integer (22P02)', 'COPY people (name, age) FROM STDIN', 'x\t1\ny\tzz\n'],
      ['a NULL into NOT NULL (23502)', 'COPY people (name, age) FROM STDIN', 'x\t1\n\\N\t2\n'],
      ['missing column (22P04)', 'COPY people (name, age) FROM STDIN', 'x\t1\ny\n'],
      ['extra column (22P04)', 'COPY people (name, age) FROM STDIN', 'x\t1\t2\n'],
      [
        'duplicate key (23505)',
        'COPY people (id, name) FROM STDIN (FORMAT csv)',
        '900,a\n901,b\n900,c\n',
      ],
      [
        'header mismatch (22P04)',
        'COPY people (name, age) FROM STDIN (FORMAT csv, HEADER match)',
        'name,agee\n',
      ],
      ['unterminated csv quote (22P04)', 'COPY people (name) FROM STDIN (FORMAT csv)', '"abc\n'],
      ['bad binary signature (22P04)', 'COPY people (name) FROM STDIN (FORMAT binary)', 'PGCOPX\n'],
      ['unknown column (42703)', 'COPY people (nope) FROM STDIN', ''],
      [
        'binary with a delimiter (42601)',
        "COPY people FROM STDIN (FORMAT binary, DELIMITER ',')",
        '',
      ],
      ['quote outside csv (0A000)', "COPY people FROM STDIN (QUOTE '\"')", ''],
    ];
    for (const [title, sql, data] of cases) {
      it(title, async () => {
        for (const c of [pg, ours]) await c.query('BEGIN');
        const mine = await failure(copyIn(ours, sql, Buffer.from(data)));
        const theirs = await failure(copyIn(pg, sql, Buffer.from(data)));
        for (const c of [pg, ours]) await c.query('ROLLBACK');
        expect(theirs.code, 'PostgreSQL failed').to.be.a('string');
        expect(mine).to.deep.equal(theirs);
      });
    }

    it('COPY from a server file is refused (42501, as for a role without pg_read_server_files)', async () => {
      const e = await failure(ours.query("COPY people FROM '/etc/passwd'"));
      expect(e.code).to.equal('42501');
    });

    it('a CopyFail from the client ends COPY with 57014 and rolls the rows back', async () => {
      const fail = async (c: Client): Promise<Failure & { count: number }> => {
        const stream = c.query(copyFrom('COPY people (name) FROM STDIN'));
        const f = failure(
          new Promise((resolve, reject) => {
            stream.on('error', reject);
            stream.on('finish', resolve);
          }),
        );
        stream.write(Buffer.from('zed\n'));
        stream.destroy(new Error('client gave up'));
        const e = await f;
        const n = await c.query("SELECT count(*)::int AS n FROM people WHERE name = 'zed'");
        return { ...e, count: (n.rows[0] as { n: number }).n };
      };
      const mine = await fail(ours);
      expect(mine.code).to.equal('57014');
      expect(mine).to.deep.equal(await fail(pg));
    });
  });

  describe('cursors', () => {
    interface Step {
      tag?: string;
      rows?: unknown[];
      code?: string;
      message?: string;
    }
    const run = async (c: Client, sqls: string[]): Promise<Step[]> => {
      const out: Step[] = [];
      for (const sql of sqls) {
        try {
          const r = await c.query({ text: sql, rowMode: 'array' });
          out.push({ tag: `${r.command} ${r.rowCount ?? ''}`, rows: r.rows });
        } catch (err) {
          const e = err as { code?: string; message?: string };
          out.push({ code: e.code, message: e.message });
        }
      }
      return out;
    };
    const scripts: Record<string, string[]> = {
      'FETCH / MOVE forward, ALL, past the end, CLOSE': [
        'BEGIN',
        'DECLARE c NO SCROLL CURSOR WITHOUT HOLD FOR SELECT id, t FROM alltypes ORDER BY id',
        'FETCH FORWARD 2 FROM c',
        'FETCH NEXT FROM c',
        'FETCH c',
        'MOVE 1 IN c',
        'FETCH ALL FROM c',
        'FETCH 1 c',
        'FETCH BACKWARD 1 FROM c',
        'ROLLBACK',
      ],
      'SCROLL: BACKWARD, ABSOLUTE, RELATIVE, FORWARD ALL, MOVE ALL': [
        'BEGIN',
        'DECLARE s SCROLL CURSOR FOR SELECT id FROM alltypes ORDER BY id',
        'FETCH ABSOLUTE 3 FROM s',
        'FETCH BACKWARD 2 FROM s',
        'FETCH RELATIVE 2 FROM s',
        'FETCH FORWARD 0 FROM s',
        'FETCH FORWARD ALL FROM s',
        'FETCH BACKWARD ALL FROM s',
        'MOVE FORWARD ALL IN s',
        'FETCH ABSOLUTE -1 FROM s',
        'FETCH PRIOR FROM s',
        'FETCH FIRST FROM s',
        'FETCH LAST FROM s',
        'CLOSE s',
        'COMMIT',
      ],
      'errors: 25P01 outside a block, 42P03 duplicate, 34000 unknown, closed at commit': [
        'DECLARE x CURSOR FOR SELECT 1',
        'BEGIN',
        'DECLARE x CURSOR FOR SELECT 1 AS one',
        'DECLARE x CURSOR FOR SELECT 2',
        'ROLLBACK',
        'BEGIN',
        'DECLARE y CURSOR FOR SELECT 1 AS one',
        'COMMIT',
        'FETCH y',
        'CLOSE nope',
        'MOVE nope',
      ],
      'WITH HOLD survives COMMIT, not ROLLBACK; CLOSE ALL; DISCARD ALL': [
        'BEGIN',
        'DECLARE h CURSOR WITH HOLD FOR SELECT id FROM alltypes ORDER BY id',
        'FETCH 1 FROM h',
        'COMMIT',
        'FETCH 2 FROM h',
        'BEGIN',
        'DECLARE gone CURSOR WITH HOLD FOR SELECT 1',
        'ROLLBACK',
        'FETCH gone',
        'FETCH ALL FROM h',
        'DECLARE auto CURSOR WITH HOLD FOR SELECT id FROM alltypes WHERE id > 3 ORDER BY id',
        'FETCH ALL auto',
        'CLOSE ALL',
        'FETCH auto',
        'DECLARE again CURSOR WITH HOLD FOR SELECT 1',
        'DISCARD ALL',
        'FETCH again',
      ],
    };
    for (const [title, sqls] of Object.entries(scripts)) {
      it(title, async () => {
        const theirs = await run(pg, sqls);
        const mine = await run(ours, sqls);
        mine.forEach((step, i) => expect(step, sqls[i]).to.deep.equal(theirs[i]));
      });
    }
  });
});
