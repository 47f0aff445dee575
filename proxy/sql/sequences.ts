/**
 * Sequence values from meta in cached blocks per proxy (DESIGN.md "Keys and rows"):
 * unique, not gap-free, as in PostgreSQL. reserve() fetches ahead so that evaluation,
 * which is synchronous, can take values with take().
 */
import { SqlError, SqlState } from '../../common/errors';
import type { MetaClient } from '../../common/clients/metaClient';

const BLOCK = 64;

interface Block {
  next: bigint;
  left: number;
  increment: bigint;
}

export class SequenceCache {
  private readonly blocks = new Map<string, Block[]>();

  constructor(private readonly meta: MetaClient) {}

  private static key(name: string): { schema: string; name: string; key: string } {
    const parts = name.split('.');
    const n = parts[parts.length - 1].replace(/^"|"$/g, '');
    const schema = parts.length > 1 ? parts[0] : 'public';
    return { schema, name: n, key: `${schema}.${n}` };
  }

  available(name: string): number {
    return (this.blocks.get(SequenceCache.key(name).key) ?? []).reduce((n, b) => n + b.left, 0);
  }

  /** Ensures at least n values are cached for the sequence. */
  async reserve(name: string, n: number): Promise<void> {
    const k = SequenceCache.key(name);
    const have = this.available(name);
    if (have >= n) return;
    const count = Math.max(BLOCK, n - have);
    const { result } = await this.meta.sqlCommand<{ first: bigint; increment: bigint }>({
      type: 'nextSequence',
      schema: k.schema,
      name: k.name,
      count,
    });
    const list = this.blocks.get(k.key) ?? [];
    list.push({ next: BigInt(result.first), left: count, increment: BigInt(result.increment) });
    this.blocks.set(k.key, list);
  }

  take(name: string): bigint {
    const k = SequenceCache.key(name);
    const list = this.blocks.get(k.key) ?? [];
    while (list.length > 0 && list[0].left === 0) list.shift();
    const b = list[0];
    if (!b) throw new SqlError(SqlState.internalError, `sequence ${name} has no reserved values`);
    const v = b.next;
    b.next += b.increment;
    b.left--;
    return v;
  }

  forget(name: string): void {
    this.blocks.delete(SequenceCache.key(name).key);
  }
}
