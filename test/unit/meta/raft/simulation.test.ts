import { expect } from 'chai';
import { Simulation, type SimResult } from '../../../../meta/raft/sim/cluster';

/**
 * Deterministic simulation of the Raft core (see meta/raft/sim/). Every seed is one reproducible
 * run with loss, delay, duplication, reordering, partitions, crashes/restarts, snapshots,
 * leader transfers and membership changes; the safety checks run after every step, and the run
 * ends by healing everything and requiring a proposal to commit on every voter.
 *
 *   RAFT_SIM_SEEDS=N   run N seeds per group size (default 500 → 1000 runs)
 *   RAFT_SIM_SEED=s    run only seed s (with RAFT_SIM_NODES=3|5, default both)
 *   RAFT_SIM_BASE=b    first seed (default 1)
 */
const single =
  process.env.RAFT_SIM_SEED !== undefined ? Number(process.env.RAFT_SIM_SEED) : undefined;
const perSize = Number(process.env.RAFT_SIM_SEEDS ?? 500);
const base = Number(process.env.RAFT_SIM_BASE ?? 1);
const sizes: (3 | 5)[] =
  process.env.RAFT_SIM_NODES === '3' ? [3] : process.env.RAFT_SIM_NODES === '5' ? [5] : [3, 5];

describe('raft simulation', function () {
  this.timeout(120_000);

  for (const nodes of sizes) {
    it(`${nodes}-node groups: safety after every step, liveness once healed (${single ?? `${perSize} seeds`})`, () => {
      const seeds =
        single !== undefined ? [single] : Array.from({ length: perSize }, (_, k) => base + k);
      const results: SimResult[] = [];
      for (const seed of seeds) results.push(new Simulation({ seed, nodes }).run());
      // The runs must actually exercise the protocol, not idle: commits, elections, faults.
      const sum = (f: (r: SimResult) => number): number => results.reduce((a, r) => a + f(r), 0);
      if (single === undefined) {
        expect(sum((r) => r.committed) / results.length).to.be.greaterThan(20);
        expect(sum((r) => r.leadersElected)).to.be.greaterThan(results.length);
        expect(sum((r) => r.crashes)).to.be.greaterThan(0);
        expect(sum((r) => r.snapshots)).to.be.greaterThan(0);
        expect(sum((r) => r.confChanges)).to.be.greaterThan(0);
        expect(sum((r) => r.reads)).to.be.greaterThan(0);
      } else {
        console.log(JSON.stringify(results[0]));
      }
    });
  }
});
