/**
 * A statement that reads no data outside a transaction block (SELECT 1, a pool's health
 * check; SELECT now()) takes no timestamp from the meta cluster: it has
 * no snapshot to read at. Counted at MetaClient.timestamp, which every TSO request of the
 * in-process proxy goes through; a table read, a catalog read and a sequence still take one.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { MetaClient } from '../../../../common/clients/metaClient';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';

describe('proxy/sql statements that read no data take no timestamp', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let c: Client;
  let taken = 0;
  const original = MetaClient.prototype.timestamp;

  before(async () => {
    cluster = await startInProcessCluster({ shards: 1 });
    c = new Client(cluster.url);
    await c.connect();
    await c.query('CREATE TABLE t (k int PRIMARY KEY)');
    await c.query('CREATE SEQUENCE s');
    MetaClient.prototype.timestamp = function (this: MetaClient): Promise<bigint> {
      taken++;
      return original.call(this);
    };
  });

  after(async () => {
    MetaClient.prototype.timestamp = original;
    await c?.end();
    await cluster?.close();
  });

  async function timestampsFor(sql: string, params?: unknown[]): Promise<number> {
    const before = taken;
    await c.query(sql, params);
    return taken - before;
  }

  it('SELECT 1, now() and expressions over parameters take none', async () => {
    expect(await timestampsFor('SELECT 1')).to.equal(0);
    expect(await timestampsFor('SELECT $1::int + 1 AS n', [41])).to.equal(0);
    expect(await timestampsFor("SELECT now() IS NOT NULL, upper('a') || 'b'")).to.equal(0);
    expect(await timestampsFor('SELECT x FROM (VALUES (1), (2)) v(x) ORDER BY x')).to.equal(0);
  });

  it('an error in such a statement leaves the session usable', async () => {
    const err = await c.query('SELECT 1 / 0').catch((e: unknown) => e);
    expect(err).to.have.property('code', '22012');
    const err2 = await c.query('SELECT $1::int / 0', [1]).catch((e: unknown) => e);
    expect(err2).to.have.property('code', '22012');
    expect((await c.query('SELECT count(*)::int AS n FROM t')).rows).to.deep.equal([{ n: 0 }]);
  });

  it('reads of tables, catalogs and sequences still take one', async () => {
    expect(await timestampsFor('SELECT count(*) FROM t')).to.be.greaterThan(0);
    expect(
      await timestampsFor("SELECT relname FROM pg_class WHERE relname = 't'"),
    ).to.be.greaterThan(0);
    expect(await timestampsFor("SELECT nextval('s')")).to.be.greaterThan(0);
  });

  it('inside a transaction block SELECT 1 belongs to the transaction', async () => {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await c.query('SELECT 1');
    await c.query('INSERT INTO t VALUES (1)');
    expect((await c.query('SELECT k FROM t')).rows).to.deep.equal([{ k: 1 }]);
    await c.query('COMMIT');
  });
});
