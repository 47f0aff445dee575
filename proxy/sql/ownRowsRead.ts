/**
 * A point read of rows the transaction itself has written (TPC-B's SELECT of the account
 * its UPDATE just changed) is answered from the write buffer, without a shard round trip
 * or a statement snapshot: a buffered write shadows every committed version, so the shard
 * would answer from the same overlay. The fragment runs through the shard's own executor,
 * on the fragment as the shard would decode it, so filters, projections and aggregates
 * give exactly what the shard would have returned.
 */
import { decodeValue, encodeValue } from '../../common/codec';
import { fragmentFromWire, type FragmentResult } from '../../common/expr/fragment';
import { executeFragment, type FragmentRowSource } from '../../common/expr/fragmentExec';
import type { Transaction } from '../txn/transaction';

/** The buffered rows of a point read, by key; iteration is never needed for key reads. */
class OwnRows implements FragmentRowSource {
  constructor(private readonly rows: ReadonlyMap<string, Buffer>) {}
  get(key: Buffer): Buffer | undefined {
    return this.rows.get(key.toString('hex'));
  }
  iterator(): never {
    throw new Error('OwnRows serves point reads only');
  }
}

/**
 * The fragment's result over keys, or null when some key has no buffered write (then the
 * shard must be asked).
 */
export function readOwnRows(
  txn: Transaction,
  keys: readonly Buffer[],
  wire: Record<string, unknown>,
): FragmentResult | null {
  if (keys.length === 0 || txn.writeCount === 0) return null;
  const rows = new Map<string, Buffer>();
  for (const k of keys) {
    const v = txn.ownWrite(k);
    if (v === undefined) return null;
    if (v !== null) rows.set(k.toString('hex'), v);
  }
  // Through the codec, as the request would travel: the fragment is what the shard decodes.
  const f = fragmentFromWire(decodeValue(encodeValue(wire)) as Record<string, unknown>);
  return executeFragment(new OwnRows(rows), Buffer.alloc(0), null, { ...f, keys: [...keys] });
}
