import { expect } from 'chai';
import { Client } from 'pg';
import {
  startInProcessCluster,
  startSecondProxy,
  type InProcessCluster,
} from '../support/inProcessCluster';
import type { ProxyNode } from '../../proxy';
import { waitFor } from '../support/waitFor';

describe('two proxies over one cluster', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let second: ProxyNode;
  let a: Client;
  let b: Client;

  before(async () => {
    cluster = await startInProcessCluster({ shards: 2 });
    second = await startSecondProxy(cluster);
    a = new Client(cluster.url);
    b = new Client(`postgres://postgres@127.0.0.1:${second.port}/postgres`);
    await a.connect();
    await b.connect();
  });
  after(async () => {
    await a.end();
    await b.end();
    await second.close();
    await cluster.close();
  });

  it('a proxy learns a table change made through another proxy, without a miss to trigger it', async () => {
    await a.query('CREATE TABLE shared_t (id int PRIMARY KEY, name text)');
    await a.query("INSERT INTO shared_t VALUES (1, 'one')");
    // B plans and caches SELECT * with the table's first shape.
    expect((await b.query('SELECT * FROM shared_t')).fields.map((f) => f.name)).to.deep.equal([
      'id',
      'name',
    ]);
    await a.query("ALTER TABLE shared_t ADD COLUMN note text DEFAULT 'n/a'");
    await waitFor(
      'proxy 2 to see the new column',
      async () => (await b.query('SELECT * FROM shared_t')).fields.length === 3,
      5000,
    );
    expect((await b.query('SELECT note FROM shared_t WHERE id = 1')).rows).to.deep.equal([
      { note: 'n/a' },
    ]);
  });

  it('a proxy stops serving a table another proxy dropped', async () => {
    await a.query('CREATE TABLE doomed (id int PRIMARY KEY)');
    await b.query('SELECT * FROM doomed');
    await a.query('DROP TABLE doomed');
    await waitFor(
      'proxy 2 to forget the table',
      async () => {
        const err = await b.query('SELECT * FROM doomed').then(
          () => null,
          (e: { code?: string }) => e,
        );
        return err?.code === '42P01';
      },
      5000,
    );
  });
});
