import { expect } from 'chai';
import { MetaStateMachine } from '../../../meta/stateMachine';
import type { MetaCommand } from '../../../meta/commands';
import { tableStart } from '../../../common/catalog/keyspace';
import type { RangeDescriptor } from '../../../common/catalog/schema';
import { SqlError } from '../../../common/errors';

function cluster(): { m: MetaStateMachine; table: RangeDescriptor } {
  const m = new MetaStateMachine();
  for (const n of ['s1', 's2', 's3'])
    m.apply({ type: 'registerShard', address: `${n}:1`, name: n });
  const t = m.apply({
    type: 'createTable',
    ifNotExists: false,
    spec: {
      schema: 'public',
      name: 't',
      columns: [{ name: 'k', typeOid: 23, typeMod: -1, notNull: true }],
      primaryKey: ['k'],
    },
  }) as { id: number };
  const table = m.ranges.find((r) => r.startKey.equals(tableStart(t.id))) as RangeDescriptor;
  return { m, table };
}

function code(m: MetaStateMachine, c: MetaCommand): string {
  try {
    m.apply(c);
  } catch (err) {
    return (err as SqlError).code;
  }
  return 'ok';
}

const key = (t: RangeDescriptor, b: number): Buffer =>
  Buffer.concat([t.startKey, Buffer.from([b])]);
const other = (shard: number): number => (shard % 3) + 1;

describe('meta range moves (freeze, finish, abort)', () => {
  it('start freezes the range at a new epoch; finish hands it to the target at the next', () => {
    const { m, table } = cluster();
    const to = other(table.shardId);
    const v0 = m.rangeVersion;
    const frozen = m.apply({
      type: 'rangeMove',
      op: 'start',
      rangeId: table.id,
      epoch: table.epoch,
      toShard: to,
    }) as RangeDescriptor;
    expect(frozen).to.deep.include({
      id: table.id,
      shardId: table.shardId,
      epoch: table.epoch + 1,
      moving: { toShard: to },
    });
    expect(m.rangeVersion).to.be.greaterThan(v0);
    const done = m.apply({
      type: 'rangeMove',
      op: 'finish',
      rangeId: table.id,
      epoch: frozen.epoch,
    }) as RangeDescriptor;
    expect(done).to.deep.include({ shardId: to, epoch: table.epoch + 2 });
    expect(done.moving).to.equal(undefined);
    expect(m.ranges.find((r) => r.id === table.id)).to.deep.equal(done);
  });

  it('abort unfreezes on the source, and a late finish of the same move then fails', () => {
    const { m, table } = cluster();
    const frozen = m.apply({
      type: 'rangeMove',
      op: 'start',
      rangeId: table.id,
      epoch: table.epoch,
      toShard: other(table.shardId),
    }) as RangeDescriptor;
    const back = m.apply({
      type: 'rangeMove',
      op: 'abort',
      rangeId: table.id,
      epoch: frozen.epoch,
    }) as RangeDescriptor;
    expect(back).to.deep.include({ shardId: table.shardId, epoch: frozen.epoch + 1 });
    expect(back.moving).to.equal(undefined);
    expect(
      code(m, { type: 'rangeMove', op: 'finish', rangeId: table.id, epoch: frozen.epoch }),
    ).to.equal('40001');
  });

  it('a split with a move is one entry: the new right half is born frozen', () => {
    const { m, table } = cluster();
    const at = key(table, 50);
    const before = m.ranges.length;
    const frozen = m.apply({
      type: 'rangeMove',
      op: 'start',
      rangeId: table.id,
      epoch: table.epoch,
      toShard: other(table.shardId),
      splitKey: at,
    }) as RangeDescriptor;
    expect(m.ranges.length).to.equal(before + 1);
    expect(frozen.startKey.equals(at)).to.equal(true);
    expect(frozen.shardId).to.equal(table.shardId);
    expect(frozen.moving).to.deep.equal({ toShard: other(table.shardId) });
    const left = m.ranges.find((r) => r.id === table.id) as RangeDescriptor;
    expect((left.endKey as Buffer).equals(at)).to.equal(true);
    expect(left.moving).to.equal(undefined);
    expect(left.epoch).to.equal(table.epoch + 1);
  });

  it('refuses unknown ranges and shards, stale epochs, double moves and bad split keys', () => {
    const { m, table } = cluster();
    const start = (extra: Partial<Extract<MetaCommand, { op: 'start' }>>): MetaCommand => ({
      type: 'rangeMove',
      op: 'start',
      rangeId: table.id,
      epoch: table.epoch,
      toShard: other(table.shardId),
      ...extra,
    });
    expect(code(m, start({ rangeId: 9999 }))).to.equal('42704');
    expect(code(m, start({ toShard: 42 }))).to.equal('42704');
    expect(code(m, start({ epoch: table.epoch + 7 }))).to.equal('40001');
    expect(code(m, start({ toShard: table.shardId }))).to.equal('55000');
    expect(code(m, start({ splitKey: table.startKey }))).to.equal('22023');
    expect(
      code(m, { type: 'rangeMove', op: 'finish', rangeId: table.id, epoch: table.epoch }),
    ).to.equal('55000');
    expect(code(m, start({}))).to.equal('ok');
    expect(code(m, start({ epoch: table.epoch + 1 }))).to.equal('55000');
  });

  it('a frozen range is neither split nor merged', () => {
    const { m, table } = cluster();
    m.apply({ type: 'splitRanges', keys: [key(table, 50)] });
    const [left, right] = m.ranges.filter((r) =>
      r.startKey.subarray(0, 5).equals(table.startKey.subarray(0, 5)),
    );
    m.apply({
      type: 'rangeMove',
      op: 'start',
      rangeId: right.id,
      epoch: right.epoch,
      toShard: other(right.shardId),
    });
    expect(code(m, { type: 'splitRanges', keys: [key(table, 70)] })).to.equal('55000');
    expect(code(m, { type: 'mergeRange', rangeId: left.id })).to.equal('55000');
    // Splitting elsewhere still works.
    expect(code(m, { type: 'splitRanges', keys: [key(table, 20)] })).to.equal('ok');
  });

  it('replicas agree and a snapshot keeps the moving flag', () => {
    const { m, table } = cluster();
    m.apply({
      type: 'rangeMove',
      op: 'start',
      rangeId: table.id,
      epoch: table.epoch,
      toShard: other(table.shardId),
    });
    const copy = new MetaStateMachine();
    copy.restore(m.snapshot());
    expect(copy.ranges.find((r) => r.id === table.id)?.moving).to.deep.equal({
      toShard: other(table.shardId),
    });
  });
});
