/**
 * A second node started on a live node's data directory must refuse to start and leave
 * the live node alone (it once opened a live shard's LSM directory and deleted an SSTable
 * under it). Real processes: a one-meta, one-shard, one-proxy cluster, then intruders.
 */
import { expect } from 'chai';
import { fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startNodeCluster, type NodeCluster } from '../support/nodeCluster';
import { LOCK_FILE_NAME } from '../../common/dataDirLock';

const dist = path.resolve(__dirname, '../..');

interface Exit {
  code: number | null;
  stderr: string;
  stdout: string;
}

/** Runs role's main.js with args to its exit (10 s deadline); its output and exit code. */
function runToExit(role: 'shard' | 'meta', args: string[], secret: string): Promise<Exit> {
  const proc = fork(path.join(dist, role, 'main.js'), args, {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, SHARDDB_CLUSTER_SECRET: secret, SHARDDB_LOG_LEVEL: 'info' },
  });
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${role} on a locked data dir still runs after 10 s:\n${stdout}${stderr}`));
    }, 10_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('a second node on a live data directory', function () {
  this.timeout(60_000);
  let root: string;
  let cluster: NodeCluster | undefined;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sharddb-dirlock-'));
    cluster = await startNodeCluster(root, { metas: 1, shards: 1, proxies: 1 });
  });
  after(async () => {
    await cluster?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('exits non-zero naming the directory and the live PID, and the live shard keeps serving', async () => {
    const c = cluster as NodeCluster;
    const shard = c.nodes.find((n) => n.name === 'shard1');
    const meta = c.nodes.find((n) => n.name === 'meta1');
    const shardPid = shard?.proc?.pid as number;
    const metaPid = meta?.proc?.pid as number;
    const client = new Client(c.proxyUrls[0]);
    await client.connect();
    try {
      await client.query('CREATE TABLE t (k int PRIMARY KEY, v text)');
      await client.query("INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 200) g");

      const shardDir = path.join(root, 'shard1');
      const intruder = await runToExit(
        'shard',
        [
          ...['--node-name', 'shard1-again', '--listen', '127.0.0.1:0'],
          ...['--meta', c.metaAddresses.join(','), '--data-dir', shardDir],
        ],
        c.secret,
      );
      expect(intruder.code, intruder.stderr).to.equal(2);
      expect(intruder.stderr).to.include(`data directory "${shardDir}" is in use`);
      expect(intruder.stderr).to.include(`PID ${shardPid}`);
      expect(intruder.stderr, 'no stack trace').to.not.match(/^\s+at /m);
      const fatal = intruder.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { level: number; msg: string })
        .find((l) => l.level === 60);
      expect(fatal?.msg, 'the log says why').to.include(`PID ${shardPid}`);

      const metaIntruder = await runToExit(
        'meta',
        [
          ...['--node-name', 'meta1-again', '--node-id', '1', '--listen', '127.0.0.1:0'],
          ...['--peers', `1=${c.metaAddresses[0]}`, '--data-dir', path.join(root, 'meta1')],
        ],
        c.secret,
      );
      expect(metaIntruder.code, metaIntruder.stderr).to.equal(2);
      expect(metaIntruder.stderr).to.include(`PID ${metaPid}`);

      // The live shard still serves every row, old and new.
      await client.query("INSERT INTO t VALUES (201, 'after')");
      const r = await client.query<{ n: string; last: string }>(
        'SELECT count(*) AS n, max(v) FILTER (WHERE k = 201) AS last FROM t',
      );
      expect(r.rows[0]).to.deep.equal({ n: '201', last: 'after' });
      expect(shard?.proc?.exitCode, 'shard1 still runs').to.equal(null);
    } finally {
      await client.end();
    }
  });

  it("a clean shutdown releases every node's lock", async () => {
    await (cluster as NodeCluster).stop();
    for (const node of ['meta1', 'shard1'])
      expect(fs.existsSync(path.join(root, node, LOCK_FILE_NAME)), node).to.equal(false);
  });
});

describe('a second launcher (npm start) on a data directory in use', function () {
  this.timeout(30_000);

  it('exits 2 naming the PID before it writes anything there', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sharddb-dirlock-'));
    const holder = fork(path.join(dist, 'test/support/dataDirLockHolder.js'), [root], {
      stdio: 'ignore',
    });
    try {
      const reply = await new Promise<{ locked: boolean }>((resolve, reject) => {
        holder.once('message', (m) => resolve(m as { locked: boolean }));
        holder.once('exit', (code) => reject(new Error(`lock holder exited (${code})`)));
      });
      expect(reply.locked).to.equal(true);
      const launcher = spawn(
        process.execPath,
        [path.join(dist, 'scripts/cluster.js'), '--data-dir', root, '--port', '0'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      launcher.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve, reject) => {
        const timer = setTimeout(() => {
          launcher.kill('SIGTERM');
          reject(new Error('the second launcher still runs after 10 s'));
        }, 10_000);
        launcher.once('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      expect(code, stderr).to.equal(2);
      expect(stderr).to.include(`PID ${holder.pid}`);
      expect(fs.readdirSync(root), 'nothing written beside the lock').to.deep.equal([
        LOCK_FILE_NAME,
      ]);
    } finally {
      if (holder.exitCode === null) {
        const exited = new Promise((resolve) => holder.once('exit', resolve));
        holder.kill('SIGKILL');
        await exited;
      }
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
