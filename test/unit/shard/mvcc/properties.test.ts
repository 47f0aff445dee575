/**
 * Properties of the read and GC paths against a plain model of a version history:
 *   - scan (bounds, limit, forward and reverse, any timestamp) returns exactly the rows a
 *     per-key "newest version at or below ts" model gives, in key order;
 *   - GC at a safe point S changes no read at any timestamp ≥ S, and leaves each key at
 *     most one version at or below S.
 * Keys are drawn from bytes that stress the escaping (0x00, 0x01, 0xff).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { gc, get, scan } from '../../../../shard/mvcc';
import { DATA_PREFIX, dataKey } from '../../../../shard/mvcc/keys';
import { encodeVersion } from '../../../../shard/mvcc/records';
import { WriteBatch } from '../../../../shard/storage/kvEngine';
import { MemEngine } from './memEngine';

interface Put {
  readonly key: Buffer;
  readonly ts: bigint;
  readonly value: Buffer | undefined;
}

const keyArb = fc
  .array(fc.constantFrom(0x00, 0x01, 0x61, 0xff), { maxLength: 3 })
  .map((a) => Buffer.from(a));
const putArb = fc.record({
  key: keyArb,
  ts: fc.bigInt({ min: 1n, max: 40n }),
  value: fc.option(
    fc.uint8Array({ maxLength: 3 }).map((a) => Buffer.from(a)),
    { nil: undefined },
  ),
});

/** Loads a history (last write of a (key, ts) wins, as in the engine). */
function load(puts: readonly Put[]): {
  engine: MemEngine;
  model: Map<string, Map<bigint, Buffer | undefined>>;
} {
  const engine = new MemEngine();
  const model = new Map<string, Map<bigint, Buffer | undefined>>();
  const batch = new WriteBatch();
  for (const p of puts) {
    batch.put(dataKey(p.key, p.ts), encodeVersion(p.ts - 1n < 0n ? 0n : p.ts - 1n, p.value));
    const hex = p.key.toString('hex');
    if (!model.has(hex)) model.set(hex, new Map());
    model.get(hex)?.set(p.ts, p.value);
  }
  engine.applyNow(batch);
  return { engine, model };
}

function modelRows(
  model: Map<string, Map<bigint, Buffer | undefined>>,
  ts: bigint,
): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  for (const [hex, versions] of model) {
    let best: bigint | undefined;
    for (const t of versions.keys()) if (t <= ts && (best === undefined || t > best)) best = t;
    const value = best === undefined ? undefined : versions.get(best);
    if (value !== undefined) rows.push([hex, value.toString('hex')]);
  }
  return rows.sort((a, b) => Buffer.compare(Buffer.from(a[0], 'hex'), Buffer.from(b[0], 'hex')));
}

describe('mvcc read and GC properties', () => {
  it('scan agrees with the version model for any bounds, limit, direction and timestamp', () => {
    fc.assert(
      fc.property(
        fc.array(putArb, { maxLength: 40 }),
        keyArb,
        fc.option(keyArb, { nil: null }),
        fc.bigInt({ min: 0n, max: 45n }),
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        (puts, start, end, ts, limit, reverse) => {
          const { engine, model } = load(puts);
          const inRange = modelRows(model, ts).filter(
            ([hex]) =>
              Buffer.compare(Buffer.from(hex, 'hex'), start) >= 0 &&
              (end === null || Buffer.compare(Buffer.from(hex, 'hex'), end) < 0),
          );
          if (reverse) inRange.reverse();
          const expected = inRange.slice(0, limit);
          const r = scan(engine, { start, end, ts, limit, reverse });
          expect(r.kind).to.equal('ok');
          if (r.kind !== 'ok') return;
          expect(
            r.entries.map(([key, value]) => [key.toString('hex'), value.toString('hex')]),
          ).to.deep.equal(expected);
          expect(r.more).to.equal(expected.length === limit);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('GC at a safe point changes no read at or above it and bounds old versions', () => {
    fc.assert(
      fc.property(
        fc.array(putArb, { maxLength: 40 }),
        fc.bigInt({ min: 0n, max: 45n }),
        fc.integer({ min: 1, max: 5 }),
        (puts, safePoint, limit) => {
          const { engine, model } = load(puts);
          const everything = (ts: bigint) => {
            const r = scan(engine, { start: Buffer.alloc(0), end: null, ts, limit: 1000 });
            return r.kind === 'ok'
              ? r.entries.map(([key, value]) => `${key.toString('hex')}=${value.toString('hex')}`)
              : [];
          };
          const stamps = [safePoint, safePoint + 1n, 20n, 45n].filter((t) => t >= safePoint);
          const before = stamps.map(everything);
          let start: Buffer | null = Buffer.alloc(0);
          for (let round = 0; start !== null; round++) {
            expect(round).to.be.below(100);
            const out = gc(engine, { safePoint, start, end: null, limit }, 0);
            engine.applyNow(out.writes);
            start = out.result.resumeKey;
          }
          expect(stamps.map(everything)).to.deep.equal(before);
          for (const hex of model.keys()) {
            const key = Buffer.from(hex, 'hex');
            const part = dataKey(key, 0n).subarray(0, -8);
            const old = engine.entries.filter(
              ([k]) => k[0] === DATA_PREFIX && k.subarray(0, k.length - 8).equals(part),
            );
            const atOrBelow = old.filter(
              ([k]) => 0xffffffffffffffffn - k.readBigUInt64BE(k.length - 8) <= safePoint,
            );
            expect(atOrBelow.length).to.be.at.most(1);
            // A key whose newest version at or below S was a delete keeps none there.
            const r = get(engine, { key, ts: safePoint });
            if (r.kind === 'ok' && r.value === undefined) expect(atOrBelow.length).to.equal(0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
