/**
 * CHECKPOINT across the cluster: every registered shard flushes its memtable and runs the
 * compactions that are due (shard.checkpoint), in parallel. PostgreSQL's CHECKPOINT writes
 * its dirty pages out so that what follows does not pay for them; ours settles the LSM, so a
 * bulk load's flush and compaction debt is paid before, not during, what the user runs next.
 */
import type { MetaClient } from '../../common/clients/metaClient';
import type { ShardClients } from '../../common/clients/shardClients';
import { SqlError, SqlState } from '../../common/errors';
import type { RoleDef } from '../../common/catalog/schema';
import { isSuperuser } from '../catalog/terminate';

/**
 * A compaction of a large load can take minutes; a cancel or statement_timeout ends the
 * session's wait sooner (session.ts), while the shards finish what they started.
 */
const CHECKPOINT_TIMEOUT_MS = 30 * 60_000;

/**
 * PostgreSQL 15 lets superusers and pg_checkpoint members run it: a checkpoint costs the
 * whole cluster I/O. We have no pg_checkpoint role, so superusers only.
 */
export async function checkpointShards(
  meta: MetaClient,
  shards: ShardClients,
  user: string,
  roles: readonly RoleDef[],
): Promise<void> {
  if (!isSuperuser(user, roles))
    throw new SqlError(
      SqlState.insufficientPrivilege,
      'must be superuser or have privileges of pg_checkpoint to do CHECKPOINT',
    );
  const { shards: members } = await meta.ranges();
  await Promise.all(
    members.map((s) =>
      shards.get(s.address).call('shard.checkpoint', {}, { timeoutMs: CHECKPOINT_TIMEOUT_MS }),
    ),
  );
}
