/**
 * Sequence values per statement: claimed from the proxy's cached blocks without a Promise
 * when enough are cached, from meta when not; unique across statements; values a statement
 * did not use go back to the cache.
 */
import { expect } from 'chai';
import type { MetaClient } from '../../../../common/clients/metaClient';
import { newEvalCtx } from '../../../../common/expr/expr';
import { claimForStatement, SequenceCache } from '../../../../proxy/sql/sequences';

/** A meta that hands out blocks of a sequence starting at 1, counting its calls. */
function fakeMeta(): { meta: MetaClient; calls: () => number } {
  let next = 1n;
  let calls = 0;
  const meta = {
    async sqlCommand(cmd: { count: number }) {
      calls++;
      const first = next;
      next += BigInt(cmd.count);
      return { result: { first, increment: 1n } };
    },
  } as unknown as MetaClient; // only sqlCommand is used by SequenceCache
  return { meta, calls: () => calls };
}

async function released(claim: (() => void) | Promise<() => void>): Promise<() => void> {
  return typeof claim === 'function' ? claim : await claim;
}

describe('proxy/sql sequences: claimForStatement', () => {
  it('fetches a block from meta once, then serves statements from the cache without a Promise', async () => {
    const { meta, calls } = fakeMeta();
    const seqs = new SequenceCache(meta);
    const seen: bigint[] = [];
    const kinds: string[] = [];
    for (let i = 0; i < 100; i++) {
      const ev = newEvalCtx();
      const claim = claimForStatement(seqs, ev, ['public.t_id_seq'], 1);
      kinds.push(claim instanceof Promise ? 'promise' : 'sync');
      const release = await released(claim);
      seen.push((ev.nextval as (n: string) => bigint)('public.t_id_seq'));
      release();
    }
    // Blocks of 64: the 1st and the 65th statement wait for meta, the others do not.
    expect(calls()).to.equal(2);
    expect(kinds.filter((k) => k === 'promise').length).to.equal(2);
    expect(kinds[0]).to.equal('promise');
    expect(kinds[64]).to.equal('promise');
    expect(seen).to.deep.equal(Array.from({ length: 100 }, (_, i) => BigInt(i + 1)));
  });

  it('gives back what a statement did not use, in order, so it is used next', async () => {
    const { meta } = fakeMeta();
    const seqs = new SequenceCache(meta);
    const ev1 = newEvalCtx();
    const r1 = await released(claimForStatement(seqs, ev1, ['s'], 3));
    expect((ev1.nextval as (n: string) => bigint)('s')).to.equal(1n);
    r1(); // 2 and 3 unused
    const ev2 = newEvalCtx();
    const r2 = await released(claimForStatement(seqs, ev2, ['s'], 2));
    const take = ev2.nextval as (n: string) => bigint;
    expect([take('s'), take('s')]).to.deep.equal([2n, 3n]);
    r2();
    expect(seqs.available('s')).to.equal(61);
  });

  it('stays as small as it was when statements claim and give everything back', async () => {
    // An UPDATE of a table with a serial claims a value per row and gives it back: the
    // cache once grew by an exhausted block per statement, and every claim walked them all.
    const { meta, calls } = fakeMeta();
    const seqs = new SequenceCache(meta);
    for (let i = 0; i < 10_000; i++) {
      const release = await released(claimForStatement(seqs, newEvalCtx(), ['s'], 1));
      release();
    }
    expect(calls()).to.equal(1);
    expect(seqs.available('s')).to.equal(64);
    expect(seqs.heldEntries('s')).to.be.at.most(2);
    const ev = newEvalCtx();
    await released(claimForStatement(seqs, ev, ['s'], 2));
    const take = ev.nextval as (n: string) => bigint;
    expect([take('s'), take('s')]).to.deep.equal([1n, 2n]);
  });

  it('claims every sequence a statement names, fetching only the ones that ran out', async () => {
    const { meta, calls } = fakeMeta();
    const seqs = new SequenceCache(meta);
    await released(claimForStatement(seqs, newEvalCtx(), ['a'], 64));
    expect(calls()).to.equal(1);
    const ev = newEvalCtx();
    const claim = claimForStatement(seqs, ev, ['a', 'b'], 1);
    expect(claim).to.be.instanceOf(Promise); // a is empty again, b never fetched
    await released(claim);
    expect(calls()).to.equal(3);
    const take = ev.nextval as (n: string) => bigint;
    expect(take('a')).to.not.equal(take('b'));
  });

  it('a table without sequences claims nothing', () => {
    const { meta, calls } = fakeMeta();
    const claim = claimForStatement(new SequenceCache(meta), newEvalCtx(), [], 5);
    expect(claim).to.be.a('function');
    expect(calls()).to.equal(0);
  });
});
