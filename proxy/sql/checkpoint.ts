/**
 * CHECKPOINT across the cluster: every registered shard flushes its memtable and runs the
 * compactions that are due (shard.checkpoint), in parallel. PostgreSQL's CHECKPOINT writes
 * its dirty pages out so that what follows does not pay for them; ours settles the LSM, so a
 * bulk load's flush and compaction debt is paid before, not during, what the user runs next.
 */
import type { MetaClient } from '../../common/clients/metaClient';
import type { ShardClients } from '../../common/clients/shardClients';

/** A compaction of a large load can take minutes; statement_timeout or a cancel ends it sooner. */
const CHECKPOINT_TIMEOUT_MS = 30 * 60_000;

export async function checkpointShards(meta: MetaClient, shards: ShardClients): Promise<void> {
  const { shards: members } = await meta.ranges();
  await Promise.all(
    members.map((s) =>
      shards.get(s.address).call('shard.checkpoint', {}, { timeoutMs: CHECKPOINT_TIMEOUT_MS }),
    ),
  );
}
