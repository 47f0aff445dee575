/**
 * CREATE TABLE carves the new table's range out of another shard's range in meta. A
 * proxy whose range map predates it routes the table's keys to that old owner under the
 * old range's epoch; until the old owner learns the new map it used to take such requests
 * (an UPDATE there found no row and answered UPDATE 0: a lost update). CREATE TABLE now
 * waits until every shard has adopted the new map, so the old owner answers RANGE_STALE
 * and the proxy re-routes.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { MetaClient } from '../../common/clients/metaClient';
import { tableStart } from '../../common/catalog/keyspace';
import { silentLogger } from '../../common/logger';
import type { ProxyNode } from '../../proxy/server';
import {
  startInProcessCluster,
  startSecondProxy,
  type InProcessCluster,
} from '../support/inProcessCluster';

describe('CREATE TABLE and proxies with an older range map', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let stale: ProxyNode;
  before(async () => {
    // Shards hear of range changes from their heartbeat only once a minute here, and the
    // second proxy polls meta for changes once a minute: both keep the map they start with.
    cluster = await startInProcessCluster({ shards: 3, shardHeartbeatMs: 60_000 });
    stale = await startSecondProxy(cluster, { catalogPollMs: 60_000, maxConnections: 20 });
  });
  after(async () => {
    await stale?.close();
    await cluster?.close();
  });

  it('an UPDATE through the older proxy finds the row another proxy just inserted', async () => {
    const meta = new MetaClient({
      addresses: [cluster.meta.address],
      secret: cluster.secret,
      name: 'test',
      logger: silentLogger(),
    });
    const fresh = new Client(cluster.url);
    const old = new Client(`postgres://postgres@127.0.0.1:${stale.port}/postgres`);
    await fresh.connect();
    await old.connect();
    try {
      await old.query('SELECT 1'); // its caches are loaded, from before the table existed
      const before = (await meta.ranges()).ranges;
      // Every key was on one shard before the first table. The case that matters is a
      // table whose range went to another shard: tables go to the least loaded shard, so
      // one of the first few does.
      expect(before).to.have.length(1);
      let name: string | null = null;
      for (let i = 0; i < 4 && name === null; i++) {
        await fresh.query(`CREATE TABLE carved${i} (k int PRIMARY KEY, n int)`);
        const { ranges } = await meta.ranges();
        const { tables } = await meta.catalog();
        const id = (tables.find((t) => t.name === `carved${i}`) as { id: number }).id;
        const own = ranges.find((r) => r.startKey.equals(tableStart(id)));
        if (own !== undefined && own.shardId !== before[0].shardId) name = `carved${i}`;
      }
      expect(name, 'a table placed off the shard that held its key span').to.not.equal(null);
      await fresh.query(`INSERT INTO ${name} VALUES (1, 0)`);

      const upd = await old.query(`UPDATE ${name} SET n = n + 1 WHERE k = 1`);
      expect(upd.rowCount).to.equal(1);
      await old.query(`INSERT INTO ${name} VALUES (2, 0)`);
      const rows = (await fresh.query(`SELECT k, n FROM ${name} ORDER BY k`)).rows;
      expect(rows).to.deep.equal([
        { k: 1, n: 1 },
        { k: 2, n: 0 },
      ]);
    } finally {
      await fresh.end();
      await old.end();
      meta.close();
    }
  });
  it('a table dropped and created again through another proxy is the new one at once', async () => {
    const fresh = new Client(cluster.url);
    const old = new Client(`postgres://postgres@127.0.0.1:${stale.port}/postgres`);
    await fresh.connect();
    await old.connect();
    try {
      await fresh.query('CREATE TABLE again (k int PRIMARY KEY, n int)');
      await fresh.query('INSERT INTO again VALUES (1, 100)');
      // The older proxy learns this first table (a miss refreshes its catalog)...
      expect((await old.query('SELECT n FROM again WHERE k = 1')).rows).to.deep.equal([{ n: 100 }]);
      await fresh.query('DROP TABLE again');
      await fresh.query('CREATE TABLE again (k int PRIMARY KEY, n int)');
      await fresh.query('INSERT INTO again VALUES (1, 0)');
      // ...and its next statements must work on the new one, not the dropped one (its
      // catalog poll is a minute away: the timestamp's versions tell it).
      const upd = await old.query('UPDATE again SET n = n + 1 WHERE k = 1');
      expect(upd.rowCount).to.equal(1);
      expect((await fresh.query('SELECT n FROM again WHERE k = 1')).rows).to.deep.equal([{ n: 1 }]);
      expect((await old.query('SELECT n FROM again WHERE k = 1')).rows).to.deep.equal([{ n: 1 }]);
    } finally {
      await fresh.end();
      await old.end();
    }
  });
});
