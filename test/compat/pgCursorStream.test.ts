/**
 * pg-cursor and pg-query-stream as their users use them: named portals fetched in
 * slices (Execute with a row limit, PortalSuspended, Close), over the real engine.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import Cursor from 'pg-cursor';
import QueryStream from 'pg-query-stream';
import { startInProcessCluster, InProcessCluster } from '../support/inProcessCluster';

describe('pg-cursor and pg-query-stream', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let client: Client;

  before(async () => {
    cluster = await startInProcessCluster({ shards: 3 });
    client = new Client(cluster.url);
    await client.connect();
    await client.query('CREATE TABLE events (id int PRIMARY KEY, kind text, payload text)');
    for (let i = 0; i < 1000; i += 250) {
      const values = Array.from(
        { length: 250 },
        (_, j) => `(${i + j}, '${(i + j) % 3 === 0 ? 'a' : 'b'}', 'payload ${i + j}')`,
      ).join(',');
      await client.query(`INSERT INTO events VALUES ${values}`);
    }
    await client.query('SPLIT RANGE ON events AT (300), (700)');
  });
  after(async () => {
    await client.end();
    await cluster.close();
  });

  it('pg-cursor reads a query in slices, in order, across ranges', async () => {
    const cursor = client.query(
      new Cursor('SELECT id, payload FROM events WHERE kind = $1 ORDER BY id', ['a']),
    );
    const read = (n: number): Promise<Array<{ id: number; payload: string }>> =>
      new Promise((resolve, reject) =>
        cursor.read(n, (err, rows) =>
          err ? reject(err) : resolve(rows as Array<{ id: number; payload: string }>),
        ),
      );
    const all: number[] = [];
    let slices = 0;
    for (;;) {
      const rows = await read(50);
      if (rows.length === 0) break;
      expect(rows.length).to.be.at.most(50);
      slices++;
      all.push(...rows.map((r) => r.id));
    }
    await new Promise<void>((resolve) => cursor.close(() => resolve()));
    const expected = Array.from({ length: 1000 }, (_, i) => i).filter((i) => i % 3 === 0);
    expect(all).to.deep.equal(expected);
    expect(slices).to.equal(Math.ceil(expected.length / 50));
    // The connection is usable after the cursor closes.
    expect((await client.query('SELECT count(*) FROM events')).rows[0].count).to.equal('1000');
  });

  it('pg-query-stream streams every row with backpressure', async () => {
    const stream = client.query(
      new QueryStream('SELECT id FROM events ORDER BY id DESC', [], { batchSize: 64 }),
    );
    const ids: number[] = [];
    for await (const row of stream as AsyncIterable<{ id: number }>) {
      ids.push(row.id);
      if (ids.length % 200 === 0) await new Promise((r) => setImmediate(r)); // a slow consumer
    }
    expect(ids).to.have.length(1000);
    expect(ids[0]).to.equal(999);
    expect(ids[999]).to.equal(0);
  });

  it('an error inside a cursor reaches the caller and the session recovers', async () => {
    const cursor = client.query(new Cursor('SELECT 1 / (id - 500) FROM events ORDER BY id'));
    const err = await new Promise<unknown>((resolve) => {
      const loop = (): void =>
        cursor.read(100, (e, rows) => {
          if (e) resolve(e);
          else if (rows.length === 0) resolve(null);
          else loop();
        });
      loop();
    });
    expect((err as { code?: string })?.code).to.equal('22012');
    expect((await client.query('SELECT 1 AS ok')).rows).to.deep.equal([{ ok: 1 }]);
  });
});
