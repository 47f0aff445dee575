/**
 * Appends sealed records to a log file (WAL or manifest). Records are queued in memory and
 * written with one writev per group; fsync runs on libuv's thread pool so the event loop
 * keeps serving while the disk flushes (group commit: see engine.ts, "write pipeline").
 */
import * as fs from 'node:fs';

export class LogWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private syncsInFlight = 0;
  private closeWhenIdle = false;
  private closed = false;
  /** Bytes handed to the file so far (the file's length once pending is flushed). */
  written = 0;

  constructor(
    readonly path: string,
    private readonly fd: number,
    initialSize = 0,
  ) {
    this.written = initialSize;
  }

  static create(path: string): LogWriter {
    return new LogWriter(path, fs.openSync(path, 'w'));
  }

  append(rec: Buffer): void {
    this.pending.push(rec);
    this.pendingBytes += rec.length;
  }

  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** Writes every queued record to the file (the OS page cache) now. */
  flushSync(): void {
    if (this.pending.length === 0) return;
    const bufs = this.pending;
    const total = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    let done = 0;
    // writev may write less than asked; loop until every byte is in.
    while (done < total) {
      let n: number;
      if (done === 0) n = fs.writevSync(this.fd, bufs);
      else {
        const rest = Buffer.concat(bufs).subarray(done);
        n = fs.writeSync(this.fd, rest);
      }
      done += n;
    }
    this.written += total;
  }

  /** fsync on the thread pool; the file stays open until every sync in flight is done. */
  sync(): Promise<void> {
    this.syncsInFlight++;
    return new Promise<void>((resolve, reject) => {
      fs.fdatasync(this.fd, (err) => {
        this.syncsInFlight--;
        if (this.closeWhenIdle && this.syncsInFlight === 0) this.closeNow();
        if (err) reject(err);
        else resolve();
      });
    });
  }

  syncSync(): void {
    fs.fdatasyncSync(this.fd);
  }

  /** Flushes, syncs and closes; a sync already in flight keeps the descriptor until it ends. */
  retire(): void {
    this.flushSync();
    this.syncSync();
    if (this.syncsInFlight > 0) this.closeWhenIdle = true;
    else this.closeNow();
  }

  private closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }

  close(): void {
    this.flushSync();
    if (this.syncsInFlight > 0) this.closeWhenIdle = true;
    else this.closeNow();
  }
}
