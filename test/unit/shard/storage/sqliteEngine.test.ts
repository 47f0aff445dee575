import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { SqliteEngine } from '../../../../shard/storage/sqliteEngine';
import { WriteBatch, KvIterator } from '../../../../shard/storage/kvEngine';

const b = (s: string): Buffer => Buffer.from(s);
function drain(it: KvIterator): string[] {
  const out: string[] = [];
  for (let e = it.next(); e; e = it.next()) out.push(`${e[0].toString()}=${e[1].toString()}`);
  it.close();
  return out;
}

describe('SqliteEngine (reference KvEngine)', () => {
  let dir: string;
  let engine: SqliteEngine;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite-engine-'));
    engine = SqliteEngine.open(dir);
  });
  afterEach(async () => {
    await engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('applies batches atomically and reads them back', async () => {
    await engine.write(new WriteBatch().put(b('a'), b('1')).put(b('b'), b('2')).del(b('a')));
    expect(engine.get(b('a'))).to.equal(undefined);
    expect(engine.get(b('b'))?.toString()).to.equal('2');
  });

  it('iterates with every bound kind, forwards and backwards, across pages', async () => {
    const batch = new WriteBatch();
    for (let i = 0; i < 600; i++) batch.put(b(`k${String(i).padStart(4, '0')}`), b(String(i)));
    await engine.write(batch);
    expect(drain(engine.iterator())).to.have.length(600);
    expect(drain(engine.iterator({ gte: b('k0100'), lt: b('k0400') }))).to.have.length(300);
    expect(drain(engine.iterator({ gt: b('k0100'), lte: b('k0400') }))).to.have.length(300);
    const rev = drain(engine.iterator({ gte: b('k0010'), lt: b('k0013'), reverse: true }));
    expect(rev).to.deep.equal(['k0012=12', 'k0011=11', 'k0010=10']);
  });

  it('a snapshot and its iterators keep seeing the state at their creation', async () => {
    await engine.write(new WriteBatch().put(b('x'), b('old')).put(b('y'), b('old')));
    const snap = engine.snapshot();
    const it = engine.iterator();
    await engine.write(new WriteBatch().put(b('x'), b('new')).del(b('y')).put(b('z'), b('new')));
    expect(snap.get(b('x'))?.toString()).to.equal('old');
    expect(drain(snap.iterator())).to.deep.equal(['x=old', 'y=old']);
    expect(drain(it)).to.deep.equal(['x=old', 'y=old']);
    snap.release();
    expect(engine.get(b('x'))?.toString()).to.equal('new');
  });

  it('survives reopen with everything written', async () => {
    await engine.write(new WriteBatch().put(b('durable'), b('yes')));
    await engine.close();
    engine = SqliteEngine.open(dir);
    expect(engine.get(b('durable'))?.toString()).to.equal('yes');
  });

  it('matches a sorted-map model under random batches and bounded scans', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(fc.boolean(), fc.uint8Array({ maxLength: 4 }), fc.uint8Array({ maxLength: 3 })),
          { maxLength: 40 },
        ),
        fc.uint8Array({ maxLength: 3 }),
        fc.uint8Array({ maxLength: 3 }),
        async (ops, lo, hi) => {
          const model = new Map<string, Buffer>();
          const batch = new WriteBatch();
          for (const [isPut, k, v] of ops) {
            const key = Buffer.from(k);
            if (isPut) {
              batch.put(key, Buffer.from(v));
              model.set(key.toString('hex'), Buffer.from(v));
            } else {
              batch.del(key);
              model.delete(key.toString('hex'));
            }
          }
          // Clear what earlier runs left, then apply.
          const clear = new WriteBatch();
          for (let e = engine.iterator(), x = e.next(); x; x = e.next()) clear.del(x[0]);
          await engine.write(clear);
          await engine.write(batch);
          const L = Buffer.from(lo);
          const H = Buffer.from(hi);
          const expected = [...model.entries()]
            .map(([k, v]) => [Buffer.from(k, 'hex'), v] as const)
            .filter(([k]) => Buffer.compare(k, L) >= 0 && Buffer.compare(k, H) < 0)
            .sort((x, y) => Buffer.compare(x[0], y[0]))
            .map(([k, v]) => `${k.toString('hex')}=${v.toString('hex')}`);
          const got: string[] = [];
          const it = engine.iterator({ gte: L, lt: H });
          for (let e = it.next(); e; e = it.next())
            got.push(`${e[0].toString('hex')}=${e[1].toString('hex')}`);
          it.close();
          expect(got).to.deep.equal(expected);
        },
      ),
      { numRuns: 60 },
    );
  });
});
