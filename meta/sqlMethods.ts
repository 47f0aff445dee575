/**
 * Meta RPC methods the SQL engine uses beyond createTable/dropTable: one method,
 * `meta.sqlCommand`, proposes the catalog commands of catalogCommands.ts (ALTER TABLE,
 * splits and merges, sequences, schemas); `meta.sqlCatalog` reads sequences and schemas.
 */
import type { RpcHandler } from '../common/rpc';
import { SqlError, SqlState } from '../common/errors';
import type { Logger } from '../common/logger';
import type { MetaCommand } from './commands';
import type { MetaStateMachine } from './stateMachine';

const ALLOWED = new Set([
  'alterTable',
  'splitRanges',
  'mergeRange',
  'rangeMove',
  'createSequence',
  'dropSequence',
  'nextSequence',
  'createSchema',
]);

export function sqlMethods(
  machine: MetaStateMachine,
  /** Proposes a client's command with the request id of its RPC body (clientSessions.ts). */
  propose: (body: unknown, c: MetaCommand) => Promise<unknown>,
  logger: Logger,
  /** Resolves once this node may answer reads linearizably (ReadIndex on the leader). */
  readBarrier: () => Promise<void>,
): Array<[string, RpcHandler]> {
  return [
    [
      'meta.sqlCommand',
      async (body) => {
        const command = (body as { command?: MetaCommand }).command;
        if (!command || !ALLOWED.has(command.type))
          throw new SqlError(SqlState.internalError, 'bad meta request: unknown sql command');
        const result = await propose(body, command);
        if (command.type !== 'nextSequence')
          logger.info({ command: command.type }, 'catalog changed');
        return {
          result,
          catalogVersion: machine.catalogVersion,
          rangeVersion: machine.rangeVersion,
        };
      },
    ],
    [
      'meta.sqlCatalog',
      async () => {
        await readBarrier();
        // Roles without their password verifiers: pg_roles shows '********', never a verifier.
        const roles = machine.roles.map(({ passwordVerifier: _v, ...role }) => role);
        return {
          version: machine.catalogVersion,
          sequences: machine.sequences,
          schemas: machine.schemas,
          roles,
          databases: machine.databases,
        };
      },
    ],
  ];
}
