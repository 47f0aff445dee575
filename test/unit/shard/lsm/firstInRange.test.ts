/**
 * LsmEngine.firstInRange (the point seek behind shard/mvcc/reader.ts versionAt) returns
 * exactly what the first step of an iterator over the same bounds returns, with a key's
 * versions spread over the memtable, the immutable memtable, L0 and deeper levels, with
 * deletions among them (where it hands over to the iterator), and for bounds that span
 * several keys (the iterator answers those).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { type LsmEngine, type LsmOptions, openLsm } from '../../../../shard/lsm';
import { TS_MAX, dataKey, lockKey, versionBounds } from '../../../../shard/mvcc/keys';
import { WriteBatch } from '../../../../shard/storage/kvEngine';
import { rmDir, tempDir } from './helpers';

const small: LsmOptions = {
  inlineBackground: true,
  memtableSize: 512,
  targetFileSize: 512,
  levelBaseBytes: 2048,
  blockSize: 128,
  restartInterval: 2,
  l0CompactionTrigger: 2,
  l0SlowdownTrigger: 4,
  l0StopTrigger: 8,
  maxImmutableMemtables: 1,
  filterPrefix: 'mvcc',
};

/** User keys sharing long prefixes (as one table's rows do), and one that contains zeros. */
const USERS = [
  Buffer.from('row-0001'),
  Buffer.from('row-0002'),
  Buffer.from('row-0003'),
  Buffer.from([0x72, 0, 0, 1]),
];

type Cmd =
  | { c: 'put'; u: number; ts: number; v: string }
  | { c: 'del'; u: number; ts: number }
  | { c: 'lock'; u: number }
  | { c: 'first'; u: number; hiTs: number; loTs: number }
  | { c: 'span'; a: number; b: number }
  | { c: 'flush' }
  | { c: 'compact' };

const u = fc.integer({ min: 0, max: USERS.length - 1 });
const ts = fc.integer({ min: 1, max: 8 });
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ c: fc.constant('put' as const), u, ts, v: fc.string() }) },
  { weight: 2, arbitrary: fc.record({ c: fc.constant('del' as const), u, ts }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('lock' as const), u }) },
  {
    weight: 8,
    arbitrary: fc.record({
      c: fc.constant('first' as const),
      u,
      hiTs: fc.integer({ min: 0, max: 9 }),
      loTs: fc.integer({ min: 0, max: 9 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('span' as const), a: u, b: u }) },
  { weight: 2, arbitrary: fc.constant({ c: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ c: 'compact' as const }) },
);

function viaIterator(db: LsmEngine, lo: Buffer, hi: Buffer): string {
  const it = db.iterator({ gte: lo, lte: hi });
  try {
    return show(it.next());
  } finally {
    it.close();
  }
}

function show(e: [Buffer, Buffer] | undefined): string {
  return e === undefined ? '-' : `${e[0].toString('hex')}=${e[1].toString()}`;
}

async function run(cmds: Cmd[]): Promise<void> {
  const dir = tempDir('first-in-range');
  const db = await openLsm(dir, small);
  try {
    // Every command that writes also makes the engine flush now and then (small memtable).
    for (const cmd of cmds) {
      switch (cmd.c) {
        case 'put':
          await db.write(
            new WriteBatch().put(dataKey(USERS[cmd.u], BigInt(cmd.ts)), Buffer.from(cmd.v)),
            { sync: false },
          );
          break;
        case 'del':
          await db.write(new WriteBatch().del(dataKey(USERS[cmd.u], BigInt(cmd.ts))), {
            sync: false,
          });
          break;
        case 'lock':
          await db.write(new WriteBatch().put(lockKey(USERS[cmd.u]), Buffer.from('L')), {
            sync: false,
          });
          break;
        case 'first': {
          const hiTs = cmd.hiTs === 9 ? TS_MAX : BigInt(cmd.hiTs);
          const { gte, lte } = versionBounds(USERS[cmd.u], hiTs);
          // Narrower bounds too: newest version at or below hiTs, and no older than loTs.
          const lo = gte;
          const hi = cmd.loTs === 0 ? lte : dataKey(USERS[cmd.u], BigInt(cmd.loTs));
          expect(show(db.firstInRange(lo, hi))).to.equal(viaIterator(db, lo, hi));
          break;
        }
        case 'span': {
          const lo = dataKey(USERS[cmd.a], TS_MAX);
          const hi = dataKey(USERS[cmd.b], 0n);
          expect(show(db.firstInRange(lo, hi))).to.equal(viaIterator(db, lo, hi));
          break;
        }
        case 'flush':
          await db.flush();
          break;
        case 'compact':
          await db.compactRange();
          break;
      }
    }
    for (let i = 0; i < USERS.length; i++) {
      const { gte, lte } = versionBounds(USERS[i]);
      expect(show(db.firstInRange(gte, lte))).to.equal(viaIterator(db, gte, lte));
    }
  } finally {
    await db.close();
    rmDir(dir);
  }
}

describe('LsmEngine.firstInRange vs the iterator (fast-check)', function () {
  this.timeout(60000);

  it('returns what the first iterator step returns, whatever holds the versions', async () => {
    await fc.assert(fc.asyncProperty(fc.array(cmdArb, { minLength: 1, maxLength: 60 }), run), {
      numRuns: Number(process.env.LSM_FIRST_IN_RANGE_RUNS ?? 60),
    });
  });

  it('picks the newest version across the memtable, L0 and a deeper level', async () => {
    const dir = tempDir('first-in-range-levels');
    const db = await openLsm(dir, small);
    try {
      const k = USERS[0];
      await db.write(new WriteBatch().put(dataKey(k, 1n), Buffer.from('v1')), { sync: false });
      // A later key in the memtable must not win over the older key in a table.
      await db.compactRange();
      await db.write(new WriteBatch().put(dataKey(k, 2n), Buffer.from('v2')), { sync: false });
      await db.flush();
      await db.write(new WriteBatch().put(dataKey(USERS[1], 3n), Buffer.from('other')), {
        sync: false,
      });
      const levels = db.stats().levelFiles;
      expect(levels[0]).to.be.greaterThan(0);
      expect(levels.slice(1).some((n) => n > 0)).to.equal(true);
      const { gte, lte } = versionBounds(k);
      expect(show(db.firstInRange(gte, lte))).to.equal(`${dataKey(k, 2n).toString('hex')}=v2`);
      // At ts 1 the older version, found in the deeper level.
      const at1 = versionBounds(k, 1n);
      expect(show(db.firstInRange(at1.gte, at1.lte))).to.equal(
        `${dataKey(k, 1n).toString('hex')}=v1`,
      );
      // A deleted newest version: the iterator path skips to the one below it.
      await db.write(new WriteBatch().del(dataKey(k, 2n)), { sync: false });
      expect(show(db.firstInRange(gte, lte))).to.equal(`${dataKey(k, 1n).toString('hex')}=v1`);
      // No version of an absent key, even with later keys around.
      const none = versionBounds(Buffer.from('row-0000'));
      expect(db.firstInRange(none.gte, none.lte)).to.equal(undefined);
    } finally {
      await db.close();
      rmDir(dir);
    }
  });
});
