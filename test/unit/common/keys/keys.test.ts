import { expect } from 'chai';
import fc from 'fast-check';
import { TypeOid, type Datum } from '../../../../common/types/datum';
import { compareSql, compareValues } from '../../../../common/types/compare';
import { typeInfo } from '../../../../common/types/typeTable';
import {
  decodeKey,
  encodeKey,
  indexKey,
  indexPrefix,
  keySuccessor,
  parseKeyPrefix,
  prefixEnd,
  rowKey,
  rowPrefix,
  type Direction,
} from '../../../../common/keys';
import { SqlError } from '../../../../common/errors';
import { arrayArb, KEY_TYPES, nullableArb, scalarArb } from '../../../support/datumArbitraries';

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);
const RUNS = { numRuns: 300, seed: 20261121 };

/** Types whose key decodes to exactly the value encoded (FORMAT.md lists the lossy ones). */
const EXACT = new Set<number>([
  TypeOid.bool,
  TypeOid.int2,
  TypeOid.int4,
  TypeOid.int8,
  TypeOid.oid,
  TypeOid.text,
  TypeOid.varchar,
  TypeOid.bytea,
  TypeOid.date,
  TypeOid.time,
  TypeOid.timestamp,
  TypeOid.timestamptz,
  TypeOid.uuid,
]);

const DIRECTIONS: Direction[] = [
  'asc',
  'desc',
  { desc: false, nullsFirst: true },
  { desc: true, nullsFirst: false },
];

function resolved(d: Direction): { desc: boolean; nullsFirst: boolean } {
  if (d === 'asc') return { desc: false, nullsFirst: false };
  if (d === 'desc') return { desc: true, nullsFirst: true };
  return d;
}

describe('common/keys: memcomparable keys', () => {
  for (const t of KEY_TYPES) {
    const name = typeInfo(t)?.name;
    it(`${name}: byte order equals SQL order, every direction and NULL placement`, () => {
      fc.assert(
        fc.property(nullableArb(t), nullableArb(t), fc.constantFrom(...DIRECTIONS), (a, b, d) => {
          const { desc, nullsFirst } = resolved(d);
          const byBytes = sign(Buffer.compare(encodeKey([a], [t], [d]), encodeKey([b], [t], [d])));
          expect(byBytes).to.equal(sign(compareSql(t, a, b, desc, nullsFirst)));
        }),
        RUNS,
      );
    });

    it(`${name}: decodes to an equal value${EXACT.has(t) ? ' (exactly)' : ''}`, () => {
      fc.assert(
        fc.property(nullableArb(t), fc.constantFrom(...DIRECTIONS), (v, d) => {
          const key = encodeKey([v], [t], [d]);
          const { values, offset } = decodeKey(key, [t], [d]);
          expect(offset).to.equal(key.length);
          const got = values[0];
          if (v === null) {
            expect(got).to.equal(null);
            return;
          }
          expect(got).to.not.equal(null);
          expect(compareValues(t, got, v)).to.equal(0);
          if (EXACT.has(t)) expect(got).to.deep.equal(v);
          // Decoding then encoding again gives the same key.
          expect(encodeKey([got], [t], [d]).equals(key)).to.equal(true);
        }),
        RUNS,
      );
    });
  }

  it('arrays: byte order equals PostgreSQL array order (NULL elements last, shorter first)', () => {
    for (const elem of [TypeOid.int4, TypeOid.text, TypeOid.numeric]) {
      const arrType = typeInfo(elem)?.typarray as number;
      fc.assert(
        fc.property(
          arrayArb(elem),
          arrayArb(elem),
          fc.constantFrom<Direction>('asc', 'desc'),
          (a, b, d) => {
            const desc = d === 'desc';
            const byBytes = sign(
              Buffer.compare(encodeKey([a], [arrType], [d]), encodeKey([b], [arrType], [d])),
            );
            expect(byBytes).to.equal(sign(compareSql(arrType, a, b, desc)));
            const back = decodeKey(encodeKey([a], [arrType], [d]), [arrType], [d]).values[0];
            expect(compareValues(arrType, back, a)).to.equal(0);
          },
        ),
        { numRuns: 200, seed: 7 },
      );
    }
  });

  it('multi-column keys sort like ORDER BY over the columns', () => {
    const cols = fc.shuffledSubarray([...KEY_TYPES], { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(
        cols.chain((types) =>
          fc.tuple(
            fc.constant(types),
            fc.tuple(...types.map((t) => nullableArb(t))),
            fc.tuple(...types.map((t) => nullableArb(t))),
            fc.array(fc.constantFrom(...DIRECTIONS), {
              minLength: types.length,
              maxLength: types.length,
            }),
          ),
        ),
        ([types, a, b, dirs]) => {
          let want = 0;
          for (let i = 0; i < types.length && want === 0; i++) {
            const { desc, nullsFirst } = resolved(dirs[i]);
            want = sign(compareSql(types[i], a[i] as Datum, b[i] as Datum, desc, nullsFirst));
          }
          expect(
            sign(
              Buffer.compare(
                encodeKey(a as Datum[], types, dirs),
                encodeKey(b as Datum[], types, dirs),
              ),
            ),
          ).to.equal(want);
          const back = decodeKey(encodeKey(a as Datum[], types, dirs), types, dirs);
          back.values.forEach((v, i) => {
            const orig = a[i] as Datum;
            if (orig === null) expect(v).to.equal(null);
            else expect(compareValues(types[i], v, orig)).to.equal(0);
          });
        },
      ),
      { numRuns: 400, seed: 99 },
    );
  });

  it('row and index keys carry their prefix and decode after it', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.nat(),
        scalarArb(TypeOid.int8),
        scalarArb(TypeOid.text),
        (tableId, indexId, id, name) => {
          const rk = rowKey(tableId, [id], [TypeOid.int8]);
          expect(rk.subarray(0, 6).equals(rowPrefix(tableId))).to.equal(true);
          const p = parseKeyPrefix(rk);
          expect(p).to.deep.equal({ kind: 'row', tableId, offset: 6 });
          expect(decodeKey(rk, [TypeOid.int8], undefined, p.offset).values).to.deep.equal([id]);

          const ik = indexKey(
            tableId,
            indexId,
            [name],
            [TypeOid.text],
            undefined,
            [id],
            [TypeOid.int8],
          );
          expect(ik.subarray(0, 10).equals(indexPrefix(tableId, indexId))).to.equal(true);
          const q = parseKeyPrefix(ik);
          expect(q).to.deep.equal({ kind: 'index', tableId, indexId, offset: 10 });
          expect(
            decodeKey(ik, [TypeOid.text, TypeOid.int8], undefined, q.offset).values,
          ).to.deep.equal([name, id]);
        },
      ),
      RUNS,
    );
  });

  it('all rows of a table sort together, tables in tableId order, before index entries of the table', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.nat(),
        scalarArb(TypeOid.int8),
        scalarArb(TypeOid.int8),
        (t1, t2, a, b) => {
          const k1 = rowKey(t1, [a], [TypeOid.int8]);
          const k2 = rowKey(t2, [b], [TypeOid.int8]);
          if (t1 !== t2) expect(sign(Buffer.compare(k1, k2))).to.equal(t1 < t2 ? -1 : 1);
          const end = prefixEnd(rowPrefix(t1)) as Buffer;
          expect(Buffer.compare(k1, end)).to.equal(-1);
          expect(Buffer.compare(rowPrefix(t1), k1)).to.equal(-1);
          // index entries ('i') of a table come before its rows ('r')
          expect(
            Buffer.compare(indexKey(t1, 0, [a], [TypeOid.int8], undefined), rowPrefix(t1)),
          ).to.equal(-1);
        },
      ),
      RUNS,
    );
  });

  it('prefixEnd bounds exactly the keys that start with the prefix', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 6 }), fc.uint8Array({ maxLength: 8 }), (p, k) => {
        const prefix = Buffer.from(p);
        const key = Buffer.from(k);
        const end = prefixEnd(prefix);
        const starts = key.subarray(0, prefix.length).equals(prefix) && key.length >= prefix.length;
        const inRange =
          Buffer.compare(key, prefix) >= 0 && (end === null || Buffer.compare(key, end) < 0);
        expect(inRange).to.equal(starts);
      }),
      { numRuns: 2000, seed: 5 },
    );
    expect(prefixEnd(Buffer.from([0xff, 0xff]))).to.equal(null);
    expect(prefixEnd(Buffer.from([1, 0xff]))).to.deep.equal(Buffer.from([2]));
  });

  it('keySuccessor is the next key: nothing sorts strictly between', () => {
    const k = Buffer.from([1, 2, 3]);
    const s = keySuccessor(k);
    expect(Buffer.compare(k, s)).to.equal(-1);
    expect(s).to.deep.equal(Buffer.from([1, 2, 3, 0]));
  });

  it('refuses types without a key encoding with 0A000', () => {
    expect(() => encodeKey(['{}'], [TypeOid.json]))
      .to.throw(SqlError)
      .with.property('code', '0A000');
  });

  it('keeps ints compact and fixed-width as FORMAT.md says', () => {
    expect(encodeKey([1], [TypeOid.int4]).toString('hex')).to.equal('01' + '8000000000000001');
    expect(encodeKey([-1n], [TypeOid.int8]).toString('hex')).to.equal('01' + '7fffffffffffffff');
    expect(encodeKey([null], [TypeOid.int4]).toString('hex')).to.equal('ff');
    expect(encodeKey([null], [TypeOid.int4], ['desc']).toString('hex')).to.equal('00');
    expect(encodeKey(['a\0b'], [TypeOid.text]).toString('hex')).to.equal(
      '01' + '6100ff62' + '0001',
    );
  });
});
