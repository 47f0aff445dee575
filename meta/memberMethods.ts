/**
 * Membership of the meta group at run time (meta/PROTOCOL.md "Membership and addresses"):
 * `meta.addMember {id, address}` and `meta.removeMember {id}` on the leader, one voter at a
 * time (Raft thesis §4.1, single-server changes; the core refuses a second change while one
 * is uncommitted).
 *
 * Adding: the new node must already run (started with --join, so it has no configuration of
 * its own) and answer at its address; then one entry records its address (every member's
 * transport connects to it when applying that entry), and a conf-change entry makes it a
 * voter. The leader brings its log up to date by entries or a snapshot, as for any follower.
 * Removing the leader itself is allowed: it steps down once the change commits (§4.2.2) and
 * the others elect a new leader.
 */
import { RpcClient, type RpcHandler } from '../common/rpc';
import { parseAddress } from '../common/config';
import { SqlError, SqlState } from '../common/errors';
import type { Logger } from '../common/logger';
import type { MetaCommand } from './commands';
import type { MetaPeer } from './config';
import type { ReplicatedLog } from './replicatedLog';

/** How long the leader waits for a new member to answer before adding it. */
const PROBE_TIMEOUT_MS = 2000;

function bad(message: string): SqlError {
  return new SqlError(SqlState.invalidParameterValue, message);
}

function memberId(v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
    throw bad('a meta member id is a positive integer');
  return v;
}

export function memberMethods(
  log: ReplicatedLog,
  propose: (c: MetaCommand) => Promise<unknown>,
  logger: Logger,
  secret: string,
): Array<[string, RpcHandler]> {
  function leaderOnly(): void {
    if (!log.isLeader()) throw log.notLeader();
  }

  /** The node at address must answer as Raft node `id` (a typo must not cost a voter). */
  async function probe(id: number, address: string): Promise<void> {
    const client = new RpcClient({
      address,
      secret,
      name: 'meta-membership',
      logger,
      defaultTimeoutMs: PROBE_TIMEOUT_MS,
    });
    try {
      const status = await client.call<{ id: number }>(
        'meta.raftStatus',
        {},
        { timeoutMs: PROBE_TIMEOUT_MS },
      );
      if (status.id !== id)
        throw new SqlError(
          SqlState.objectNotInPrerequisiteState,
          `the meta node at ${address} is node ${status.id}, not ${id}`,
        );
    } catch (err) {
      if (err instanceof SqlError) throw err;
      throw new SqlError(
        SqlState.objectNotInPrerequisiteState,
        `meta node ${id} does not answer at ${address}: ${(err as Error).message}`,
        { hint: 'Start it first with --node-id, --listen and --join.' },
      );
    } finally {
      client.close();
    }
  }

  return [
    [
      'meta.addMember',
      async (body): Promise<{ members: MetaPeer[] }> => {
        const b = (body ?? {}) as { id?: unknown; address?: unknown };
        const id = memberId(b.id);
        if (typeof b.address !== 'string') throw bad('addMember needs an address');
        const address = b.address;
        try {
          parseAddress(address);
        } catch (err) {
          throw bad(`invalid meta address "${address}": ${(err as Error).message}`);
        }
        leaderOnly();
        const current = log.members().find((m) => m.id === id);
        if (current) {
          if (current.address === address) return { members: log.members() };
          throw new SqlError(
            SqlState.duplicateObject,
            `meta member ${id} already exists (at ${current.address})`,
          );
        }
        await probe(id, address);
        await propose({ type: 'setMetaMember', id, address });
        await log.changeMembership('addNode', id);
        logger.info({ id, address, members: log.members() }, 'meta member added');
        return { members: log.members() };
      },
    ],
    [
      'meta.removeMember',
      async (body): Promise<{ members: MetaPeer[] }> => {
        const id = memberId((body as { id?: unknown } | null)?.id);
        leaderOnly();
        const members = log.members();
        if (!members.some((m) => m.id === id))
          throw new SqlError(SqlState.undefinedObject, `meta member ${id} does not exist`);
        if (members.length === 1)
          throw new SqlError(
            SqlState.objectNotInPrerequisiteState,
            'cannot remove the last meta member',
          );
        await log.changeMembership('removeNode', id);
        // Removing ourselves: we have stepped down by now (the change committed), and the
        // members left elect a leader among themselves.
        const after = members.filter((m) => m.id !== id);
        logger.info({ id, members: after }, 'meta member removed');
        return { members: after };
      },
    ],
  ];
}
