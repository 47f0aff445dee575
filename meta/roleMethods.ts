/** RPC methods for roles: changes through the log, reads behind a read barrier. */
import type { RpcHandler } from '../common/rpc';
import { SqlError, SqlState } from '../common/errors';
import type { Logger } from '../common/logger';
import type { MetaCommand } from './commands';
import type { MetaStateMachine } from './stateMachine';

const ROLE_COMMANDS = new Set(['createRole', 'alterRole', 'dropRole']);

export function roleMethods(
  machine: MetaStateMachine,
  /** Proposes a client's command with the request id of its RPC body (clientSessions.ts). */
  propose: (body: unknown, c: MetaCommand) => Promise<unknown>,
  logger: Logger,
  readBarrier: () => Promise<void>,
): Array<[string, RpcHandler]> {
  return [
    [
      'meta.roleCommand',
      async (body) => {
        const command = (body as { command?: MetaCommand }).command;
        if (!command || !ROLE_COMMANDS.has(command.type))
          throw new SqlError(SqlState.internalError, 'bad meta request: not a role command');
        const result = await propose(body, command);
        // Never log the verifier.
        logger.info(
          {
            command: command.type,
            role:
              'name' in command ? command.name : (command as { role: { name: string } }).role.name,
          },
          'role changed',
        );
        return { result, catalogVersion: machine.catalogVersion };
      },
    ],
    [
      'meta.roles',
      async () => {
        await readBarrier();
        return { version: machine.catalogVersion, roles: machine.roles };
      },
    ],
  ];
}
