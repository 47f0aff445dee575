/** RPC methods for databases (databaseCommands.ts): changes through the log, reads behind a barrier. */
import type { RpcHandler } from '../common/rpc';
import { SqlError, SqlState } from '../common/errors';
import type { Logger } from '../common/logger';
import type { MetaCommand } from './commands';
import type { MetaStateMachine } from './stateMachine';

const DATABASE_COMMANDS = new Set(['createDatabase', 'dropDatabase', 'renameDatabase']);

export function databaseMethods(
  machine: MetaStateMachine,
  propose: (body: unknown, c: MetaCommand) => Promise<unknown>,
  logger: Logger,
  readBarrier: () => Promise<void>,
): Array<[string, RpcHandler]> {
  return [
    [
      'meta.databaseCommand',
      async (body) => {
        const command = (body as { command?: MetaCommand } | null)?.command;
        if (!command || !DATABASE_COMMANDS.has(command.type))
          throw new SqlError(SqlState.internalError, 'bad meta request: not a database command');
        const result = await propose(body, command);
        if (result !== null)
          logger.info(
            { command: command.type, database: (command as { name: string }).name },
            'database changed',
          );
        return { result, catalogVersion: machine.catalogVersion };
      },
    ],
    [
      'meta.databases',
      async () => {
        await readBarrier();
        return { version: machine.catalogVersion, databases: machine.databases };
      },
    ],
  ];
}
