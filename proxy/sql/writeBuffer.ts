/**
 * The one place a statement's writes are collected before they reach the shards: puts
 * (optionally "must not exist", for primary and unique keys) and deletes, grouped per
 * range and sent in parallel at flush. The transaction layer will route this buffer
 * through its coordinator (locks, 1PC/2PC) instead of writing directly; until then each
 * statement's writes apply when it ends (autocommit), without cross-range atomicity.
 */
import { RpcError, RpcErrorCode, SqlError, SqlState } from '../../common/errors';
import type { RangeDescriptor } from '../../common/catalog/schema';
import type { ExecContext } from './context';
import { staleBackoff } from '../shardRouter';

interface Op {
  readonly key: Buffer;
  readonly value: Buffer | null;
  readonly mustNotExist: boolean;
  readonly conflict?: () => SqlError;
}

const MAX_STALE = 8;

export class WriteBuffer {
  private ops: Op[] = [];

  put(key: Buffer, value: Buffer, mustNotExist = false, conflict?: () => SqlError): void {
    this.ops.push({ key, value, mustNotExist, conflict });
  }

  del(key: Buffer): void {
    this.ops.push({ key, value: null, mustNotExist: false });
  }

  get size(): number {
    return this.ops.length;
  }

  /** Sends every collected write; checked puts first so a conflict leaves nothing else behind. */
  async flush(ctx: ExecContext): Promise<void> {
    const ops = this.ops;
    this.ops = [];
    const checked = ops.filter((o) => o.mustNotExist);
    const rest = ops.filter((o) => !o.mustNotExist);
    const applied: Op[] = [];
    try {
      await this.send(ctx, checked, true, applied, 0);
    } catch (err) {
      // Compensate: remove the checked puts that did land (best effort without transactions).
      if (applied.length > 0)
        await this.send(
          ctx,
          applied.map((o) => ({ key: o.key, value: null, mustNotExist: false })),
          false,
          [],
          0,
        ).catch(() => undefined);
      throw err;
    }
    await this.send(ctx, rest, false, [], 0);
  }

  private async send(
    ctx: ExecContext,
    ops: Op[],
    check: boolean,
    applied: Op[],
    attempt: number,
  ): Promise<void> {
    if (ops.length === 0) return;
    if (ctx.ranges.all.length === 0) await ctx.ranges.refresh();
    const groups = new Map<RangeDescriptor, Op[]>();
    for (const o of ops) {
      const r = ctx.ranges.lookup(o.key);
      if (!r)
        throw new SqlError(SqlState.internalError, `no range covers key ${o.key.toString('hex')}`);
      const g = groups.get(r);
      if (g) g.push(o);
      else groups.set(r, [o]);
    }
    await Promise.all(
      [...groups].map(async ([r, list]) => {
        const puts = list.filter((o) => o.value !== null).map((o) => [o.key, o.value as Buffer]);
        const dels = list.filter((o) => o.value === null).map((o) => o.key);
        let res: { conflict?: number };
        try {
          res = await ctx.router.sendTo<{ conflict?: number }>(r, 'kv.write', {
            puts,
            dels,
            mustNotExist: check,
          });
        } catch (err) {
          if (
            !(err instanceof RpcError && err.code === RpcErrorCode.rangeStale) ||
            attempt >= MAX_STALE
          )
            throw err;
          await staleBackoff(attempt);
          await ctx.ranges.refresh();
          return this.send(ctx, list, check, applied, attempt + 1);
        }
        if (res.conflict !== undefined) {
          const putOps = list.filter((o) => o.value !== null);
          const bad = putOps[res.conflict];
          throw bad.conflict
            ? bad.conflict()
            : new SqlError(
                SqlState.uniqueViolation,
                'duplicate key value violates unique constraint',
              );
        }
        applied.push(...list);
      }),
    );
  }
}
