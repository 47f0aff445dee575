import { expect } from 'chai';
import { WaitForGraph } from '../../../../shard/mvcc';

const key = Buffer.from('k');

describe('mvcc wait-for graph', () => {
  it('finds a two-transaction cycle and makes the requester the victim', () => {
    const g = new WaitForGraph();
    expect(g.addEdge(1n, 2n, key, 0)).to.equal(null);
    const d = g.addEdge(2n, 1n, key, 0);
    expect(d?.cycle).to.deep.equal([2n, 1n]);
    expect(d?.victim).to.equal(2n);
    expect(g.edgeCount).to.equal(1); // the closing edge was not added
  });

  it('finds a longer cycle and names its edges', () => {
    const g = new WaitForGraph();
    g.addEdge(1n, 2n, key, 0);
    g.addEdge(2n, 3n, key, 0);
    g.addEdge(3n, 4n, key, 0);
    g.addEdge(5n, 1n, key, 0); // a branch, not on the cycle
    const d = g.addEdge(4n, 1n, key, 0);
    expect(d?.cycle).to.deep.equal([4n, 1n, 2n, 3n]);
    expect(d?.edges.map((e) => [e.waiter, e.holder])).to.deep.equal([
      [4n, 1n],
      [1n, 2n],
      [2n, 3n],
      [3n, 4n],
    ]);
  });

  it('does not report waits that only share a holder', () => {
    const g = new WaitForGraph();
    expect(g.addEdge(1n, 3n, key, 0)).to.equal(null);
    expect(g.addEdge(2n, 3n, key, 0)).to.equal(null);
    expect(g.addEdge(1n, 2n, key, 0)).to.equal(null);
    expect(g.addEdge(3n, 3n, key, 0)).to.equal(null);
  });

  it('forgets removed and stale edges', () => {
    const g = new WaitForGraph();
    g.addEdge(1n, 2n, key, 0);
    g.removeEdge(1n, 2n);
    expect(g.addEdge(2n, 1n, key, 0)).to.equal(null);
    g.removeWaiter(2n);
    g.addEdge(3n, 4n, key, 100);
    g.addEdge(5n, 6n, key, 200);
    expect(g.prune(150)).to.equal(1);
    expect(g.addEdge(4n, 3n, key, 300)).to.equal(null);
    expect(g.addEdge(6n, 5n, key, 300)?.victim).to.equal(6n);
  });

  it('under the youngest policy picks the largest start_ts in the cycle', () => {
    const g = new WaitForGraph('youngest');
    g.addEdge(10n, 30n, key, 0);
    g.addEdge(30n, 20n, key, 0);
    const d = g.addEdge(20n, 10n, key, 0);
    expect(d?.victim).to.equal(30n);
    expect(g.edgeCount).to.equal(3); // the requester keeps waiting; the victim's wait must end
  });
});
