import { expect } from 'chai';
import { MetaStateMachine } from '../../../meta/stateMachine';
import type { MetaCommand, MetaEntry } from '../../../meta/commands';
import type { TableDef, TableSpec } from '../../../common/catalog/schema';
import { SqlError } from '../../../common/errors';
import { CLIENT_TTL_ENTRIES, MAX_RESULTS_PER_CLIENT } from '../../../meta/clientSessions';

function spec(name: string): TableSpec {
  return {
    schema: 'public',
    name,
    columns: [{ name: 'k', type: 'int8', nullable: false }],
    primaryKey: ['k'],
  } as unknown as TableSpec;
}

function req(seq: number, ackedBelow = seq, client = 'proxy-a') {
  return { client, seq, ackedBelow };
}

function withReq(c: MetaCommand, r: ReturnType<typeof req>): MetaEntry {
  return { ...c, req: r };
}

function errorOf(fn: () => unknown): SqlError {
  try {
    fn();
  } catch (err) {
    return err as SqlError;
  }
  throw new Error('expected an error');
}

function machine(): { m: MetaStateMachine; at: () => number } {
  const m = new MetaStateMachine();
  let index = 0;
  m.apply({ type: 'registerShard', address: 'h:1', name: 's1' }, ++index);
  m.apply(
    {
      type: 'createSequence',
      schema: 'public',
      name: 'q',
      start: '1',
      increment: '1',
      ifNotExists: false,
    },
    ++index,
  );
  return { m, at: () => ++index };
}

const createT: MetaCommand = { type: 'createTable', spec: spec('t'), ifNotExists: false };
const next10: MetaCommand = { type: 'nextSequence', schema: 'public', name: 'q', count: 10 };

describe('meta client sessions: a retried command is applied once', () => {
  it('a duplicate CREATE TABLE gets the table it created, not 42P07, and creates nothing', () => {
    const { m, at } = machine();
    const first = m.apply(withReq(createT, req(1)), at()) as TableDef;
    const again = m.apply(withReq(createT, req(1)), at()) as TableDef;
    expect(again.id).to.equal(first.id);
    expect(m.tables.filter((t) => t.name === 't')).to.have.length(1);
    // The same command under a new request id is a new CREATE: the name is taken.
    expect(errorOf(() => m.apply(withReq(createT, req(2)), at())).code).to.equal('42P07');
  });

  it('a duplicate nextSequence gets the same block; a new request the next one', () => {
    const { m, at } = machine();
    const a = m.apply(withReq(next10, req(1)), at()) as { first: bigint };
    const dup = m.apply(withReq(next10, req(1)), at()) as { first: bigint };
    const b = m.apply(withReq(next10, req(2)), at()) as { first: bigint };
    expect(BigInt(dup.first)).to.equal(BigInt(a.first));
    expect(BigInt(b.first)).to.equal(BigInt(a.first) + 10n);
  });

  it('a duplicate of a command that failed fails the same way, even if it would succeed now', () => {
    const { m, at } = machine();
    const drop: MetaCommand = { type: 'dropTable', schema: 'public', name: 't', ifExists: false };
    expect(errorOf(() => m.apply(withReq(drop, req(1)), at())).code).to.equal('42P01');
    m.apply(withReq(createT, req(2, 1)), at());
    const again = errorOf(() => m.apply(withReq(drop, req(1)), at()));
    expect(again.code).to.equal('42P01');
    expect(m.tables.map((t) => t.name)).to.include('t');
  });

  it('request ids are per client', () => {
    const { m, at } = machine();
    const a = m.apply(withReq(next10, req(1, 1, 'proxy-a')), at()) as { first: bigint };
    const b = m.apply(withReq(next10, req(1, 1, 'proxy-b')), at()) as { first: bigint };
    expect(BigInt(b.first)).to.equal(BigInt(a.first) + 10n);
  });

  it('the sessions travel in snapshots: a duplicate on a restored replica is recognized, and replicas stay identical', () => {
    const { m: a, at } = machine();
    a.apply(withReq(next10, req(1)), at());
    const b = new MetaStateMachine();
    b.restore(a.snapshot());
    const i = at();
    const ra = a.apply(withReq(next10, req(1)), i) as { first: bigint };
    const rb = b.apply(withReq(next10, req(1)), i) as { first: bigint };
    expect(BigInt(rb.first)).to.equal(BigInt(ra.first));
    expect(Buffer.compare(a.snapshot(), b.snapshot())).to.equal(0);
  });

  it('acknowledged outcomes are dropped; a stray copy of one is refused, never re-applied', () => {
    const { m, at } = machine();
    m.apply(withReq(next10, req(1)), at());
    // Request 2 says every seq below 2 was answered: the outcome of 1 is no longer kept.
    m.apply(withReq(next10, req(2, 2)), at());
    const before = m.snapshot();
    const err = errorOf(() => m.apply(withReq(next10, req(1)), at()));
    expect(err.code).to.equal('55000');
    const seqAfter = m.sequences.find((q) => q.name === 'q')?.next;
    const restored = new MetaStateMachine();
    restored.restore(before);
    expect(seqAfter).to.equal(restored.sequences.find((q) => q.name === 'q')?.next);
  });

  it('keeps a bounded number of outcomes per client', () => {
    const { m, at } = machine();
    const kv = (n: number): MetaCommand => ({ type: 'kvPut', key: `k${n}`, value: 'v' });
    for (let s = 1; s <= MAX_RESULTS_PER_CLIENT + 5; s++) m.apply(withReq(kv(s), req(s, 1)), at());
    // The oldest were evicted: their duplicates are refused rather than applied twice.
    expect(errorOf(() => m.apply(withReq(kv(1), req(1, 1)), at())).code).to.equal('55000');
    expect(
      m.apply(withReq(kv(MAX_RESULTS_PER_CLIENT + 5), req(MAX_RESULTS_PER_CLIENT + 5, 1)), at()),
    ).to.equal(null);
  });

  it('forgets an idle client by Raft index age, the same way on every replica', () => {
    const { m, at } = machine();
    const first = m.apply(withReq(next10, req(1, 1, 'idle')), at()) as { first: bigint };
    const dup = m.apply(withReq(next10, req(1, 1, 'idle')), at() + 100) as { first: bigint };
    expect(BigInt(dup.first)).to.equal(BigInt(first.first));
    // Far later in the log (by index, not by time) the idle client is gone: its id is new again.
    const late = m.apply(withReq(next10, req(1, 1, 'idle')), CLIENT_TTL_ENTRIES * 2) as {
      first: bigint;
    };
    expect(BigInt(late.first)).to.equal(BigInt(first.first) + 10n);
  });
});
