/**
 * Model-based property test (issue 4, Must show): random sequences of puts, deletes,
 * batches, iterators (bounds, reverse, held open across writes), snapshots, flushes,
 * compactions and reopens, checked against a sorted map. fast-check prints the seed and
 * the shrunk command list of a failure.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { type LsmEngine, openLsm } from '../../../../shard/lsm';
import {
  type IteratorOptions,
  type KvIterator,
  type KvSnapshot,
  WriteBatch,
} from '../../../../shard/storage/kvEngine';
import { rmDir, tempDir } from './helpers';

type Model = Map<string, Buffer>; // hex key → value

type Op = { t: 'put'; k: Buffer; v: Buffer } | { t: 'del'; k: Buffer };
type Cmd =
  | { c: 'write'; ops: Op[]; sync: boolean }
  | { c: 'get'; k: Buffer }
  | { c: 'scan'; o: IteratorOptions }
  | { c: 'openIter'; o: IteratorOptions }
  | { c: 'drainIter' }
  | { c: 'snap' }
  | { c: 'snapCheck'; k: Buffer }
  | { c: 'release' }
  | { c: 'flush' }
  | { c: 'compact'; lo?: Buffer; hi?: Buffer }
  | { c: 'reopen' };

const keyArb = fc
  .array(fc.constantFrom(0, 1, 0x61, 0x62, 0xff), { maxLength: 3 })
  .map((a) => Buffer.from(a));
const valArb = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a)) },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ minLength: 100, maxLength: 300 }).map((a) => Buffer.from(a)),
  },
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('put' as const), k: keyArb, v: valArb }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('del' as const), k: keyArb }) },
);
const boundsArb: fc.Arbitrary<IteratorOptions> = fc
  .record({
    lo: fc.option(fc.record({ k: keyArb, incl: fc.boolean() }), { nil: undefined }),
    hi: fc.option(fc.record({ k: keyArb, incl: fc.boolean() }), { nil: undefined }),
    reverse: fc.boolean(),
  })
  .map(({ lo, hi, reverse }) => {
    const o: { gte?: Buffer; gt?: Buffer; lte?: Buffer; lt?: Buffer; reverse: boolean } = {
      reverse,
    };
    if (lo !== undefined) o[lo.incl ? 'gte' : 'gt'] = lo.k;
    if (hi !== undefined) o[hi.incl ? 'lte' : 'lt'] = hi.k;
    return o;
  });
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      c: fc.constant('write' as const),
      ops: fc.array(opArb, { minLength: 1, maxLength: 6 }),
      sync: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ c: fc.constant('get' as const), k: keyArb }) },
  { weight: 2, arbitrary: fc.record({ c: fc.constant('scan' as const), o: boundsArb }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('openIter' as const), o: boundsArb }) },
  { weight: 1, arbitrary: fc.constant({ c: 'drainIter' as const }) },
  { weight: 1, arbitrary: fc.constant({ c: 'snap' as const }) },
  { weight: 2, arbitrary: fc.record({ c: fc.constant('snapCheck' as const), k: keyArb }) },
  { weight: 1, arbitrary: fc.constant({ c: 'release' as const }) },
  { weight: 1, arbitrary: fc.constant({ c: 'flush' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      c: fc.constant('compact' as const),
      lo: fc.option(keyArb, { nil: undefined }),
      hi: fc.option(keyArb, { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ c: 'reopen' as const }) },
);

function modelScan(m: Model, o: IteratorOptions): string[] {
  const keys = [...m.keys()].map((h) => Buffer.from(h, 'hex')).sort(Buffer.compare);
  const out = keys.filter(
    (k) =>
      (o.gte === undefined || Buffer.compare(k, o.gte) >= 0) &&
      (o.gt === undefined || Buffer.compare(k, o.gt) > 0) &&
      (o.lte === undefined || Buffer.compare(k, o.lte) <= 0) &&
      (o.lt === undefined || Buffer.compare(k, o.lt) < 0),
  );
  if (o.reverse) out.reverse();
  return out.map(
    (k) => `${k.toString('hex')}=${(m.get(k.toString('hex')) as Buffer).toString('hex')}`,
  );
}

function drain(it: KvIterator): string[] {
  const out: string[] = [];
  for (let e = it.next(); e !== undefined; e = it.next())
    out.push(`${e[0].toString('hex')}=${e[1].toString('hex')}`);
  it.close();
  return out;
}

const options = {
  inlineBackground: true,
  memtableSize: 1024,
  targetFileSize: 1024,
  levelBaseBytes: 4096,
  blockSize: 128,
  restartInterval: 2,
  l0CompactionTrigger: 2,
  l0SlowdownTrigger: 3,
  l0StopTrigger: 5,
  maxImmutableMemtables: 1,
};

async function run(cmds: Cmd[]): Promise<void> {
  const dir = tempDir('model');
  let db: LsmEngine = await openLsm(dir, options);
  const model: Model = new Map();
  const iters: { it: KvIterator; want: string[] }[] = [];
  const snaps: { s: KvSnapshot; m: Model }[] = [];
  try {
    for (const cmd of cmds) {
      switch (cmd.c) {
        case 'write': {
          const batch = new WriteBatch();
          for (const op of cmd.ops) {
            if (op.t === 'put') {
              batch.put(op.k, op.v);
              model.set(op.k.toString('hex'), op.v);
            } else {
              batch.del(op.k);
              model.delete(op.k.toString('hex'));
            }
          }
          await db.write(batch, { sync: cmd.sync });
          break;
        }
        case 'get':
          expect(db.get(cmd.k)?.toString('hex')).to.equal(
            model.get(cmd.k.toString('hex'))?.toString('hex'),
          );
          break;
        case 'scan':
          expect(drain(db.iterator(cmd.o))).to.deep.equal(modelScan(model, cmd.o));
          break;
        case 'openIter':
          iters.push({ it: db.iterator(cmd.o), want: modelScan(model, cmd.o) });
          break;
        case 'drainIter': {
          const x = iters.shift();
          if (x !== undefined) expect(drain(x.it)).to.deep.equal(x.want);
          break;
        }
        case 'snap':
          snaps.push({ s: db.snapshot(), m: new Map(model) });
          break;
        case 'snapCheck': {
          const x = snaps[snaps.length - 1];
          if (x === undefined) break;
          expect(x.s.get(cmd.k)?.toString('hex')).to.equal(
            x.m.get(cmd.k.toString('hex'))?.toString('hex'),
          );
          expect(drain(x.s.iterator({ gte: cmd.k }))).to.deep.equal(modelScan(x.m, { gte: cmd.k }));
          break;
        }
        case 'release':
          snaps.shift()?.s.release();
          break;
        case 'flush':
          await db.flush();
          break;
        case 'compact':
          await db.compactRange(cmd.lo, cmd.hi);
          break;
        case 'reopen':
          for (const x of iters.splice(0)) expect(drain(x.it)).to.deep.equal(x.want);
          for (const x of snaps.splice(0)) x.s.release();
          await db.close();
          db = await openLsm(dir, options);
          break;
      }
    }
    await db.waitForBackground();
    for (const x of iters.splice(0)) expect(drain(x.it)).to.deep.equal(x.want);
    for (const x of snaps.splice(0)) {
      expect(drain(x.s.iterator())).to.deep.equal(modelScan(x.m, {}));
      x.s.release();
    }
    expect(drain(db.iterator())).to.deep.equal(modelScan(model, {}));
    expect(drain(db.iterator({ reverse: true }))).to.deep.equal(
      modelScan(model, { reverse: true }),
    );
  } finally {
    for (const x of iters) x.it.close();
    await db.close();
    rmDir(dir);
  }
}

describe('lsm engine vs a sorted-map model (fast-check)', function () {
  this.timeout(90000);
  it('agrees on every read after any sequence of operations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb, { minLength: 1, maxLength: 120 }), (cmds) => run(cmds)),
      { numRuns: Number(process.env.LSM_MODEL_RUNS ?? 60) },
    );
  });
});
