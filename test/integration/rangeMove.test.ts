/**
 * Range SPLIT / MERGE / MOVE while writes run (issue 6): 8 clients move money between 50
 * accounts in REPEATABLE READ transactions (retrying on 40001 / 40P01), 2 clients insert
 * rows and record every acknowledgement, a reader checks the total in its own snapshots,
 * while an admin client splits, moves and merges the ranges of both tables. At the end the
 * total is exact, every acknowledged insert is there once, and each range's rows are on
 * the shard SHOW RANGES names. Also: a move to a shard that is down fails clearly and
 * leaves the range writable where it was.
 *
 * (Scans running across splits and moves: test/unit/proxy/sql/plans.test.ts.)
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { startInProcessCluster, type InProcessCluster } from '../support/inProcessCluster';
import { waitFor } from '../support/waitFor';
import { ShardClients } from '../../common/clients/shardClients';
import { MetaClient } from '../../common/clients/metaClient';
import { silentLogger } from '../../common/logger';
import { DATA_PREFIX, userKeyOf } from '../../shard/mvcc/keys';

const ACCOUNTS = 50;
const START_BALANCE = 1000;
const TRANSFER_CLIENTS = 8;
const INSERT_CLIENTS = 2;
const RETRYABLE = new Set(['40001', '40P01']);

interface RangeRow {
  range_id: string;
  table_name: string;
  start_key: string;
  end_key: string;
  shard_id: number;
  epoch: string;
  moving_to: number | null;
}

interface MoveRow {
  range_id: string;
  from_shard: number;
  to_shard: number;
  entries_moved: string;
  frozen_ms: string;
}

async function ranges(c: Client, table: string): Promise<RangeRow[]> {
  return (await c.query(`SHOW RANGES ON ${table}`)).rows as RangeRow[];
}

/** The first integer key of a range's bounds ('/Table/t/17' → 17; the table start or /Max → null). */
function boundOf(key: string, table: string): number | null {
  const m = new RegExp(`^/Table/${table}/(-?\\d+)$`).exec(key);
  return m ? Number(m[1]) : null;
}

function otherShard(shard: number): number {
  return (shard % 3) + 1;
}

describe('range split / move / merge under concurrent writes', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let admin: Client;
  let peers: ShardClients;

  before(async () => {
    cluster = await startInProcessCluster({ shards: 3, engine: 'lsm' });
    admin = new Client({ connectionString: cluster.url });
    await admin.connect();
    peers = new ShardClients(cluster.secret, 'range-move-test', silentLogger());
  });

  after(async () => {
    peers?.close();
    await admin?.end().catch(() => undefined);
    await cluster?.close();
  });

  /** Distinct user keys with data versions in each table range, read from the owning shard. */
  async function rowsOnOwners(table: string): Promise<Map<string, number>> {
    const shards = (await admin.query('SHOW SHARDS')).rows as Array<{
      shard_id: number;
      address: string;
    }>;
    const address = new Map(shards.map((s) => [s.shard_id, s.address]));
    const out = new Map<string, number>();
    for (const r of await ranges(admin, table)) {
      const keys = new Set<string>();
      let after: Uint8Array | undefined;
      for (;;) {
        const page = await peers
          .get(address.get(r.shard_id) as string)
          .call<{ entries: Array<[Uint8Array, Uint8Array]>; more: boolean }>('sql.exportSpan', {
            rangeId: Number(r.range_id),
            epoch: Number(r.epoch),
            start: Buffer.alloc(0),
            end: null,
            after,
          });
        for (const [k] of page.entries) {
          const key = Buffer.from(k);
          if (key[0] === DATA_PREFIX) keys.add(userKeyOf(key, 8).toString('hex'));
        }
        if (!page.more || page.entries.length === 0) break;
        after = page.entries[page.entries.length - 1][0];
      }
      out.set(r.range_id, keys.size);
    }
    return out;
  }

  it('keeps every transfer and every acknowledged insert while ranges split, move and merge', async () => {
    await admin.query('CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)');
    await admin.query('CREATE TABLE events (id bigint PRIMARY KEY, client int, seq int)');
    const values = Array.from({ length: ACCOUNTS }, (_, i) => `(${i + 1}, ${START_BALANCE})`);
    await admin.query(`INSERT INTO accounts VALUES ${values.join(', ')}`);
    const total = ACCOUNTS * START_BALANCE;

    let stop = false;
    const unexpected: unknown[] = [];
    let transfers = 0;
    let retries = 0;
    let maxTransferMs = 0;
    const transferer = async (seed: number): Promise<void> => {
      const c = new Client({ connectionString: cluster.url });
      await c.connect();
      let x = seed * 7919 + 1;
      const rand = (n: number): number => {
        x = (x * 1103515245 + 12345) % 2147483648;
        return x % n;
      };
      try {
        while (!stop) {
          const a = 1 + rand(ACCOUNTS);
          const b = 1 + ((a + rand(ACCOUNTS - 1)) % ACCOUNTS);
          const amount = 1 + rand(50);
          const began = Date.now();
          for (;;) {
            try {
              await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
              await c.query('UPDATE accounts SET balance = balance - $1 WHERE id = $2', [
                amount,
                a,
              ]);
              await c.query('UPDATE accounts SET balance = balance + $1 WHERE id = $2', [
                amount,
                b,
              ]);
              await c.query('COMMIT');
              transfers++;
              maxTransferMs = Math.max(maxTransferMs, Date.now() - began);
              break;
            } catch (err) {
              await c.query('ROLLBACK').catch(() => undefined);
              if (!RETRYABLE.has((err as { code?: string }).code ?? '')) throw err;
              retries++;
            }
          }
        }
      } catch (err) {
        unexpected.push(err);
      } finally {
        await c.end();
      }
    };
    const acked: number[] = [];
    let maxInsertMs = 0;
    const inserter = async (client: number): Promise<void> => {
      const c = new Client({ connectionString: cluster.url });
      await c.connect();
      try {
        for (let seq = 0; !stop; seq++) {
          const id = client * 1_000_000 + seq;
          const began = Date.now();
          await c.query('INSERT INTO events VALUES ($1, $2, $3)', [id, client, seq]);
          maxInsertMs = Math.max(maxInsertMs, Date.now() - began);
          acked.push(id);
        }
      } catch (err) {
        unexpected.push(err);
      } finally {
        await c.end();
      }
    };
    let snapshots = 0;
    const reader = async (): Promise<void> => {
      const c = new Client({ connectionString: cluster.url });
      await c.connect();
      try {
        while (!stop) {
          await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
          const r = await c.query(
            'SELECT sum(balance)::bigint AS t, count(*)::int AS n FROM accounts',
          );
          await c.query('COMMIT');
          expect(Number(r.rows[0].t), 'total in a snapshot').to.equal(total);
          expect(r.rows[0].n).to.equal(ACCOUNTS);
          snapshots++;
        }
      } catch (err) {
        unexpected.push(err);
      } finally {
        await c.end();
      }
    };
    const workers = [
      ...Array.from({ length: TRANSFER_CLIENTS }, (_, i) => transferer(i + 1)),
      ...Array.from({ length: INSERT_CLIENTS }, (_, i) => inserter(i + 1)),
      reader(),
    ];

    // The admin's operations, each while the workload runs; ~12 of them.
    const moves: MoveRow[] = [];
    const ops: string[] = [];
    const run = async (sql: string): Promise<void> => {
      ops.push(sql);
      const r = await admin.query(sql);
      if (/^MOVE/i.test(sql)) moves.push(r.rows[0] as MoveRow);
    };
    const rangeOf = async (table: string, pick: (rs: RangeRow[]) => RangeRow): Promise<RangeRow> =>
      pick(await ranges(admin, table));
    try {
      await waitFor('the workload to start', () => transfers > 20 && acked.length > 20, 30_000);
      await run('SPLIT RANGE ON accounts AT (17), (34)');
      await run('SPLIT RANGE ON events AT (2000000)');
      let r = await rangeOf('accounts', (rs) => rs[0]);
      await run(`MOVE RANGE ${r.range_id} TO SHARD ${otherShard(r.shard_id)}`);
      r = await rangeOf('events', (rs) => rs[rs.length - 1]);
      await run(`MOVE RANGE ${r.range_id} TO SHARD ${otherShard(r.shard_id)}`);
      r = await rangeOf('accounts', (rs) => rs[1]);
      await run(`MERGE RANGE ${r.range_id}`); // (17..34) + (34..): across shards
      await run('SPLIT RANGE ON accounts AT (40)');
      r = await rangeOf('accounts', (rs) => rs[rs.length - 1]);
      await run(`MOVE RANGE ${r.range_id} TO SHARD ${otherShard(r.shard_id)}`);
      r = await rangeOf('events', (rs) => rs[0]);
      await run(`MERGE RANGE ${r.range_id}`);
      await run('SPLIT RANGE ON events AT (1000500), (2000500)');
      r = await rangeOf('events', (rs) => rs[1]);
      await run(`MOVE RANGE ${r.range_id} TO SHARD ${otherShard(r.shard_id)}`);
      r = await rangeOf('accounts', (rs) => rs[0]);
      await run(`MERGE RANGE ${r.range_id}`);
      r = await rangeOf('accounts', (rs) => rs[0]);
      await run(`MOVE RANGE ${r.range_id} TO SHARD ${otherShard(r.shard_id)}`);
      await waitFor('more work after the last move', () => transfers > 200 && snapshots > 5);
    } finally {
      stop = true;
      await Promise.all(workers);
    }
    expect(unexpected, String(unexpected[0])).to.deep.equal([]);

    // Money: exact. Inserts: every acknowledged one present, none twice.
    const sum = await admin.query(
      'SELECT sum(balance)::bigint AS t, count(*)::int AS n FROM accounts',
    );
    expect(Number(sum.rows[0].t)).to.equal(total);
    expect(sum.rows[0].n).to.equal(ACCOUNTS);
    const ids = (await admin.query('SELECT id FROM events')).rows.map((x: { id: string }) =>
      Number(x.id),
    );
    expect(new Set(ids).size, 'no event row twice').to.equal(ids.length);
    const present = new Set(ids);
    const lost = acked.filter((id) => !present.has(id));
    expect(lost, 'acknowledged inserts missing').to.deep.equal([]);

    // SHOW RANGES agrees with where the rows are: each range's rows are on its shard.
    for (const [table, key] of [
      ['accounts', 'id'],
      ['events', 'id'],
    ]) {
      const shown = await ranges(admin, table);
      expect(
        shown.every((x) => x.moving_to === null),
        'no range left frozen',
      ).to.equal(true);
      const onShards = await rowsOnOwners(table);
      let all = 0;
      for (const x of shown) {
        const lo = boundOf(x.start_key, table);
        const hi = boundOf(x.end_key, table);
        const where = [
          lo === null ? null : `${key} >= ${lo}`,
          hi === null ? null : `${key} < ${hi}`,
        ]
          .filter((w) => w !== null)
          .join(' AND ');
        const n = await admin.query(
          `SELECT count(*)::int AS n FROM ${table}${where ? ` WHERE ${where}` : ''}`,
        );
        expect(
          onShards.get(x.range_id),
          `rows of range ${x.range_id} on shard ${x.shard_id}`,
        ).to.equal(n.rows[0].n);
        all += n.rows[0].n;
      }
      const count = await admin.query(`SELECT count(*)::int AS n FROM ${table}`);
      expect(all).to.equal(count.rows[0].n);
    }
    expect(moves.length).to.be.greaterThan(3);
    // The figures for the report: what each move cost the writers.
    console.log(
      `      ${ops.length} admin operations; ${transfers} transfers (${retries} retries), ` +
        `${acked.length} inserts, ${snapshots} snapshots; slowest transfer ${maxTransferMs} ms, ` +
        `slowest insert ${maxInsertMs} ms; moves (entries / ms frozen): ` +
        moves.map((m) => `${m.entries_moved}/${m.frozen_ms}`).join(', '),
    );
  });

  it('MOVE RANGE names unknown ranges and shards with SQLSTATE 42704', async () => {
    const [r] = await ranges(admin, 'accounts');
    const bad = await admin.query('MOVE RANGE 999999 TO SHARD 1').then(
      () => null,
      (err: { code?: string }) => err,
    );
    expect(bad?.code).to.equal('42704');
    const badShard = await admin.query(`MOVE RANGE ${r.range_id} TO SHARD 42`).then(
      () => null,
      (err: { code?: string; message?: string }) => err,
    );
    expect(badShard?.code).to.equal('42704');
    expect(badShard?.message).to.contain('shard 42');
  });

  it('writes wait out a frozen range unseen; MOVE RANGE … CANCEL frees one a dead mover left', async () => {
    await admin.query('CREATE TABLE stuck (id int PRIMARY KEY, v int)');
    await admin.query('INSERT INTO stuck VALUES (1, 0)');
    const [r] = await ranges(admin, 'stuck');
    // A mover that froze the range and died: only the meta step of a move.
    const meta = new MetaClient({
      addresses: [cluster.meta.address],
      secret: cluster.secret,
      name: 'dead-mover',
      logger: silentLogger(),
    });
    try {
      await meta.sqlCommand({
        type: 'rangeMove',
        op: 'start',
        rangeId: Number(r.range_id),
        epoch: Number(r.epoch),
        toShard: otherShard(r.shard_id),
      });
    } finally {
      meta.close();
    }
    const [frozen] = await ranges(admin, 'stuck');
    expect(frozen.moving_to).to.equal(otherShard(r.shard_id));
    const writer = new Client({ connectionString: cluster.url });
    await writer.connect();
    try {
      let settled = false;
      const update = writer.query('UPDATE stuck SET v = v + 1 WHERE id = 1').finally(() => {
        settled = true;
      });
      // Reads are still served from the frozen range; the write cannot have completed.
      expect((await admin.query('SELECT v FROM stuck WHERE id = 1')).rows).to.deep.equal([
        { v: 0 },
      ]);
      expect(settled).to.equal(false);
      await admin.query(`MOVE RANGE ${r.range_id} CANCEL`);
      await update; // no error reached the client
      expect((await admin.query('SELECT v FROM stuck WHERE id = 1')).rows).to.deep.equal([
        { v: 1 },
      ]);
      const [after] = await ranges(admin, 'stuck');
      expect(after.moving_to).to.equal(null);
      expect(after.shard_id).to.equal(r.shard_id);
    } finally {
      await writer.end();
    }
  });

  it('a move to a shard that is down fails clearly and leaves the range writable', async () => {
    await admin.query('CREATE TABLE kept (id int PRIMARY KEY, v int)');
    await admin.query('INSERT INTO kept VALUES (1, 1), (2, 2)');
    const [before] = await ranges(admin, 'kept');
    const down = otherShard(before.shard_id);
    await cluster.shards[down - 1].close();
    let error: { code?: string; message?: string } | undefined;
    try {
      await admin.query(`MOVE RANGE ${before.range_id} TO SHARD ${down}`);
    } catch (err) {
      error = err as { code?: string; message?: string };
    }
    expect(error?.code).to.equal('55000');
    expect(error?.message).to.contain(`shard ${down}`);
    const [after] = await ranges(admin, 'kept');
    expect(after.shard_id).to.equal(before.shard_id);
    expect(after.moving_to).to.equal(null);
    await admin.query('UPDATE kept SET v = v + 10 WHERE id = 1');
    await admin.query('INSERT INTO kept VALUES (3, 3)');
    const rows = await admin.query('SELECT id, v FROM kept ORDER BY id');
    expect(rows.rows).to.deep.equal([
      { id: 1, v: 11 },
      { id: 2, v: 2 },
      { id: 3, v: 3 },
    ]);
    // Once meta has noticed, the move is refused before anything is frozen.
    await waitFor(
      'meta to mark the shard down',
      async () =>
        (await admin.query('SHOW SHARDS')).rows.some(
          (s: { shard_id: number; live: boolean }) => s.shard_id === down && !s.live,
        ),
      10_000,
    );
    const again = await admin.query(`MOVE RANGE ${before.range_id} TO SHARD ${down}`).then(
      () => null,
      (err: { code?: string; message?: string }) => err,
    );
    expect(again?.code).to.equal('55000');
    expect(again?.message).to.contain('down');
  });
});
