/**
 * A child process that takes a data directory lock, for tests that need a second live
 * process holding (or racing for) it. Usage: fork(dataDirLockHolder.js, [dir]) tries at
 * once; fork(dataDirLockHolder.js, [dir, 'wait', barrierDir, n]) sends { ready: true },
 * tries on the message 'go', and holds every liveness check of a lock's PID until n
 * racers have reached one (files in barrierDir), so all of them have read the stale lock
 * before any acts on it: the worst interleaving for a takeover, every run.
 * Sends { locked: true } or { locked: false, error } once it has tried. Releases the lock
 * and exits on the message 'release'; kill -9 leaves the lock stale.
 */
import fs from 'node:fs';
import path from 'node:path';
import { acquireDataDirLock, DataDirLock, processIsAlive } from '../../common/dataDirLock';

const [dir, mode, barrierDir, racers] = process.argv.slice(2);
let lock: DataDirLock | null = null;

const pause = new Int32Array(new SharedArrayBuffer(4));

function isAliveAfterBarrier(pid: number): boolean {
  fs.writeFileSync(path.join(barrierDir, String(process.pid)), '');
  const deadline = Date.now() + 5_000;
  while (fs.readdirSync(barrierDir).length < Number(racers) && Date.now() < deadline)
    Atomics.wait(pause, 0, 0, 1); // a 1 ms pause between polls, in a test child only
  return processIsAlive(pid);
}

function tryLock(): void {
  try {
    lock = acquireDataDirLock(
      dir,
      { role: 'test', node: `holder-${process.pid}` },
      barrierDir === undefined ? {} : { isAlive: isAliveAfterBarrier },
    );
    process.send?.({ locked: true });
  } catch (err) {
    process.send?.({ locked: false, error: (err as Error).message });
  }
}

process.on('message', (m: unknown) => {
  if (m === 'go') tryLock();
  if (m === 'release') {
    lock?.release();
    process.exit(0);
  }
});
// The test runner went away: do not outlive it.
process.on('disconnect', () => process.exit(0));
if (mode === 'wait') process.send?.({ ready: true });
else tryLock();
