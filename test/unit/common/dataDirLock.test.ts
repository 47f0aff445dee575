import { expect } from 'chai';
import { fork, spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  acquireDataDirLock,
  DataDirInUseError,
  LOCK_FILE_NAME,
  processIsAlive,
} from '../../../common/dataDirLock';
import { captureLogger } from '../../support/logCapture';

const holderScript = path.resolve(__dirname, '../../support/dataDirLockHolder.js');

interface LockReply {
  locked: boolean;
  error?: string;
}

/** A child process that tries to take the lock on dir; resolves with its answer. */
function startHolder(
  dir: string,
  race?: { barrierDir: string; racers: number },
): { proc: ChildProcess; ready: Promise<void>; reply: Promise<LockReply> } {
  const args = race ? [dir, 'wait', race.barrierDir, String(race.racers)] : [dir];
  const proc = fork(holderScript, args, { stdio: 'ignore' });
  const ready = new Promise<void>((resolve) =>
    proc.on('message', (m: { ready?: boolean }) => {
      if (m.ready) resolve();
    }),
  );
  const reply = new Promise<LockReply>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('holder did not answer within 10 s')), 10_000);
    proc.on('message', (m: Partial<LockReply>) => {
      if (m.locked === undefined) return;
      clearTimeout(timer);
      resolve(m as LockReply);
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`holder exited (${code}) before answering`));
    });
  });
  return { proc, ready, reply };
}

function killAndWait(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGKILL');
  return exited;
}

/** The PID of a process that has run and exited (reaped), so it is certainly dead now. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid as number;
  expect(processIsAlive(pid), 'the exited child is dead').to.equal(false);
  return pid;
}

function readLockFile(dir: string): { pid: number; node?: string; token?: string } {
  return JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE_NAME), 'utf8')) as {
    pid: number;
    node?: string;
    token?: string;
  };
}

describe('dataDirLock', function () {
  this.timeout(20_000);
  let dir: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sharddb-lock-')), 'data');
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map(killAndWait));
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('creates the directory and a lock file naming this process; release removes it', () => {
    const lock = acquireDataDirLock(dir, { role: 'shard', node: 'shard1' });
    expect(lock.lockFile).to.equal(path.join(dir, LOCK_FILE_NAME));
    const content = readLockFile(dir);
    expect(content.pid).to.equal(process.pid);
    expect(content.node).to.equal('shard1');
    lock.release();
    expect(fs.existsSync(lock.lockFile), 'lock file removed').to.equal(false);
    lock.release(); // twice is harmless
    // Free again: the next start takes it.
    acquireDataDirLock(dir, { role: 'shard', node: 'shard1' }).release();
    expect(fs.readdirSync(dir), 'no temporary files left behind').to.deep.equal([]);
  });

  it('refuses a directory held by another live process, naming the directory and its PID', async () => {
    const holder = startHolder(dir);
    children.push(holder.proc);
    expect(await holder.reply).to.deep.equal({ locked: true });
    const pid = holder.proc.pid as number;

    let refused: unknown;
    try {
      acquireDataDirLock(dir, { role: 'shard', node: 'intruder' }).release();
    } catch (err) {
      refused = err;
    }
    expect(refused).to.be.instanceOf(DataDirInUseError);
    const message = (refused as Error).message;
    expect(message).to.include(path.resolve(dir));
    expect(message).to.include(`PID ${pid}`);
    expect(readLockFile(dir).pid, 'the holder keeps its lock').to.equal(pid);

    // A second process is refused the same way.
    const second = startHolder(dir);
    children.push(second.proc);
    const answer = await second.reply;
    expect(answer.locked).to.equal(false);
    expect(answer.error).to.include(`PID ${pid}`);
    expect(readLockFile(dir).pid).to.equal(pid);
  });

  it('takes over after the holder is killed with kill -9, and warns', async () => {
    const holder = startHolder(dir);
    children.push(holder.proc);
    expect(await holder.reply).to.deep.equal({ locked: true });
    const stalePid = holder.proc.pid as number;
    await killAndWait(holder.proc);

    const { logger, lines } = captureLogger();
    const lock = acquireDataDirLock(dir, { role: 'shard', node: 'restarted' }, { logger });
    expect(readLockFile(dir).pid).to.equal(process.pid);
    const warning = lines.find((l) => l.stalePid === stalePid);
    expect(warning, 'a warning names the stale PID').to.not.equal(undefined);
    expect(warning?.msg).to.include('stale');
    lock.release();
  });

  it('takes over a lock file naming a dead PID', async () => {
    const pid = await deadPid();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, LOCK_FILE_NAME), JSON.stringify({ pid }) + '\n');
    const lock = acquireDataDirLock(dir, { role: 'meta', node: 'meta1' });
    expect(readLockFile(dir).pid).to.equal(process.pid);
    lock.release();
  });

  it('takes over our own PID left by an earlier incarnation (PID 1 in a container), but refuses a second open in this process', () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, LOCK_FILE_NAME),
      JSON.stringify({ pid: process.pid, token: 'earlier' }) + '\n',
    );
    const lock = acquireDataDirLock(dir, { role: 'shard', node: 'shard1' });
    expect(readLockFile(dir).token).to.not.equal('earlier');
    expect(() => acquireDataDirLock(dir, { role: 'shard', node: 'shard2' })).to.throw(
      DataDirInUseError,
      `PID ${process.pid}`,
    );
    lock.release();
    acquireDataDirLock(dir, { role: 'shard', node: 'shard2' }).release();
  });

  it('refuses a lock file it cannot read rather than guess (another node may be writing it)', () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, LOCK_FILE_NAME), '');
    expect(() => acquireDataDirLock(dir, { role: 'shard', node: 'shard1' })).to.throw(
      DataDirInUseError,
      'cannot be read',
    );
  });

  it('release leaves a lock file that is no longer ours (taken over meanwhile) in place', () => {
    const lock = acquireDataDirLock(dir, { role: 'shard', node: 'shard1' });
    const theirs = JSON.stringify({ pid: 1, token: 'someone-else' }) + '\n';
    fs.writeFileSync(lock.lockFile, theirs);
    lock.release();
    expect(fs.readFileSync(lock.lockFile, 'utf8')).to.equal(theirs);
  });

  it('of several processes that all read one stale lock before any acts, exactly one wins', async () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, LOCK_FILE_NAME), JSON.stringify({ pid: await deadPid() }));
    const barrierDir = path.join(path.dirname(dir), 'barrier');
    fs.mkdirSync(barrierDir);
    const racers = [0, 1, 2, 3].map(() => startHolder(dir, { barrierDir, racers: 4 }));
    children.push(...racers.map((r) => r.proc));
    // Every racer is up and listening before any is told to go.
    await Promise.all(racers.map((r) => r.ready));
    for (const r of racers) r.proc.send('go');
    const replies = await Promise.all(racers.map((r) => r.reply));
    const winners = replies.filter((r) => r.locked);
    expect(winners, JSON.stringify(replies)).to.have.length(1);
    const winnerPid = racers[replies.findIndex((r) => r.locked)].proc.pid;
    expect(readLockFile(dir).pid).to.equal(winnerPid);
    expect(fs.readdirSync(barrierDir), 'every racer read the stale lock').to.have.length(4);
    // Each loser was told the directory is taken (by the winner, or by a starter that was
    // taking it over when it looked).
    for (const loser of replies.filter((r) => !r.locked))
      expect(loser.error).to.match(/data directory ".*" is (in use|being locked)/);
  });
});
