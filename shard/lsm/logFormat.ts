/**
 * Record framing shared by the WAL and the manifest (FORMAT.md "Log records"):
 *   [length u32 LE][crc32 u32 LE][type u8][payload: length bytes]
 * The checksum covers the type byte and the payload.
 */
import { crc32 } from './checksum';
import { LsmCorruptionError } from './errors';

export const LOG_HEADER = 9;
/** A record larger than this is treated as a corrupt length field. */
export const MAX_RECORD = 256 * 1024 * 1024;

/** Frames payload as one record; the header is written into the first 9 bytes of rec. */
export function sealRecord(rec: Buffer, type: number): Buffer {
  rec.writeUInt32LE(rec.length - LOG_HEADER, 0);
  rec[8] = type;
  rec.writeUInt32LE(crc32(rec, 8, rec.length), 4);
  return rec;
}

export function makeRecord(type: number, payload: Buffer): Buffer {
  const rec = Buffer.allocUnsafe(LOG_HEADER + payload.length);
  payload.copy(rec, LOG_HEADER);
  return sealRecord(rec, type);
}

export interface LogRecord {
  readonly offset: number;
  readonly type: number;
  readonly payload: Buffer;
}

export interface LogReadResult {
  readonly records: LogRecord[];
  /** Byte length of the valid prefix; less than the file's length when a torn tail was cut. */
  readonly validEnd: number;
  readonly tornTail: boolean;
}

/** True if a well-formed record with a good checksum starts at off. */
function validRecordAt(data: Buffer, off: number): boolean {
  if (off + LOG_HEADER > data.length) return false;
  const len = data.readUInt32LE(off);
  if (len > MAX_RECORD || off + LOG_HEADER + len > data.length) return false;
  return data.readUInt32LE(off + 4) === crc32(data, off + 8, off + LOG_HEADER + len);
}

/**
 * What an interrupted append leaves: a header or payload cut short by the end of the file,
 * or a tail of zero bytes (pages the file system allocated but never wrote). A complete
 * record whose checksum fails is damage, not a torn write, even at the end of the log.
 */
function looksTorn(data: Buffer, off: number): boolean {
  if (off + LOG_HEADER > data.length) return true;
  const len = data.readUInt32LE(off);
  if (off + LOG_HEADER + len > data.length) return true;
  let z = data.length;
  while (z > off && data[z - 1] === 0) z--;
  return data.length - z >= 8;
}

/**
 * Parses every record of a log file's bytes. A bad record (short header, length past the
 * end, checksum mismatch) is a torn tail — the remains of an append a crash interrupted —
 * only if no valid record follows it anywhere in the file and it looks torn (looksTorn);
 * then the valid prefix is returned. A bad record with a valid record after it is corruption in the middle of the
 * log and is reported with the file and offset, never skipped (issue 4, Recovery).
 */
export function readLog(file: string, data: Buffer, allowTornTail: boolean): LogReadResult {
  const records: LogRecord[] = [];
  let off = 0;
  while (off < data.length) {
    if (validRecordAt(data, off)) {
      const len = data.readUInt32LE(off);
      records.push({
        offset: off,
        type: data[off + 8],
        payload: data.subarray(off + LOG_HEADER, off + LOG_HEADER + len),
      });
      off += LOG_HEADER + len;
      continue;
    }
    for (let probe = off + 1; probe + LOG_HEADER <= data.length; probe++) {
      if (validRecordAt(data, probe)) {
        throw new LsmCorruptionError(
          file,
          off,
          `bad log record (valid record follows at ${probe})`,
        );
      }
    }
    if (!allowTornTail)
      throw new LsmCorruptionError(file, off, 'bad log record at the end of a sealed log');
    if (!looksTorn(data, off))
      throw new LsmCorruptionError(file, off, 'log record checksum mismatch');
    return { records, validEnd: off, tornTail: true };
  }
  return { records, validEnd: off, tornTail: false };
}
