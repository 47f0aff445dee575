/**
 * JSON-lines logging with pino. Each process makes one root logger tagged with its role
 * and node name; each component takes a child ({ component }), so a line always says who
 * wrote it.
 */
import pino from 'pino';

export type Logger = pino.Logger;

export interface LoggerOptions {
  readonly role: 'meta' | 'shard' | 'proxy' | 'cluster' | 'test' | 'bench';
  readonly node: string;
  /** Default: $SHARDDB_LOG_LEVEL, else 'info'. */
  readonly level?: string;
  /** Where lines go; default stdout. */
  readonly destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? process.env.SHARDDB_LOG_LEVEL ?? 'info';
  return pino(
    {
      level,
      base: { role: options.role, node: options.node, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}

/** A logger that writes nothing: for pure cores under test. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * Every role logs an unhandled rejection or exception and exits non-zero (CONVENTIONS:
 * "no unhandled promise rejections"): a half-broken process is worse than a restart.
 */
export function installProcessGuards(logger: Logger): void {
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection; exiting');
    logger.flush();
    process.exit(70);
  });
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception; exiting');
    logger.flush();
    process.exit(70);
  });
}
