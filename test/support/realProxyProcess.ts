/**
 * The real proxy (dist/proxy/main.js) as a child process in front of a cluster the test
 * already runs (an in-process meta and shards): for tests about the proxy's process shape
 * — --workers N forks pgwire workers that each run the real SQL engine.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { childPids, isAlive } from './memoryProxyProcess';
import { waitFor } from './waitFor';

export interface RealProxyProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything the primary and its workers logged so far. */
  output(): string;
  /** SIGTERM, then SIGKILL to whatever is left after the deadline. */
  stop(): Promise<void>;
}

const mainScript = path.resolve(__dirname, '../../proxy/main.js');

export async function startRealProxy(
  metaAddress: string,
  secret: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<RealProxyProcess> {
  const child = fork(
    mainScript,
    ['--listen', '127.0.0.1:0', '--meta', metaAddress, '--catalog-poll-ms', '100', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, SHARDDB_CLUSTER_SECRET: secret, ...env },
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let address: string | undefined;
  child.on('message', (m: unknown) => {
    const r = m as { ready?: boolean; address?: string };
    if (r.ready === true && typeof r.address === 'string') address = r.address;
  });
  const stop = async (): Promise<void> => {
    const workers = childPids(child.pid ?? 0);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(t);
    for (const pid of workers) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  };
  try {
    await waitFor(
      'proxy ready',
      () => {
        if (child.exitCode !== null) throw new Error(`proxy exited (${child.exitCode}):\n${out}`);
        return address;
      },
      30_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const a = address as string;
  return { child, port: Number(a.slice(a.lastIndexOf(':') + 1)), output: () => out, stop };
}
