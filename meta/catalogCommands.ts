/**
 * The SQL engine's meta commands: table redefinition (ALTER TABLE, indexes, constraints),
 * range splits and merges, sequences, schemas. Deterministic like every command (see
 * commands.ts): everything they need is in the command. Every range change bumps the
 * epoch of each range it touches (DESIGN.md "Range map").
 */
import { SqlError, SqlState } from '../common/errors';
import { asBuffer } from '../common/codec';
import type { RangeDescriptor, SequenceDef, TableDef } from '../common/catalog/schema';
import type { MetaCommand } from './commands';
import type { State } from './stateMachine';
import { applyRangeMove, assertNotMoving } from './rangeMoves';

export interface RangeOps {
  findTable(schema: string, name: string): TableDef | undefined;
  splitAt(key: Buffer): void;
  reassign(rangeId: number, shardId: number): void;
  leastLoadedShard(): number;
}

type CatalogCommand = Extract<
  MetaCommand,
  {
    type:
      | 'alterTable'
      | 'splitRanges'
      | 'mergeRange'
      | 'rangeMove'
      | 'createSequence'
      | 'dropSequence'
      | 'nextSequence'
      | 'createSchema';
  }
>;

export function applyCatalogCommand(s: State, c: CatalogCommand, ops: RangeOps): unknown {
  switch (c.type) {
    case 'alterTable': {
      const t = ops.findTable(c.schema, c.name);
      if (!t) throw new SqlError(SqlState.undefinedTable, `relation "${c.name}" does not exist`);
      if (t.version !== c.expectVersion) {
        throw new SqlError(
          SqlState.serializationFailure,
          `table "${c.name}" was changed concurrently (version ${t.version}, expected ${c.expectVersion})`,
        );
      }
      if (
        (c.table.name !== c.name || c.table.schema !== c.schema) &&
        ops.findTable(c.table.schema, c.table.name)
      ) {
        throw new SqlError(SqlState.duplicateTable, `relation "${c.table.name}" already exists`);
      }
      const next: TableDef = { ...c.table, id: t.id, version: t.version + 1 };
      s.tables = s.tables.map((x) => (x === t ? next : x));
      s.catalogVersion++;
      return next;
    }
    case 'splitRanges': {
      const created: number[] = [];
      for (let k = 0; k < c.keys.length; k++) {
        const raw = c.keys[k];
        const key = asBuffer(raw as unknown as Uint8Array);
        const holder = s.ranges.find(
          (r) =>
            Buffer.compare(r.startKey, key) <= 0 &&
            (r.endKey === null || Buffer.compare(key, r.endKey) < 0),
        );
        if (holder && !holder.startKey.equals(key)) assertNotMoving(holder);
        const before = new Set(s.ranges.map((r) => r.id));
        ops.splitAt(key);
        const fresh = s.ranges.find((r) => !before.has(r.id));
        if (fresh) {
          // The right half moves only where the caller says: it copied the data there first.
          const target = c.shardIds?.[k];
          if (target !== undefined && target !== fresh.shardId) ops.reassign(fresh.id, target);
          created.push(fresh.id);
        }
      }
      if (created.length > 0) s.rangeVersion++;
      return created;
    }
    case 'mergeRange': {
      const i = s.ranges.findIndex((r) => r.id === c.rangeId);
      if (i < 0) throw new SqlError(SqlState.undefinedObject, `range ${c.rangeId} does not exist`);
      const left = s.ranges[i];
      const right = s.ranges[i + 1];
      if (!right)
        throw new SqlError(
          SqlState.objectNotInPrerequisiteState,
          `range ${c.rangeId} has no right neighbour`,
        );
      assertNotMoving(left);
      assertNotMoving(right);
      if (right.shardId !== left.shardId && !c.rightCopied) {
        throw new SqlError(
          SqlState.objectNotInPrerequisiteState,
          `range ${c.rangeId} (shard ${left.shardId}) and range ${right.id} (shard ${right.shardId}) are on different shards; MOVE RANGE first`,
        );
      }
      const merged: RangeDescriptor = {
        ...left,
        endKey: right.endKey,
        epoch: Math.max(left.epoch, right.epoch) + 1,
      };
      s.ranges.splice(i, 2, merged);
      s.rangeVersion++;
      return merged;
    }
    case 'rangeMove':
      return applyRangeMove(s, c, ops);
    case 'createSequence': {
      const seqs = (s.sequences ??= []);
      if (seqs.some((q) => q.schema === c.schema && q.name === c.name)) {
        if (c.ifNotExists) return null;
        throw new SqlError(SqlState.duplicateTable, `relation "${c.name}" already exists`);
      }
      const seq: SequenceDef = {
        schema: c.schema,
        name: c.name,
        start: BigInt(c.start),
        increment: BigInt(c.increment),
        next: BigInt(c.start),
      };
      seqs.push(seq);
      s.catalogVersion++;
      return seq;
    }
    case 'dropSequence': {
      const seqs = s.sequences ?? [];
      const i = seqs.findIndex((q) => q.schema === c.schema && q.name === c.name);
      if (i < 0) {
        if (c.ifExists) return null;
        throw new SqlError(SqlState.undefinedTable, `sequence "${c.name}" does not exist`);
      }
      seqs.splice(i, 1);
      s.catalogVersion++;
      return true;
    }
    case 'nextSequence': {
      const seqs = s.sequences ?? [];
      const i = seqs.findIndex((q) => q.schema === c.schema && q.name === c.name);
      if (i < 0) throw new SqlError(SqlState.undefinedTable, `relation "${c.name}" does not exist`);
      const q = seqs[i];
      const first = BigInt(q.next);
      seqs[i] = { ...q, next: first + BigInt(q.increment) * BigInt(c.count) };
      return { first, increment: BigInt(q.increment) };
    }
    case 'createSchema': {
      const schemas = (s.schemas ??= []);
      if (c.name === 'public' || schemas.includes(c.name)) {
        if (c.ifNotExists) return null;
        throw new SqlError(SqlState.duplicateSchema, `schema "${c.name}" already exists`);
      }
      schemas.push(c.name);
      s.catalogVersion++;
      return c.name;
    }
  }
}
