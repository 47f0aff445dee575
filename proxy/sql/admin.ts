/**
 * Admin SQL (DESIGN.md "Admin SQL"), recognized by this small parser before libpg-query
 * sees the text: SPLIT RANGE ON t AT (v)[, (v2) …], SPLIT RANGE ON t BETWEEN (lo) AND (hi)
 * INTO n, ALTER TABLE t SPLIT AT VALUES (v)[, …], MERGE RANGE id, MOVE RANGE id TO SHARD n,
 * MOVE RANGE id CANCEL, SHOW RANGES [ON t], SHOW SHARDS / SHOW CLUSTER, ALTER CLUSTER
 * ADD|REMOVE META (clusterAdmin.ts). Results are ordinary result sets.
 *
 * A split spreads the new right-hand range to the shard with the fewest ranges, a merge of
 * ranges on two shards first brings the right one to the left's shard: both move data
 * with the freeze-then-hand-over protocol of proxy/sql/rangeMove.ts, so writes running
 * meanwhile wait (briefly) and are never lost. Reads running across a split meet
 * RANGE_STALE and continue from their cursor on the new owner, so they return the same rows.
 */
import { SqlError, SqlState, toSqlError } from '../../common/errors';
import { cancelMove, moveRange } from './rangeMove';
import type { RangeDescriptor, TableDef } from '../../common/catalog/schema';
import { tableIdOfKey, tableStart } from '../../common/catalog/keyspace';
import type { Datum } from '../../common/types/datum';
import { TypeOid } from '../../common/types/datum';
import { evalExpr } from '../../common/expr/eval';
import { newEvalCtx } from '../../common/expr/expr';
import type { ColumnDescription } from '../engine';
import { coerce } from './coerce';
import type { ExecContext } from './context';
import { describeKey, pkColumns, rowKey } from './keys';
import { parseSql, type AstNode } from './parser';
import { Planner } from './planner';
import { Scope } from './scope';
import { typeSizeOf } from './typeNames';
import { parseClusterAdmin } from './clusterAdmin';

export interface AdminStatement {
  readonly columns: ColumnDescription[] | null;
  execute(ctx: ExecContext): Promise<{ rows: Datum[][]; tag: string }>;
}

function col(name: string, typeOid: number): ColumnDescription {
  return {
    name,
    tableOid: 0,
    columnAttr: 0,
    typeOid,
    typeSize: typeSizeOf(typeOid),
    typeModifier: -1,
  };
}

const IDENT = String.raw`("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*)?)`;

function ident(s: string): { schema: string; name: string } {
  if (s.startsWith('"')) return { schema: 'public', name: s.slice(1, -1).replace(/""/g, '"') };
  const parts = s.toLowerCase().split('.');
  return parts.length > 1
    ? { schema: parts[0], name: parts[1] }
    : { schema: 'public', name: parts[0] };
}

/** "(1, 'a'), (2, 'b')" → ['1, \'a\'', '2, \'b\''] (top-level parenthesized tuples). */
function tuples(text: string): string[] {
  const out: string[] = [];
  let depth = 0,
    start = -1,
    quote = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === "'") quote = text[i + 1] === "'" ? (i++, true) : false;
      continue;
    }
    if (c === "'") quote = true;
    else if (c === '(') {
      if (depth++ === 0) start = i + 1;
    } else if (c === ')') {
      if (--depth === 0) out.push(text.slice(start, i));
    } else if (depth === 0 && !/[\s,]/.test(c))
      throw new SqlError(SqlState.syntaxError, `syntax error at or near "${c}"`);
  }
  if (depth !== 0) throw new SqlError(SqlState.syntaxError, 'unbalanced parentheses');
  return out;
}

/** Primary-key values from a tuple's text, coerced to the key columns' types. */
function keyValues(table: TableDef, tuple: string): Datum[] {
  const [stmt] = parseSql(`SELECT ${tuple}`);
  const targets = ((stmt.node.SelectStmt as AstNode).targetList as AstNode[]).map(
    (t) => (t.ResTarget as AstNode).val as AstNode,
  );
  const pk = pkColumns(table);
  if (targets.length > pk.length)
    throw new SqlError(
      SqlState.syntaxError,
      `too many values for the primary key of "${table.name}" (${pk.length} column(s))`,
    );
  const planner = new Planner(() => table, []);
  const c = planner.compiler(new Scope([]), 'SPLIT');
  return targets.map((t, i) =>
    evalExpr(coerce(c.compile(t), pk[i].typeOid, [], { assign: true }), [], newEvalCtx()),
  );
}

async function tableOf(ctx: ExecContext, name: string): Promise<TableDef> {
  const id = ident(name);
  const t = await ctx.catalog.find(id.schema, id.name);
  if (!t) throw new SqlError(SqlState.undefinedTable, `relation "${id.name}" does not exist`);
  return t;
}

/** The live shard with the fewest ranges (a split's right half goes there), or -1. */
function leastLoaded(ctx: ExecContext, live: ReadonlySet<number>): number {
  const counts = new Map<number, number>(
    ctx.ranges.shardIds.filter((id) => live.has(id)).map((id) => [id, 0]),
  );
  for (const r of ctx.ranges.all)
    if (counts.has(r.shardId)) counts.set(r.shardId, (counts.get(r.shardId) as number) + 1);
  let best = -1;
  for (const [id, n] of counts) if (best < 0 || n < (counts.get(best) as number)) best = id;
  return best;
}

/** How often an admin step re-reads the map and tries again after losing a race (40001). */
const ADMIN_RACE_RETRIES = 3;

async function retryRaces<T>(ctx: ExecContext, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (toSqlError(err).code !== SqlState.serializationFailure || attempt >= ADMIN_RACE_RETRIES)
        throw err;
      await ctx.ranges.refresh();
    }
  }
}

/**
 * Splits so that a range starts at key, sending the right half to the least loaded shard:
 * the split and the freeze of the right half are one meta entry, then the data moves
 * online (proxy/sql/rangeMove.ts).
 */
export async function splitAt(ctx: ExecContext, key: Buffer): Promise<boolean> {
  const [cluster] = await Promise.all([ctx.meta.cluster(), ctx.ranges.refresh()]);
  const live = new Set(cluster.shards.filter((x) => x.live).map((x) => x.id));
  return retryRaces(ctx, async () => {
    const r = ctx.ranges.lookup(key);
    if (!r || r.startKey.equals(key)) return false;
    const target = leastLoaded(ctx, live);
    if (target >= 0 && target !== r.shardId) {
      await moveRange(ctx, r, target, key);
    } else {
      await ctx.meta.sqlCommand({ type: 'splitRanges', keys: [key] });
    }
    await ctx.ranges.refresh();
    return true;
  });
}

async function splitTable(
  ctx: ExecContext,
  table: TableDef,
  keys: Datum[][],
): Promise<{ rows: Datum[][]; tag: string }> {
  const encoded = keys.map((k) => rowKey(table, k)).sort(Buffer.compare);
  let n = 0;
  for (const k of encoded) if (await splitAt(ctx, k)) n++;
  return { rows: [[BigInt(n)]], tag: 'SPLIT' };
}

/** The range with this id and its right neighbour, which must hold the same table. */
function mergePair(ctx: ExecContext, id: number): [RangeDescriptor, RangeDescriptor] {
  const all = ctx.ranges.all;
  const i = all.findIndex((r) => r.id === id);
  if (i < 0) throw new SqlError(SqlState.undefinedObject, `range ${id} does not exist`);
  const left = all[i];
  const right = all[i + 1];
  if (!right)
    throw new SqlError(SqlState.objectNotInPrerequisiteState, `range ${id} has no right neighbour`);
  const lt = tableIdOfKey(left.startKey),
    rt = tableIdOfKey(right.startKey);
  if (lt !== rt)
    throw new SqlError(
      SqlState.objectNotInPrerequisiteState,
      `range ${id} and range ${right.id} belong to different tables`,
    );
  return [left, right];
}

/** MERGE RANGE: on different shards, the right range first moves to the left's shard. */
async function mergeRange(ctx: ExecContext, id: number): Promise<{ rows: Datum[][]; tag: string }> {
  await ctx.ranges.refresh();
  await retryRaces(ctx, async () => {
    const [left, right] = mergePair(ctx, id);
    if (right.shardId !== left.shardId) {
      await moveRange(ctx, right, left.shardId);
      mergePair(ctx, id); // still neighbours of one table
    }
    await ctx.meta.sqlCommand({ type: 'mergeRange', rangeId: id });
  });
  await ctx.ranges.refresh();
  return { rows: [[BigInt(id)]], tag: 'MERGE' };
}

/** MOVE RANGE id TO SHARD n. */
async function moveRangeTo(
  ctx: ExecContext,
  id: number,
  shardId: number,
): Promise<{ rows: Datum[][]; tag: string }> {
  await Promise.all([ctx.ranges.refresh(), ctx.catalog.refresh()]);
  const report = await retryRaces(ctx, async () => {
    const r = ctx.ranges.all.find((x) => x.id === id);
    if (!r) throw new SqlError(SqlState.undefinedObject, `range ${id} does not exist`);
    if (ctx.ranges.shardAddress(shardId) === undefined)
      throw new SqlError(SqlState.undefinedObject, `shard ${shardId} does not exist`);
    const tid = tableIdOfKey(r.startKey);
    if (tid === undefined || !ctx.catalog.all.some((t) => t.id === tid))
      throw new SqlError(
        SqlState.objectNotInPrerequisiteState,
        `range ${id} holds no table's rows; only table ranges move`,
      );
    if (r.shardId === shardId)
      return { rangeId: id, fromShard: shardId, toShard: shardId, entries: 0, frozenMs: 0 };
    const live = (await ctx.meta.cluster()).shards.find((x) => x.id === shardId);
    if (live && !live.live)
      throw new SqlError(
        SqlState.objectNotInPrerequisiteState,
        `could not move range ${id} to shard ${shardId}: the shard is down`,
      );
    return moveRange(ctx, r, shardId);
  });
  return {
    rows: [
      [
        BigInt(report.rangeId),
        report.fromShard,
        report.toShard,
        BigInt(report.entries),
        BigInt(report.frozenMs),
      ],
    ],
    tag: 'MOVE',
  };
}

async function showRanges(
  ctx: ExecContext,
  tableName: string | null,
): Promise<{ rows: Datum[][]; tag: string }> {
  await Promise.all([ctx.ranges.refresh(), ctx.catalog.refresh()]);
  const table = tableName ? await tableOf(ctx, tableName) : null;
  const byId = new Map(ctx.catalog.all.map((t) => [t.id, t]));
  const sizes = new Map<number, number>();
  await Promise.all(
    ctx.ranges.shardIds.map(async (s) => {
      try {
        for (const [id, n] of await ctx.router.callShard<Array<[number, number]>>(
          s,
          'sql.rangeSizes',
          {},
        ))
          sizes.set(id, n);
      } catch {
        // A shard that does not answer shows no size; the rest of the map still prints.
      }
    }),
  );
  const rows: Datum[][] = [];
  for (const r of ctx.ranges.all) {
    const tid = tableIdOfKey(r.startKey);
    const t = tid !== undefined ? byId.get(tid) : undefined;
    if (table && t?.id !== table.id) continue;
    if (!table && !t) continue;
    const show = (k: Buffer | null): string => {
      if (k === null) return '/Max';
      const owner = byId.get(tableIdOfKey(k) ?? -1);
      if (!owner)
        return k.length === 0
          ? '/Min'
          : k.length === 5
            ? `/Table/${tableIdOfKey(k) ?? '?'}`
            : `/${k.toString('hex')}`;
      if (k.equals(tableStart(owner.id))) return `/Table/${owner.name}`;
      return `/Table/${owner.name}/${describeKey(owner, k)}`;
    };
    rows.push([
      BigInt(r.id),
      t?.name ?? null,
      show(r.startKey),
      show(r.endKey),
      r.shardId,
      BigInt(r.epoch),
      BigInt(sizes.get(r.id) ?? 0),
      r.moving?.toShard ?? null,
    ]);
  }
  return { rows, tag: `SELECT ${rows.length}` };
}

const RANGES_COLUMNS = [
  col('range_id', TypeOid.int8),
  col('table_name', TypeOid.text),
  col('start_key', TypeOid.text),
  col('end_key', TypeOid.text),
  col('shard_id', TypeOid.int4),
  col('epoch', TypeOid.int8),
  col('approximate_size', TypeOid.int8),
  /** The shard a range is being moved to (it is frozen meanwhile), else NULL. */
  col('moving_to', TypeOid.int4),
];

/** The admin statement in sql, or null when it is ordinary SQL. */
export function parseAdmin(sql: string): AdminStatement | null {
  const text = sql.trim().replace(/;\s*$/, '');
  let m: RegExpExecArray | null;
  if (
    (m = new RegExp(String.raw`^SPLIT\s+RANGE\s+ON\s+${IDENT}\s+AT\s+([\s\S]+)$`, 'i').exec(text))
  ) {
    const [, name, rest] = m;
    return {
      columns: [col('ranges_created', TypeOid.int8)],
      execute: async (ctx) => {
        const t = await tableOf(ctx, name);
        return splitTable(
          ctx,
          t,
          tuples(rest).map((x) => keyValues(t, x)),
        );
      },
    };
  }
  if (
    (m = new RegExp(
      String.raw`^ALTER\s+TABLE\s+${IDENT}\s+SPLIT\s+AT\s+VALUES\s+([\s\S]+)$`,
      'i',
    ).exec(text))
  ) {
    const [, name, rest] = m;
    return {
      columns: [col('ranges_created', TypeOid.int8)],
      execute: async (ctx) => {
        const t = await tableOf(ctx, name);
        return splitTable(
          ctx,
          t,
          tuples(rest).map((x) => keyValues(t, x)),
        );
      },
    };
  }
  if (
    (m = new RegExp(
      String.raw`^SPLIT\s+RANGE\s+ON\s+${IDENT}\s+BETWEEN\s+(\([\s\S]*?\))\s+AND\s+(\([\s\S]*?\))\s+INTO\s+(\d+)$`,
      'i',
    ).exec(text))
  ) {
    const [, name, lo, hi, n] = m;
    return {
      columns: [col('ranges_created', TypeOid.int8)],
      execute: async (ctx) => {
        const t = await tableOf(ctx, name);
        const [a] = keyValues(t, tuples(lo)[0]);
        const [b] = keyValues(t, tuples(hi)[0]);
        if (typeof a !== 'number' && typeof a !== 'bigint')
          throw new SqlError(
            SqlState.featureNotSupported,
            'SPLIT … BETWEEN … INTO needs an integer first key column',
          );
        const count = Number(n);
        if (count < 2)
          throw new SqlError(SqlState.invalidParameterValue, 'INTO needs at least 2 ranges');
        const x = BigInt(a),
          y = BigInt(b as number | bigint);
        const keys: Datum[][] = [];
        for (let i = 1; i < count; i++) {
          const v = x + ((y - x) * BigInt(i)) / BigInt(count);
          keys.push([typeof a === 'bigint' ? v : Number(v)]);
        }
        return splitTable(ctx, t, keys);
      },
    };
  }
  if ((m = /^MOVE\s+RANGE\s+(\d+)\s+CANCEL$/i.exec(text))) {
    // The way out for a range left frozen by a mover that died (SHOW RANGES: moving_to).
    const id = Number(m[1]);
    return {
      columns: [col('range_id', TypeOid.int8), col('shard_id', TypeOid.int4)],
      execute: async (ctx) => {
        await ctx.ranges.refresh();
        const r = ctx.ranges.all.find((x) => x.id === id);
        if (!r) throw new SqlError(SqlState.undefinedObject, `range ${id} does not exist`);
        if (!r.moving)
          throw new SqlError(SqlState.objectNotInPrerequisiteState, `range ${id} is not moving`);
        if (!(await cancelMove(ctx, r)))
          throw new SqlError(
            SqlState.objectNotInPrerequisiteState,
            `range ${id} finished its move to shard ${r.moving.toShard} before it could be cancelled`,
          );
        return { rows: [[BigInt(id), r.shardId]], tag: 'MOVE' };
      },
    };
  }
  if ((m = /^MOVE\s+RANGE\s+(\d+)\s+TO\s+SHARD\s+(\d+)$/i.exec(text))) {
    const id = Number(m[1]);
    const shard = Number(m[2]);
    return {
      columns: [
        col('range_id', TypeOid.int8),
        col('from_shard', TypeOid.int4),
        col('to_shard', TypeOid.int4),
        col('entries_moved', TypeOid.int8),
        col('frozen_ms', TypeOid.int8),
      ],
      execute: (ctx) => moveRangeTo(ctx, id, shard),
    };
  }
  if ((m = /^MERGE\s+RANGE\s+(\d+)$/i.exec(text))) {
    const id = Number(m[1]);
    return { columns: [col('range_id', TypeOid.int8)], execute: (ctx) => mergeRange(ctx, id) };
  }
  if (
    (m = new RegExp(String.raw`^SHOW\s+RANGES(?:\s+(?:ON|FROM\s+TABLE)\s+${IDENT})?$`, 'i').exec(
      text,
    ))
  ) {
    const name = m[1] ?? null;
    return { columns: RANGES_COLUMNS, execute: (ctx) => showRanges(ctx, name) };
  }
  const clusterAdmin = parseClusterAdmin(text);
  if (clusterAdmin) return clusterAdmin;
  if (/^SHOW\s+CLUSTER$/i.test(text)) {
    // Every node of the cluster: meta members with their Raft state, then shards.
    return {
      columns: [
        col('node', TypeOid.text),
        col('kind', TypeOid.text),
        col('id', TypeOid.int4),
        col('address', TypeOid.text),
        col('state', TypeOid.text),
        col('term', TypeOid.int8),
        col('commit_index', TypeOid.int8),
        col('applied_index', TypeOid.int8),
        col('ranges', TypeOid.int8),
      ],
      execute: async (ctx) => {
        const c = await ctx.meta.cluster();
        await ctx.ranges.refresh();
        const big = (n: number | null): Datum => (n === null ? null : BigInt(n));
        const rows: Datum[][] = [
          ...c.metas.map(
            (m) =>
              [
                m.name ?? `meta${m.id}`,
                'meta',
                m.id,
                m.address,
                m.role,
                big(m.term),
                big(m.commitIndex),
                big(m.appliedIndex),
                null,
              ] as Datum[],
          ),
          ...c.shards.map(
            (sh) =>
              [
                sh.name,
                'shard',
                sh.id,
                sh.address,
                sh.live ? 'live' : 'down',
                null,
                null,
                null,
                BigInt(ctx.ranges.all.filter((r) => r.shardId === sh.id).length),
              ] as Datum[],
          ),
        ];
        return { rows, tag: `SELECT ${rows.length}` };
      },
    };
  }
  if (/^SHOW\s+SHARDS$/i.test(text)) {
    return {
      columns: [
        col('shard_id', TypeOid.int4),
        col('name', TypeOid.text),
        col('address', TypeOid.text),
        col('live', TypeOid.bool),
        col('ranges', TypeOid.int8),
      ],
      execute: async (ctx) => {
        const c = await ctx.meta.cluster();
        await ctx.ranges.refresh();
        const rows = c.shards.map(
          (s) =>
            [
              s.id,
              s.name,
              s.address,
              s.live,
              BigInt(ctx.ranges.all.filter((r) => r.shardId === s.id).length),
            ] as Datum[],
        );
        return { rows, tag: `SELECT ${rows.length}` };
      },
    };
  }
  return null;
}
