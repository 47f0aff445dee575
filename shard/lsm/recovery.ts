/**
 * Opening a directory (issue 4, Recovery): replay the manifest, replay the WALs it does not
 * cover into a memtable and write that as an L0 table, start a fresh WAL and manifest,
 * then remove what a crash may have left behind (temp files, tables no version names,
 * old WALs and manifests).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TRAILER, writeTrailer } from './dbformat';
import { LsmCorruptionError } from './errors';
import { fsyncDir, parseFileName, tableFileName, walFileName } from './fileNames';
import { readLog } from './logFormat';
import { LogWriter } from './logWriter';
import { ManifestWriter, recoverManifest } from './manifest';
import { Memtable } from './memtable';
import { type LsmLogger, type ResolvedOptions, tableOptionsOf } from './options';
import { TableBuilder } from './tableBuilder';
import { Version } from './version';
import { WAL_RECORD_BATCH, decodeBatch } from './writeBatchCodec';

export interface OpenedState {
  version: Version;
  lastSequence: number;
  nextFileNumber: number;
  wal: LogWriter;
  walNumber: number;
  manifest: ManifestWriter;
}

export function openDirectory(
  dir: string,
  o: ResolvedOptions,
  log: LsmLogger | undefined,
): OpenedState {
  fs.mkdirSync(dir, { recursive: true });
  const names = fs.readdirSync(dir);
  const rec = recoverManifest(dir);
  let version = rec?.version ?? Version.empty();
  let lastSequence = rec?.lastSequence ?? 0;
  const logNumber = rec?.logNumber ?? 0;
  let next = rec?.nextFileNumber ?? 1;
  if (
    rec === undefined &&
    names.some((n) => ['table', 'manifest'].includes(parseFileName(n).kind))
  ) {
    throw new LsmCorruptionError(
      'CURRENT',
      0,
      'CURRENT is missing but the directory holds tables or manifests',
    );
  }
  for (const n of names) next = Math.max(next, parseFileName(n).number + 1);

  // Every table the version names must be there, whole (a size check; blocks are checked as read).
  for (const files of version.levels) {
    for (const f of files) {
      const name = tableFileName(f.number);
      let size: number;
      try {
        size = fs.statSync(path.join(dir, name)).size;
      } catch {
        throw new LsmCorruptionError(name, 0, 'table named by the manifest is missing');
      }
      if (size !== f.size)
        throw new LsmCorruptionError(
          name,
          size,
          `table is ${size} bytes, the manifest says ${f.size}`,
        );
    }
  }

  // Replay the WALs newer than the manifest's log number, oldest first.
  const wals = names
    .map(parseFileName)
    .filter((p) => p.kind === 'wal' && p.number >= logNumber)
    .map((p) => p.number)
    .sort((a, b) => a - b);
  const mem = new Memtable(0);
  wals.forEach((num, i) => {
    const name = walFileName(num);
    const data = fs.readFileSync(path.join(dir, name));
    const r = readLog(name, data, i === wals.length - 1);
    if (r.tornTail)
      log?.warn(
        { file: name, offset: r.validEnd, cut: data.length - r.validEnd },
        'cut a torn WAL tail',
      );
    for (const record of r.records) {
      if (record.type !== WAL_RECORD_BATCH)
        throw new LsmCorruptionError(name, record.offset, `unknown WAL record type ${record.type}`);
      const p = record.payload;
      const last = decodeBatch(p, 0, p.length, mem);
      if (last < 0) throw new LsmCorruptionError(name, record.offset, 'malformed write batch');
      if (last > lastSequence) lastSequence = last;
    }
  });

  if (mem.count > 0) {
    const number = next++;
    const b = new TableBuilder(path.join(dir, tableFileName(number)), tableOptionsOf(o));
    let ik = Buffer.allocUnsafe(256);
    for (let n = mem.first(); n !== null; n = n.next[0]) {
      const kl = n.key.length + TRAILER;
      if (ik.length < kl) ik = Buffer.allocUnsafe(kl * 2);
      n.key.copy(ik, 0);
      writeTrailer(ik, n.key.length, n.seq, n.type);
      b.add(ik, 0, kl, n.value, 0, n.value.length);
    }
    const t = b.finish();
    version = version.apply({
      deleted: [],
      added: [
        { level: 0, file: { number, size: t.size, smallest: t.smallest, largest: t.largest } },
      ],
    });
    log?.info({ table: number, entries: mem.count }, 'wrote recovered WAL contents to L0');
  }

  const walNumber = next++;
  const wal = LogWriter.create(path.join(dir, walFileName(walNumber)));
  const manifestNumber = next++;
  const manifest = ManifestWriter.create(
    dir,
    manifestNumber,
    version,
    walNumber,
    next,
    lastSequence,
  );

  // What no live state names is left over from before the crash or from the old run.
  const live = new Set<number>();
  version.allFileNumbers(live);
  for (const n of fs.readdirSync(dir)) {
    const p = parseFileName(n);
    const obsolete =
      p.kind === 'temp' ||
      (p.kind === 'table' && !live.has(p.number)) ||
      (p.kind === 'wal' && p.number !== walNumber) ||
      (p.kind === 'manifest' && p.number !== manifestNumber);
    if (obsolete) fs.rmSync(path.join(dir, n), { force: true });
  }
  fsyncDir(dir);
  return { version, lastSequence, nextFileNumber: next, wal, walNumber, manifest };
}
