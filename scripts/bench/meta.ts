/**
 * bench section "meta": the meta Raft group as 3 real processes (dist/meta/main.js).
 *   meta tso_per_s=<n>             timestamps per second from BENCH_TSO_CALLERS (16) callers,
 *                                  each awaiting one timestamp at a time, through one MetaClient
 *                                  (which batches every request in flight into one RPC)
 *   meta failover_ms p50=<n> max=<n>  kill -9 of the leader, BENCH_KILLS (10) times: from the
 *                                  kill to the first timestamp a caller gets from the new leader
 *
 *   node dist/scripts/bench/meta.js   (BENCH_SECONDS=5)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { MetaClient } from '../../common/clients/metaClient';
import { silentLogger } from '../../common/logger';
import { startMetaProcesses } from '../../test/support/metaProcesses';
import { waitFor } from '../../test/support/waitFor';

const seconds = Number(process.env.BENCH_SECONDS ?? '5');
const callers = Number(process.env.BENCH_TSO_CALLERS ?? '16');
const kills = Number(process.env.BENCH_KILLS ?? '10');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-meta-'));
  const group = await startMetaProcesses(dir);
  const client = new MetaClient({
    addresses: group.addresses,
    secret: group.secret,
    name: 'bench',
    logger: silentLogger(),
    deadlineMs: 20_000,
  });
  try {
    await group.waitForLeader();
    // Warm up (connections, JIT), then measure.
    await Promise.all(
      Array.from({ length: callers }, async () => {
        for (let i = 0; i < 2000; i++) await client.timestamp();
      }),
    );
    let count = 0;
    const started = performance.now();
    const end = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (performance.now() < end) {
          await client.timestamp();
          count++;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    console.log(`meta tso_per_s=${Math.round(count / elapsed)}`);

    const failovers: number[] = [];
    for (let k = 0; k < kills; k++) {
      const leader = await group.waitForLeader(20_000);
      await client.timestamp(); // the client knows the leader
      const killedAt = performance.now();
      await group.kill(leader.id, 'SIGKILL');
      await client.timestamp();
      failovers.push(performance.now() - killedAt);
      await group.restart(leader.id);
      // Next round only with all three members caught up.
      const target =
        (await client.cluster()).metas.find((m) => m.role === 'leader')?.commitIndex ?? 0;
      await waitFor(
        'the restarted node to catch up',
        async () =>
          (await group.statuses()).some(
            (s) => s.id === leader.id && (s.appliedIndex ?? 0) >= target,
          ),
        20_000,
      );
    }
    const sorted = [...failovers].sort((a, b) => a - b);
    if (sorted.length > 0)
      console.log(
        `meta failover_ms p50=${Math.round(percentile(sorted, 50))} max=${Math.round(sorted[sorted.length - 1])}`,
      );
  } finally {
    client.close();
    await group.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
