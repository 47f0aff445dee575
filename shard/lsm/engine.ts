/**
 * The LSM engine (issue 4; DESIGN.md "LSM engine"): KvEngine over a WAL, memtables, and
 * leveled SSTables compacted in a worker thread.
 *
 * Write pipeline (group commit). A write is encoded as one WAL record and given its
 * sequence numbers at once, in call order. A non-sync write is applied to the memtable
 * immediately and its record reaches the file at the end of the event-loop turn. A sync
 * write starts a round: every queued record is written with one writev and one fdatasync
 * runs on the thread pool; sync writes arriving meanwhile queue and share the next
 * round's fsync. A round's writes are applied to their memtable, in order, only after the
 * fsync, so no reader sees a write a crash could still lose. Snapshots see a gap-free
 * prefix of the sequence (visibleSeq); the engine's own reads also see non-sync writes
 * applied ahead of a round in flight (appliedSeq).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  IteratorOptions,
  KvEngine,
  KvIterator,
  KvSnapshot,
  WriteBatch,
  WriteOptions,
} from '../storage/kvEngine';
import { BackgroundWorker } from './background';
import { BlockCache } from './blockCache';
import type { BlockIter } from './blockIter';
import { compareRange, copyBytes, putVarint, varintLength } from './coding';
import {
  type CompactJob,
  type FlushJob,
  type Job,
  type JobResult,
  runCompaction,
  runFlush,
} from './compaction';
import type { CompactionFilterSpec } from './compactionFilter';
import { type CompactionPlan, pickCompaction, planFor } from './compactionPicker';
import { DbIterator } from './dbIterator';
import { TRAILER, TYPE_VALUE, makeInternalKey, writeTrailer } from './dbformat';
import { LsmStateError } from './errors';
import { fsyncDir, tableFileName, walFileName } from './fileNames';
import { FilterKeyHashes, POLICY_WHOLE_KEY, PrefixProbe } from './filterPolicy';
import type { InternalIterator } from './internalIterator';
import { LevelIterator } from './levelIterator';
import { LogWriter } from './logWriter';
import type { ManifestWriter } from './manifest';
import { MemIterator } from './memIterator';
import { type MemGetResult, type MemNode, Memtable } from './memtable';
import { MergingIterator } from './mergingIterator';
import { type LsmOptions, type ResolvedOptions, resolveOptions, tableOptionsOf } from './options';
import { openDirectory } from './recovery';
import { TableCache } from './tableCache';
import type { TableOptions } from './tableBuilder';
import { TableIterator } from './tableIterator';
import type { GetResult } from './tableReader';
import { NUM_LEVELS, Version, userCompareToLargest, userCompareToSmallest } from './version';
import type { FileMeta, VersionEdit } from './versionEdit';
import { decodeBatch, encodeBatchRecord } from './writeBatchCodec';

interface QueuedWrite {
  readonly rec: Buffer;
  readonly mem: Memtable;
  readonly sync: boolean;
  readonly lastSeq: number;
  resolve(): void;
  reject(e: Error): void;
}

export interface LsmStats {
  /** Time writers spent waiting for room (slowdown delays and stops), ms. */
  readonly stallTimeMs: number;
  readonly slowdowns: number;
  readonly stops: number;
  readonly flushes: number;
  readonly compactions: number;
  readonly trivialMoves: number;
  /** Key and value bytes written by callers. */
  readonly userBytes: number;
  readonly walBytes: number;
  readonly flushBytes: number;
  readonly compactionBytesRead: number;
  readonly compactionBytesWritten: number;
  /** (WAL + flush + compaction bytes written) / user bytes. */
  readonly writeAmplification: number;
  readonly levelFiles: number[];
  readonly levelBytes: number[];
  readonly memtableBytes: number;
  readonly immutableMemtables: number;
  readonly blockCacheBytes: number;
  readonly blockCacheHits: number;
  readonly blockCacheMisses: number;
  readonly openTables: number;
  readonly fsyncs: number;
  /** Tables an iterator within one filter key left out because their filter said no. */
  readonly prefixFilterSkips: number;
}

const RESOLVED = Promise.resolve();
const NO_OPTIONS: IteratorOptions = {};

export class LsmEngine implements KvEngine {
  private readonly o: ResolvedOptions;
  private mem: Memtable;
  /** Immutable memtables, oldest first. */
  private imms: Memtable[] = [];
  private wal: LogWriter;
  private version: Version;
  /** Versions still read by iterators (plus the current one). */
  private readonly liveVersions = new Set<Version>();
  /** Files out of the current version, deleted once no live version names them. */
  private readonly obsolete = new Map<number, FileMeta>();
  private lastSeq: number;
  /** What snapshots see: every write up to it is applied (a gap-free prefix). */
  private visibleSeq: number;
  /** [first, last] sequence pairs of writes applied ahead of visibleSeq, in order. */
  private readonly earlyApplied: number[] = [];
  private nextFileNumber: number;
  private readonly manifest: ManifestWriter;
  private readonly tc: TableCache;
  private readonly blockCache: BlockCache;
  /** Sequence numbers pinned by snapshots and iterators → how many pin each. */
  private readonly pins = new Map<number, number>();
  private readonly compactPointers: (Buffer | undefined)[] = new Array(NUM_LEVELS).fill(undefined);
  private filterSpec: CompactionFilterSpec | undefined;
  /** The filter policy new tables are built with (filterPolicy.ts), and jobs' table options. */
  private readonly policy: number;
  private readonly tableOptions: TableOptions;
  private readonly getHashes = new FilterKeyHashes();

  private queue: QueuedWrite[] = [];
  private roundInFlight = false;
  /** Writes in the last group-commit round: > 1 means writers are concurrent. */
  private lastGroupSize = 0;
  private walFlushScheduled = false;
  private slowPath: Promise<void> = RESOLVED;
  private slowWriters = 0;
  private lastSlowdownAt = 0;
  private roomWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  private flushing = false;
  private compacting: Promise<void> | null = null;
  private manualCompactions = 0;
  private flushWorker: BackgroundWorker | null = null;
  private compactWorker: BackgroundWorker | null = null;
  private bgError: Error | null = null;
  private closing = false;
  private closed = false;
  private readonly getScratch: MemGetResult & GetResult = { state: undefined, value: undefined };
  private readonly pointBest = new PointCandidate();

  private s = {
    stallTimeMs: 0,
    slowdowns: 0,
    stops: 0,
    flushes: 0,
    compactions: 0,
    trivialMoves: 0,
    userBytes: 0,
    walBytes: 0,
    flushBytes: 0,
    compactionBytesRead: 0,
    compactionBytesWritten: 0,
    fsyncs: 0,
    prefixFilterSkips: 0,
  };

  private constructor(
    readonly dir: string,
    options: LsmOptions,
  ) {
    this.o = resolveOptions(options);
    this.filterSpec = this.o.compactionFilter;
    this.tableOptions = tableOptionsOf(this.o);
    this.policy = this.tableOptions.filterPolicy ?? POLICY_WHOLE_KEY;
    const st = openDirectory(dir, this.o, this.o.logger);
    this.version = st.version;
    this.liveVersions.add(this.version);
    this.lastSeq = st.lastSequence;
    this.visibleSeq = st.lastSequence;
    this.nextFileNumber = st.nextFileNumber;
    this.wal = st.wal;
    this.mem = new Memtable(st.walNumber, this.policy);
    this.manifest = st.manifest;
    this.blockCache = new BlockCache(this.o.blockCacheSize);
    this.tc = new TableCache(
      dir,
      this.o.maxOpenFiles,
      this.o.blockCacheSize > 0 ? this.blockCache : null,
    );
    if (!this.o.inlineBackground) {
      this.flushWorker = new BackgroundWorker('lsm-flush');
      this.compactWorker = new BackgroundWorker('lsm-compact');
    }
  }

  static async open(dir: string, options: LsmOptions = {}): Promise<LsmEngine> {
    const e = new LsmEngine(path.resolve(dir), options);
    e.o.logger?.info(
      { dir: e.dir, levels: e.version.levels.map((l) => l.length), lastSequence: e.lastSeq },
      'LSM engine open',
    );
    e.maybeScheduleCompaction();
    return e;
  }

  // ---- writes -------------------------------------------------------------------------

  write(batch: WriteBatch, options?: WriteOptions): Promise<void> {
    if (this.closing) return Promise.reject(new LsmStateError('LSM engine is closed'));
    if (this.bgError !== null) return Promise.reject(this.bgError);
    if (batch.ops.length === 0) return RESOLVED;
    const sync = options?.sync ?? this.o.syncByDefault;
    if (
      this.slowWriters === 0 &&
      this.mem.bytes < this.o.memtableSize &&
      this.version.levels[0].length < this.o.l0SlowdownTrigger
    ) {
      return this.admit(batch, sync);
    }
    return this.writeSlow(batch, sync);
  }

  private async writeSlow(batch: WriteBatch, sync: boolean): Promise<void> {
    this.slowWriters++;
    const turn = this.slowPath.then(() => this.makeRoom());
    this.slowPath = turn.catch(() => undefined);
    try {
      await turn;
    } finally {
      this.slowWriters--;
      // flush() waits for the slow path to drain.
      if (this.slowWriters === 0) this.notifyIdle();
    }
    if (this.closing) throw new LsmStateError('LSM engine is closed');
    return this.admit(batch, sync);
  }

  /** LevelDB's MakeRoomForWrite: slow down, then stop, as L0 grows; switch full memtables. */
  private async makeRoom(): Promise<void> {
    let slowed = false;
    for (;;) {
      if (this.bgError !== null) throw this.bgError;
      if (this.closing) throw new LsmStateError('LSM engine is closed');
      const l0 = this.version.levels[0].length;
      if (!slowed && l0 >= this.o.l0SlowdownTrigger && l0 < this.o.l0StopTrigger) {
        slowed = true;
        // Writers that queue within one millisecond share one delay (RocksDB's delayed
        // write rate, coarsely): the delay is per batch of waiting writers, not per write.
        const now = performance.now();
        if (now - this.lastSlowdownAt >= 1) {
          this.s.slowdowns++;
          await new Promise<void>((r) => setTimeout(r, 1));
          this.lastSlowdownAt = performance.now();
          this.s.stallTimeMs += this.lastSlowdownAt - now;
        }
        continue;
      }
      if (this.mem.bytes < this.o.memtableSize) return;
      if (this.imms.length >= this.o.maxImmutableMemtables || l0 >= this.o.l0StopTrigger) {
        this.s.stops++;
        const t0 = performance.now();
        await new Promise<void>((r) => this.roomWaiters.push(r));
        this.s.stallTimeMs += performance.now() - t0;
        continue;
      }
      this.switchMemtable();
    }
  }

  private wakeRoomWaiters(): void {
    const w = this.roomWaiters;
    this.roomWaiters = [];
    for (const r of w) r();
  }

  private admit(batch: WriteBatch, sync: boolean): Promise<void> {
    const first = this.lastSeq + 1;
    this.lastSeq += batch.ops.length;
    const rec = encodeBatchRecord(first, batch);
    for (const op of batch.ops)
      this.s.userBytes += op.key.length + (op.type === 'put' ? op.value.length : 0);
    this.s.walBytes += rec.length;
    this.wal.append(rec);
    if (!sync) {
      // A write that needs no fsync does not wait for one either: with a sync round in
      // flight it is applied now, ahead of the earlier writes that wait for their fsync
      // (a pessimistic lock or a secondary's commit no longer queues behind another
      // transaction's prewrite). Engine reads see it at once; snapshots only once every
      // earlier write is applied too (advanceVisible), so a snapshot stays a gap-free
      // prefix. Its WAL record follows theirs, so recovery replays them in order.
      decodeBatch(rec, 9, rec.length, this.mem);
      if (this.roundInFlight || this.queue.length > 0) this.earlyApplied.push(first, this.lastSeq);
      else this.visibleSeq = this.lastSeq;
      if (this.wal.bufferedBytes >= 1 << 20) this.flushWal();
      else this.scheduleWalFlush();
      return RESOLVED;
    }
    const mem = this.mem;
    mem.pendingWrites++;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ rec, mem, sync, lastSeq: this.lastSeq, resolve, reject });
      if (!this.roundInFlight) this.scheduleRound();
    });
  }

  private scheduleWalFlush(): void {
    if (this.walFlushScheduled) return;
    this.walFlushScheduled = true;
    setImmediate(() => {
      this.walFlushScheduled = false;
      if (!this.closed) this.flushWal();
    });
  }

  private flushWal(): void {
    try {
      this.wal.flushSync();
    } catch (e) {
      this.setBgError(e as Error);
    }
  }

  private scheduleRound(): void {
    this.roundInFlight = true;
    if (this.lastGroupSize > 1 || this.queue.length > 1) {
      // Writers are concurrent: start the round after this turn's microtasks, where
      // writers whose previous write just resolved issue their next one, so they all
      // share this round's fsync instead of the first one paying for a round alone.
      setImmediate(() => this.startRound());
    } else {
      // A lone writer gains nothing by waiting for company.
      this.startRound();
    }
  }

  private startRound(): void {
    const group = this.queue;
    this.queue = [];
    this.roundInFlight = true;
    this.lastGroupSize = group.length;
    let needSync = false;
    for (const w of group) if (w.sync) needSync = true;
    try {
      this.wal.flushSync();
    } catch (e) {
      this.failGroup(group, e as Error);
      return;
    }
    if (!needSync) {
      this.finishRound(group);
      return;
    }
    this.s.fsyncs++;
    this.wal.sync().then(
      () => this.finishRound(group),
      (e: Error) => this.failGroup(group, e),
    );
  }

  private finishRound(group: QueuedWrite[]): void {
    for (const w of group) {
      decodeBatch(w.rec, 9, w.rec.length, w.mem);
      w.mem.pendingWrites--;
      this.advanceVisible(w.lastSeq);
    }
    this.roundInFlight = false;
    for (const w of group) w.resolve();
    if (this.queue.length > 0) this.scheduleRound();
    else this.notifyIdle();
    this.maybeScheduleFlush();
  }

  /**
   * Everything up to `seq` is applied: the visible sequence moves there, then on over the
   * unsynced writes applied early whose turn that completes (they follow in seq order).
   */
  private advanceVisible(seq: number): void {
    this.visibleSeq = seq;
    const early = this.earlyApplied;
    while (early.length > 0 && early[0] === this.visibleSeq + 1) {
      this.visibleSeq = early[1];
      early.splice(0, 2);
    }
  }

  /**
   * What the engine's own reads see: visibleSeq, or past it the last unsynced write
   * applied early (admit) — rounds apply in order, so none lies beyond that.
   */
  private get appliedSeq(): number {
    const early = this.earlyApplied;
    return early.length === 0 ? this.visibleSeq : early[early.length - 1];
  }

  private failGroup(group: QueuedWrite[], e: Error): void {
    this.setBgError(e);
    this.roundInFlight = false;
    for (const w of group) w.reject(e);
    const rest = this.queue;
    this.queue = [];
    for (const w of rest) w.reject(e);
    this.notifyIdle();
  }

  private notifyIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }

  private setBgError(e: Error): void {
    if (this.bgError === null) {
      this.bgError = e;
      this.o.logger?.error(
        { err: e, dir: this.dir },
        'LSM engine stopped accepting writes after a background error',
      );
    }
    this.wakeRoomWaiters();
  }

  private switchMemtable(): void {
    // The old WAL is complete: make it durable now, so a later fsync of the new WAL never
    // covers writes whose older records could still be lost (the log stays a prefix).
    this.wal.retire();
    const number = this.nextFileNumber++;
    this.wal = LogWriter.create(path.join(this.dir, walFileName(number)));
    fsyncDir(this.dir);
    this.imms.push(this.mem);
    this.mem = new Memtable(number, this.policy);
    this.maybeScheduleFlush();
  }

  // ---- background work -----------------------------------------------------------------

  private runJob(
    worker: BackgroundWorker | null,
    job: Job,
    transfer: ArrayBuffer[] = [],
  ): Promise<JobResult> {
    if (worker === null)
      return RESOLVED.then(() => (job.kind === 'flush' ? runFlush(job) : runCompaction(job)));
    return worker.run(job, transfer);
  }

  private serialize(m: Memtable): Uint8Array {
    let size = 0;
    for (let n = m.first(); n !== null; n = n.next[0]) {
      const kl = n.key.length + TRAILER;
      size += varintLength(kl) + varintLength(n.value.length) + kl + n.value.length;
    }
    const out = Buffer.from(new ArrayBuffer(size));
    let off = 0;
    for (let n = m.first(); n !== null; n = n.next[0]) {
      off = putVarint(out, off, n.key.length + TRAILER);
      off = putVarint(out, off, n.value.length);
      off += n.key.copy(out, off);
      writeTrailer(out, off, n.seq, n.type);
      off += TRAILER;
      off += n.value.copy(out, off);
    }
    return out;
  }

  private maybeScheduleFlush(): void {
    if (this.flushing || this.bgError !== null || this.closed) return;
    const imm = this.imms[0];
    if (imm === undefined || imm.pendingWrites > 0) return;
    this.flushing = true;
    const number = this.nextFileNumber++;
    const entries = this.serialize(imm);
    const job: FlushJob = {
      kind: 'flush',
      dir: this.dir,
      fileNumber: number,
      entries,
      table: this.tableOptions,
    };
    this.runJob(this.flushWorker, job, [entries.buffer as ArrayBuffer])
      .then((res) =>
        this.manifest.append(
          () => ({
            deleted: [],
            added: res.files.map((file) => ({ level: 0, file })),
            logNumber: (this.imms[1] ?? this.mem).walNumber,
            nextFileNumber: this.nextFileNumber,
            lastSequence: this.lastSeq,
          }),
          (e) => {
            this.installEdit(e);
            this.imms.shift();
            this.s.flushes++;
            this.s.flushBytes += res.bytesWritten;
            this.removeWalsBefore(e.logNumber as number);
          },
        ),
      )
      .then(
        () => {
          this.flushing = false;
          this.wakeRoomWaiters();
          this.notifyIdle();
          this.maybeScheduleFlush();
          this.maybeScheduleCompaction();
        },
        (e: Error) => {
          this.flushing = false;
          this.setBgError(e);
          this.notifyIdle();
        },
      );
  }

  private removeWalsBefore(logNumber: number): void {
    for (const name of fs.readdirSync(this.dir)) {
      const m = /^(\d+)\.log$/.exec(name);
      if (m !== null && Number(m[1]) < logNumber)
        fs.rmSync(path.join(this.dir, name), { force: true });
    }
  }

  private installEdit(e: VersionEdit): void {
    const old = this.version;
    this.version = old.apply(e);
    this.liveVersions.add(this.version);
    if (old.refs === 0) this.liveVersions.delete(old);
    for (const d of e.deleted) {
      const f = old.levels[d.level].find((x) => x.number === d.number);
      if (f !== undefined) this.obsolete.set(f.number, f);
    }
    this.deleteObsoleteFiles();
  }

  private deleteObsoleteFiles(): void {
    if (this.obsolete.size === 0) return;
    const live = new Set<number>();
    for (const v of this.liveVersions) v.allFileNumbers(live);
    for (const n of this.obsolete.keys()) {
      if (live.has(n)) continue;
      this.obsolete.delete(n);
      this.tc.forget(n);
      fs.rmSync(path.join(this.dir, tableFileName(n)), { force: true });
    }
  }

  private smallestSnapshot(): number {
    let min = this.lastSeq;
    for (const s of this.pins.keys()) if (s < min) min = s;
    return min;
  }

  private maybeScheduleCompaction(): void {
    if (
      this.compacting !== null ||
      this.manualCompactions > 0 ||
      this.bgError !== null ||
      this.closing
    )
      return;
    const plan = pickCompaction(this.version, this.o, this.compactPointers);
    if (plan === undefined) return;
    this.compacting = this.runCompactionPlan(plan).then(
      () => {
        this.compacting = null;
        this.maybeScheduleCompaction();
      },
      (e: Error) => {
        this.compacting = null;
        this.setBgError(e);
      },
    );
  }

  private async runCompactionPlan(plan: CompactionPlan): Promise<void> {
    const deleted = [
      ...plan.inputs.map((f) => ({ level: plan.level, number: f.number })),
      ...plan.overlaps.map((f) => ({ level: plan.outputLevel, number: f.number })),
    ];
    const last = plan.inputs[plan.inputs.length - 1].largest;
    if (plan.level > 0)
      this.compactPointers[plan.level] = Buffer.from(last.subarray(0, last.length - TRAILER));
    if (plan.trivialMove) {
      const f = plan.inputs[0];
      await this.manifest.append(
        () => ({ deleted, added: [{ level: plan.outputLevel, file: f }] }),
        (e) => {
          this.installEdit(e);
          this.s.trivialMoves++;
        },
      );
      this.afterCompaction();
      return;
    }
    const all = [...plan.inputs, ...plan.overlaps];
    const inBytes = all.reduce((a, f) => a + f.size, 0);
    const reserve = Math.ceil(inBytes / this.o.targetFileSize) * 2 + 8;
    const fileNumbers: number[] = [];
    for (let i = 0; i < reserve; i++) fileNumbers.push(this.nextFileNumber++);
    const job: CompactJob = {
      kind: 'compact',
      dir: this.dir,
      inputs: all.map((f) => ({ number: f.number, size: f.size })),
      outputLevel: plan.outputLevel,
      fileNumbers,
      smallestSnapshot: this.smallestSnapshot(),
      bottommost: plan.bottommost,
      targetFileSize: this.o.targetFileSize,
      table: this.tableOptions,
      filter: this.filterSpec,
    };
    let res: JobResult;
    try {
      res = await this.runJob(this.compactWorker, job);
    } catch (e) {
      for (const n of fileNumbers)
        fs.rmSync(path.join(this.dir, tableFileName(n)), { force: true });
      throw e;
    }
    await this.manifest.append(
      () => ({
        deleted,
        added: res.files.map((file) => ({ level: plan.outputLevel, file })),
        nextFileNumber: this.nextFileNumber,
      }),
      (e) => {
        this.installEdit(e);
        this.s.compactions++;
        this.s.compactionBytesRead += res.bytesRead;
        this.s.compactionBytesWritten += res.bytesWritten;
      },
    );
    this.afterCompaction();
  }

  private afterCompaction(): void {
    this.wakeRoomWaiters();
    this.notifyIdle();
  }

  /** Sets the filter that later compactions apply (e.g. when the GC safe point moves). */
  setCompactionFilter(spec: CompactionFilterSpec | undefined): void {
    this.filterSpec = spec;
  }

  /** Resolves once every memtable written so far is in a table (a test and admin hook). */
  async flush(): Promise<void> {
    this.checkOpen();
    await this.waitFor(() => !this.roundInFlight && this.slowWriters === 0);
    if (this.mem.count > 0) {
      await this.waitFor(() => this.imms.length < this.o.maxImmutableMemtables);
      if (this.mem.count > 0) this.switchMemtable();
    }
    await this.waitFor(() => this.imms.length === 0 && !this.flushing);
    if (this.bgError !== null) throw this.bgError;
  }

  private async waitFor(cond: () => boolean): Promise<void> {
    while (!cond()) {
      if (this.bgError !== null) throw this.bgError;
      await new Promise<void>((r) => this.idleWaiters.push(r));
    }
  }

  async compactRange(start?: Buffer, end?: Buffer): Promise<void> {
    await this.flush();
    this.manualCompactions++;
    try {
      while (this.compacting !== null) await this.compacting;
      if (this.bgError !== null) throw this.bgError;
      let maxLevel = 0;
      for (let l = 0; l < NUM_LEVELS; l++)
        if (this.version.overlapping(l, start, end).length > 0) maxLevel = l;
      for (let level = 0; level < Math.max(1, maxLevel); level++) {
        const inputs = this.version.overlapping(level, start, end);
        if (inputs.length === 0) continue;
        // A manual compaction rewrites even a lone file, so the compaction filter sees every key.
        const plan = planFor(this.version, level, inputs, false);
        const p = this.runCompactionPlan(plan);
        this.compacting = p;
        try {
          await p;
        } finally {
          this.compacting = null;
        }
      }
    } catch (e) {
      this.setBgError(e as Error);
      throw e;
    } finally {
      this.manualCompactions--;
      this.maybeScheduleCompaction();
    }
  }

  // ---- reads ---------------------------------------------------------------------------

  private checkOpen(): void {
    if (this.closed) throw new LsmStateError('LSM engine is closed');
  }

  get(key: Buffer): Buffer | undefined {
    this.checkOpen();
    return this.getAt(key, this.appliedSeq);
  }

  private getAt(key: Buffer, seq: number): Buffer | undefined {
    const out = this.getScratch;
    if (this.mem.get(key, seq, out)) return out.value;
    for (let i = this.imms.length - 1; i >= 0; i--)
      if (this.imms[i].get(key, seq, out)) return out.value;
    const lookup = makeInternalKey(key, seq, TYPE_VALUE);
    if (this.version.get(key, lookup, this.tc, out, this.getHashes.reset(key))) return out.value;
    return undefined;
  }

  iterator(options?: IteratorOptions): KvIterator {
    this.checkOpen();
    return this.iteratorAt(this.appliedSeq, options ?? NO_OPTIONS);
  }

  private pin(seq: number): void {
    this.pins.set(seq, (this.pins.get(seq) ?? 0) + 1);
  }

  private unpin(seq: number): void {
    const n = (this.pins.get(seq) ?? 1) - 1;
    if (n <= 0) this.pins.delete(seq);
    else this.pins.set(seq, n);
  }

  private iteratorAt(seq: number, options: IteratorOptions): KvIterator {
    const v = this.version;
    v.refs++;
    this.pin(seq);
    const children: InternalIterator[] = [new MemIterator(this.mem)];
    for (let i = this.imms.length - 1; i >= 0; i--) children.push(new MemIterator(this.imms[i]));
    const probe =
      this.policy === POLICY_WHOLE_KEY
        ? null
        : PrefixProbe.forBounds(this.policy, options.gte ?? options.gt, options.lte ?? options.lt);
    if (probe !== null) {
      this.addPrefixChildren(v, probe, children);
    } else {
      for (const f of v.levels[0])
        children.push(new TableIterator(this.tc.acquire(f.number, f.size), this.tc));
      for (let l = 1; l < NUM_LEVELS; l++)
        if (v.levels[l].length > 0) children.push(new LevelIterator(v.levels[l], this.tc));
    }
    const merged = new MergingIterator(children, options.reverse === true);
    return new DbIterator(merged, seq, options, () => {
      this.unpin(seq);
      v.refs--;
      if (v.refs === 0 && v !== this.version) {
        this.liveVersions.delete(v);
        if (!this.closed) this.deleteObsoleteFiles();
      }
    });
  }

  /**
   * The table children of an iterator whose bounds lie within one filter key (RocksDB's
   * prefix seek): only tables whose key range meets the bounds and whose filter may hold the
   * filter key. Leaving the others out changes nothing the iterator returns: every key
   * within the bounds has that filter key (sharedFilterKeyEnd), so a table whose filter
   * lacks it holds no key within the bounds, and the user iterator never looks past them.
   * In L0 each file is checked; in a deeper level, the files meeting the bounds (one, unless
   * a key's versions were split between two files).
   */
  private addPrefixChildren(v: Version, probe: PrefixProbe, children: InternalIterator[]): void {
    const { lo, hi } = probe;
    for (const f of v.levels[0]) {
      if (userCompareToSmallest(hi, f) < 0 || userCompareToLargest(lo, f) > 0) continue;
      if (!this.tc.get(f.number, f.size).prefixMayMatch(probe)) {
        this.s.prefixFilterSkips++;
        continue;
      }
      children.push(new TableIterator(this.tc.acquire(f.number, f.size), this.tc));
    }
    for (let l = 1; l < NUM_LEVELS; l++) {
      const files = v.levels[l];
      let picked: FileMeta | FileMeta[] | null = null;
      for (let i = Version.firstFileFrom(files, lo); i < files.length; i++) {
        const f = files[i];
        if (userCompareToSmallest(hi, f) < 0) break;
        if (!this.tc.get(f.number, f.size).prefixMayMatch(probe)) {
          this.s.prefixFilterSkips++;
          continue;
        }
        if (picked === null) picked = f;
        else if (Array.isArray(picked)) picked.push(f);
        else picked = [picked, f];
      }
      if (picked === null) continue;
      if (Array.isArray(picked)) children.push(new LevelIterator(picked, this.tc));
      else children.push(new TableIterator(this.tc.acquire(picked.number, picked.size), this.tc));
    }
  }

  /**
   * What `iterator({ gte: lo, lte: hi }).next()` returns, for bounds within one filter key:
   * the MVCC layer's "newest version of this key" read (shard/mvcc/reader.ts versionAt),
   * several per transactional RPC. Each source is sought once in place — the memtables,
   * then the tables addPrefixChildren would pick (filter says maybe) — and the smallest
   * entry wins: no iterator, merge heap, version pin or table reference is allocated,
   * which is safe because nothing can change the sources during this synchronous call.
   * Whenever the answer is not simply that entry, the iterator answers instead: bounds
   * spanning several filter keys, a winning deletion (the iterator looks further), an
   * entry newer than the read's sequence.
   */
  firstInRange(lo: Buffer, hi: Buffer): [Buffer, Buffer] | undefined {
    this.checkOpen();
    const seq = this.appliedSeq;
    const probe =
      this.policy === POLICY_WHOLE_KEY ? null : PrefixProbe.forBounds(this.policy, lo, hi);
    if (probe === null) return this.firstViaIterator(lo, hi, seq);
    const best = this.pointBest.reset();
    if (!best.offerMem(this.mem.seekInPrefix(lo, seq), seq))
      return this.firstViaIterator(lo, hi, seq);
    for (let i = this.imms.length - 1; i >= 0; i--)
      if (!best.offerMem(this.imms[i].seekInPrefix(lo, seq), seq))
        return this.firstViaIterator(lo, hi, seq);
    const v = this.version;
    const lookup = makeInternalKey(lo, seq, TYPE_VALUE);
    for (const f of v.levels[0]) {
      if (userCompareToSmallest(hi, f) < 0 || userCompareToLargest(lo, f) > 0) continue;
      const r = this.tc.get(f.number, f.size);
      if (!r.prefixMayMatch(probe)) {
        this.s.prefixFilterSkips++;
        continue;
      }
      if (!best.offerTable(r.seekScratch(lookup), seq)) return this.firstViaIterator(lo, hi, seq);
    }
    for (let l = 1; l < NUM_LEVELS; l++) {
      const files = v.levels[l];
      if (files.length === 0) continue;
      // Files of a level are disjoint and sorted: the first entry ≥ lookup in the level is
      // in the first file whose largest key is ≥ lookup. If that file's filter rules the
      // key out, its entries ≥ lookup all lie past hi, and so do the next files'.
      const i = Version.findFile(files, lookup);
      if (i >= files.length) continue;
      const f = files[i];
      if (userCompareToSmallest(hi, f) < 0) continue;
      const r = this.tc.get(f.number, f.size);
      if (!r.prefixMayMatch(probe)) {
        this.s.prefixFilterSkips++;
        continue;
      }
      if (!best.offerTable(r.seekScratch(lookup), seq)) return this.firstViaIterator(lo, hi, seq);
    }
    if (best.key === null || compareRange(best.key, 0, best.len, hi, 0, hi.length) > 0)
      return undefined;
    if (best.type !== TYPE_VALUE) return this.firstViaIterator(lo, hi, seq);
    const key = Buffer.allocUnsafe(best.len);
    copyBytes(best.key, 0, best.len, key, 0);
    return [key, best.value()];
  }

  private firstViaIterator(lo: Buffer, hi: Buffer, seq: number): [Buffer, Buffer] | undefined {
    const it = this.iteratorAt(seq, { gte: lo, lte: hi });
    try {
      return it.next();
    } finally {
      it.close();
    }
  }

  snapshot(): KvSnapshot {
    this.checkOpen();
    const seq = this.visibleSeq;
    this.pin(seq);
    let released = false;
    const check = (): void => {
      if (released) throw new LsmStateError('snapshot already released');
      this.checkOpen();
    };
    return {
      get: (key: Buffer) => {
        check();
        return this.getAt(key, seq);
      },
      iterator: (options?: IteratorOptions) => {
        check();
        return this.iteratorAt(seq, options ?? NO_OPTIONS);
      },
      release: () => {
        if (released) return;
        released = true;
        this.unpin(seq);
      },
    };
  }

  approximateSize(start: Buffer, end: Buffer): number {
    this.checkOpen();
    const lo = makeInternalKey(start, 2 ** 48 - 1, TYPE_VALUE);
    const hi = makeInternalKey(end, 2 ** 48 - 1, TYPE_VALUE);
    let total = 0;
    for (const files of this.version.levels) {
      for (const f of files) {
        const r = this.tc.get(f.number, f.size);
        const a = r.approximateOffsetOf(lo);
        const b = r.approximateOffsetOf(hi);
        if (b > a) total += b - a;
      }
    }
    return total;
  }

  stats(): LsmStats {
    const v = this.version;
    const s = this.s;
    return {
      ...s,
      writeAmplification:
        s.userBytes === 0
          ? 0
          : (s.walBytes + s.flushBytes + s.compactionBytesWritten) / s.userBytes,
      levelFiles: v.levels.map((l) => l.length),
      levelBytes: v.levels.map((_, i) => v.levelBytes(i)),
      memtableBytes: this.mem.bytes,
      immutableMemtables: this.imms.length,
      blockCacheBytes: this.blockCache.usedBytes,
      blockCacheHits: this.blockCache.hits,
      blockCacheMisses: this.blockCache.misses,
      openTables: this.tc.openCount,
    };
  }

  /** CHECKPOINT: the memtable flushed, then every compaction that is due run. */
  async checkpoint(): Promise<void> {
    await this.flush();
    await this.waitForBackground();
  }

  /** Resolves when no flush or compaction is running or due (tests, benchmarks). */
  async waitForBackground(): Promise<void> {
    for (;;) {
      if (this.bgError !== null) throw this.bgError;
      if (this.compacting !== null) {
        await this.compacting;
        continue;
      }
      if (this.flushing || (this.imms.length > 0 && this.imms[0].pendingWrites === 0)) {
        await new Promise<void>((r) => this.idleWaiters.push(r));
        continue;
      }
      this.maybeScheduleCompaction();
      if (this.compacting === null) return;
    }
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.wakeRoomWaiters();
    try {
      await this.waitFor(() => !this.roundInFlight && !this.flushing);
    } catch {
      // a background error is already logged and recorded; closing goes on regardless
    }
    while (this.compacting !== null) await this.compacting.catch(() => undefined);
    this.closed = true;
    try {
      this.wal.close();
    } catch (e) {
      this.o.logger?.warn({ err: e }, 'closing the WAL failed');
    }
    await this.manifest.close();
    await this.flushWorker?.terminate();
    await this.compactWorker?.terminate();
    this.tc.closeAll();
  }
}

/**
 * The smallest entry seen so far by firstInRange, in internal order (user key ascending,
 * then the newest): a memtable node or a table's scratch block iterator, read in place.
 */
class PointCandidate {
  key: Buffer | null = null;
  len = 0;
  seq = -1;
  type = 0;
  private node: MemNode | null = null;
  private it: BlockIter | null = null;

  reset(): this {
    this.key = null;
    this.node = null;
    this.it = null;
    this.seq = -1;
    return this;
  }

  private better(key: Buffer, len: number, seq: number): boolean {
    if (this.key === null) return true;
    const c = compareRange(key, 0, len, this.key, 0, this.len);
    return c < 0 || (c === 0 && seq > this.seq);
  }

  /** Offers a memtable's first node ≥ (lo, seq); false if it is newer than seq (give up). */
  offerMem(n: MemNode | null, seq: number): boolean {
    if (n === null) return true;
    if (n.seq > seq) return false;
    if (this.better(n.key, n.key.length, n.seq)) {
      this.key = n.key;
      this.len = n.key.length;
      this.seq = n.seq;
      this.type = n.type;
      this.node = n;
      this.it = null;
    }
    return true;
  }

  /** Offers a table's first entry ≥ (lo, seq); false if it is newer than seq (give up). */
  offerTable(it: BlockIter | null, seq: number): boolean {
    if (it === null) return true;
    const kl = it.keyLen;
    if (kl < TRAILER) return false; // malformed: let the iterator path report it
    const s = it.key.readUIntBE(kl - 7, 6);
    if (s > seq) return false;
    if (this.better(it.key, kl - TRAILER, s)) {
      this.key = it.key;
      this.len = kl - TRAILER;
      this.seq = s;
      this.type = it.key[kl - 1];
      this.node = null;
      this.it = it;
    }
    return true;
  }

  /** The winning entry's value: a memtable node's value, or a view of the table block. */
  value(): Buffer {
    return this.node !== null ? this.node.value : (this.it as BlockIter).value();
  }
}

export async function openLsm(dir: string, options: LsmOptions = {}): Promise<LsmEngine> {
  return LsmEngine.open(dir, options);
}
