/**
 * Starts test/support/memoryProxyMain.js as a child process (forked with IPC, as the
 * launcher forks the proxy) and waits for its {ready, address} message.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { waitFor } from './waitFor';

export interface MemoryProxyProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything the primary and its workers logged so far. */
  output(): string;
  /** Live child processes of the primary (its workers). */
  workerPids(): number[];
  /** Resolves with the exit code once the primary has exited. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL to whatever is left after the deadline. */
  stop(): Promise<void>;
}

const mainScript = path.resolve(__dirname, 'memoryProxyMain.js');

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function childPids(parent: number): number[] {
  const r = spawnSync('ps', ['-o', 'pid=', '--ppid', String(parent)], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => n > 0);
}

export async function startMemoryProxy(
  args: string[],
  env: Record<string, string> = {},
): Promise<MemoryProxyProcess> {
  const child = fork(mainScript, args, {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, ...env },
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  let address: string | undefined;
  child.on('message', (m: unknown) => {
    const a = (m as { ready?: boolean; address?: string }).address;
    if ((m as { ready?: boolean }).ready === true && typeof a === 'string') address = a;
  });
  let workers: number[] = [];
  const handle: MemoryProxyProcess = {
    child,
    port: 0,
    output: () => out,
    workerPids: () => childPids(child.pid ?? 0),
    exited,
    async stop() {
      workers = handle.workerPids();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
      for (const pid of workers) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    },
  };
  try {
    await waitFor(
      'memory proxy ready',
      () => {
        if (child.exitCode !== null)
          throw new Error(`memory proxy exited (${child.exitCode}):\n${out}`);
        return address;
      },
      30_000,
    );
  } catch (err) {
    await handle.stop();
    throw err;
  }
  const port = Number((address as string).slice((address as string).lastIndexOf(':') + 1));
  return { ...handle, port };
}
