/**
 * The bank test with real processes and a nemesis (issue 8): 100 accounts spread over 3
 * shards, 16 clients transferring money between random accounts in REPEATABLE READ
 * transactions through two proxies, while a nemesis kill -9s a shard, a proxy or a meta
 * node (the Raft leader) every 10 s and starts it again. Each transfer also inserts a
 * row with a unique transfer id into a history table in the same transaction, so that a
 * transfer whose COMMIT outcome the client cannot know (the connection died, the proxy
 * reported a lost shard) is settled afterwards from the history.
 *
 * Checked: every REPEATABLE READ snapshot a reader takes during the run sums to the exact
 * total; at the end the total is exact, every acknowledged transfer is in the history,
 * no transfer whose COMMIT was refused (40001/40P01) is, and the balances are exactly
 * what the history rows imply (so no transfer is half applied, acknowledged or not).
 *
 * BANK_RUN_MS (default 60 s) sets the run length; BANK_SEED the nemesis's choices.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { RpcClient } from '../../common/rpc';
import { silentLogger } from '../../common/logger';
import type { MetaMemberStatus } from '../../meta/server';
import { startNodeCluster, type NodeCluster, type NodeRole } from '../support/nodeCluster';
import { waitFor } from '../support/waitFor';

const ACCOUNTS = 100;
const START_BALANCE = 1000;
const TOTAL = ACCOUNTS * START_BALANCE;
const CLIENTS = 16;
const RUN_MS = Number(process.env.BANK_RUN_MS ?? 60_000);
const NEMESIS_EVERY_MS = 10_000;
const SEED = Number(process.env.BANK_SEED ?? Date.now() % 100_000);
/** Transfer ids: client c uses c * ID_BLOCK + n, so the history table splits by client. */
const ID_BLOCK = 1_000_000;
/** Conflicts the database cannot wait out: the transaction did not commit; retry it. */
const CONFLICT = new Set(['40001', '40P01']);
/** Errors that say the statement itself is wrong: no retry can help, the test fails. */
const FATAL_CLASS = /^(22|23|42)/;

function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    // xorshift32: small, seedable, good enough to pick accounts and victims.
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

function codeOf(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  return typeof e.code === 'string' ? e.code : String(e.message ?? err).slice(0, 60);
}

/** A connection that may die at any time: errors are reported by the queries, not thrown. */
async function connect(url: string): Promise<Client> {
  const c = new Client({
    connectionString: url,
    connectionTimeoutMillis: 5000,
    // A query held by a dead node: give up on the connection rather than wait forever.
    query_timeout: 30_000,
  });
  c.on('error', () => undefined); // the next query on it fails and the caller reconnects
  await c.connect();
  return c;
}

function drop(c: Client | null): null {
  if (c !== null) void c.end().catch(() => undefined);
  return null;
}

interface Stats {
  acknowledged: Set<number>;
  /** COMMIT answered 40001/40P01: must not be in the history. */
  refused: Set<number>;
  /** COMMIT sent, no answer we can trust: may or may not be in the history. */
  unknown: Set<number>;
  retriesBy: Map<string, number>;
}

describe('bank transfers under a nemesis (real processes, kill -9)', function () {
  this.timeout(RUN_MS + 180_000);
  let dataDir: string;
  let cluster: NodeCluster | null = null;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharddb-bank-'));
    cluster = await startNodeCluster(dataDir, { metas: 3, shards: 3, proxies: 2 });
  });

  after(async () => {
    await cluster?.stop();
    if (process.env.SHARDDB_KEEP_TEST_DATA === '1') console.log(`      bank data kept: ${dataDir}`);
    else fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the books exact while shards, proxies and the meta leader are killed', async () => {
    const c = cluster as NodeCluster;
    const urls = c.proxyUrls;
    const setup = await connect(urls[0]);
    await setup.query('CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)');
    await setup.query('SPLIT RANGE ON accounts AT (34), (67)');
    await setup.query(
      'CREATE TABLE transfers (id bigint PRIMARY KEY, src int NOT NULL, dst int NOT NULL, amount int NOT NULL)',
    );
    await setup.query(`SPLIT RANGE ON transfers AT (${6 * ID_BLOCK}), (${11 * ID_BLOCK})`);
    for (const table of ['accounts', 'transfers']) {
      const shards = new Set(
        (await setup.query(`SHOW RANGES ON ${table}`)).rows.map(
          (r: { shard_id: number }) => r.shard_id,
        ),
      );
      expect(shards.size, `${table} spread over 3 shards`).to.equal(3);
    }
    const values = Array.from({ length: ACCOUNTS }, (_, i) => `(${i}, ${START_BALANCE})`);
    await setup.query(`INSERT INTO accounts VALUES ${values.join(', ')}`);
    await setup.end();
    // Both proxies see both tables before the clients start.
    for (const url of urls) {
      await waitFor(
        `${url} to serve the tables`,
        async () => {
          const p = await connect(url);
          try {
            await p.query('SELECT count(*) FROM transfers');
            return (await p.query('SELECT count(*)::int AS n FROM accounts')).rows[0].n === 100;
          } finally {
            await p.end();
          }
        },
        15_000,
        100,
      );
    }

    const stats: Stats = {
      acknowledged: new Set(),
      refused: new Set(),
      unknown: new Set(),
      retriesBy: new Map(),
    };
    const retry = (code: string): void => {
      stats.retriesBy.set(code, (stats.retriesBy.get(code) ?? 0) + 1);
    };
    const deadline = Date.now() + RUN_MS;
    const elapsed = (): number => Math.round((Date.now() - deadline + RUN_MS) / 100) / 10;
    const pickUrl = rng(SEED + 77);

    /** A connection to either proxy, retried until one answers (or the run ends). */
    const reconnect = async (): Promise<Client | null> => {
      while (Date.now() < deadline) {
        try {
          return await connect(urls[pickUrl(urls.length)]);
        } catch (err) {
          retry(`connect:${codeOf(err)}`);
          await new Promise((r) => setTimeout(r, 100)); // back off: the proxy is restarting
        }
      }
      return null;
    };

    const worker = async (clientNo: number): Promise<void> => {
      const rand = rng(SEED * 31 + clientNo);
      let conn: Client | null = null;
      let seq = 0;
      while (Date.now() < deadline) {
        const id = clientNo * ID_BLOCK + seq++;
        const a = rand(ACCOUNTS);
        const b = (a + 1 + rand(ACCOUNTS - 1)) % ACCOUNTS;
        const amount = 1 + rand(50);
        // Retry this transfer (same id) until it commits, is refused at COMMIT, or its
        // COMMIT outcome is unknown. Before COMMIT nothing can have committed.
        while (Date.now() < deadline) {
          conn ??= await reconnect();
          if (conn === null) return;
          let atCommit = false;
          try {
            await conn.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
            // Debit first, then credit: opposite transfers deadlock now and then (often
            // across shards); the victim gets 40P01 and retries.
            await conn.query('UPDATE accounts SET balance = balance - $1 WHERE id = $2', [
              amount,
              a,
            ]);
            await conn.query('UPDATE accounts SET balance = balance + $1 WHERE id = $2', [
              amount,
              b,
            ]);
            await conn.query('INSERT INTO transfers VALUES ($1, $2, $3, $4)', [id, a, b, amount]);
            atCommit = true;
            await conn.query('COMMIT');
            stats.acknowledged.add(id);
            break;
          } catch (err) {
            const code = codeOf(err);
            if (FATAL_CLASS.test(code)) throw err;
            if (atCommit) {
              if (CONFLICT.has(code)) stats.refused.add(id);
              else stats.unknown.add(id);
            }
            retry(code);
            if (CONFLICT.has(code)) {
              await conn.query('ROLLBACK').catch(() => undefined);
            } else {
              // A lost node, a dead connection or a timeout: start over on a fresh one.
              conn = drop(conn);
            }
            if (atCommit) break;
          }
        }
      }
      drop(conn);
    };

    const violations: string[] = [];
    let checks = 0;
    const reader = async (): Promise<void> => {
      let conn: Client | null = null;
      while (Date.now() < deadline) {
        conn ??= await reconnect();
        if (conn === null) return;
        try {
          await conn.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
          const r = await conn.query(
            'SELECT sum(balance)::bigint AS total, count(*)::int AS n FROM accounts',
          );
          await conn.query('COMMIT');
          const { total, n } = r.rows[0] as { total: string; n: number };
          if (Number(total) !== TOTAL || n !== ACCOUNTS)
            violations.push(
              `a snapshot saw total ${total} over ${n} accounts at ${elapsed()}s (via ${conn.port})`,
            );
          checks++;
        } catch (err) {
          retry(`reader:${codeOf(err)}`);
          conn = drop(conn);
        }
      }
      drop(conn);
    };

    // The nemesis: every 10 s kill -9 a shard, a proxy or the meta leader (in turn, the
    // node of that role chosen at random), then start it again on its port and data dir.
    const kills: string[] = [];
    const metaRpc = c.metaAddresses.map(
      (address) =>
        new RpcClient({
          address,
          secret: c.secret,
          name: 'nemesis',
          logger: silentLogger(),
          defaultTimeoutMs: 1000,
          backoffMaxMs: 100,
        }),
    );
    const metaLeader = async (): Promise<string | undefined> => {
      const st = await Promise.all(
        metaRpc.map((r) =>
          r.call<MetaMemberStatus>('meta.raftStatus', {}, { timeoutMs: 500 }).catch(() => null),
        ),
      );
      const i = st.findIndex((s) => s?.role === 'leader');
      return i < 0 ? undefined : `meta${i + 1}`;
    };
    const nemesis = async (): Promise<void> => {
      const pick = rng(SEED);
      const roles: NodeRole[] = ['shard', 'proxy', 'meta'];
      const start = Date.now();
      for (let round = 0; ; round++) {
        const at = start + (round + 1) * NEMESIS_EVERY_MS;
        if (at >= deadline) return;
        while (Date.now() < at) await new Promise((r) => setTimeout(r, 100));
        const role = roles[round % roles.length];
        const candidates = c.nodes.filter((n) => n.role === role).map((n) => n.name);
        const victim =
          (role === 'meta' ? await metaLeader() : undefined) ?? candidates[pick(candidates.length)];
        await c.kill(victim, 'SIGKILL');
        kills.push(`${victim}@${elapsed()}s`);
        await new Promise((r) => setTimeout(r, 500 + pick(1500))); // down for a while
        await c.restart(victim);
      }
    };

    try {
      await Promise.all([
        ...Array.from({ length: CLIENTS }, (_, i) => worker(i + 1)),
        reader(),
        nemesis(),
      ]);
    } finally {
      for (const r of metaRpc) r.close();
    }

    // Settle: every node is up again; reads resolve whatever locks the killed nodes left.
    const check = await reconnect().then((x) => x ?? connect(urls[0]));
    try {
      const balances = new Map<number, number>();
      for (const row of (await check.query('SELECT id, balance FROM accounts ORDER BY id')).rows)
        balances.set(Number(row.id), Number(row.balance));
      const history = (await check.query('SELECT id, src, dst, amount FROM transfers'))
        .rows as Array<{
        id: string;
        src: number;
        dst: number;
        amount: number;
      }>;
      const inHistory = new Set(history.map((h) => Number(h.id)));
      const expected = new Map<number, number>();
      for (let i = 0; i < ACCOUNTS; i++) expected.set(i, START_BALANCE);
      for (const h of history) {
        expected.set(h.src, (expected.get(h.src) as number) - h.amount);
        expected.set(h.dst, (expected.get(h.dst) as number) + h.amount);
      }
      const unknownCommitted = [...stats.unknown].filter((id) => inHistory.has(id)).length;
      console.log(
        `      bank (seed ${SEED}): ${stats.acknowledged.size} acknowledged, ${stats.refused.size} refused at COMMIT, ` +
          `${stats.unknown.size} unknown (${unknownCommitted} of them committed), ${checks} snapshot checks; ` +
          `kills: ${kills.join(' ')}; retries: ${[...stats.retriesBy].map(([k, v]) => `${k}×${v}`).join(', ')}`,
      );
      if (violations.length > 0)
        console.log(`      bank violations: ${violations.slice(0, 10).join('; ')}`);
      expect(violations, 'snapshots whose total was wrong').to.deep.equal([]);
      expect(
        [...balances.values()].reduce((s, v) => s + v, 0),
        'final total',
      ).to.equal(TOTAL);
      expect(balances.size).to.equal(ACCOUNTS);
      expect(
        [...stats.acknowledged].filter((id) => !inHistory.has(id)),
        'acknowledged transfers missing from the history',
      ).to.deep.equal([]);
      expect(
        [...stats.refused].filter((id) => inHistory.has(id)),
        'transfers refused at COMMIT but present in the history',
      ).to.deep.equal([]);
      expect(
        [...inHistory].filter((id) => !stats.acknowledged.has(id) && !stats.unknown.has(id)),
        'history rows of transfers never acknowledged nor in doubt',
      ).to.deep.equal([]);
      const wrong = [...expected].filter(([id, v]) => balances.get(id) !== v);
      expect(
        wrong.map(([id, v]) => `account ${id}: ${balances.get(id)} but history says ${v}`),
        'balances that differ from what the history implies (a half-applied transfer)',
      ).to.deep.equal([]);
      expect(kills.length, 'nemesis kills').to.be.at.least(
        Math.floor(RUN_MS / NEMESIS_EVERY_MS) - 1,
      );
      expect(stats.acknowledged.size, 'transfers acknowledged').to.be.greaterThan(100);
      expect(checks, 'reader snapshots').to.be.greaterThan(20);
    } finally {
      await check.end();
    }
  });
});
