/**
 * The meta Raft group as real processes (dist/meta/main.js ×3) under kill -9 of its leader:
 * timestamps never repeat or go backwards, no acknowledged catalog change is lost, a new
 * leader serves within seconds, a restarted node catches up; and a key-value register
 * workload stays linearizable (our checker) while a nemesis kills and restarts leaders.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { MetaClient } from '../../common/clients/metaClient';
import { RpcClient } from '../../common/rpc';
import { RpcError, RpcErrorCode } from '../../common/errors';
import { silentLogger } from '../../common/logger';
import type { TableSpec } from '../../common/catalog/schema';
import { startMetaProcesses, MetaProcessGroup } from '../support/metaProcesses';
import { waitFor } from '../support/waitFor';
import { checkHistory, registerModel } from '../support/linearizability';
import type { HistoryEvent, RegisterInput, RegisterOutput } from '../support/linearizability';

type Stamp = { ts: bigint; invoked: number; returned: number };

/** A timestamp asked for after another was returned is larger (the TSO is linearizable). */
function expectRealTimeOrder(all: readonly Stamp[]): void {
  const byReturn = [...all].sort((a, b) => a.returned - b.returned);
  const byInvoke = [...all].sort((a, b) => a.invoked - b.invoked);
  let maxReturned = -1n;
  let j = 0;
  for (const s of byInvoke) {
    while (j < byReturn.length && byReturn[j].returned < s.invoked) {
      if (byReturn[j].ts > maxReturned) maxReturned = byReturn[j].ts;
      j++;
    }
    if (s.ts <= maxReturned)
      expect.fail(`timestamp ${s.ts} asked for after ${maxReturned} was returned`);
  }
}

function tableSpec(name: string): TableSpec {
  return {
    schema: 'public',
    name,
    columns: [{ name: 'k', type: 'int8', nullable: false }],
    primaryKey: ['k'],
  } as unknown as TableSpec;
}

describe('meta Raft group of real processes', function () {
  this.timeout(90_000);
  let dir = '';
  let group: MetaProcessGroup | null = null;
  const clients: Array<{ close(): void }> = [];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meta-cluster-'));
  });
  afterEach(async function () {
    for (const c of clients.splice(0)) c.close();
    await group?.stop();
    group = null;
    if (this.currentTest?.state === 'failed') console.error(`meta logs kept in ${dir}/logs`);
    else fs.rmSync(dir, { recursive: true, force: true });
  });

  function metaClient(g: MetaProcessGroup, name: string): MetaClient {
    const c = new MetaClient({
      addresses: g.addresses,
      secret: g.secret,
      name,
      logger: silentLogger(),
      deadlineMs: 15_000,
    });
    clients.push(c);
    return c;
  }

  it('kill -9 of a leader with a fast clock, under load: timestamps stay unique and increasing, DDL survives, a new leader serves, the node catches up', async () => {
    const g = (group = await startMetaProcesses(dir));
    const admin = metaClient(g, 'admin');
    await g.waitForLeader();
    await admin.registerShard('127.0.0.1:1', 'fake-shard');

    // Four "proxies" take timestamps; one runs DDL. Each records when it asked and got.
    const stamps: Stamp[][] = [];
    const acknowledgedTables: string[] = [];
    const errors: unknown[] = [];
    let stop = false;
    let killedAt = Infinity;
    let firstAfterKill = Infinity;
    const takers = Array.from({ length: 4 }, async (_, p) => {
      const c = metaClient(g, `proxy${p}`);
      const mine: Stamp[] = [];
      stamps.push(mine);
      while (!stop) {
        const invoked = performance.now();
        try {
          const ts = await c.timestamp();
          const returned = performance.now();
          mine.push({ ts, invoked, returned });
          if (invoked > killedAt && returned < firstAfterKill) firstAfterKill = returned;
        } catch (err) {
          errors.push(err);
        }
      }
    });
    const ddl = (async () => {
      const c = metaClient(g, 'ddl');
      for (let i = 0; !stop; i++) {
        try {
          await c.createTable(tableSpec(`t${i}`), false);
          acknowledgedTables.push(`t${i}`);
        } catch (err) {
          // Not acknowledged: may or may not exist; only acknowledged tables are checked.
          if (!(err instanceof RpcError)) errors.push(err);
        }
      }
    })();

    await waitFor(
      'some timestamps and tables before the kill',
      () => stamps.flat().length > 500 && acknowledgedTables.length >= 5,
      15_000,
    );
    const leader = await g.waitForLeader();
    // The leader's clock runs 5 s fast: only the committed high-water mark keeps its
    // successor (whose clock is right) from handing out smaller timestamps.
    await g.skewClock(leader.id, 5000);
    const skewedFrom = stamps.flat().length;
    await waitFor(
      'timestamps from the fast clock',
      () => stamps.flat().length > skewedFrom + 200,
      10_000,
    );
    killedAt = performance.now();
    await g.kill(leader.id, 'SIGKILL');
    await waitFor('timestamps from a new leader', () => firstAfterKill < Infinity, 10_000);
    const failoverMs = firstAfterKill - killedAt;
    const tablesAtFailover = acknowledgedTables.length;
    await waitFor(
      'more DDL after the failover',
      () => acknowledgedTables.length >= tablesAtFailover + 3,
      10_000,
    );
    stop = true;
    await Promise.all([...takers, ddl]);

    expect(errors, 'no caller saw an error (the client rides through the failover)').to.deep.equal(
      [],
    );
    expect(failoverMs, 'a new leader serves timestamps within a few seconds').to.be.lessThan(5000);
    const all = stamps.flat();
    expect(new Set(all.map((s) => s.ts)).size, 'no timestamp repeats').to.equal(all.length);
    for (const mine of stamps)
      for (let i = 1; i < mine.length; i++)
        expect(mine[i].ts > mine[i - 1].ts, 'each caller sees increasing timestamps').to.equal(
          true,
        );
    expectRealTimeOrder(all);

    const catalog = await admin.catalog();
    const names = new Set(catalog.tables.map((t) => t.name));
    for (const t of acknowledgedTables)
      expect(names.has(t), `acknowledged table ${t} survives`).to.equal(true);

    // The killed node comes back on its data dir and catches up with the leader.
    await g.restart(leader.id);
    const target = (await admin.cluster()).metas.find((m) => m.role === 'leader')?.commitIndex ?? 0;
    const back = await waitFor(
      'the restarted node to catch up',
      async () =>
        (await g.statuses()).find(
          (s) => s.id === leader.id && s.role === 'follower' && (s.appliedIndex ?? 0) >= target,
        ),
      15_000,
    );
    expect(back.term).to.be.greaterThan(leader.term ?? 0);
    const view = await admin.cluster();
    expect(view.metas.map((m) => m.role).sort()).to.deep.equal(['follower', 'follower', 'leader']);
    console.log(
      `      failover ${Math.round(failoverMs)} ms, ${all.length} timestamps, ${acknowledgedTables.length} tables`,
    );
  });

  /**
   * Callers that follow the leader, and one that keeps asking the old leader directly (so
   * requests reach it while it is cut off or frozen); then `fault` hits the leader until
   * another one serves, and `heal` ends it. Every timestamp anyone got must be unique and
   * in real-time order.
   */
  async function staleLeaderScenario(
    g: MetaProcessGroup,
    fault: (id: number) => Promise<void>,
    heal: (id: number) => Promise<void>,
  ): Promise<{ pinnedOk: number; pinnedRefused: number; total: number }> {
    const leader = await g.waitForLeader();
    const stamps: Stamp[] = [];
    let stop = false;
    const followers = Array.from({ length: 3 }, async (_, p) => {
      const c = metaClient(g, `proxy${p}`);
      while (!stop) {
        const invoked = performance.now();
        const ts = await c.timestamp();
        stamps.push({ ts, invoked, returned: performance.now() });
      }
    });
    // One caller pinned to each member: the old leader's, and those that will reach the new
    // leader as soon as it serves, while the old one may still believe it leads.
    const pinned = g.members.map(
      (m) =>
        new RpcClient({
          address: m.address,
          secret: g.secret,
          name: 'pinned',
          logger: silentLogger(),
          defaultTimeoutMs: 8000,
        }),
    );
    clients.push(...pinned);
    let pinnedOk = 0;
    let pinnedRefused = 0;
    const pinnedCalls: Array<Promise<void>> = [];
    const pinnedLoop = (async () => {
      while (!stop) {
        for (const [i, client] of pinned.entries()) {
          const invoked = performance.now();
          const old = i === leader.id - 1;
          pinnedCalls.push(
            client.call<bigint>('meta.tso', { count: 1 }).then(
              (ts) => {
                if (old) pinnedOk++;
                stamps.push({ ts, invoked, returned: performance.now() });
              },
              () => {
                if (old) pinnedRefused++;
              },
            ),
          );
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    await waitFor('timestamps before the fault', () => stamps.length > 200, 10_000);
    await fault(leader.id);
    const faultAt = performance.now();
    await waitFor(
      'another leader serving',
      async () =>
        (await g.statuses()).find((s) => s.role === 'leader' && s.tsoServing && s.id !== leader.id),
      15_000,
    );
    await waitFor(
      'timestamps from the new leader for a while',
      () => stamps.some((s) => s.invoked > faultAt + 1500),
      10_000,
    );
    await heal(leader.id);
    await waitFor(
      'the old leader to step down',
      async () => (await g.statuses()).find((s) => s.id === leader.id && s.role !== 'leader'),
      10_000,
    );
    stop = true;
    await Promise.all([...followers, pinnedLoop]);
    await Promise.all(pinnedCalls);

    expect(new Set(stamps.map((s) => s.ts)).size, 'no timestamp repeats').to.equal(stamps.length);
    expectRealTimeOrder(stamps);
    return { pinnedOk, pinnedRefused, total: stamps.length };
  }

  it('a leader cut off by a partition stops handing out timestamps before a new leader starts', async () => {
    const g = (group = await startMetaProcesses(dir));
    const r = await staleLeaderScenario(
      g,
      (id) => g.isolate(id, true),
      (id) => g.isolate(id, false),
    );
    expect(r.pinnedRefused, 'the cut-off leader refused once its lease ran out').to.be.greaterThan(
      0,
    );
    console.log(
      `      ${r.total} timestamps (${r.pinnedOk} from the cut-off leader), ${r.pinnedRefused} refused by it`,
    );
  });

  it('a frozen leader (SIGSTOP) that wakes up deposed hands out no stale timestamp', async () => {
    const g = (group = await startMetaProcesses(dir));
    const r = await staleLeaderScenario(
      g,
      async (id) => g.signal(id, 'SIGSTOP'),
      async (id) => g.signal(id, 'SIGCONT'),
    );
    expect(r.pinnedRefused, 'the thawed leader refused what was queued at it').to.be.greaterThan(0);
    console.log(
      `      ${r.total} timestamps (${r.pinnedOk} from the pinned caller), ${r.pinnedRefused} refused by the thawed leader`,
    );
  });

  it('a key-value register stays linearizable while a nemesis kills, restarts and partitions the leader', async () => {
    const g = (group = await startMetaProcesses(dir));
    await g.waitForLeader();
    const history: Array<HistoryEvent<RegisterInput, RegisterOutput>> = [];
    const keys = ['a', 'b', 'c'];
    let stop = false;
    let unique = 0;
    let nextProcess = 100;

    const rpc = g.addresses.map(
      (address) =>
        new RpcClient({
          address,
          secret: g.secret,
          name: 'lin',
          logger: silentLogger(),
          defaultTimeoutMs: 2000,
          backoffMaxMs: 100,
        }),
    );
    clients.push(...rpc);
    /**
     * One operation, recorded as Jepsen does: NOT_LEADER and "could not connect" mean it was
     * never proposed, so it is retried (within a deadline) or recorded as fail; any other
     * error leaves its outcome unknown (info) and the process is replaced by a fresh one.
     * Each worker keeps its own guess of the leader and moves on after a timeout, so during a
     * partition some workers reach the new leader while others still talk to the old one.
     */
    async function run(
      worker: { leaderGuess: number },
      process: number,
      input: RegisterInput,
    ): Promise<'ok' | 'fail' | 'info'> {
      history.push({ type: 'invoke', process, input });
      const body =
        input.f === 'read'
          ? { op: 'get', key: input.key }
          : input.f === 'write'
            ? { op: 'put', key: input.key, value: input.value }
            : { op: 'cas', key: input.key, from: input.from, to: input.to };
      const deadline = Date.now() + 4000;
      for (;;) {
        const at = worker.leaderGuess;
        try {
          const res = await rpc[at].call<{ value?: string | null; ok?: boolean }>('meta.kv', body, {
            timeoutMs: 1000,
          });
          const output: RegisterOutput =
            input.f === 'read' ? (res.value ?? null) : input.f === 'write' ? null : res.ok === true;
          history.push({ type: 'ok', process, output });
          return 'ok';
        } catch (err) {
          const neverSent =
            err instanceof RpcError &&
            (err.code === RpcErrorCode.notLeader ||
              /cannot connect|unreachable|connect to .* timed out/.test(err.message));
          if (!neverSent && input.f !== 'read') {
            history.push({ type: 'info', process });
            worker.leaderGuess = (at + 1) % rpc.length;
            return 'info';
          }
          // A read has no effect, so a failed one is simply a failure.
          const hint =
            err instanceof RpcError
              ? (err.detail as { leader?: unknown } | undefined)?.leader
              : undefined;
          const i = typeof hint === 'string' ? g.addresses.indexOf(hint) : -1;
          worker.leaderGuess = i >= 0 && i !== at ? i : (at + 1) % rpc.length;
          if (Date.now() > deadline || (!neverSent && input.f === 'read')) {
            history.push({ type: 'fail', process });
            return 'fail';
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }

    const workers = Array.from({ length: 5 }, async (_, w) => {
      let process = w;
      let seed = w * 7919 + 1;
      const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
      const lastSeen = new Map<string, string | null>();
      const self = { leaderGuess: w % rpc.length };
      while (!stop) {
        const key = keys[Math.floor(rand() * keys.length)];
        const k = rand();
        const input: RegisterInput =
          k < 0.5
            ? { f: 'read', key }
            : k < 0.75
              ? { f: 'write', key, value: `w${w}-${++unique}` }
              : { f: 'cas', key, from: lastSeen.get(key) ?? null, to: `c${w}-${++unique}` };
        const outcome = await run(self, process, input);
        if (outcome === 'info') process = nextProcess++;
        const last = history[history.length - 1];
        if (input.f === 'read' && last.type === 'ok')
          lastSeen.set(key, last.output as string | null);
      }
    });

    // The nemesis, four rounds: kill -9 the leader and restart it once another leads, or cut
    // the leader off from its peers (clients still reach it) and heal once another leads.
    let kills = 0;
    let partitions = 0;
    const nemesis = (async () => {
      for (let round = 0; round < 4; round++) {
        await new Promise((r) => setTimeout(r, 800));
        const leader = await g.waitForLeader(15_000);
        if (round % 2 === 0) {
          await g.kill(leader.id, 'SIGKILL');
          kills++;
          await g.waitForLeader(15_000);
          await new Promise((r) => setTimeout(r, 300));
          await g.restart(leader.id);
        } else {
          await g.isolate(leader.id, true);
          partitions++;
          await waitFor(
            'a leader on the majority side',
            async () =>
              (await g.statuses()).find(
                (s) => s.role === 'leader' && s.tsoServing && s.id !== leader.id,
              ),
            15_000,
          );
          await new Promise((r) => setTimeout(r, 500));
          await g.isolate(leader.id, false);
        }
      }
      await new Promise((r) => setTimeout(r, 800));
    })();
    try {
      await nemesis;
    } finally {
      stop = true;
      await Promise.all(workers);
    }

    const oks = history.filter((e) => e.type === 'ok').length;
    const infos = history.filter((e) => e.type === 'info').length;
    const res = checkHistory(registerModel, history);
    console.log(
      `      ${history.length} events, ${oks} ok, ${infos} info, ${kills} leader kills, ${partitions} partitions: ${res.ok ? 'linearizable' : 'NOT linearizable'}`,
    );
    expect([kills, partitions]).to.deep.equal([2, 2]);
    expect(oks, 'the workload made progress').to.be.greaterThan(200);
    expect(res.exhausted ?? false, 'the checker finished its search').to.equal(false);
    expect(
      res.ok,
      `linearizable (partition ${res.partition}, stuck at ${JSON.stringify(res.stuckAt?.slice(0, 5))})`,
    ).to.equal(true);
  });
});
