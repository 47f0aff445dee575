/**
 * A private PostgreSQL 15 server for tests and benchmarks: a fresh data directory under
 * os.tmpdir(), trust authentication on 127.0.0.1 only, a free TCP port, the unix socket
 * inside the data directory (so it never collides with a system cluster), fsync on.
 *
 * We run as root; PostgreSQL refuses to run as root, so initdb and pg_ctl run as the
 * `postgres` user through `runuser -u postgres -- …`.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * What the benchmarks start PostgreSQL with: its own defaults where the tests' server
 * differs. The tests run several servers at once and keep shared_buffers at 32MB; a
 * benchmark compares with PostgreSQL as installed (128MB), which at pgbench scale 10
 * holds the accounts table in its buffers instead of writing pages back mid-run.
 */
export const BENCH_POSTGRES: StartPostgresOptions = { extraConf: ['shared_buffers = 128MB'] };

export interface StartPostgresOptions {
  /** TCP port; a free one is chosen when absent. */
  readonly port?: number;
  /** Data directory; must be absent or empty. A fresh one under os.tmpdir() when absent. */
  readonly dataDir?: string;
  /** Extra postgresql.conf lines, e.g. ['log_statement = all']. */
  readonly extraConf?: readonly string[];
  /** How long to wait for the server to accept connections (ms). Default 30 000. */
  readonly startTimeoutMs?: number;
}

export interface PostgresServer {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** postgres://postgres@127.0.0.1:port/postgres */
  readonly connectionString: string;
  /** pg_ctl stop -m fast, then removes the data directory. Safe to call twice. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const PG_MAJOR = '15';
const PACKAGE = `postgresql-${PG_MAJOR}`;

interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

function run(cmd: string, args: readonly string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          const e = new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`);
          reject(e);
          return;
        }
        resolve({ stdout, stderr });
      },
    );
  });
}

/** The directory holding initdb/pg_ctl of PostgreSQL 15, or null when not installed. */
export function findPostgresBinDir(): string | null {
  const standard = `/usr/lib/postgresql/${PG_MAJOR}/bin`;
  if (existsSync(path.join(standard, 'initdb')) && existsSync(path.join(standard, 'pg_ctl'))) {
    return standard;
  }
  // Fall back to pg_config (a source build or another layout); accept it only if it is 15.
  const r = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (r.status === 0) {
    const dir = r.stdout.trim();
    if (existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'))) {
      const v = spawnSync(path.join(dir, 'pg_ctl'), ['--version'], { encoding: 'utf8' });
      if (v.status === 0 && new RegExp(`\\b${PG_MAJOR}\\.`).test(v.stdout)) return dir;
    }
  }
  return null;
}

/** Installs postgresql-15 with apt-get when initdb is absent (CI runs on clean machines). */
export async function installPostgresIfMissing(): Promise<void> {
  if (findPostgresBinDir() !== null) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', PACKAGE]]) {
    const r = spawnSync('apt-get', args, { env, stdio: 'inherit', timeout: 15 * 60_000 });
    if (r.status !== 0) {
      throw new Error(
        `apt-get ${args.join(' ')} failed (status ${r.status}); install ${PACKAGE} by hand`,
      );
    }
  }
  if (findPostgresBinDir() === null) {
    throw new Error(`${PACKAGE} was installed but initdb/pg_ctl are still not found`);
  }
}

/** Asks the kernel for a free port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once a TCP connection to host:port succeeds, or rejects at the deadline. */
async function waitForTcp(port: number, deadline: number): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: HOST, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`PostgreSQL did not accept connections on ${HOST}:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** postgres user's uid/gid, from `id`. */
function postgresIds(): { uid: number; gid: number } {
  const u = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (u.status !== 0 || g.status !== 0) {
    throw new Error(
      `no 'postgres' system user; install ${PACKAGE} (apt-get install -y ${PACKAGE})`,
    );
  }
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

function asPostgres(bin: string, args: readonly string[]): [string, string[]] {
  if (process.getuid && process.getuid() !== 0) return [bin, [...args]];
  return ['runuser', ['-u', 'postgres', '--', bin, ...args]];
}

/** Data dirs of servers still running, stopped synchronously if the process exits first. */
const running = new Map<string, string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [dataDir, pgCtl] of running) {
      const [cmd, args] = asPostgres(pgCtl, [
        'stop',
        '-D',
        dataDir,
        '-m',
        'immediate',
        '-w',
        '-t',
        '10',
      ]);
      spawnSync(cmd, args, { stdio: 'ignore' });
      spawnSync('rm', ['-rf', dataDir], { stdio: 'ignore' });
    }
  });
}

/** Starts a private PostgreSQL 15 server. */
export async function startPostgres(opts: StartPostgresOptions = {}): Promise<PostgresServer> {
  const binDir = findPostgresBinDir();
  if (binDir === null) {
    throw new Error(
      `PostgreSQL ${PG_MAJOR} is not installed (no initdb/pg_ctl under /usr/lib/postgresql/${PG_MAJOR}/bin ` +
        `or pg_config --bindir): apt-get install -y ${PACKAGE}, or call installPostgresIfMissing()`,
    );
  }
  const initdb = path.join(binDir, 'initdb');
  const pgCtl = path.join(binDir, 'pg_ctl');
  const { uid, gid } = postgresIds();
  const timeoutMs = opts.startTimeoutMs ?? 30_000;

  const dataDir = opts.dataDir ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'sharddb-pg-')));
  await fsp.mkdir(dataDir, { recursive: true, mode: 0o700 });
  if ((await fsp.readdir(dataDir)).length > 0)
    throw new Error(`data directory ${dataDir} is not empty`);
  await fsp.chown(dataDir, uid, gid);
  await fsp.chmod(dataDir, 0o700);

  let started = false;
  try {
    // --no-sync only skips initdb's own final fsync of a throwaway directory; the server
    // itself runs with fsync = on below.
    const [c1, a1] = asPostgres(initdb, [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    await run(c1, a1, 120_000);

    // Only loopback TCP and the private unix socket; trust auth (pg_hba is replaced).
    await fsp.writeFile(
      path.join(dataDir, 'pg_hba.conf'),
      ['local all all trust', `host all all ${HOST}/32 trust`, ''].join('\n'),
    );

    let lastErr: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = opts.port ?? (await freePort());
      const conf = [
        `listen_addresses = '${HOST}'`,
        `port = ${port}`,
        `unix_socket_directories = '${dataDir}'`,
        'fsync = on',
        'max_connections = 100',
        'shared_buffers = 32MB',
        ...(opts.extraConf ?? []),
      ];
      await fsp.writeFile(path.join(dataDir, 'postgresql.auto.conf'), conf.join('\n') + '\n');
      for (const f of ['pg_hba.conf', 'postgresql.auto.conf'])
        await fsp.chown(path.join(dataDir, f), uid, gid);

      const deadline = Date.now() + timeoutMs;
      const [c2, a2] = asPostgres(pgCtl, [
        'start',
        '-D',
        dataDir,
        '-l',
        path.join(dataDir, 'server.log'),
        '-w',
        '-t',
        String(Math.ceil(timeoutMs / 1000)),
      ]);
      try {
        await run(c2, a2, timeoutMs + 5_000);
        running.set(dataDir, pgCtl);
        installExitHook();
        started = true;
        await waitForTcp(port, deadline);
      } catch (err) {
        lastErr = err;
        // The port may have been taken between freePort() and the bind; try another one.
        const log = await fsp.readFile(path.join(dataDir, 'server.log'), 'utf8').catch(() => '');
        if (started) await stopServer(pgCtl, dataDir, false);
        started = false;
        if (opts.port !== undefined || !/could not bind|Address already in use/i.test(log)) {
          throw new Error(`${(err as Error).message}\nserver.log:\n${log}`, { cause: err });
        }
        continue;
      }
      let stopped = false;
      return {
        port,
        host: HOST,
        dataDir,
        connectionString: `postgres://postgres@${HOST}:${port}/postgres`,
        async stop(): Promise<void> {
          if (stopped) return;
          stopped = true;
          await stopServer(pgCtl, dataDir, true);
        },
      };
    }
    throw lastErr instanceof Error ? lastErr : new Error('PostgreSQL failed to start');
  } catch (err) {
    if (!started) await fsp.rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

async function stopServer(pgCtl: string, dataDir: string, removeDir: boolean): Promise<void> {
  const [cmd, args] = asPostgres(pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30']);
  try {
    await run(cmd, args, 40_000);
  } finally {
    running.delete(dataDir);
    if (removeDir) await fsp.rm(dataDir, { recursive: true, force: true });
  }
}
