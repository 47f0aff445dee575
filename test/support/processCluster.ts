/**
 * A cluster of real child processes, started through the same launcher as `npm start`
 * (dist/scripts/cluster.js) on an ephemeral proxy port, for tests about processes:
 * restarts, crashes, kill -9.
 */
import { spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor } from './waitFor';

export interface ProcessCluster {
  readonly launcher: ChildProcess;
  readonly proxyPort: number;
  readonly url: string;
  readonly output: () => string;
  /** SIGTERM to the launcher; resolves when it has exited. */
  stop(): Promise<void>;
  nodes(): Array<{ name: string; role: string; pid: number; address: string; running: boolean }>;
}

const launcherScript = path.resolve(__dirname, '../../scripts/cluster.js');

export async function startProcessCluster(
  dataDir: string,
  extraArgs: string[] = [],
): Promise<ProcessCluster> {
  const launcher = spawn(
    process.execPath,
    [launcherScript, '--data-dir', dataDir, '--port', '0', ...extraArgs],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SHARDDB_LOG_LEVEL: process.env.SHARDDB_LOG_LEVEL ?? 'info' },
    },
  );
  let out = '';
  launcher.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  launcher.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => launcher.once('exit', () => resolve()));
  let failed = false;
  void exited.then(() => (failed = true));
  const address = await waitFor(
    'cluster to start',
    () => {
      if (failed) throw new Error(`launcher exited:\n${out}`);
      return /SHARDDB READY proxy=(\S+)/.exec(out)?.[1];
    },
    60_000,
  ).catch((err: unknown) => {
    if (launcher.exitCode === null) launcher.kill('SIGTERM');
    throw err;
  });
  const proxyPort = Number(address.slice(address.lastIndexOf(':') + 1));
  return {
    launcher,
    proxyPort,
    url: `postgres://postgres@127.0.0.1:${proxyPort}/postgres`,
    output: () => out,
    async stop() {
      if (launcher.exitCode === null && launcher.signalCode === null) launcher.kill('SIGTERM');
      await exited;
    },
    nodes() {
      return (
        JSON.parse(fs.readFileSync(path.join(dataDir, 'cluster.json'), 'utf8')) as {
          nodes: ReturnType<ProcessCluster['nodes']>;
        }
      ).nodes;
    },
  };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
