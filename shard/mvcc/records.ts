/**
 * Values of the MVCC families (FORMAT.md is the byte-by-byte reference).
 *
 *   data version  [type u8 'P'|'D'][startTs u64][value…]
 *   write record  [type u8 'R'] (rollback) | [type u8 'L'][commitTs u64] (lock-only commit)
 *   lock          [version u8 = 1][kind u8 'S'|'P'][op u8 'P'|'D'|'L'|'-'][startTs u64]
 *                 [forUpdateTs u64][minCommitTs u64][ttlMs u32][primaryLen u32][primary][value…]
 *
 * Pure module: node built-ins and type-only imports (the compaction worker imports it).
 */
import type { Lock, LockKind, LockOp, Timestamp, Version } from './types';

export const VERSION_PUT = 0x50; // 'P'
export const VERSION_DELETE = 0x44; // 'D'
export const RECORD_ROLLBACK = 0x52; // 'R'
export const RECORD_LOCK_COMMIT = 0x4c; // 'L'

const LOCK_FORMAT = 1;
const LOCK_HEADER = 1 + 1 + 1 + 8 + 8 + 8 + 4 + 4;

const KIND_BYTE: Record<LockKind, number> = { pessimistic: 0x53, prewrite: 0x50 };
const OP_BYTE: Record<LockOp, number> = { put: 0x50, del: 0x44, lock: 0x4c, none: 0x2d };

export function encodeVersion(startTs: Timestamp, value: Buffer | undefined): Buffer {
  const out = Buffer.allocUnsafe(9 + (value?.length ?? 0));
  out[0] = value === undefined ? VERSION_DELETE : VERSION_PUT;
  out.writeBigUInt64BE(startTs, 1);
  if (value !== undefined) value.copy(out, 9);
  return out;
}

export function isDeleteVersion(encoded: Buffer): boolean {
  return encoded[0] === VERSION_DELETE;
}

export function decodeVersion(commitTs: Timestamp, encoded: Buffer): Version {
  const type = encoded[0];
  if ((type !== VERSION_PUT && type !== VERSION_DELETE) || encoded.length < 9) {
    throw new Error(`malformed MVCC version (type ${type}, ${encoded.length} bytes)`);
  }
  return {
    commitTs,
    startTs: encoded.readBigUInt64BE(1),
    value: type === VERSION_PUT ? encoded.subarray(9) : undefined,
  };
}

export function encodeRollbackRecord(): Buffer {
  return Buffer.from([RECORD_ROLLBACK]);
}

export function encodeLockCommitRecord(commitTs: Timestamp): Buffer {
  const out = Buffer.allocUnsafe(9);
  out[0] = RECORD_LOCK_COMMIT;
  out.writeBigUInt64BE(commitTs, 1);
  return out;
}

export type WriteRecord =
  { readonly kind: 'rollback' } | { readonly kind: 'lockCommit'; readonly commitTs: Timestamp };

export function decodeWriteRecord(encoded: Buffer): WriteRecord {
  if (encoded[0] === RECORD_ROLLBACK) return { kind: 'rollback' };
  if (encoded[0] === RECORD_LOCK_COMMIT && encoded.length >= 9) {
    return { kind: 'lockCommit', commitTs: encoded.readBigUInt64BE(1) };
  }
  throw new Error(`malformed MVCC write record (type ${encoded[0]})`);
}

export function encodeLock(lock: Lock): Buffer {
  const value = lock.op === 'put' ? (lock.value ?? Buffer.alloc(0)) : undefined;
  const out = Buffer.allocUnsafe(LOCK_HEADER + lock.primary.length + (value?.length ?? 0));
  let at = 0;
  out[at++] = LOCK_FORMAT;
  out[at++] = KIND_BYTE[lock.kind];
  out[at++] = OP_BYTE[lock.op];
  at = out.writeBigUInt64BE(lock.startTs, at);
  at = out.writeBigUInt64BE(lock.forUpdateTs, at);
  at = out.writeBigUInt64BE(lock.minCommitTs, at);
  at = out.writeUInt32BE(lock.ttlMs >>> 0, at);
  at = out.writeUInt32BE(lock.primary.length, at);
  at += lock.primary.copy(out, at);
  if (value !== undefined) value.copy(out, at);
  return out;
}

function kindOf(b: number): LockKind {
  if (b === KIND_BYTE.pessimistic) return 'pessimistic';
  if (b === KIND_BYTE.prewrite) return 'prewrite';
  throw new Error(`malformed MVCC lock kind ${b}`);
}

function opOf(b: number): LockOp {
  for (const op of ['put', 'del', 'lock', 'none'] as const) if (OP_BYTE[op] === b) return op;
  throw new Error(`malformed MVCC lock op ${b}`);
}

/** A lock's start_ts without decoding the rest (the lock index reads it on every lock write). */
export function lockStartTs(encoded: Buffer): bigint {
  if (encoded[0] !== LOCK_FORMAT || encoded.length < LOCK_HEADER) {
    throw new Error(`malformed MVCC lock (format ${encoded[0]}, ${encoded.length} bytes)`);
  }
  return encoded.readBigUInt64BE(3);
}

export function decodeLock(key: Buffer, encoded: Buffer): Lock {
  const startTs = lockStartTs(encoded); // checks the format and length too
  const kind = kindOf(encoded[1]);
  const op = opOf(encoded[2]);
  const forUpdateTs = encoded.readBigUInt64BE(11);
  const minCommitTs = encoded.readBigUInt64BE(19);
  const ttlMs = encoded.readUInt32BE(27);
  const primaryLen = encoded.readUInt32BE(31);
  const primary = encoded.subarray(LOCK_HEADER, LOCK_HEADER + primaryLen);
  const lock: Lock = { key, kind, op, primary, startTs, forUpdateTs, minCommitTs, ttlMs };
  return op === 'put' ? { ...lock, value: encoded.subarray(LOCK_HEADER + primaryLen) } : lock;
}
