/**
 * psycopg2 (Debian's python3-psycopg2, installed by this test when missing): a small
 * Python program connects, creates the blog, inserts with parameters, selects, and
 * reports the SQLSTATE of a unique violation; the test checks what it printed.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { startInProcessCluster, type InProcessCluster } from '../support/inProcessCluster';
import { ensureDebianPackages } from './aptInstall';
import { BLOG_SCHEMA } from './blogSchema';

// Debian's package installs into the system interpreter, not a pyenv one on PATH.
const PYTHON = '/usr/bin/python3';

const PROGRAM = `
import json, sys
import psycopg2, psycopg2.errors
conn = psycopg2.connect(sys.argv[1])
# Autocommit: psycopg2 otherwise opens every unit of work with BEGIN.
conn.autocommit = True
cur = conn.cursor()
for stmt in json.loads(sys.argv[2]):
    cur.execute(stmt)
cur.execute("INSERT INTO users (email, name) VALUES (%s, %s) RETURNING id", ("ann@example.com", "Ann O'Neil"))
ann = cur.fetchone()[0]
cur.executemany(
    "INSERT INTO posts (author_id, title, published) VALUES (%s, %s, %s)",
    [(ann, "post %d" % i, i % 2 == 0) for i in range(1, 5)],
)
cur.execute(
    "SELECT p.title, u.name FROM posts p JOIN users u ON u.id = p.author_id "
    "WHERE p.published = %(pub)s ORDER BY p.id LIMIT %(lim)s OFFSET %(off)s",
    {"pub": True, "lim": 1, "off": 1},
)
page = cur.fetchall()
cur.execute("SELECT count(*), sum(id) FROM posts WHERE title = ANY(%s)", (["post 1", "post 2"],))
count, total = cur.fetchone()
err = None
try:
    cur.execute("INSERT INTO users (email, name) VALUES (%s, %s)", ("ann@example.com", "dup"))
except psycopg2.errors.UniqueViolation as e:
    err = {"pgcode": e.pgcode, "constraint": e.diag.constraint_name}
print(json.dumps({"page": page, "count": count, "total": int(total), "error": err,
                  "server_version": conn.server_version}))
conn.close()
`;

describe('compat: psycopg2', function () {
  this.timeout(600_000);
  let cluster: InProcessCluster;
  let dir = '';

  before(async function () {
    const ready = (): boolean =>
      existsSync(PYTHON) && existsSync('/usr/lib/python3/dist-packages/psycopg2');
    const why = await ensureDebianPackages(ready, ['python3-psycopg2']);
    if (why !== null) {
      console.log(`    psycopg2 skipped: ${why}`);
      this.skip();
    }
    cluster = await startInProcessCluster({ shards: 2 });
    dir = mkdtempSync(join(tmpdir(), 'sharddb-psycopg2-'));
    writeFileSync(join(dir, 'blog.py'), PROGRAM);
  });

  after(async () => {
    await cluster?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs a blog with parameters, pagination and a UniqueViolation (23505)', async () => {
    const { stdout } = await promisify(execFile)(
      PYTHON,
      [join(dir, 'blog.py'), cluster.url, JSON.stringify(BLOG_SCHEMA)],
      { timeout: 60_000 },
    );
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(out.page).to.deep.equal([['post 4', "Ann O'Neil"]]);
    expect([out.count, out.total]).to.deep.equal([2, 3]);
    expect(out.error).to.deep.equal({ pgcode: '23505', constraint: 'users_email_key' });
    expect(out.server_version).to.be.at.least(150000);
  });

  // psycopg2's named (server-side) cursors: DECLARE "c" CURSOR WITHOUT HOLD FOR …, then
  // FETCH FORWARD itersize FROM "c" until a short batch, CLOSE "c"; copy_expert streams
  // COPY FROM STDIN / TO STDOUT.
  it('streams a named cursor (DECLARE / FETCH FORWARD / CLOSE) and copy_expert in and out', async () => {
    const program = `
import io, json, sys
import psycopg2
conn = psycopg2.connect(sys.argv[1])
cur = conn.cursor()
cur.execute("CREATE TABLE nums (n int PRIMARY KEY, sq int)")
conn.commit()
cur.copy_expert("COPY nums FROM STDIN WITH (FORMAT csv)",
                io.StringIO("".join("%d,%d\\n" % (i, i * i) for i in range(1, 1001))))
conn.commit()
named = conn.cursor(name="big")
named.itersize = 300
named.execute("SELECT n, sq FROM nums WHERE n % 2 = 0 ORDER BY n")
rows = [r for r in named]
named.close()
fetched = conn.cursor(name="few")
fetched.execute("SELECT n FROM nums ORDER BY n")
first = fetched.fetchmany(3)
fetched.scroll(2)
after = fetched.fetchone()
fetched.close()
conn.commit()
out = io.StringIO()
cur.copy_expert("COPY (SELECT n, sq FROM nums WHERE n <= 3 ORDER BY n) TO STDOUT WITH CSV HEADER", out)
print(json.dumps({"count": len(rows), "first": rows[0], "last": rows[-1], "few": first,
                  "after": after, "csv": out.getvalue()}))
conn.close()
`;
    writeFileSync(join(dir, 'cursor.py'), program);
    const { stdout } = await promisify(execFile)(PYTHON, [join(dir, 'cursor.py'), cluster.url], {
      timeout: 60_000,
    });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(out.count).to.equal(500);
    expect(out.first).to.deep.equal([2, 4]);
    expect(out.last).to.deep.equal([1000, 1000000]);
    expect(out.few).to.deep.equal([[1], [2], [3]]);
    expect(out.after).to.deep.equal([6]);
    expect(out.csv).to.equal('n,sq\n1,1\n2,4\n3,9\n');
  });
});
