/**
 * The manifest: an append-only log of version edits (FORMAT.md "Manifest"); CURRENT names
 * the live one. At open the version is rebuilt by replaying every edit; then a fresh
 * manifest holding one snapshot edit replaces it, so manifests never grow without bound
 * across restarts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LsmCorruptionError } from './errors';
import { CURRENT, fsyncDir, manifestFileName, writeFileAtomic } from './fileNames';
import { makeRecord, readLog } from './logFormat';
import { LogWriter } from './logWriter';
import { Version } from './version';
import { type VersionEdit, decodeEdit, emptyEdit, encodeEdit } from './versionEdit';

export const MANIFEST_RECORD_EDIT = 1;

export interface RecoveredState {
  version: Version;
  logNumber: number;
  nextFileNumber: number;
  lastSequence: number;
  manifestNumber: number;
}

/** Replays the manifest CURRENT names; undefined when the directory holds no database. */
export function recoverManifest(dir: string): RecoveredState | undefined {
  const currentPath = path.join(dir, CURRENT);
  if (!fs.existsSync(currentPath)) return undefined;
  const name = fs.readFileSync(currentPath, 'utf8').trim();
  const m = /^MANIFEST-(\d+)$/.exec(name);
  if (m === null)
    throw new LsmCorruptionError(
      CURRENT,
      0,
      `CURRENT does not name a manifest: ${JSON.stringify(name)}`,
    );
  let data: Buffer;
  try {
    data = fs.readFileSync(path.join(dir, name));
  } catch (e) {
    throw new LsmCorruptionError(
      name,
      0,
      `manifest named by CURRENT cannot be read: ${(e as Error).message}`,
    );
  }
  // A torn last record is an edit whose fsync never finished: nothing acted on it yet.
  const log = readLog(name, data, true);
  // The first record is the snapshot written and fsynced before CURRENT named the file.
  if (log.records.length === 0)
    throw new LsmCorruptionError(name, 0, 'manifest has no valid snapshot record');
  const st: RecoveredState = {
    version: Version.empty(),
    logNumber: 0,
    nextFileNumber: 1,
    lastSequence: 0,
    manifestNumber: Number(m[1]),
  };
  for (const rec of log.records) {
    if (rec.type !== MANIFEST_RECORD_EDIT)
      throw new LsmCorruptionError(name, rec.offset, `unknown record type ${rec.type}`);
    const e = decodeEdit(rec.payload);
    if (typeof e === 'string')
      throw new LsmCorruptionError(name, rec.offset, `bad version edit: ${e}`);
    try {
      st.version = st.version.apply(e);
    } catch (err) {
      throw new LsmCorruptionError(name, rec.offset, (err as Error).message);
    }
    if (e.logNumber !== undefined) st.logNumber = e.logNumber;
    if (e.nextFileNumber !== undefined) st.nextFileNumber = e.nextFileNumber;
    if (e.lastSequence !== undefined) st.lastSequence = e.lastSequence;
  }
  return st;
}

/** The manifest being appended to. */
export class ManifestWriter {
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    readonly number: number,
    private readonly log: LogWriter,
  ) {}

  /** Writes a new manifest holding the whole state, then points CURRENT at it. */
  static create(
    dir: string,
    number: number,
    v: Version,
    logNumber: number,
    nextFileNumber: number,
    lastSequence: number,
  ): ManifestWriter {
    const e: VersionEdit = emptyEdit();
    e.logNumber = logNumber;
    e.nextFileNumber = nextFileNumber;
    e.lastSequence = lastSequence;
    v.levels.forEach((files, level) => files.forEach((file) => e.added.push({ level, file })));
    const log = LogWriter.create(path.join(dir, manifestFileName(number)));
    log.append(makeRecord(MANIFEST_RECORD_EDIT, encodeEdit(e)));
    log.flushSync();
    log.syncSync();
    fsyncDir(dir);
    writeFileAtomic(dir, CURRENT, Buffer.from(manifestFileName(number) + '\n'));
    return new ManifestWriter(number, log);
  }

  /**
   * Appends an edit durably. Edits are serialized: `build` runs when every earlier edit is
   * on disk, so it computes against the version those edits produced.
   */
  append(build: () => VersionEdit, installed: (e: VersionEdit) => void): Promise<void> {
    const p = this.chain.then(async () => {
      const e = build();
      this.log.append(makeRecord(MANIFEST_RECORD_EDIT, encodeEdit(e)));
      this.log.flushSync();
      await this.log.sync();
      installed(e);
    });
    this.chain = p.catch(() => undefined);
    return p;
  }

  close(): Promise<void> {
    return this.chain.then(() => this.log.close());
  }
}
