/**
 * The main-thread side of a background worker: posts jobs, matches replies by id. The
 * worker script is the compiled worker.js beside this file (dist/shard/lsm/worker.js).
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Job, JobError, JobResult } from './compaction';
import { LsmCorruptionError } from './errors';

/** Structured clone turns Buffers into plain Uint8Arrays; make them Buffers again. */
function reviveResult(r: JobResult): JobResult {
  const buf = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  return {
    ...r,
    files: r.files.map((f) => ({ ...f, smallest: buf(f.smallest), largest: buf(f.largest) })),
  };
}

interface Pending {
  resolve(r: JobResult): void;
  reject(e: Error): void;
}

export class BackgroundWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: Error | null = null;

  constructor(name: string) {
    this.worker = new Worker(path.join(__dirname, 'worker.js'), { name });
    // A forgotten close() must not keep the process alive.
    this.worker.unref();
    this.worker.on('message', (m: { id: number; result?: JobResult; error?: JobError }) => {
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.worker.unref();
      if (m.error !== undefined) {
        const e = m.error;
        p.reject(
          e.file !== undefined
            ? new LsmCorruptionError(e.file, e.offset ?? 0, e.message)
            : new Error(e.message),
        );
      } else p.resolve(reviveResult(m.result as JobResult));
    });
    const fail = (e: Error): void => {
      this.dead = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`LSM worker exited with code ${code}`)));
  }

  run(job: Job, transfer: ArrayBuffer[] = []): Promise<JobResult> {
    if (this.dead !== null) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<JobResult>((resolve, reject) => {
      // A job in flight keeps the process alive (someone awaits it); an idle worker does not.
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, job }, transfer);
    });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}
