import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A fresh temp directory; removed by the returned cleanup. */
export function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `sharddb-lsm-${tag}-`));
}

export function rmDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export const b = (s: string): Buffer => Buffer.from(s);

export function key(i: number): Buffer {
  return Buffer.from('k' + String(i).padStart(8, '0'));
}
