import type { ConfChange, NodeId } from './types';

/**
 * Conf-change entries carry their ConfChange as JSON bytes, so storage and transport treat every
 * entry's data the same way (an opaque byte string).
 */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  return Buffer.from(
    JSON.stringify({ type: cc.type, node: cc.node, voters: [...cc.voters] }),
    'utf8',
  );
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  const parsed: unknown = JSON.parse(
    Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'),
  );
  if (!isConfChange(parsed)) throw new Error('raft: malformed conf change entry');
  return parsed;
}

function isConfChange(v: unknown): v is ConfChange {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    (o.type === 'addNode' || o.type === 'removeNode') &&
    typeof o.node === 'number' &&
    Array.isArray(o.voters) &&
    o.voters.every((x) => typeof x === 'number')
  );
}

/** The voters after applying a single-server change to `voters`, sorted; undefined if it is a no-op. */
export function nextVoters(
  voters: readonly NodeId[],
  type: ConfChange['type'],
  node: NodeId,
): NodeId[] | undefined {
  const has = voters.includes(node);
  if (type === 'addNode') return has ? undefined : [...voters, node].sort((a, b) => a - b);
  if (!has || voters.length === 1) return undefined;
  return voters.filter((v) => v !== node);
}
