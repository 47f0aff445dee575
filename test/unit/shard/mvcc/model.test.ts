/**
 * Model test: random interleavings of transactions (optimistic and pessimistic, 2PC with
 * its phases interleaved with others' steps, 1PC, rollbacks, readers resolving locks)
 * against snapshot isolation's rules:
 *   - every read returns the value of the latest transaction that committed the key at or
 *     before the reader's start_ts — judged against the final history, so a commit that
 *     lands later with a commit_ts below an earlier read's timestamp is caught;
 *   - no two concurrent transactions both commit a write to the same key (first committer
 *     wins: no lost update);
 *   - at the end, after resolving, every key shows its last committed value.
 * fast-check prints the seed and the shrunk command list of a failure.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { MvccStore } from '../../../../shard/mvcc';
import type { Timestamp } from '../../../../shard/mvcc';
import { MemEngine } from './memEngine';
import { k, str } from './helpers';
import { readResolving } from './resolver';

const KEYS = ['a', 'b', 'c', 'd'];
type Step =
  'read' | 'write' | 'prewrite' | 'commitPrimary' | 'commitSecondaries' | 'rollback' | 'onePC';
interface Op {
  readonly slot: number;
  readonly step: Step;
  readonly key: number;
  readonly pessimistic: boolean;
}

type Phase = 'idle' | 'active' | 'prewritten' | 'primaryCommitted';
interface Txn {
  phase: Phase;
  pessimistic: boolean;
  startTs: Timestamp;
  commitTs: Timestamp;
  /** A timestamp fetched right after start_ts: a 1PC may use it long after (a slow proxy). */
  earlyTs: Timestamp;
  writes: Map<string, string>;
}

interface Committed {
  readonly startTs: Timestamp;
  commitTs: Timestamp;
  readonly writes: Map<string, string>;
}

const opArb = fc.record({
  slot: fc.integer({ min: 0, max: 3 }),
  step: fc.constantFrom<Step>(
    'read',
    'read',
    'write',
    'write',
    'prewrite',
    'commitPrimary',
    'commitSecondaries',
    'rollback',
    'onePC',
  ),
  key: fc.integer({ min: 0, max: KEYS.length - 1 }),
  pessimistic: fc.boolean(),
});

async function runModel(ops: readonly Op[]): Promise<void> {
  const store = await MvccStore.open({ engine: new MemEngine(), now: () => 0 });
  const storeOf = () => store;
  let clock = 1n << 18n;
  const tso = (): Timestamp => ++clock;
  const txns: Txn[] = [0, 1, 2, 3].map(() => ({
    phase: 'idle',
    pessimistic: false,
    startTs: 0n,
    commitTs: 0n,
    earlyTs: 0n,
    writes: new Map(),
  }));
  const committed: Committed[] = [];
  const reads: Array<{ ts: Timestamp; key: string; value: string | undefined }> = [];
  let seq = 0;

  const abort = async (t: Txn): Promise<void> => {
    const keys = [...t.writes.keys()].map(k);
    if (keys.length > 0) {
      await store.pessimisticRollback({ keys, startTs: t.startTs, forUpdateTs: t.startTs });
      const r = await store.rollback({ keys, startTs: t.startTs });
      expect(r.kind).to.equal('ok');
    }
    t.phase = 'idle';
  };
  const mutations = (t: Txn) =>
    [...t.writes].map(([key, value]) => ({
      key: k(key),
      op: 'put' as const,
      value: Buffer.from(value),
    }));
  const record = (t: Txn, commitTs: Timestamp): void => {
    committed.push({ startTs: t.startTs, commitTs, writes: new Map(t.writes) });
  };
  const prewriteAll = async (t: Txn): Promise<boolean> => {
    if (t.writes.size === 0) {
      t.phase = 'idle'; // read-only: nothing to commit
      return false;
    }
    const muts = mutations(t);
    const r = await store.prewrite({
      mutations: muts,
      primary: muts[0].key,
      startTs: t.startTs,
      ttlMs: 60_000,
      forUpdateTs: t.pessimistic ? t.startTs : 0n,
      pessimistic: muts.map(() => t.pessimistic),
    });
    if (r.kind !== 'ok') {
      expect(['locked', 'writeConflict']).to.include(r.kind);
      await abort(t);
      return false;
    }
    t.phase = 'prewritten';
    t.commitTs = tso();
    return true;
  };
  const commitPrimary = async (t: Txn): Promise<void> => {
    const primary = mutations(t)[0].key;
    for (;;) {
      const r = await store.commit({ keys: [primary], startTs: t.startTs, commitTs: t.commitTs });
      if (r.kind === 'commitTsExpired') {
        t.commitTs = tso(); // a reader pushed min_commit_ts: commit later than it read
        continue;
      }
      expect(r.kind).to.equal('ok');
      break;
    }
    record(t, t.commitTs);
    t.phase = 'primaryCommitted';
  };
  const commitSecondaries = async (t: Txn): Promise<void> => {
    const keys = mutations(t)
      .slice(1)
      .map((m) => m.key);
    if (keys.length > 0)
      expect(
        (await store.commit({ keys, startTs: t.startTs, commitTs: t.commitTs })).kind,
      ).to.equal('ok');
    t.phase = 'idle';
  };

  for (const op of ops) {
    const t = txns[op.slot];
    const key = KEYS[op.key];
    if (t.phase === 'idle') {
      t.phase = 'active';
      t.pessimistic = op.pessimistic;
      t.startTs = tso();
      t.earlyTs = tso();
      t.writes = new Map();
    }
    if (t.phase === 'active') {
      switch (op.step) {
        case 'read': {
          if (t.writes.has(key)) break; // read-your-writes is the proxy's buffer
          const value = str(await readResolving(storeOf, k(key), t.startTs, t.startTs));
          reads.push({ ts: t.startTs, key, value });
          break;
        }
        case 'write': {
          if (t.pessimistic && !t.writes.has(key)) {
            const r = await store
              .acquirePessimisticLock(
                {
                  keys: [k(key)],
                  primary: k([...t.writes.keys()][0] ?? key),
                  startTs: t.startTs,
                  forUpdateTs: t.startTs,
                  ttlMs: 60_000,
                },
                { nowait: true },
              )
              .catch(() => ({ kind: 'nowait' as const }));
            if (r.kind !== 'ok') {
              expect(['nowait', 'writeConflict']).to.include(r.kind);
              await abort(t);
              break;
            }
          }
          t.writes.set(key, `${op.slot}:${seq++}`);
          break;
        }
        case 'onePC': {
          if (t.writes.size === 0) {
            t.phase = 'idle';
            break;
          }
          const muts = mutations(t);
          const r = await store.onePhaseCommit({
            mutations: muts,
            startTs: t.startTs,
            forUpdateTs: t.pessimistic ? t.startTs : 0n,
            pessimistic: muts.map(() => t.pessimistic),
            // Half the time a commit_ts fetched long ago: the shard must still commit
            // above every read it served since (maxReadTs).
            commitTs: op.key % 2 === 0 ? t.earlyTs : tso(),
          });
          if (r.kind === 'ok') {
            record(t, r.commitTs);
            // Keep the TSO above every timestamp in use.
            if (r.commitTs > clock) clock = r.commitTs;
            t.phase = 'idle';
          } else {
            expect(['locked', 'writeConflict']).to.include(r.kind);
            await abort(t);
          }
          break;
        }
        case 'rollback':
          await abort(t);
          break;
        default:
          await prewriteAll(t);
      }
      continue;
    }
    if (t.phase === 'prewritten') {
      if (op.step === 'rollback') {
        await abort(t);
        continue;
      }
      await commitPrimary(t);
      continue;
    }
    // primaryCommitted: the only way on is to finish.
    await commitSecondaries(t);
  }

  // Every read saw the latest commit at or before its timestamp, in the final history.
  const visibleAt = (key: string, ts: Timestamp): string | undefined => {
    let best: Committed | undefined;
    for (const c of committed)
      if (
        c.writes.has(key) &&
        c.commitTs <= ts &&
        (best === undefined || c.commitTs > best.commitTs)
      )
        best = c;
    return best?.writes.get(key);
  };
  for (const r of reads)
    expect(r.value, `read of ${r.key} at ${r.ts}`).to.equal(visibleAt(r.key, r.ts));
  // First committer wins: no two overlapping committed transactions wrote the same key.
  for (const a of committed) {
    for (const b of committed) {
      if (a === b) continue;
      const overlap = a.startTs < b.commitTs && b.startTs < a.commitTs;
      const common = [...a.writes.keys()].some((key) => b.writes.has(key));
      expect(overlap && common, `lost update between ${a.startTs} and ${b.startTs}`).to.equal(
        false,
      );
    }
  }
  // A final reader (resolving whatever is left) sees the last committed values.
  const finalTs = tso();
  for (const key of KEYS)
    expect(str(await readResolving(storeOf, k(key), finalTs))).to.equal(visibleAt(key, finalTs));
}

describe('mvcc snapshot-isolation model', () => {
  it('random interleavings of transactions keep snapshot isolation', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => runModel(ops)),
      { numRuns: 500 },
    );
  });
});
