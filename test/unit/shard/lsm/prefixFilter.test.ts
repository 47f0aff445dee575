/**
 * Prefix bloom filters (filterPrefix: 'mvcc'; shard/lsm/filterPolicy.ts, FORMAT.md "Filter
 * policies"): gets and iterators return exactly what a sorted map does, across flushes and
 * compactions into several levels; data written before tables recorded a policy still
 * reads correctly; and a one-key version seek for an absent key reads no table.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type LsmEngine, type LsmOptions, openLsm } from '../../../../shard/lsm';
import {
  FILTER_POLICY_IDS,
  POLICY_MVCC,
  filterKeyEnd,
  sharedFilterKeyEnd,
} from '../../../../shard/lsm/filterPolicy';
import {
  DATA_PREFIX,
  LOCK_PREFIX,
  TS_MAX,
  WRITE_PREFIX,
  dataKey,
  familyBounds,
  keyPartOf,
  lockKey,
  metaKey,
  versionBounds,
  writeKey,
} from '../../../../shard/mvcc/keys';
import { TYPE_VALUE, makeInternalKey } from '../../../../shard/lsm/dbformat';
import { FilterKeyHashes } from '../../../../shard/lsm/filterPolicy';
import { TableBuilder } from '../../../../shard/lsm/tableBuilder';
import { type GetResult, TableReader } from '../../../../shard/lsm/tableReader';
import { type IteratorOptions, WriteBatch } from '../../../../shard/storage/kvEngine';
import oldFormatDb from './fixtures/oldFormatDb.json';
import { type OldFormatFixture, oldFormatExpected } from './fixtures/oldFormatData';
import { rmDir, tempDir } from './helpers';

type Model = Map<string, Buffer>; // hex key → value

function modelScan(m: Model, o: IteratorOptions): string[] {
  const keys = [...m.keys()].map((h) => Buffer.from(h, 'hex')).sort(Buffer.compare);
  const out = keys.filter(
    (k) =>
      (o.gte === undefined || Buffer.compare(k, o.gte) >= 0) &&
      (o.gt === undefined || Buffer.compare(k, o.gt) > 0) &&
      (o.lte === undefined || Buffer.compare(k, o.lte) <= 0) &&
      (o.lt === undefined || Buffer.compare(k, o.lt) < 0),
  );
  if (o.reverse === true) out.reverse();
  return out.map((k) => `${k.toString('hex')}=${(m.get(k.toString('hex')) as Buffer).toString()}`);
}

function drain(it: { next(): [Buffer, Buffer] | undefined; close(): void }): string[] {
  const out: string[] = [];
  for (let e = it.next(); e !== undefined; e = it.next())
    out.push(`${e[0].toString('hex')}=${e[1].toString()}`);
  it.close();
  return out;
}

/** Footer format version and policy byte of every table in dir. */
function tableFooters(dir: string): { version: number; policy: number }[] {
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.sst'))
    .map((n) => {
      const b = fs.readFileSync(path.join(dir, n));
      const f = b.subarray(b.length - 40);
      return { version: f.readUInt32LE(24), policy: f[18] };
    });
}

function nonEmptyLevels(db: LsmEngine): number {
  return db.stats().levelFiles.filter((n) => n > 0).length;
}

/** Block reads (cache hits + misses) so far: any table block an operation touches counts. */
function blockReads(db: LsmEngine): number {
  const s = db.stats();
  return s.blockCacheHits + s.blockCacheMisses;
}

const small: LsmOptions = {
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
  filterPrefix: 'mvcc',
};

describe('lsm prefix filter policy', () => {
  it('maps MVCC keys to their key part, and only one-key version bounds to one filter key', () => {
    expect(FILTER_POLICY_IDS.mvcc).to.equal(POLICY_MVCC);
    for (const user of [Buffer.from('a'), Buffer.from([0, 1, 0xff, 0]), Buffer.alloc(0)]) {
      for (const k of [dataKey(user, 5n), writeKey(user, 7n)])
        expect(k.subarray(0, filterKeyEnd(POLICY_MVCC, k, 0, k.length))).to.deep.equal(
          keyPartOf(k),
        );
      const l = lockKey(user);
      expect(filterKeyEnd(POLICY_MVCC, l, 0, l.length)).to.equal(l.length);
      // versionAt's and txnRecord's bounds lie within one filter key…
      const vb = versionBounds(user, 9n);
      expect(sharedFilterKeyEnd(POLICY_MVCC, vb.gte, vb.lte)).to.equal(keyPartOf(vb.gte).length);
      expect(
        sharedFilterKeyEnd(POLICY_MVCC, dataKey(user, TS_MAX), dataKey(user, 3n)),
      ).to.be.greaterThan(0);
      // …a family scan's bounds do not, even when the user keys differ only in their last
      // 6 bytes (then the bounds' 8-byte-shorter parts are equal, but not a whole esc(key)).
      const a = Buffer.concat([user, Buffer.from('prefix-aaaaaa')]);
      const b = Buffer.concat([user, Buffer.from('prefix-bbbbbb')]);
      for (const f of [DATA_PREFIX, WRITE_PREFIX, LOCK_PREFIX]) {
        const fb = familyBounds(f, a, b);
        expect(sharedFilterKeyEnd(POLICY_MVCC, fb.gte, fb.lt)).to.equal(-1);
      }
      // Bounds of two different user keys never share one.
      expect(sharedFilterKeyEnd(POLICY_MVCC, dataKey(a, 1n), dataKey(b, 1n))).to.equal(-1);
    }
    expect(
      sharedFilterKeyEnd(
        FILTER_POLICY_IDS.none,
        dataKey(Buffer.from('a'), 1n),
        dataKey(Buffer.from('a'), 0n),
      ),
    ).to.equal(-1);
  });

  it('a table records its policy; one with a policy this code does not know is read without its filter', () => {
    const dir = tempDir('prefix-table');
    try {
      const keys = Array.from({ length: 50 }, (_, i) => dataKey(Buffer.from(`u${i}`), 5n));
      const sizes: number[] = [];
      for (const [n, policy] of [
        [1, POLICY_MVCC],
        [2, 9],
      ]) {
        const t = new TableBuilder(path.join(dir, `00000${n}.sst`), {
          blockSize: 256,
          restartInterval: 4,
          bloomBitsPerKey: 10,
          filterPolicy: policy,
        });
        for (const k of [...keys].sort(Buffer.compare)) {
          const ik = makeInternalKey(k, 1, TYPE_VALUE);
          t.add(ik, 0, ik.length, k, 0, k.length);
        }
        sizes.push(t.finish().size);
      }
      expect(tableFooters(dir)).to.deep.equal([
        { version: 2, policy: POLICY_MVCC },
        { version: 2, policy: 9 },
      ]);
      const known = TableReader.open(dir, 1, sizes[0], null);
      const unknown = TableReader.open(dir, 2, sizes[1], null);
      expect(known.filterPolicy).to.equal(POLICY_MVCC);
      expect(unknown.filterPolicy).to.equal(-1);
      const out: GetResult = { state: undefined, value: undefined };
      for (const r of [known, unknown]) {
        for (const k of keys) {
          const found = r.get(
            k,
            makeInternalKey(k, 2, TYPE_VALUE),
            out,
            new FilterKeyHashes().reset(k),
          );
          expect(found && out.value?.equals(k)).to.equal(true);
        }
        // Another version of a stored key shares its filter key: the filter says maybe.
        expect(r.mayContain(dataKey(Buffer.from('u7'), 99n))).to.equal(true);
      }
      // An absent key: the known policy's filter rules it out, the unknown one cannot.
      const missing = Array.from({ length: 20 }, (_, i) => dataKey(Buffer.from(`x${i}`), 5n));
      expect(missing.filter((k) => known.mayContain(k)).length).to.be.lessThan(3);
      expect(missing.every((k) => unknown.mayContain(k))).to.equal(true);
      known.close();
      unknown.close();
    } finally {
      rmDir(dir);
    }
  });

  it('rejects an unknown filterPrefix', async () => {
    const dir = tempDir('prefix-opt');
    try {
      let err: unknown;
      await openLsm(dir, { filterPrefix: 'bogus' as 'mvcc' }).catch((e) => (err = e));
      expect(err).to.be.instanceOf(RangeError);
    } finally {
      rmDir(dir);
    }
  });
});

// ---- model test ---------------------------------------------------------------------------

const userArb = fc
  .array(fc.constantFrom(0, 1, 0x61, 0xff), { maxLength: 3 })
  .map((a) => Buffer.from(a));
const tsArb = fc.bigInt({ min: 1n, max: 6n });
/** Engine keys of every family the shard writes: d/w with timestamps, l, and m. */
const keyArb: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(userArb, tsArb).map(([u, t]) => dataKey(u, t)) },
  { weight: 2, arbitrary: fc.tuple(userArb, tsArb).map(([u, t]) => writeKey(u, t)) },
  { weight: 2, arbitrary: userArb.map((u) => lockKey(u)) },
  { weight: 1, arbitrary: fc.constantFrom('gc_safe_point', 'x').map((n) => metaKey(n)) },
);

type Cmd =
  | { c: 'write'; ops: { k: Buffer; v: string | null }[] }
  | { c: 'get'; k: Buffer }
  | { c: 'scan'; o: IteratorOptions }
  | { c: 'first'; lo: Buffer; hi: Buffer }
  | { c: 'flush' }
  | { c: 'compact' }
  | { c: 'reopen' };

/** One user key's versions in a family, as versionAt / txnRecord bound them, or narrower. */
const versionScanArb: fc.Arbitrary<IteratorOptions> = fc
  .record({
    u: userArb,
    family: fc.constantFrom(DATA_PREFIX, WRITE_PREFIX),
    hiTs: fc.oneof(fc.constant(TS_MAX), fc.bigInt({ min: 0n, max: 7n })),
    loTs: fc.bigInt({ min: 0n, max: 7n }),
    loIncl: fc.boolean(),
    hiIncl: fc.boolean(),
    reverse: fc.boolean(),
  })
  .map((r) => {
    const mk = r.family === DATA_PREFIX ? dataKey : writeKey;
    // Newer timestamps sort first: the lower bound has the larger timestamp.
    const lower = mk(r.u, r.hiTs);
    const upper = mk(r.u, r.loTs);
    const o: { gte?: Buffer; gt?: Buffer; lte?: Buffer; lt?: Buffer; reverse: boolean } = {
      reverse: r.reverse,
    };
    o[r.loIncl ? 'gte' : 'gt'] = lower;
    o[r.hiIncl ? 'lte' : 'lt'] = upper;
    return o;
  });
/**
 * Inclusive bounds for LsmEngine.firstInRange: one user key's versions (its fast path,
 * versionAt's shape), or any two keys (bounds spanning filter keys: the iterator answers).
 */
const firstArb: fc.Arbitrary<{ lo: Buffer; hi: Buffer }> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({
        u: userArb,
        family: fc.constantFrom(DATA_PREFIX, WRITE_PREFIX),
        hiTs: fc.oneof(fc.constant(TS_MAX), fc.bigInt({ min: 0n, max: 7n })),
        loTs: fc.bigInt({ min: 0n, max: 7n }),
      })
      .map((r) => {
        const mk = r.family === DATA_PREFIX ? dataKey : writeKey;
        return { lo: mk(r.u, r.hiTs), hi: mk(r.u, r.loTs) };
      }),
  },
  { weight: 1, arbitrary: fc.record({ lo: keyArb, hi: keyArb }) },
);
const rangeScanArb: fc.Arbitrary<IteratorOptions> = fc.oneof(
  fc
    .record({ f: fc.constantFrom(DATA_PREFIX, WRITE_PREFIX, LOCK_PREFIX), a: userArb, b: userArb })
    .map(({ f, a, b }) => familyBounds(f, a, b)),
  fc
    .record({ a: keyArb, b: keyArb, reverse: fc.boolean() })
    .map(({ a, b, reverse }) => ({ gte: a, lte: b, reverse })),
  fc.constant({}),
);
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      c: fc.constant('write' as const),
      ops: fc.array(
        fc.record({
          k: keyArb,
          v: fc.option(fc.string({ maxLength: 40 }), { nil: null, freq: 4 }),
        }),
        { minLength: 1, maxLength: 8 },
      ),
    }),
  },
  { weight: 3, arbitrary: fc.record({ c: fc.constant('get' as const), k: keyArb }) },
  { weight: 5, arbitrary: fc.record({ c: fc.constant('scan' as const), o: versionScanArb }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('scan' as const), o: rangeScanArb }) },
  {
    weight: 5,
    arbitrary: firstArb.map(({ lo, hi }) => ({ c: 'first' as const, lo, hi })),
  },
  { weight: 1, arbitrary: fc.constant({ c: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ c: 'compact' as const }) },
  { weight: 1, arbitrary: fc.constant({ c: 'reopen' as const }) },
);

/**
 * A base every run starts from: 60 user keys × several versions in `d`, `w` and `l`,
 * flushed as it goes, so tables sit in L0 and at least two deeper levels before the
 * commands run.
 */
async function baseLoad(db: LsmEngine, model: Model): Promise<void> {
  const round = async (r: number): Promise<void> => {
    const batch = new WriteBatch();
    for (let i = r % 3; i < 60; i += 1 + (r % 3)) {
      const u = Buffer.from([0x61, i, 0]);
      const entries: [Buffer, string][] = [
        [dataKey(u, BigInt(r + 1)), `base${r}-${i}`],
        [writeKey(u, BigInt(r + 2)), `w${r}`],
      ];
      if (i % 4 === r % 4) entries.push([lockKey(u), `lock${r}`]);
      for (const [k, v] of entries) {
        batch.put(k, Buffer.from(v));
        model.set(k.toString('hex'), Buffer.from(v));
      }
    }
    await db.write(batch, { sync: false });
    await db.flush();
  };
  for (let r = 0; r < 8; r++) await round(r);
  await db.waitForBackground();
  // One more flush stays in L0 (below the compaction trigger of 2).
  await round(8);
}

/** Tables the runs' iterators skipped by their filters: the property must exercise that path. */
let modelSkips = 0;

/** The base load's directory and model, made once; each run starts from a copy. */
let base: { dir: string; model: Model } | undefined;

async function baseDir(): Promise<{ dir: string; model: Model }> {
  if (base !== undefined) return base;
  const dir = tempDir('prefix-base');
  const model: Model = new Map();
  const db = await openLsm(dir, small);
  try {
    await baseLoad(db, model);
    expect(db.stats().levelFiles[0]).to.be.greaterThan(0);
    expect(nonEmptyLevels(db)).to.be.greaterThanOrEqual(3);
  } finally {
    await db.close();
  }
  base = { dir, model };
  return base;
}

async function runModel(cmds: Cmd[]): Promise<void> {
  const from = await baseDir();
  const dir = tempDir('prefix-model');
  fs.cpSync(from.dir, dir, { recursive: true });
  const model: Model = new Map(from.model);
  let db = await openLsm(dir, small);
  try {
    for (const cmd of cmds) {
      switch (cmd.c) {
        case 'write': {
          const batch = new WriteBatch();
          for (const op of cmd.ops) {
            if (op.v === null) {
              batch.del(op.k);
              model.delete(op.k.toString('hex'));
            } else {
              batch.put(op.k, Buffer.from(op.v));
              model.set(op.k.toString('hex'), Buffer.from(op.v));
            }
          }
          await db.write(batch, { sync: false });
          break;
        }
        case 'get':
          expect(db.get(cmd.k)?.toString()).to.equal(model.get(cmd.k.toString('hex'))?.toString());
          break;
        case 'scan':
          expect(drain(db.iterator(cmd.o))).to.deep.equal(modelScan(model, cmd.o));
          break;
        case 'first': {
          // The point seek of versionAt returns what the iterator's first step returns.
          const e = db.firstInRange(cmd.lo, cmd.hi);
          const want = modelScan(model, { gte: cmd.lo, lte: cmd.hi })[0];
          expect(
            e === undefined ? undefined : `${e[0].toString('hex')}=${e[1].toString()}`,
          ).to.equal(want);
          break;
        }
        case 'flush':
          await db.flush();
          break;
        case 'compact':
          await db.compactRange();
          break;
        case 'reopen':
          modelSkips += db.stats().prefixFilterSkips;
          await db.close();
          db = await openLsm(dir, small);
          break;
      }
    }
    modelSkips += db.stats().prefixFilterSkips;
    await db.flush();
    await db.waitForBackground();
    expect(drain(db.iterator())).to.deep.equal(modelScan(model, {}));
    for (const h of model.keys()) {
      const k = Buffer.from(h, 'hex');
      expect(db.get(k)?.toString()).to.equal(model.get(h)?.toString());
    }
    expect(tableFooters(dir).every((f) => f.version === 2 && f.policy === POLICY_MVCC)).to.equal(
      true,
    );
  } finally {
    await db.close();
    rmDir(dir);
  }
}

describe('lsm with the mvcc prefix filter vs a sorted-map model (fast-check)', function () {
  this.timeout(60000);
  after(() => {
    if (base !== undefined) rmDir(base.dir);
    base = undefined;
  });
  it('gets, iterators and firstInRange (one-key version bounds included) agree with the model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb, { minLength: 1, maxLength: 80 }), (cmds) => runModel(cmds)),
      { numRuns: Number(process.env.LSM_PREFIX_MODEL_RUNS ?? 20) },
    );
    expect(modelSkips).to.be.greaterThan(0);
  });
});

// ---- engine behaviour ---------------------------------------------------------------------

describe('lsm prefix filter in the engine', function () {
  this.timeout(30000);
  let dir = '';
  let db: LsmEngine | undefined;
  beforeEach(() => (dir = tempDir('prefix')));
  afterEach(async () => {
    await db?.close();
    db = undefined;
    rmDir(dir);
  });

  /** Even user ids 0..2·(n-1) with three versions each, in tables in several levels. */
  async function populate(options: LsmOptions, n: number): Promise<LsmEngine> {
    const e = await openLsm(dir, options);
    for (let v = 1; v <= 3; v++) {
      const batch = new WriteBatch();
      for (let i = 0; i < n; i++) {
        const u = Buffer.from(`user${String(2 * i).padStart(5, '0')}`);
        batch.put(dataKey(u, BigInt(10 * v + i)), Buffer.from(`v${v}-${i}`));
        batch.put(lockKey(u), Buffer.from(`l${v}`));
      }
      await e.write(batch);
      await e.flush();
      await e.waitForBackground();
    }
    return e;
  }

  function versionsOf(e: LsmEngine, u: Buffer): string[] {
    return drain(e.iterator(versionBounds(u)));
  }

  it('a one-key version seek for an absent key reads no table block; without the policy it does', async () => {
    const opts: LsmOptions = {
      ...small,
      memtableSize: 16 * 1024,
      targetFileSize: 4 * 1024,
      levelBaseBytes: 16 * 1024,
      blockSize: 256,
      // 20 bits a key: ~0.007% false positives, so no absent key below passes a filter.
      bloomBitsPerKey: 20,
    };
    const absent = Array.from({ length: 40 }, (_, i) =>
      Buffer.from(`user${String(2 * (i * 7 + 3) + 1).padStart(5, '0')}`),
    );
    for (const policy of ['mvcc', 'none'] as const) {
      db = await populate({ ...opts, filterPrefix: policy }, 400);
      expect(nonEmptyLevels(db)).to.be.greaterThanOrEqual(2);
      const before = blockReads(db);
      const skipsBefore = db.stats().prefixFilterSkips;
      for (const u of absent) {
        expect(versionsOf(db, u)).to.deep.equal([]);
        const { gte } = versionBounds(u);
        expect(drain(db.iterator({ gte, lt: dataKey(u, 5n), reverse: true }))).to.deep.equal([]);
      }
      const touched = blockReads(db) - before;
      if (policy === 'mvcc') {
        expect(touched).to.equal(0);
        expect(db.stats().prefixFilterSkips - skipsBefore).to.be.greaterThan(absent.length);
        // A present key is still found, with all its versions, newest first.
        const present = Buffer.from('user00014');
        expect(versionsOf(db, present).map((e) => e.split('=')[1])).to.deep.equal([
          'v3-7',
          'v2-7',
          'v1-7',
        ]);
      } else {
        // The same seeks land inside the tables' key ranges and read blocks.
        expect(touched).to.be.greaterThan(absent.length);
        expect(db.stats().prefixFilterSkips).to.equal(0);
      }
      await db.close();
      db = undefined;
      rmDir(dir);
      dir = tempDir('prefix');
    }
  });

  it('point gets of d/w keys use the prefix filter: an absent key reads no table block', async () => {
    db = await populate({ ...small, memtableSize: 16 * 1024, bloomBitsPerKey: 20 }, 200);
    const before = blockReads(db);
    for (let i = 0; i < 40; i++) {
      const u = Buffer.from(`user${String(2 * i * 5 + 1).padStart(5, '0')}`);
      expect(db.get(dataKey(u, 20n))).to.equal(undefined);
      expect(db.get(writeKey(u, 20n))).to.equal(undefined);
    }
    expect(blockReads(db) - before).to.equal(0);
    expect(db.get(dataKey(Buffer.from('user00010'), 35n))?.toString()).to.equal('v3-5');
  });

  it('flushes and compactions in worker threads write tables with the policy', async () => {
    db = await populate(
      {
        memtableSize: 16 * 1024,
        targetFileSize: 8 * 1024,
        levelBaseBytes: 32 * 1024,
        l0CompactionTrigger: 2,
        filterPrefix: 'mvcc',
      },
      600,
    );
    await db.compactRange();
    const footers = tableFooters(dir);
    expect(footers.length).to.be.greaterThan(1);
    expect(footers.every((f) => f.version === 2 && f.policy === POLICY_MVCC)).to.equal(true);
    expect(db.stats().compactions).to.be.greaterThan(0);
    const skips = db.stats().prefixFilterSkips;
    expect(versionsOf(db, Buffer.from('user00001'))).to.deep.equal([]);
    expect(db.stats().prefixFilterSkips).to.be.greaterThan(skips);
    expect(versionsOf(db, Buffer.from('user00100')).length).to.equal(3);
  });

  it('flushes in a worker thread when the engine has a logger (jobs carry plain data only)', async () => {
    // A logger's methods cannot be structured-cloned: before jobs carried only the table
    // options, every flush of an engine opened with a logger (as the shard opens it) failed.
    const lines: string[] = [];
    const logger = {
      info: (_o: object, msg?: string) => lines.push(`info ${msg}`),
      warn: (_o: object, msg?: string) => lines.push(`warn ${msg}`),
      error: (_o: object, msg?: string) => lines.push(`error ${msg}`),
    };
    db = await openLsm(dir, { logger, filterPrefix: 'mvcc' });
    await db.write(new WriteBatch().put(dataKey(Buffer.from('a'), 1n), Buffer.from('x')));
    await db.flush();
    expect(db.stats().levelFiles[0]).to.equal(1);
    expect(lines.filter((l) => l.startsWith('error'))).to.deep.equal([]);
    expect(tableFooters(dir)).to.deep.equal([{ version: 2, policy: POLICY_MVCC }]);
  });

  it('reads a data directory written before tables recorded a policy, then rewrites it', async () => {
    for (const [name, b64] of Object.entries(oldFormatDb as OldFormatFixture))
      fs.writeFileSync(path.join(dir, name), Buffer.from(b64, 'base64'));
    const old = tableFooters(dir);
    expect(old.length).to.be.greaterThan(3);
    expect(old.every((f) => f.version === 1 && f.policy === 0)).to.equal(true);
    const model = oldFormatExpected();
    const users = Array.from({ length: 130 }, (_, i) =>
      Buffer.from(`user${String(i).padStart(4, '0')}`),
    );
    const check = (e: LsmEngine): void => {
      expect(drain(e.iterator())).to.deep.equal(modelScan(model, {}));
      for (const h of model.keys())
        expect(e.get(Buffer.from(h, 'hex'))?.toString()).to.equal(model.get(h)?.toString());
      for (const u of users) {
        for (const o of [
          versionBounds(u),
          versionBounds(u, 250n),
          { gte: writeKey(u, TS_MAX), lte: writeKey(u, 0n), reverse: true },
        ])
          expect(drain(e.iterator(o))).to.deep.equal(modelScan(model, o));
        expect(e.get(lockKey(u))?.toString()).to.equal(
          model.get(lockKey(u).toString('hex'))?.toString(),
        );
      }
    };
    // Default sizes: nothing is due for compaction, the old tables stay as they are.
    db = await openLsm(dir, { inlineBackground: true, filterPrefix: 'mvcc' });
    expect(nonEmptyLevels(db)).to.equal(2);
    check(db);
    // Compaction rewrites old tables with the mvcc policy (those of L1 that no L0 table
    // overlaps may stay old): still the same answers, from a mix of both kinds.
    await db.compactRange();
    const after = tableFooters(dir);
    expect(after.some((f) => f.version === 2 && f.policy === POLICY_MVCC)).to.equal(true);
    expect(after.every((f) => f.version === 1 || f.policy === POLICY_MVCC)).to.equal(true);
    check(db);
    // And an engine opened without the policy reads the new tables by their own policy.
    await db.close();
    db = await openLsm(dir, { inlineBackground: true });
    check(db);
  });
});
