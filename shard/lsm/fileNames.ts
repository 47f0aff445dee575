/** The files of an engine directory (FORMAT.md "Directory"). */
import * as fs from 'node:fs';
import * as path from 'node:path';

const pad = (n: number): string => String(n).padStart(6, '0');

export const tableFileName = (n: number): string => `${pad(n)}.sst`;
export const walFileName = (n: number): string => `${pad(n)}.log`;
export const manifestFileName = (n: number): string => `MANIFEST-${pad(n)}`;
export const CURRENT = 'CURRENT';
export const TEMP_SUFFIX = '.tmp';

export type FileKind = 'table' | 'wal' | 'manifest' | 'current' | 'temp' | 'other';

export function parseFileName(name: string): { kind: FileKind; number: number } {
  let m = /^(\d+)\.sst$/.exec(name);
  if (m) return { kind: 'table', number: Number(m[1]) };
  m = /^(\d+)\.log$/.exec(name);
  if (m) return { kind: 'wal', number: Number(m[1]) };
  m = /^MANIFEST-(\d+)$/.exec(name);
  if (m) return { kind: 'manifest', number: Number(m[1]) };
  if (name === CURRENT) return { kind: 'current', number: 0 };
  if (name.endsWith(TEMP_SUFFIX)) return { kind: 'temp', number: 0 };
  return { kind: 'other', number: 0 };
}

/** Makes a directory entry change (create, rename, unlink) durable (POSIX: fsync the dir). */
export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes a whole file durably: temp name, fsync, rename, fsync of the directory. */
export function writeFileAtomic(dir: string, name: string, data: Buffer): void {
  const tmp = path.join(dir, name + TEMP_SUFFIX);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path.join(dir, name));
  fsyncDir(dir);
}
