/**
 * What every role's main.ts does around its library: read and validate config, print it
 * once (secrets masked), log fatal errors, and stop cleanly on SIGINT, SIGTERM, or when
 * the launcher that forked us goes away (its IPC channel closes). npm does not pass
 * SIGTERM on to `npm start`'s children (DESIGN.md), so the IPC channel is what keeps a
 * cluster from outliving its launcher. A node refused at start (bad configuration, a data
 * directory in use by another live node) says why on stderr and exits 2, no stack trace.
 */
import { ConfigError, ConfigSpec, describeConfig, loadConfig } from './config';
import { DataDirInUseError } from './dataDirLock';
import { createLogger, installProcessGuards, Logger } from './logger';
import { readSecretFile } from './secret';

export interface Closable {
  close(): Promise<void>;
}

/** Resolves the secret from --secret or --secret-file; one of them is required. */
export function resolveSecret(raw: { secret: string; secretFile: string }): string {
  if (raw.secret !== '') return raw.secret;
  if (raw.secretFile !== '') return readSecretFile(raw.secretFile);
  throw new ConfigError([
    'a cluster secret is required: --secret-file (or SHARDDB_CLUSTER_SECRET_FILE) or SHARDDB_CLUSTER_SECRET',
  ]);
}

export function runRole<Raw>(
  role: 'meta' | 'shard' | 'proxy',
  spec: ConfigSpec<Raw>,
  nodeName: (raw: Raw) => string,
  start: (raw: Raw, logger: Logger) => Promise<Closable>,
): void {
  let raw: Raw;
  try {
    raw = loadConfig(spec);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const logger = createLogger({ role, node: nodeName(raw) });
  installProcessGuards(logger);
  logger.info({ config: describeConfig(spec, raw) }, `${role} starting`);
  let node: Closable | null = null;
  let stopping = false;
  const stop = (why: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ why }, `${role} stopping`);
    const done = (code: number): void => {
      logger.flush();
      setTimeout(() => process.exit(code), 20);
    };
    const forced = setTimeout(() => {
      logger.error('clean shutdown took over 10 s; exiting anyway');
      done(1);
    }, 10_000);
    forced.unref();
    (node ? node.close() : Promise.resolve()).then(
      () => done(0),
      (err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        done(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  if (process.send) process.on('disconnect', () => stop('launcher went away'));
  start(raw, logger).then(
    (started) => {
      node = started;
      if (stopping) void started.close();
    },
    (err: unknown) => {
      if (err instanceof ConfigError || err instanceof DataDirInUseError) {
        // An operator's problem, not a bug: one clear line on stderr and in the log, no
        // stack trace, and exit 2 as for the configuration errors above.
        process.stderr.write(`${role} refused to start: ${err.message}\n`);
        logger.fatal({ reason: err.name }, `${role} refused to start: ${err.message}`);
        logger.flush();
        setTimeout(() => process.exit(2), 20);
        return;
      }
      logger.fatal({ err }, `${role} failed to start`);
      logger.flush();
      setTimeout(() => process.exit(1), 20);
    },
  );
}
