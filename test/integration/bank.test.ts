/**
 * The SQL bank test with real processes (issue 8): 100 accounts spread over 3 shards,
 * clients transferring money between random accounts in REPEATABLE READ transactions
 * (retrying on 40001 and 40P01, as an application would), while a reader checks in its
 * own REPEATABLE READ snapshots that the total never changes. At the end the total is
 * exact and equals the sum of the starting balances.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { isAlive, type ProcessCluster, startProcessCluster } from '../support/processCluster';

const ACCOUNTS = 100;
const START_BALANCE = 1000;
const CLIENTS = 8;
const RUN_MS = Number(process.env.BANK_RUN_MS ?? 20_000);
const RETRYABLE = new Set(['40001', '40P01']);

describe('bank transfers over SQL transactions (real processes)', function () {
  this.timeout(RUN_MS + 90_000);
  let dataDir: string;
  let cluster: ProcessCluster | null = null;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharddb-bank-'));
    cluster = await startProcessCluster(dataDir);
  });

  after(async () => {
    if (cluster) {
      const pids = cluster.nodes().map((n) => n.pid);
      await cluster.stop();
      for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the total exact under concurrent REPEATABLE READ transfers', async () => {
    const url = (cluster as ProcessCluster).url;
    const setup = new Client(url);
    await setup.connect();
    await setup.query('CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)');
    await setup.query('SPLIT RANGE ON accounts AT (34), (67)');
    const shards = new Set(
      (await setup.query('SHOW RANGES ON accounts')).rows.map(
        (r: { shard_id: number }) => r.shard_id,
      ),
    );
    expect(shards.size, 'accounts spread over 3 shards').to.equal(3);
    const values = Array.from({ length: ACCOUNTS }, (_, i) => `(${i}, ${START_BALANCE})`).join(
      ', ',
    );
    await setup.query(`INSERT INTO accounts VALUES ${values}`);
    const total = ACCOUNTS * START_BALANCE;

    const deadline = Date.now() + RUN_MS;
    let committed = 0;
    let retried = 0;
    const retriedBy = new Map<string, number>();
    const worker = async (seed: number): Promise<void> => {
      const c = new Client(url);
      await c.connect();
      let x = seed * 7919 + 1;
      const rand = (n: number): number => {
        x = (x * 1103515245 + 12345) % 2147483648;
        return x % n;
      };
      try {
        while (Date.now() < deadline) {
          const a = rand(ACCOUNTS);
          const b = (a + 1 + rand(ACCOUNTS - 1)) % ACCOUNTS;
          const amount = 1 + rand(50);
          for (;;) {
            try {
              await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
              // Debit first, then credit: transfers in opposite directions deadlock now and
              // then (often across shards); the victim gets 40P01 and retries.
              await c.query('UPDATE accounts SET balance = balance - $1 WHERE id = $2', [
                amount,
                a,
              ]);
              await c.query('UPDATE accounts SET balance = balance + $1 WHERE id = $2', [
                amount,
                b,
              ]);
              await c.query('COMMIT');
              committed++;
              break;
            } catch (err) {
              await c.query('ROLLBACK').catch(() => undefined);
              const code = (err as { code?: string }).code ?? '';
              if (!RETRYABLE.has(code)) throw err;
              retried++;
              retriedBy.set(code, (retriedBy.get(code) ?? 0) + 1);
            }
          }
        }
      } finally {
        await c.end();
      }
    };
    let checks = 0;
    const reader = async (): Promise<void> => {
      const c = new Client(url);
      await c.connect();
      try {
        while (Date.now() < deadline) {
          await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
          const r = await c.query(
            'SELECT sum(balance)::bigint AS total, count(*)::int AS n FROM accounts',
          );
          await c.query('COMMIT');
          expect(Number(r.rows[0].total), 'total seen by a snapshot').to.equal(total);
          expect(r.rows[0].n).to.equal(ACCOUNTS);
          checks++;
        }
      } finally {
        await c.end();
      }
    };
    await Promise.all([...Array.from({ length: CLIENTS }, (_, i) => worker(i + 1)), reader()]);
    const end = await setup.query('SELECT sum(balance)::bigint AS total FROM accounts');
    await setup.end();
    expect(Number(end.rows[0].total)).to.equal(total);
    expect(committed, 'transfers committed').to.be.greaterThan(50);
    expect(checks, 'reader checks').to.be.greaterThan(5);
    // Visible in the test output: how much work the run did.
    console.log(
      `      bank: ${committed} transfers, ${retried} retries (${[...retriedBy].map(([k, v]) => `${k}: ${v}`).join(', ')}), ${checks} total checks`,
    );
  });
});
