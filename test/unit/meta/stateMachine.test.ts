import { expect } from 'chai';
import { MetaStateMachine } from '../../../meta/stateMachine';
import type { MetaCommand } from '../../../meta/commands';

describe('MetaStateMachine', () => {
  it('the diagnostic register: put, compare-and-set, absent keys read null', () => {
    const m = new MetaStateMachine();
    expect(m.kvGet('x')).to.equal(null);
    expect(m.apply({ type: 'kvCas', key: 'x', from: 'a', to: 'b' })).to.equal(false);
    expect(m.apply({ type: 'kvCas', key: 'x', from: null, to: 'a' })).to.equal(true);
    expect(m.kvGet('x')).to.equal('a');
    m.apply({ type: 'kvPut', key: 'x', value: 'z' });
    expect(m.kvGet('x')).to.equal('z');
    expect(m.kvGet('toString'), 'no prototype keys').to.equal(null);
  });

  it('replicas that apply the same commands agree, and a snapshot restores the same state', () => {
    const commands: MetaCommand[] = [
      { type: 'registerShard', address: 'h:1', name: 's1' },
      { type: 'kvPut', key: 'k', value: 'v' },
      { type: 'tsoHighWater', physicalMs: 1234 },
      { type: 'tsoHighWater', physicalMs: 1000 },
    ];
    const a = new MetaStateMachine();
    const b = new MetaStateMachine();
    for (const c of commands) {
      a.apply(c);
      b.apply(c);
    }
    expect(Buffer.compare(a.snapshot(), b.snapshot())).to.equal(0);
    expect(a.tsoHighWaterMs, 'the high-water mark never goes back').to.equal(1234);
    const c = new MetaStateMachine();
    c.restore(a.snapshot());
    expect(c.kvGet('k')).to.equal('v');
    expect(c.shards.map((s) => s.name)).to.deep.equal(['s1']);
    expect(c.tsoHighWaterMs).to.equal(1234);
    expect(Buffer.compare(c.snapshot(), a.snapshot())).to.equal(0);
  });
});
