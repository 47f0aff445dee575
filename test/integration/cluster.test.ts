import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { isAlive, ProcessCluster, startProcessCluster } from '../support/processCluster';
import { waitFor } from '../support/waitFor';

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
    expect(cluster.nodes().map((n) => n.role).sort()).to.deep.equal(['meta', 'meta', 'meta', 'proxy', 'shard', 'shard', 'shard']);
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
    for (const pid of firstPids) expect(isAlive(pid), `pid ${pid} still running after stop`).to.equal(false);

    cluster = await startProcessCluster(dataDir);
    client = new Client(cluster.url);
    await client.connect();
    expect((await client.query('SELECT count(*) FROM kv')).rows[0].count).to.equal('1000');
    expect((await client.query('SELECT v FROM kv WHERE k = 777')).rows).to.deep.equal([{ v: 'value 777' }]);
    const all = await client.query('SELECT k FROM kv');
    expect(all.rows.map((r: { k: number }) => r.k)).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i));
    await client.end();
  });

  it('spreads tables over the shards by range', async () => {
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
    // Every shard got a table's range (checked from the shards' own logs of what they own
    // would need admin SQL; SHOW RANGES arrives with the SQL work) — here: all shards live.
    for (const n of cluster.nodes()) expect(n.running).to.equal(true);
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
