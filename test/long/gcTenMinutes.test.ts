/**
 * GC over a long update-heavy run (issue 8): with gc_life_time 30 s, writers update a few
 * hot rows as fast as they can for SHARDDB_GC_RUN_MS (default 10 minutes). A REPEATABLE
 * READ transaction opened before the run holds the safe point for the first third: every
 * few seconds it re-reads its snapshot (always the starting values), and the safe point
 * never passes its start_ts — it is the transaction holding it (the safe point sits
 * exactly between the timestamps taken just before its BEGIN and just after its first
 * read). Once it ends, the safe point moves on, GC removes the versions the hold kept, and
 * from then on the number of MVCC versions per key (shard.mvccStats) stays bounded by
 * what gc_life_time and the update rate allow, far below the updates each key received.
 *
 * Not in `npm test` (it runs for minutes): `npm run test:long`, or
 * `SHARDDB_GC_RUN_MS=90000 npx mocha dist/test/long/gcTenMinutes.test.js`.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { MetaClient } from '../../common/clients/metaClient';
import { ShardClients } from '../../common/clients/shardClients';
import { silentLogger } from '../../common/logger';
import { tableStart, tableEnd } from '../../common/catalog/keyspace';
import type { VersionStatsResult } from '../../shard/mvcc';
import { startInProcessCluster, type InProcessCluster } from '../support/inProcessCluster';
import { waitFor } from '../support/waitFor';

const RUN_MS = Number(process.env.SHARDDB_GC_RUN_MS ?? 600_000);
const GC_LIFE_MS = Number(process.env.SHARDDB_GC_LIFE_MS ?? 30_000);
const HOLD_MS = Math.max(GC_LIFE_MS + 10_000, Math.round(RUN_MS / 3));
const SAMPLE_MS = 5_000;
/** Safe point → shard → GC pass: meta recomputes every 1 s, shards heartbeat every 1 s. */
const GC_LAG_MS = 10_000;
/** Proxy report (at once when a transaction opens) → meta recomputes the safe point (1 s). */
const HELD_LAG_MS = 4_000;
const ROWS = 10;
const WRITERS = 4;
const LOGICAL_BITS = 18n;

interface Sample {
  readonly atMs: number;
  readonly phase: 'hold' | 'after';
  readonly stats: VersionStatsResult;
  readonly safePointMs: number;
  readonly updates: number;
}

describe(`GC over a ${RUN_MS / 1000} s update-heavy run, gc_life_time ${GC_LIFE_MS / 1000} s`, function () {
  this.timeout(RUN_MS + 180_000);
  let cluster: InProcessCluster;
  let meta: MetaClient;
  let shards: ShardClients;

  before(async () => {
    cluster = await startInProcessCluster({
      shards: 1,
      gcLifeTimeMs: GC_LIFE_MS,
      gcIntervalMs: 1000,
    });
    meta = new MetaClient({
      addresses: [cluster.meta.address],
      secret: cluster.secret,
      name: 'gc-test',
      logger: silentLogger(),
    });
    shards = new ShardClients(cluster.secret, 'gc-test', silentLogger());
  });
  after(async () => {
    shards.close();
    meta.close();
    await cluster.close();
  });

  it('keeps versions per key bounded, and an old REPEATABLE READ snapshot readable while it holds the safe point', async () => {
    const setup = new Client(cluster.url);
    await setup.connect();
    await setup.query('CREATE TABLE hot (id int PRIMARY KEY, n bigint NOT NULL)');
    const values = Array.from({ length: ROWS }, (_, i) => `(${i}, 0)`).join(', ');
    await setup.query(`INSERT INTO hot VALUES ${values}`);
    await setup.end();
    const tableId = (await meta.catalog()).tables.find((t) => t.name === 'hot')?.id as number;
    const span = { start: tableStart(tableId), end: tableEnd(tableId) };
    const shard = shards.get(cluster.shards[0].address);
    const stats = (): Promise<VersionStatsResult> =>
      shard.call<VersionStatsResult>('shard.mvccStats', span);
    const safePoint = async (): Promise<bigint> => (await meta.safePoint()).safePoint;

    // The old transaction, its start_ts bracketed by two TSO timestamps.
    const old = new Client(cluster.url);
    await old.connect();
    const beforeBegin = await meta.timestamp();
    await old.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const snapshot = (await old.query('SELECT id, n FROM hot ORDER BY id')).rows;
    const afterRead = await meta.timestamp();
    expect(snapshot).to.have.length(ROWS);
    const oldReads = async (): Promise<void> => {
      const now = (await old.query('SELECT id, n FROM hot ORDER BY id')).rows;
      expect(now, 'the old snapshot, read again').to.deep.equal(snapshot);
      const agg = await old.query('SELECT sum(n)::bigint AS s, count(*)::int AS c FROM hot');
      expect(agg.rows[0]).to.deep.equal({ s: '0', c: ROWS });
    };

    const started = Date.now();
    const deadline = started + RUN_MS;
    const holdUntil = started + HOLD_MS;
    let updates = 0;
    const writer = async (w: number): Promise<void> => {
      const c = new Client(cluster.url);
      await c.connect();
      try {
        let i = w;
        while (Date.now() < deadline) {
          await c.query('UPDATE hot SET n = n + 1 WHERE id = $1', [i % ROWS]);
          updates++;
          i += WRITERS;
        }
      } finally {
        await c.end();
      }
    };

    const samples: Sample[] = [];
    let heldFromMs = -1;
    const sampler = async (): Promise<void> => {
      let oldOpen = true;
      let next = started;
      while (Date.now() < deadline) {
        next += SAMPLE_MS;
        while (Date.now() < Math.min(next, deadline)) await new Promise((r) => setTimeout(r, 100));
        const sp = await safePoint();
        if (oldOpen) {
          // The safe point never passes the open transaction's start_ts…
          expect(sp < afterRead, 'safe point below the open transaction').to.equal(true);
          // …and once gc_life_time has passed, that transaction is what holds it back.
          if (Date.now() - started > GC_LIFE_MS + HELD_LAG_MS) {
            expect(sp > beforeBegin, 'safe point held exactly at the old transaction').to.equal(
              true,
            );
            if (heldFromMs < 0) heldFromMs = Date.now() - started;
          }
          await oldReads();
        }
        samples.push({
          atMs: Date.now() - started,
          phase: oldOpen ? 'hold' : 'after',
          stats: await stats(),
          safePointMs: Number(sp >> LOGICAL_BITS) - started,
          updates,
        });
        if (oldOpen && Date.now() >= holdUntil) {
          await old.query('COMMIT');
          oldOpen = false;
        }
      }
    };
    try {
      await Promise.all([...Array.from({ length: WRITERS }, (_, w) => writer(w)), sampler()]);
    } finally {
      await old.end();
    }
    // After the hold, the safe point moved past the old transaction.
    await waitFor(
      'the safe point to pass the old transaction',
      async () => (await safePoint()) > afterRead,
      15_000,
    );

    const table = samples
      .map(
        (s) =>
          `${(s.atMs / 1000).toFixed(0)}s ${s.phase} max/key=${s.stats.maxVersionsPerKey} versions=${s.stats.versions} locks=${s.stats.locks} records=${s.stats.writeRecords} updates=${s.updates} safePoint=${(s.safePointMs / 1000).toFixed(1)}s`,
      )
      .join('\n        ');
    console.log(`      GC samples (t, phase, versions per key, …):\n        ${table}`);

    // The bound at each sample: every update of the last gc_life_time (+ GC lag) may
    // still be kept, with slack — from the update counts sampled, as the update rate
    // varies with the machine's load.
    const window = GC_LIFE_MS + GC_LAG_MS;
    const boundAt = (s: Sample): number => {
      const from = [...samples].reverse().find((x) => x.atMs <= s.atMs - window);
      return 1 + Math.ceil((1.5 * (s.updates - (from?.updates ?? 0))) / ROWS);
    };
    const steady = samples.filter(
      (s) => s.phase === 'after' && s.atMs >= HOLD_MS + GC_LIFE_MS + GC_LAG_MS,
    );
    const peakHold = Math.max(
      ...samples.filter((s) => s.phase === 'hold').map((s) => s.stats.maxVersionsPerKey),
    );
    const steadyMax = Math.max(...steady.map((s) => s.stats.maxVersionsPerKey));
    const over = steady.filter((s) => s.stats.maxVersionsPerKey > boundAt(s));
    console.log(
      `      GC: ${updates} updates (${(updates / ROWS).toFixed(0)} per key); safe point held from ${(heldFromMs / 1000).toFixed(0)} s to ${(HOLD_MS / 1000).toFixed(0)} s; ` +
        `versions per key: ${peakHold} at the end of the hold, at most ${steadyMax} in the steady state after it`,
    );
    expect(heldFromMs, 'the old transaction was seen holding the safe point').to.be.at.least(0);
    expect(steady.length, 'samples in the steady state after the hold').to.be.at.least(2);
    expect(
      over.map((s) => `${s.atMs} ms: ${s.stats.maxVersionsPerKey} > ${boundAt(s)}`),
      'versions per key above what the last gc_life_time of updates explains',
    ).to.deep.equal([]);
    // What the hold kept (every update since the start) is gone once a window has passed.
    expect(
      steady.filter((s) => s.stats.maxVersionsPerKey >= (0.8 * s.updates) / ROWS).length,
      'steady samples still holding (nearly) the whole history',
    ).to.equal(0);
    expect(steadyMax, 'far below the history each key had').to.be.below((0.6 * updates) / ROWS);
    // No lock or record is left piling up either.
    expect(steady.every((s) => s.stats.locks <= WRITERS)).to.equal(true);
  });
});
