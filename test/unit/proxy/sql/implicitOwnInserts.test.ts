/**
 * An implicit transaction's plain INSERT is buffered as an optimistic 'insert' mutation
 * (proxy/sql/writeBuffer.ts), and later statements of the same Query string run in that
 * transaction: they must read it (by key, by unique index, by scan, FOR UPDATE), find it
 * for ON CONFLICT and for duplicate checks, update and delete it — as PostgreSQL does.
 * (Transaction.get/scan skip buffered inserts; SQL never reads through them.)
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';

describe('proxy/sql reads of an implicit transaction own optimistic inserts', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let c: Client;

  /** The last statement's rows of a multi-statement Query string (one implicit transaction). */
  async function last(sql: string): Promise<unknown[]> {
    const r = (await c.query(sql)) as unknown;
    const results = (Array.isArray(r) ? r : [r]) as Array<{ rows: unknown[] }>;
    return results[results.length - 1].rows;
  }

  async function code(sql: string): Promise<string | undefined> {
    return c.query(sql).then(
      () => undefined,
      (e: { code?: string }) => e.code,
    );
  }

  before(async () => {
    cluster = await startInProcessCluster({ shards: 2 });
    c = new Client({ connectionString: cluster.url });
    await c.connect();
    await c.query('CREATE TABLE k (id int PRIMARY KEY, u int UNIQUE, v text)');
  });

  after(async () => {
    await c?.end();
    await cluster?.close();
  });

  it('reads the inserted row by key, unique index, scan and FOR UPDATE', async () => {
    expect(
      await last("INSERT INTO k VALUES (1, 10, 'a'); SELECT v FROM k WHERE id = 1"),
    ).to.deep.equal([{ v: 'a' }]);
    expect(
      await last("INSERT INTO k VALUES (2, 20, 'b'); SELECT v FROM k WHERE u = 20"),
    ).to.deep.equal([{ v: 'b' }]);
    expect(
      await last("INSERT INTO k VALUES (3, 30, 'c'); SELECT id FROM k ORDER BY id"),
    ).to.deep.equal([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(
      await last("INSERT INTO k VALUES (4, 40, 'd'); SELECT v FROM k WHERE id = 4 FOR UPDATE"),
    ).to.deep.equal([{ v: 'd' }]);
  });

  it('ON CONFLICT finds it; UPDATE and DELETE change it', async () => {
    expect(
      await last(
        "INSERT INTO k VALUES (5, 50, 'e'); INSERT INTO k VALUES (5, 51, 'x') ON CONFLICT (id) DO UPDATE SET v = excluded.v; SELECT u, v FROM k WHERE id = 5",
      ),
    ).to.deep.equal([{ u: 50, v: 'x' }]);
    expect(
      await last(
        "INSERT INTO k VALUES (6, 60, 'f'); INSERT INTO k VALUES (6, 61, 'y') ON CONFLICT DO NOTHING; SELECT u, v FROM k WHERE id = 6",
      ),
    ).to.deep.equal([{ u: 60, v: 'f' }]);
    expect(
      await last(
        "INSERT INTO k VALUES (7, 70, 'g'); UPDATE k SET v = 'gg' WHERE id = 7; SELECT v FROM k WHERE id = 7",
      ),
    ).to.deep.equal([{ v: 'gg' }]);
    expect(
      await last(
        "INSERT INTO k VALUES (8, 80, 'h'); DELETE FROM k WHERE id = 8; SELECT v FROM k WHERE id = 8",
      ),
    ).to.deep.equal([]);
    expect(
      (await c.query('SELECT id, v FROM k WHERE id IN (5, 6, 7, 8) ORDER BY id')).rows,
    ).to.deep.equal([
      { id: 5, v: 'x' },
      { id: 6, v: 'f' },
      { id: 7, v: 'gg' },
    ]);
  });

  it('a second INSERT of the same primary or unique key fails 23505 and rolls both back', async () => {
    expect(
      await code("INSERT INTO k VALUES (9, 90, 'i'); INSERT INTO k VALUES (9, 91, 'j')"),
    ).to.equal('23505');
    expect(
      await code("INSERT INTO k VALUES (10, 100, 'k'); INSERT INTO k VALUES (11, 100, 'l')"),
    ).to.equal('23505');
    expect((await c.query('SELECT id FROM k WHERE id >= 9 ORDER BY id')).rows).to.deep.equal([]);
  });
});
