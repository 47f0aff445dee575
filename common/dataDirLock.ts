/**
 * An exclusive lock on a node's data directory, taken before anything in it is opened.
 *
 * Two processes on one data directory destroy it: a second shard once opened a live
 * shard's LSM directory and deleted an SSTable under it, and every read of the first
 * shard then failed with ENOENT. So, like PostgreSQL's postmaster.pid ("lock file
 * "postmaster.pid" already exists ... Is another postmaster (PID N) running in data
 * directory ...?"), a node creates `<dataDir>/sharddb.pid` exclusively and keeps it while
 * it runs. Node has no flock(2); the file and a liveness check of the PID in it stand in:
 *
 * - The file does not exist: create it atomically with its content (below) and go on.
 * - It names a live process other than us: refuse (DataDirInUseError names the
 *   directory and the PID).
 * - It names a dead process (a crash or kill -9 left it): take it over, with a warning.
 * - It names our own PID: a previous incarnation of this process number (in a container
 *   the node is PID 1 at every start, as PostgreSQL also observes), unless this very
 *   process already holds the directory (two nodes of an in-process test cluster).
 *
 * The file, one JSON line: {"pid", "role", "node", "startedAt", "host", "token"}. The
 * token (random per acquisition) lets release() remove the file only if it is still ours.
 *
 * Creation is link(2) of a fully written temporary file to the lock name: like
 * open(O_CREAT|O_EXCL) ('wx') it fails with EEXIST if the name exists, and unlike 'wx' no
 * other process can ever read a half-written lock. Where the file system has no hard
 * links we fall back to 'wx'; a lock file found empty or unreadable is then refused
 * (another node may be writing it right now), as PostgreSQL does.
 *
 * A stale lock is taken over under a second exclusive file (removeStale says why), so of
 * several starters racing for one stale directory exactly one wins.
 *
 * What remains, as in PostgreSQL: a PID reused by an unrelated live process after a crash
 * (typically after a reboot) makes the lock look held (the error says which file to
 * remove); a directory shared between hosts or PID namespaces (two containers on one
 * volume) cannot be checked with kill(pid, 0), since the PID means nothing there; and a
 * kill -9 between writing the temporary file and linking it leaves that file behind.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from './logger';

/** The lock file's name inside a data directory. */
export const LOCK_FILE_NAME = 'sharddb.pid';

export interface LockOwner {
  readonly role: string;
  readonly node: string;
}

interface LockContent {
  readonly pid: number;
  readonly role?: string;
  readonly node?: string;
  readonly startedAt?: string;
  readonly host?: string;
  readonly token?: string;
}

/** The data directory is in use by another live process: the node must not start. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly lockFile: string,
    /** What the lock file says; null if it cannot be read. */
    readonly holder: LockContent | null,
    /** The holder is another starter in the middle of taking over a stale lock. */
    readonly takingOver = false,
  ) {
    super(DataDirInUseError.describe(dataDir, lockFile, holder, takingOver));
    this.name = 'DataDirInUseError';
  }

  private static describe(
    dataDir: string,
    lockFile: string,
    holder: LockContent | null,
    takingOver: boolean,
  ): string {
    if (holder === null)
      return (
        `data directory "${dataDir}" is locked: lock file "${lockFile}" exists but cannot be read ` +
        `(another node may be starting right now); if no node uses this directory, remove the file`
      );
    const who =
      `PID ${holder.pid}` +
      (holder.node ? `, ${holder.role ?? 'node'} ${holder.node}` : '') +
      (holder.startedAt ? `, started ${holder.startedAt}` : '');
    if (takingOver)
      return `data directory "${dataDir}" is being locked by another starting process (${who}); is another node starting on this data directory?`;
    return (
      `data directory "${dataDir}" is in use by another process (${who}): lock file "${lockFile}" exists. ` +
      `Is another node running on this data directory? If not (PID ${holder.pid} is an unrelated process), remove the lock file`
    );
  }
}

export interface DataDirLock {
  readonly dataDir: string;
  readonly lockFile: string;
  /** Removes the lock file if it is still ours; safe to call more than once. */
  release(): void;
}

export interface LockOptions {
  /** Warned when a stale lock is taken over. */
  readonly logger?: Logger;
  /** Whether a PID is a live process; default kill(pid, 0) (tests may replace it). */
  readonly isAlive?: (pid: number) => boolean;
}

/** Directories this process holds (resolved paths): our own PID in a lock file is ours
 * only if the directory is here; otherwise it is a previous incarnation's. */
const heldHere = new Set<string>();

/** Three rounds: a takeover that loses a race to another starter reads its lock next. */
const MAX_ATTEMPTS = 3;

/**
 * Takes the lock on dataDir (created if missing) or throws DataDirInUseError. Call it
 * before opening anything in the directory; release() it after everything is closed.
 */
export function acquireDataDirLock(
  dataDir: string,
  owner: LockOwner,
  options: LockOptions = {},
): DataDirLock {
  const dir = path.resolve(dataDir);
  const lockFile = path.join(dir, LOCK_FILE_NAME);
  const isAlive = options.isAlive ?? processIsAlive;
  fs.mkdirSync(dir, { recursive: true });
  if (heldHere.has(dir)) throw new DataDirInUseError(dir, lockFile, readLock(lockFile) ?? null);
  const content: LockContent = {
    pid: process.pid,
    role: owner.role,
    node: owner.node,
    startedAt: new Date().toISOString(),
    host: os.hostname(),
    token: crypto.randomBytes(8).toString('hex'),
  };
  const text = `${JSON.stringify(content)}\n`;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (createExclusive(lockFile, text)) {
      heldHere.add(dir);
      return lockHandle(dir, lockFile, text);
    }
    const holder = readLock(lockFile);
    if (holder === undefined) continue; // removed since we tried: try again
    if (holder === null) throw new DataDirInUseError(dir, lockFile, null);
    if (holder.pid !== process.pid && isAlive(holder.pid))
      throw new DataDirInUseError(dir, lockFile, holder);
    const removed = removeStale(dir, lockFile, isAlive);
    if (removed !== undefined) {
      options.logger?.warn(
        {
          dataDir: dir,
          stalePid: removed.pid,
          staleNode: removed.node,
          staleSince: removed.startedAt,
        },
        `took over a stale data directory lock: PID ${removed.pid} no longer runs (crash or kill -9)`,
      );
    }
  }
  throw new DataDirInUseError(dir, lockFile, readLock(lockFile) ?? null);
}

function lockHandle(dir: string, lockFile: string, text: string): DataDirLock {
  let released = false;
  return {
    dataDir: dir,
    lockFile,
    release() {
      if (released) return;
      released = true;
      heldHere.delete(dir);
      let current: string;
      try {
        current = fs.readFileSync(lockFile, 'utf8');
      } catch (err) {
        // Already gone (an operator removed it): nothing of ours to remove.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      // Only our own file: after a takeover by someone else it is no longer ours to remove.
      if (current === text) fs.rmSync(lockFile, { force: true });
    },
  };
}

/** Creates lockFile holding text unless it exists; false if it exists. */
function createExclusive(lockFile: string, text: string): boolean {
  const temp = `${lockFile}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    const fd = fs.openSync(temp, 'wx');
    try {
      fs.writeSync(fd, text);
      // On disk before it has the lock's name, so a crash never leaves an empty lock file.
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.linkSync(temp, lockFile);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // No hard links on this file system: O_EXCL create, then write (see the header).
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS')
      return createWithOpenExcl(lockFile, text);
    throw err;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

function createWithOpenExcl(lockFile: string, text: string): boolean {
  try {
    fs.writeFileSync(lockFile, text, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Removes a stale lock file, race-safely against other starters doing the same. Deleting
 * by name after a check is not enough: B and C both read the dead holder's lock; B
 * deletes it and creates its own; C then deletes B's live lock, thinking it the dead one,
 * and creates its own: two nodes on one directory. So a takeover runs under a second
 * exclusive file (`sharddb.pid.takeover`, created like the lock): only its holder may
 * delete a lock it did not write, and it reads the lock again under it, so what it deletes
 * is the dead holder's file (nothing else can replace that file meanwhile: its owner is
 * dead, other takers are excluded, and creation never overwrites). A starter that finds
 * the takeover file of a live process refuses: that process is starting on this directory.
 * Returns the stale lock removed, or undefined if there was none to remove by us.
 *
 * What remains: a starter killed inside its takeover leaves the takeover file; the next
 * starter deletes it after checking its PID is dead, a check-then-delete with the same
 * race as above, so it needs a crash inside a takeover followed by two racing starters.
 */
function removeStale(
  dir: string,
  lockFile: string,
  isAlive: (pid: number) => boolean,
): LockContent | undefined {
  const takeoverFile = `${lockFile}.takeover`;
  const mine = `${JSON.stringify({ pid: process.pid, token: crypto.randomBytes(8).toString('hex') })}\n`;
  if (!createExclusive(takeoverFile, mine)) {
    const taker = readLock(takeoverFile);
    if (taker !== undefined && taker !== null && taker.pid !== process.pid && isAlive(taker.pid))
      throw new DataDirInUseError(dir, lockFile, taker, true);
    // Left by a starter that died inside its takeover (or unreadable: see the header).
    fs.rmSync(takeoverFile, { force: true });
    return undefined;
  }
  try {
    const current = readLock(lockFile);
    if (current === undefined || current === null) return undefined;
    if (current.pid !== process.pid && isAlive(current.pid)) return undefined;
    fs.rmSync(lockFile, { force: true });
    return current;
  } finally {
    fs.rmSync(takeoverFile, { force: true });
  }
}

/** The lock's content; undefined if there is no file, null if it cannot be parsed. */
function readLock(lockFile: string): LockContent | null | undefined {
  let text: string;
  try {
    text = fs.readFileSync(lockFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockContent> | null;
    if (parsed === null || typeof parsed.pid !== 'number' || !Number.isInteger(parsed.pid))
      return null;
    return parsed as LockContent;
  } catch {
    return null;
  }
}

/**
 * kill(pid, 0): ESRCH means no such process; EPERM means it exists under another user.
 * A zombie (exited, not yet reaped by its parent) no longer holds any file open, so on
 * Linux it counts as dead.
 */
/**
 * Takes the lock, then runs `start` with it; a start that fails releases it. What a node
 * keeps on success is its own to release (after everything in the directory is closed).
 */
export async function startUnderDataDirLock<T>(
  dataDir: string,
  owner: LockOwner,
  options: LockOptions,
  start: (lock: DataDirLock) => Promise<T>,
): Promise<T> {
  const lock = acquireDataDirLock(dataDir, owner, options);
  try {
    return await start(lock);
  } catch (err) {
    lock.release();
    throw err;
  }
}

export function processIsAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false; // not Linux, or gone: kill(pid, 0) said it exists, believe it
  }
  // "pid (comm) S ...": comm may hold spaces and parentheses, so read after the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
}
