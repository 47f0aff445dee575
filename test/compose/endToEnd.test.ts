/**
 * The end-to-end path against an already running cluster named by SHARDDB_TEST_URL
 * (scripts/compose-test.sh runs it against compose.yaml's containers). Not part of
 * `npm test`, which starts its own clusters.
 */
import { expect } from 'chai';
import { Client } from 'pg';

describe('end to end against a running cluster', function () {
  this.timeout(60_000);
  const url = process.env.SHARDDB_TEST_URL;

  it('creates a table, inserts 1000 rows and counts them', async function () {
    if (!url) this.skip(); // only meaningful with a running cluster (scripts/compose-test.sh)
    const client = new Client(url);
    await client.connect();
    try {
      const table = `kv_${Date.now()}`;
      await client.query(`CREATE TABLE ${table} (k int primary key, v text)`);
      for (let i = 0; i < 1000; i += 100) {
        const values = Array.from({ length: 100 }, (_, j) => `(${i + j}, 'v${i + j}')`).join(',');
        await client.query(`INSERT INTO ${table} VALUES ${values}`);
      }
      expect((await client.query(`SELECT count(*) FROM ${table}`)).rows[0].count).to.equal('1000');
      expect((await client.query(`SELECT v FROM ${table} WHERE k = 500`)).rows).to.deep.equal([
        { v: 'v500' },
      ]);
    } finally {
      await client.end();
    }
  });
});
