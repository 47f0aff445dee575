import { expect } from 'chai';
import fc from 'fast-check';
import {
  ILLEGAL,
  checkHistory,
  checkOperations,
  operationsOf,
  registerModel,
} from '../../support/linearizability';
import type {
  HistoryEvent,
  Operation,
  RegisterInput,
  RegisterOutput,
} from '../../support/linearizability';

type Ev = HistoryEvent<RegisterInput, RegisterOutput>;
const inv = (process: number, input: RegisterInput): Ev => ({ type: 'invoke', process, input });
const ok = (process: number, output: RegisterOutput = null): Ev => ({
  type: 'ok',
  process,
  output,
});
const info = (process: number): Ev => ({ type: 'info', process });
const fail = (process: number): Ev => ({ type: 'fail', process });
const r = (key = 'x'): RegisterInput => ({ f: 'read', key });
const w = (value: string, key = 'x'): RegisterInput => ({ f: 'write', key, value });
const cas = (from: string | null, to: string, key = 'x'): RegisterInput => ({
  f: 'cas',
  key,
  from,
  to,
});
const check = (h: Ev[]): boolean => checkHistory(registerModel, h).ok;

describe('linearizability checker (register model)', () => {
  describe('accepts linearizable histories', () => {
    it('sequential writes and reads', () => {
      expect(
        check([
          inv(1, w('a')),
          ok(1),
          inv(2, r()),
          ok(2, 'a'),
          inv(1, w('b')),
          ok(1),
          inv(2, r()),
          ok(2, 'b'),
        ]),
      ).to.equal(true);
    });
    it('a read concurrent with a write may see either value', () => {
      expect(
        check([inv(1, w('a')), ok(1), inv(1, w('b')), inv(2, r()), ok(2, 'a'), ok(1)]),
      ).to.equal(true);
      expect(
        check([inv(1, w('a')), ok(1), inv(1, w('b')), inv(2, r()), ok(2, 'b'), ok(1)]),
      ).to.equal(true);
    });
    it('concurrent writes: later reads agree on one order', () => {
      expect(
        check([
          inv(1, w('a')),
          inv(2, w('b')),
          ok(1),
          ok(2),
          inv(3, r()),
          ok(3, 'a'),
          inv(3, r()),
          ok(3, 'a'),
        ]),
      ).to.equal(true);
    });
    it('a write with unknown outcome may take effect long after its call, or never', () => {
      const h = [
        inv(1, w('a')),
        ok(1),
        inv(2, w('b')),
        info(2),
        inv(3, r()),
        ok(3, 'a'),
        inv(3, r()),
        ok(3, 'b'),
      ];
      expect(check(h)).to.equal(true);
      expect(
        check([inv(1, w('a')), ok(1), inv(2, w('b')), info(2), inv(3, r()), ok(3, 'a')]),
      ).to.equal(true);
    });
    it('a failed compare-and-set on an absent key (absent is a state, not an error)', () => {
      expect(check([inv(1, cas('v0', 'v1')), ok(1, false), inv(2, r()), ok(2, null)])).to.equal(
        true,
      );
    });
    it('compare-and-set that swaps and that does not', () => {
      expect(
        check([
          inv(1, cas(null, 'a')),
          ok(1, true),
          inv(2, cas(null, 'b')),
          ok(2, false),
          inv(3, r()),
          ok(3, 'a'),
        ]),
      ).to.equal(true);
    });
    it('needs the search to try a later order (a read linearized before a concurrent write)', () => {
      // p2's read overlaps p1's write of b and returns a: it must go before the write.
      expect(
        check([
          inv(1, w('a')),
          ok(1),
          inv(2, r()),
          inv(1, w('b')),
          ok(1),
          inv(3, r()),
          ok(3, 'b'),
          ok(2, 'a'),
        ]),
      ).to.equal(true);
    });
  });

  describe('rejects non-linearizable histories', () => {
    it('a stale read after a write completed', () => {
      expect(
        check([inv(1, w('a')), ok(1), inv(1, w('b')), ok(1), inv(2, r()), ok(2, 'a')]),
      ).to.equal(false);
    });
    it('a read of a value never written', () => {
      expect(check([inv(1, w('a')), ok(1), inv(2, r()), ok(2, 'z')])).to.equal(false);
    });
    it('two sequential reads that see concurrent writes in both orders', () => {
      const h = [
        inv(1, w('a')),
        inv(2, w('b')),
        ok(1),
        ok(2),
        inv(3, r()),
        ok(3, 'b'),
        inv(3, r()),
        ok(3, 'a'),
      ];
      expect(check(h)).to.equal(false);
    });
    it('a cas that claims to swap from a value the register did not hold', () => {
      expect(check([inv(1, w('a')), ok(1), inv(2, cas('b', 'c')), ok(2, true)])).to.equal(false);
    });
    it('the effect of a failed operation (fail means it did not happen)', () => {
      expect(check([inv(1, w('a')), fail(1), inv(2, r()), ok(2, 'a')])).to.equal(false);
    });
    it('one bad key among good ones, and names it', () => {
      const res = checkHistory(registerModel, [
        inv(1, w('a', 'k1')),
        ok(1),
        inv(1, w('a', 'k2')),
        ok(1),
        inv(2, r('k2')),
        ok(2, null),
      ]);
      expect(res.ok).to.equal(false);
      expect(res.partition).to.equal('k2');
    });
  });

  it('rejects malformed histories (a process invoking twice)', () => {
    expect(() => operationsOf([inv(1, r()), inv(1, r())])).to.throw(/invoked twice/);
  });

  // Histories produced by a real atomic register under random interleavings are
  // linearizable by construction; the checker must always say so.
  it('accepts every history of an atomic register (random interleavings)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const { history } = simulate(seed, 5, 60, 0.2);
        const res = checkHistory(registerModel, history);
        return res.ok;
      }),
      { numRuns: 150 },
    );
  });

  // Against a brute-force search over every order, on small histories with random outputs
  // (mostly non-linearizable ones): both must give the same verdict.
  it('agrees with brute force on small random histories', () => {
    const verdicts = { true: 0, false: 0 };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const { history } = simulate(seed, 3, 7, 0.15, true);
        const ops = operationsOf(history);
        const expected = bruteForce(ops);
        verdicts[`${expected}`]++;
        return checkOperations(registerModel, ops).ok === expected;
      }),
      { numRuns: 400 },
    );
    // Both kinds of history were exercised.
    expect(verdicts.true).to.be.greaterThan(50);
    expect(verdicts.false).to.be.greaterThan(50);
  });
});

/** A tiny deterministic PRNG (mulberry32) so each seed is one history. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Processes run operations on one atomic register; each takes effect at a random moment
 * between its invoke and its completion. Some completions are lost (info). With `corrupt`,
 * outputs are replaced at random by plausible wrong ones.
 */
function simulate(
  seed: number,
  processes: number,
  opsWanted: number,
  infoRate: number,
  corrupt = false,
): { history: Ev[] } {
  const rand = rng(seed);
  const history: Ev[] = [];
  let reg: string | null = null;
  let written = 0;
  let nextProcess = processes;
  const idle = Array.from({ length: processes }, (_, i) => i);
  const pending: Array<{
    process: number;
    input: RegisterInput;
    output?: RegisterOutput;
    done: boolean;
  }> = [];
  let invoked = 0;
  while (invoked < opsWanted || pending.length > 0) {
    const choice = rand();
    if (choice < 0.4 && idle.length > 0 && invoked < opsWanted) {
      const process = idle.splice(Math.floor(rand() * idle.length), 1)[0];
      const k = rand();
      const input: RegisterInput =
        k < 0.4
          ? r()
          : k < 0.7
            ? w(`v${++written}`)
            : cas(rand() < 0.5 ? reg : `v${Math.floor(rand() * (written + 1))}`, `v${++written}`);
      history.push(inv(process, input));
      pending.push({ process, input, done: false });
      invoked++;
    } else if (choice < 0.7 && pending.some((p) => !p.done)) {
      const open = pending.filter((p) => !p.done);
      const p = open[Math.floor(rand() * open.length)];
      // The linearization point: apply to the real register.
      if (p.input.f === 'read') p.output = reg;
      else if (p.input.f === 'write') {
        reg = p.input.value;
        p.output = null;
      } else {
        const swapped: boolean = reg === p.input.from;
        if (swapped) reg = p.input.to;
        p.output = swapped;
      }
      p.done = true;
    } else if (pending.some((p) => p.done)) {
      const doneOnes = pending.filter((p) => p.done);
      const p = doneOnes[Math.floor(rand() * doneOnes.length)];
      pending.splice(pending.indexOf(p), 1);
      if (rand() < infoRate) {
        history.push(info(p.process));
        idle.push(nextProcess++); // the crashed process is replaced by a fresh one
      } else {
        let output = p.output as RegisterOutput;
        if (corrupt && rand() < 0.3)
          output =
            p.input.f === 'read'
              ? rand() < 0.3
                ? null
                : `v${Math.floor(rand() * (written + 1))}`
              : p.input.f === 'cas'
                ? !output
                : output;
        history.push(ok(p.process, output));
        idle.push(p.process);
      }
    }
  }
  return { history };
}

/** Every order consistent with real time, applied to the model: exponential, for tiny inputs. */
function bruteForce(all: Operation<RegisterInput, RegisterOutput>[]): boolean {
  const ops = all.filter((op) => !(op.output === undefined && op.input.f === 'read'));
  const used = new Array<boolean>(ops.length).fill(false);
  const search = (state: string | null, count: number): boolean => {
    if (count === ops.length) return true;
    for (let i = 0; i < ops.length; i++) {
      if (used[i]) continue;
      // i may go next only if no unused op returned before i was called.
      if (ops.some((o, j) => !used[j] && j !== i && o.ret < ops[i].call)) continue;
      const next = registerModel.step(state, ops[i].input, ops[i].output);
      if (next === ILLEGAL) continue;
      used[i] = true;
      if (search(next, count + 1)) return true;
      used[i] = false;
    }
    return false;
  };
  return search(null, 0);
}
