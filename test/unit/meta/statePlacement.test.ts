import { expect } from 'chai';
import { MetaStateMachine } from '../../../meta/stateMachine';
import type { MetaCommand } from '../../../meta/commands';
import { tableEnd, tableStart } from '../../../common/catalog/keyspace';
import { SqlError } from '../../../common/errors';

const spec = (name: string): MetaCommand => ({
  type: 'createTable',
  ifNotExists: false,
  spec: {
    schema: 'public',
    name,
    columns: [{ name: 'k', typeOid: 23, typeMod: -1, notNull: true }],
    primaryKey: ['k'],
  },
});

function assertTiles(m: MetaStateMachine): void {
  const rs = m.ranges;
  expect(rs[0].startKey.length).to.equal(0);
  expect(rs[rs.length - 1].endKey).to.equal(null);
  for (let i = 1; i < rs.length; i++)
    expect(rs[i].startKey.equals(rs[i - 1].endKey as Buffer)).to.equal(true);
}

describe('meta state machine: placement, duplicates, snapshots', () => {
  it('gives each table its own range and spreads tables over shards', () => {
    const m = new MetaStateMachine();
    for (const n of ['s1', 's2', 's3'])
      m.apply({ type: 'registerShard', address: `${n}:1`, name: n });
    const tables = ['a', 'b', 'c'].map((n) => m.apply(spec(n)) as { id: number });
    assertTiles(m);
    const owners = tables.map((t) => {
      const r = m.ranges.find((x) => x.startKey.equals(tableStart(t.id)));
      expect(r, 'a range starts at the table').to.not.equal(undefined);
      expect((r as { endKey: Buffer }).endKey.equals(tableEnd(t.id))).to.equal(true);
      return (r as { shardId: number }).shardId;
    });
    expect(new Set(owners).size).to.equal(3);
  });

  it('refuses a duplicate table with 42P07, and IF NOT EXISTS makes it a no-op', () => {
    const m = new MetaStateMachine();
    m.apply({ type: 'registerShard', address: 'a:1', name: 's1' });
    m.apply(spec('t'));
    expect(() => m.apply(spec('t')))
      .to.throw(SqlError)
      .with.property('code', '42P07');
    expect(
      m.apply({
        ...(spec('t') as Extract<MetaCommand, { type: 'createTable' }>),
        ifNotExists: true,
      }),
    ).to.equal(null);
    expect(m.tables).to.have.length(1);
  });

  it('re-registering a shard keeps its id and updates its address', () => {
    const m = new MetaStateMachine();
    const a = m.apply({ type: 'registerShard', address: 'h:1', name: 's1' }) as { id: number };
    const b = m.apply({ type: 'registerShard', address: 'h:2', name: 's1', shardId: a.id }) as {
      id: number;
      address: string;
    };
    expect(b.id).to.equal(a.id);
    expect(b.address).to.equal('h:2');
    expect(m.shards).to.have.length(1);
  });

  it('snapshot and restore give back the same state', () => {
    const m = new MetaStateMachine();
    m.apply({ type: 'registerShard', address: 'h:1', name: 's1' });
    m.apply(spec('t'));
    m.apply({ type: 'tsoHighWater', physicalMs: 12345 });
    const copy = new MetaStateMachine();
    copy.restore(m.snapshot());
    expect(copy.snapshot().equals(m.snapshot())).to.equal(true);
    expect(copy.ranges[1].startKey).to.be.instanceOf(Buffer);
    expect(copy.tsoHighWaterMs).to.equal(12345);
  });
});
