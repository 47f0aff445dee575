/**
 * A write batch as a WAL record payload (FORMAT.md "WAL"): [firstSeq u48 LE][count u32 LE]
 * then per operation [type u8][keyLen varint][key] and, for a put, [valueLen varint][value].
 * Operation i gets sequence firstSeq + i.
 */
import type { WriteBatch } from '../storage/kvEngine';
import { cursor, getVarint, putVarint, varintLength } from './coding';
import { TYPE_DELETION, TYPE_VALUE } from './dbformat';
import { LOG_HEADER, sealRecord } from './logFormat';

export const WAL_RECORD_BATCH = 1;
const BATCH_HEADER = 10;

/** Encodes the batch as one complete, sealed log record. */
export function encodeBatchRecord(firstSeq: number, batch: WriteBatch): Buffer {
  const ops = batch.ops;
  let size = LOG_HEADER + BATCH_HEADER;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    size += 1 + varintLength(op.key.length) + op.key.length;
    if (op.type === 'put') size += varintLength(op.value.length) + op.value.length;
  }
  const rec = Buffer.allocUnsafe(size);
  rec.writeUIntLE(firstSeq, LOG_HEADER, 6);
  rec.writeUInt32LE(ops.length, LOG_HEADER + 6);
  let off = LOG_HEADER + BATCH_HEADER;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if (op.type === 'put') {
      rec[off++] = TYPE_VALUE;
      off = putVarint(rec, off, op.key.length);
      off += op.key.copy(rec, off);
      off = putVarint(rec, off, op.value.length);
      off += op.value.copy(rec, off);
    } else {
      rec[off++] = TYPE_DELETION;
      off = putVarint(rec, off, op.key.length);
      off += op.key.copy(rec, off);
    }
  }
  return sealRecord(rec, WAL_RECORD_BATCH);
}

export interface BatchSink {
  add(key: Buffer, seq: number, type: number, value: Buffer): void;
}

const EMPTY = Buffer.alloc(0);

/**
 * Feeds the operations of a batch payload (without the log header) to sink; keys and
 * values are views of buf, not copies. Returns the last sequence, or -1 if malformed.
 */
export function decodeBatch(buf: Buffer, start: number, end: number, sink: BatchSink): number {
  if (end - start < BATCH_HEADER) return -1;
  const firstSeq = buf.readUIntLE(start, 6);
  const count = buf.readUInt32LE(start + 6);
  let off = start + BATCH_HEADER;
  for (let i = 0; i < count; i++) {
    if (off >= end) return -1;
    const type = buf[off++];
    const klen = getVarint(buf, off, end);
    if (klen < 0 || cursor.next + klen > end) return -1;
    off = cursor.next;
    const key = buf.subarray(off, off + klen);
    off += klen;
    if (type === TYPE_VALUE) {
      const vlen = getVarint(buf, off, end);
      if (vlen < 0 || cursor.next + vlen > end) return -1;
      off = cursor.next;
      sink.add(key, firstSeq + i, TYPE_VALUE, buf.subarray(off, off + vlen));
      off += vlen;
    } else if (type === TYPE_DELETION) {
      sink.add(key, firstSeq + i, TYPE_DELETION, EMPTY);
    } else {
      return -1;
    }
  }
  if (off !== end) return -1;
  return firstSeq + count - 1;
}

export function batchFirstSeq(payload: Buffer): number {
  return payload.readUIntLE(0, 6);
}
