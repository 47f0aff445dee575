import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { isAlive, ProcessCluster, startProcessCluster } from '../support/processCluster';
import { waitFor } from '../support/waitFor';
import { MetaClient } from '../../common/clients/metaClient';
import { readSecretFile } from '../../common/secret';
import { silentLogger } from '../../common/logger';
import { tableIdOfKey } from '../../common/catalog/keyspace';
import { RpcClient } from '../../common/rpc';

describe('local cluster of real processes (npm start)', function () {
  this.timeout(120_000);
  let dataDir: string;
  let cluster: ProcessCluster | null = null;

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharddb-cluster-'));
  });
  afterEach(async () => {
    if (cluster) {
      const pids = cluster.nodes().map((n) => n.pid);
      await cluster.stop();
      for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      cluster = null;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps 1000 inserted rows across a stop and a start on the same data dir', async () => {
    cluster = await startProcessCluster(dataDir);
    expect(
      cluster
        .nodes()
        .map((n) => n.role)
        .sort(),
    ).to.deep.equal(['meta', 'meta', 'meta', 'proxy', 'shard', 'shard', 'shard']);
    let client = new Client(cluster.url);
    await client.connect();
    await client.query('CREATE TABLE kv (k int primary key, v text)');
    for (let i = 0; i < 1000; i++) {
      await client.query('INSERT INTO kv VALUES ($1, $2)', [i, `value ${i}`]);
    }
    expect((await client.query('SELECT count(*) FROM kv')).rows[0].count).to.equal('1000');
    await client.end();

    const firstPids = cluster.nodes().map((n) => n.pid);
    await cluster.stop();
    for (const pid of firstPids)
      expect(isAlive(pid), `pid ${pid} still running after stop`).to.equal(false);

    cluster = await startProcessCluster(dataDir);
    client = new Client(cluster.url);
    await client.connect();
    expect((await client.query('SELECT count(*) FROM kv')).rows[0].count).to.equal('1000');
    expect((await client.query('SELECT v FROM kv WHERE k = 777')).rows).to.deep.equal([
      { v: 'value 777' },
    ]);
    const all = await client.query('SELECT k FROM kv');
    expect(all.rows.map((r: { k: number }) => r.k)).to.deep.equal(
      Array.from({ length: 1000 }, (_, i) => i),
    );
    await client.end();
  });

  it('places each table in its own range, spread over the shards', async () => {
    cluster = await startProcessCluster(dataDir);
    const client = new Client(cluster.url);
    await client.connect();
    try {
      for (const t of ['a', 'b', 'c']) {
        await client.query(`CREATE TABLE ${t} (id bigint primary key, note text)`);
        await client.query(`INSERT INTO ${t} VALUES (1, 'x'), (2, 'y')`);
      }
      for (const t of ['a', 'b', 'c']) {
        expect((await client.query(`SELECT count(*) FROM ${t}`)).rows[0].count).to.equal('2');
      }
    } finally {
      await client.end();
    }
    // Each table's range lives on a different shard: ask meta's range map directly.
    const metaAddresses = cluster
      .nodes()
      .filter((n) => n.role === 'meta')
      .map((n) => n.address);
    const meta = new MetaClient({
      addresses: metaAddresses,
      secret: readSecretFile(path.join(dataDir, 'cluster.secret')),
      name: 'test',
      logger: silentLogger(),
    });
    try {
      const { tables } = await meta.catalog();
      const { ranges } = await meta.ranges();
      const owners = ['a', 'b', 'c'].map((name) => {
        const t = tables.find((x) => x.name === name) as { id: number };
        return ranges.filter((r) => tableIdOfKey(r.startKey) === t.id).map((r) => r.shardId);
      });
      owners.forEach((o) => expect(o).to.have.length(1));
      expect(new Set(owners.flat()).size).to.equal(3);
    } finally {
      meta.close();
    }
  });

  it('CHECKPOINT leaves every shard with its rows flushed into tables', async () => {
    cluster = await startProcessCluster(dataDir);
    const client = new Client(cluster.url);
    await client.connect();
    const shards = cluster
      .nodes()
      .filter((n) => n.role === 'shard')
      .map(
        (n) =>
          new RpcClient({
            address: n.address,
            secret: readSecretFile(path.join(dataDir, 'cluster.secret')),
            name: 'test',
            logger: silentLogger(),
          }),
      );
    type Storage = { flushes: number; levelFiles: number[]; immutableMemtables: number };
    const storage = async (): Promise<Storage[]> =>
      Promise.all(
        shards.map(async (s) => (await s.call<{ storage: Storage }>('shard.status', {})).storage),
      );
    try {
      // One table per shard (the test above), a few rows each: far below a memtable's size.
      for (const t of ['a', 'b', 'c']) {
        await client.query(`CREATE TABLE ${t} (id bigint primary key, note text)`);
        await client.query(`INSERT INTO ${t} SELECT g, 'row ' || g FROM generate_series(1, 50) g`);
      }
      for (const s of await storage()) expect(s.flushes).to.equal(0);
      expect((await client.query('CHECKPOINT')).command).to.equal('CHECKPOINT');
      for (const s of await storage()) {
        expect(s.flushes).to.be.at.least(1);
        expect(s.immutableMemtables).to.equal(0);
        expect(s.levelFiles.reduce((a, b) => a + b, 0)).to.be.at.least(1);
      }
      for (const t of ['a', 'b', 'c'])
        expect((await client.query(`SELECT count(*) FROM ${t}`)).rows[0].count).to.equal('50');
      // statement_timeout ends the wait (the flush and its fsync take longer than 1 ms).
      await client.query(`INSERT INTO a SELECT g, 'more' FROM generate_series(51, 2000) g`);
      await client.query("SET statement_timeout = '1ms'");
      const code = await client.query('CHECKPOINT').then(
        () => 'ok',
        (err: { code?: string }) => err.code,
      );
      await client.query('RESET statement_timeout');
      expect(code).to.equal('57014');
    } finally {
      for (const s of shards) s.close();
      await client.end();
    }
  });

  it('SHOW CLUSTER lists the meta Raft members and the shards', async () => {
    cluster = await startProcessCluster(dataDir);
    const client = new Client(cluster.url);
    await client.connect();
    try {
      const rows = (await client.query('SHOW CLUSTER')).rows as Array<{
        kind: string;
        state: string;
        term: string | null;
        commit_index: string | null;
        applied_index: string | null;
      }>;
      const metas = rows.filter((r) => r.kind === 'meta');
      const shards = rows.filter((r) => r.kind === 'shard');
      expect(metas.map((m) => m.state).sort()).to.deep.equal(['follower', 'follower', 'leader']);
      expect(new Set(metas.map((m) => m.term)).size, 'one term').to.equal(1);
      for (const m of metas) expect(Number(m.commit_index)).to.be.greaterThan(0);
      expect(shards.map((x) => x.state)).to.deep.equal(['live', 'live', 'live']);
    } finally {
      await client.end();
    }
  });

  it('children stop by themselves when the launcher is killed with SIGKILL', async () => {
    cluster = await startProcessCluster(dataDir);
    const pids = cluster.nodes().map((n) => n.pid);
    cluster.launcher.kill('SIGKILL');
    await waitFor('children to exit', () => pids.every((pid) => !isAlive(pid)), 20_000);
    cluster = null;
  });

  it('reports a child that dies', async () => {
    cluster = await startProcessCluster(dataDir);
    const shard = cluster.nodes().find((n) => n.name === 'shard2');
    process.kill((shard as { pid: number }).pid, 'SIGKILL');
    const c = cluster;
    await waitFor('death report', () => /shard2 exited unexpectedly/.test(c.output()), 10_000);
  });
});
