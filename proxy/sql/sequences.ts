/**
 * Sequence values from meta in cached blocks per proxy (DESIGN.md "Keys and rows"):
 * unique, not gap-free, as in PostgreSQL. reserve() fetches ahead so that evaluation,
 * which is synchronous, can take values with take().
 */
import { SqlError, SqlState } from '../../common/errors';
import type { MetaClient } from '../../common/clients/metaClient';
import type { EvalCtx } from '../../common/expr/expr';

const BLOCK = 64;

interface Block {
  next: bigint;
  left: number;
  increment: bigint;
}

interface SequenceName {
  readonly schema: string;
  readonly name: string;
  readonly key: string;
}

/** Parsed names by the text statements pass (a handful per table): take() runs per row. */
const parsedNames = new Map<string, SequenceName>();
const MAX_PARSED_NAMES = 10_000;

/**
 * One sequence's cached values: those statements gave back (used first, in order), then
 * the blocks fetched from meta. Given-back values live apart from the blocks so that the
 * blocks list only ever loses exhausted blocks at its front: a statement that claims and
 * gives back (an UPDATE of a table with a serial, an INSERT with explicit ids) leaves the
 * cache the size it found it.
 */
interface Cached {
  returned: bigint[];
  blocks: Block[];
}

export class SequenceCache {
  private readonly cached = new Map<string, Cached>();

  constructor(private readonly meta: MetaClient) {}

  private static key(name: string): SequenceName {
    const hit = parsedNames.get(name);
    if (hit !== undefined) return hit;
    const parts = name.split('.');
    const n = parts[parts.length - 1].replace(/^"|"$/g, '');
    const schema = parts.length > 1 ? parts[0] : 'public';
    const parsed = { schema, name: n, key: `${schema}.${n}` };
    if (parsedNames.size >= MAX_PARSED_NAMES) parsedNames.clear();
    parsedNames.set(name, parsed);
    return parsed;
  }

  private entry(name: string): Cached {
    const k = SequenceCache.key(name).key;
    let c = this.cached.get(k);
    if (c === undefined) {
      c = { returned: [], blocks: [] };
      this.cached.set(k, c);
    }
    return c;
  }

  available(name: string): number {
    const c = this.cached.get(SequenceCache.key(name).key);
    if (c === undefined) return 0;
    let n = c.returned.length;
    for (const b of c.blocks) n += b.left;
    return n;
  }

  /** Blocks and given-back values held for the sequence (tests: the cache stays small). */
  heldEntries(name: string): number {
    const c = this.cached.get(SequenceCache.key(name).key);
    return c === undefined ? 0 : c.returned.length + c.blocks.length;
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
    this.entry(name).blocks.push({
      next: BigInt(result.first),
      left: count,
      increment: BigInt(result.increment),
    });
  }

  /**
   * Takes n values now. reserve() alone is not enough when sessions run concurrently:
   * another session's take() can run between reserve() resolving and the caller's
   * evaluation (each await is a turn of the event loop), leaving the caller none.
   */
  async claim(name: string, n: number): Promise<bigint[]> {
    for (;;) {
      await this.reserve(name, n);
      // No await between this check and the takes: nobody else can take in between.
      if (this.available(name) >= n) return this.takeN(name, n);
    }
  }

  /** Takes n values if that many are cached, else null (claim() then fetches more). */
  takeCached(name: string, n: number): bigint[] | null {
    return this.available(name) >= n ? this.takeN(name, n) : null;
  }

  private takeN(name: string, n: number): bigint[] {
    const out = new Array<bigint>(n);
    for (let i = 0; i < n; i++) out[i] = this.take(name);
    return out;
  }

  /** Values claimed but not used go back to the front of the cache, in order. */
  giveBack(name: string, values: readonly bigint[]): void {
    if (values.length === 0) return;
    const c = this.entry(name);
    c.returned = c.returned.length === 0 ? values.slice() : [...values, ...c.returned];
  }

  take(name: string): bigint {
    const c = this.cached.get(SequenceCache.key(name).key);
    if (c !== undefined) {
      if (c.returned.length > 0) return c.returned.shift() as bigint;
      const list = c.blocks;
      while (list.length > 0 && list[0].left === 0) list.shift();
      const b = list[0];
      if (b !== undefined) {
        const v = b.next;
        b.next += b.increment;
        b.left--;
        return v;
      }
    }
    throw new SqlError(SqlState.internalError, `sequence ${name} has no reserved values`);
  }

  forget(name: string): void {
    this.cached.delete(SequenceCache.key(name).key);
  }
}

const none = (): void => undefined;

/** What claimForStatement answers: the release, at once when every value was cached. */
export type StatementClaim = (() => void) | Promise<() => void>;

/**
 * Claims n values of each sequence for one statement and makes ev.nextval serve them
 * first (then the shared cache), so the statement's synchronous evaluation cannot run dry.
 * Returns the release to call once evaluation is over: unused values go back, so a
 * statement that gave explicit values consumes none (as in PostgreSQL). When the cache
 * holds enough values (nearly always) the release comes back without a Promise: a hot
 * INSERT into a table with a serial or a hidden rowid pays no extra turn of the event loop.
 */
export function claimForStatement(
  seqs: SequenceCache | undefined,
  ev: EvalCtx,
  names: Iterable<string>,
  n: number,
): StatementClaim {
  if (seqs === undefined || n <= 0) return none;
  let pools: Map<string, bigint[]> | null = null;
  for (const name of names) {
    pools ??= new Map();
    const got = seqs.takeCached(name, n);
    if (got === null) return claimRest(seqs, ev, names, n, pools);
    pools.set(name, got);
  }
  return pools === null ? none : servePools(seqs, ev, pools);
}

async function claimRest(
  seqs: SequenceCache,
  ev: EvalCtx,
  names: Iterable<string>,
  n: number,
  pools: Map<string, bigint[]>,
): Promise<() => void> {
  for (const name of names) if (!pools.has(name)) pools.set(name, await seqs.claim(name, n));
  return servePools(seqs, ev, pools);
}

function servePools(seqs: SequenceCache, ev: EvalCtx, pools: Map<string, bigint[]>): () => void {
  const fallback = ev.nextval ?? ((name: string) => seqs.take(name));
  ev.nextval = (name) => {
    const pool = pools.get(name);
    if (pool !== undefined && pool.length > 0) return pool.shift() as bigint;
    return fallback(name);
  };
  return () => {
    for (const [name, pool] of pools) seqs.giveBack(name, pool.splice(0));
  };
}
