import { expect } from 'chai';
import fc from 'fast-check';
import { SqlError } from '../../../../common/errors';
import { TypeOid as T } from '../../../../common/types/datum';
import type { Datum } from '../../../../common/types/datum';
import { evalExpr } from '../../../../common/expr/eval';
import { newEvalCtx, type Expr } from '../../../../common/expr/expr';
import { Numeric } from '../../../../common/expr/numeric';
import { castValue } from '../../../../common/expr/casts';
import {
  accumulate,
  finishState,
  initState,
  mergeState,
  stateFromWire,
  stateToWire,
} from '../../../../common/expr/aggregates';
import { exprFromWire, exprToWire } from '../../../../common/expr/fragment';
import { decodeValue, encodeValue } from '../../../../common/codec';
import { compareValues } from '../../../../common/expr/typesAdapter';
import { encodeKeyPart } from '../../../../proxy/sql/keys';

const c = (t: number, v: Datum): Expr => ({ k: 'const', t, v });
const ev = newEvalCtx();
const run = (e: Expr, row: Datum[] = []): Datum => evalExpr(e, row, ev);
function code(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    return (err as SqlError).code;
  }
  return 'no error';
}

describe('common/expr evaluator', () => {
  it('follows three-valued logic for AND, OR, NOT', () => {
    const N = c(T.bool, null),
      TRUE = c(T.bool, true),
      FALSE = c(T.bool, false);
    expect(run({ k: 'and', t: T.bool, a: [TRUE, N] })).to.equal(null);
    expect(run({ k: 'and', t: T.bool, a: [FALSE, N] })).to.equal(false);
    expect(run({ k: 'or', t: T.bool, a: [TRUE, N] })).to.equal(true);
    expect(run({ k: 'or', t: T.bool, a: [FALSE, N] })).to.equal(null);
    expect(run({ k: 'not', t: T.bool, a: N })).to.equal(null);
  });

  it('raises 22003 on integer overflow and 22012 on division by zero', () => {
    expect(
      code(() =>
        run({ k: 'arith', t: T.int4, op: 'add', a: c(T.int4, 2147483647), b: c(T.int4, 1) }),
      ),
    ).to.equal('22003');
    expect(
      code(() =>
        run({ k: 'arith', t: T.int8, op: 'mul', a: c(T.int8, 1n << 62n), b: c(T.int8, 4n) }),
      ),
    ).to.equal('22003');
    expect(
      code(() => run({ k: 'arith', t: T.int4, op: 'div', a: c(T.int4, 1), b: c(T.int4, 0) })),
    ).to.equal('22012');
    expect(run({ k: 'arith', t: T.int4, op: 'div', a: c(T.int4, -7), b: c(T.int4, 2) })).to.equal(
      -3,
    );
  });

  it('IN with NULLs, LIKE with escapes, IS DISTINCT FROM', () => {
    const inList = (x: Datum, list: Datum[]): Datum =>
      run({
        k: 'in',
        t: T.bool,
        ct: T.int4,
        a: c(T.int4, x),
        list: list.map((v) => c(T.int4, v)),
        neg: false,
      });
    expect(inList(3, [1, null])).to.equal(null);
    expect(inList(1, [1, null])).to.equal(true);
    const like = (s: string, p: string): Datum =>
      run({ k: 'like', t: T.bool, a: c(T.text, s), p: c(T.text, p), ci: false, neg: false });
    expect(like('a_c', 'a\\_c')).to.equal(true);
    expect(like('abc', 'a\\_c')).to.equal(false);
    expect(like('a.c', 'a.c')).to.equal(true);
    expect(like('abc', 'a.c')).to.equal(false);
    expect(
      run({
        k: 'distinct',
        t: T.bool,
        ct: T.int4,
        a: c(T.int4, null),
        b: c(T.int4, null),
        neg: false,
      }),
    ).to.equal(false);
  });

  it("divides numerics with PostgreSQL's result scale", () => {
    expect(Numeric.fromString('1').div(Numeric.fromString('3')).toString()).to.equal(
      '0.33333333333333333333',
    );
    expect(Numeric.fromString('10').div(Numeric.fromString('4')).toString()).to.equal(
      '2.5000000000000000',
    );
    expect(Numeric.fromString('1000000').div(Numeric.fromString('7')).toString()).to.equal(
      '142857.142857142857',
    );
    expect(Numeric.fromString('2.5').withScale(0).toString()).to.equal('3');
    expect(Numeric.fromString('-2.5').withScale(0).toString()).to.equal('-3');
  });

  it('casts with PostgreSQL rounding and range checks', () => {
    expect(castValue(T.numeric, T.int4, Numeric.fromString('2.5'))).to.equal(3);
    expect(castValue(T.float8, T.int4, 2.5)).to.equal(2);
    expect(castValue(T.float8, T.int4, 3.5)).to.equal(4);
    expect(code(() => castValue(T.int8, T.int4, 1n << 40n))).to.equal('22003');
    expect(code(() => castValue(T.text, T.int4, 'x'))).to.equal('22P02');
    expect(
      code(() =>
        castValue(T.numeric, T.numeric, Numeric.fromString('12345.6'), ((4 << 16) | 1) + 4),
      ),
    ).to.equal('22003');
    expect(code(() => castValue(T.text, T.varchar, 'abcdef', 3 + 4, false))).to.equal('22001');
    expect(castValue(T.text, T.varchar, 'abcdef', 3 + 4, true)).to.equal('abc');
  });

  it('merges partial aggregates to the same result as one pass (avg as sum + count)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.integer({ min: -1000, max: 1000 }))),
        fc.nat(),
        (values, cut) => {
          const whole = values.reduce((s, v) => accumulate('avg', T.int4, s, v), initState('avg'));
          const k = values.length === 0 ? 0 : cut % (values.length + 1);
          const a = values
            .slice(0, k)
            .reduce((s, v) => accumulate('avg', T.int4, s, v), initState('avg'));
          const b = values
            .slice(k)
            .reduce((s, v) => accumulate('avg', T.int4, s, v), initState('avg'));
          const wire = (s: unknown): unknown =>
            stateFromWire(
              'avg',
              T.int4,
              decodeValue(encodeValue(stateToWire('avg', T.int4, s as never))),
            );
          const merged = mergeState('avg', T.int4, wire(a) as never, wire(b) as never);
          expect(String(finishState('avg', T.int4, merged))).to.equal(
            String(finishState('avg', T.int4, whole)),
          );
        },
      ),
    );
  });

  it('round-trips expressions with numeric constants through the fragment wire form', () => {
    const e: Expr = {
      k: 'cmp',
      t: T.bool,
      op: 'gt',
      ct: T.numeric,
      a: { k: 'col', t: T.numeric, i: 0 },
      b: c(T.numeric, Numeric.fromString('1.25')),
    };
    const back = exprFromWire(decodeValue(encodeValue(exprToWire(e))) as Expr);
    expect(evalExpr(back, [Numeric.fromString('2')], ev)).to.equal(true);
    expect(evalExpr(back, [Numeric.fromString('1.25')], ev)).to.equal(false);
  });

  it('key encoding preserves SQL order for integers and text', () => {
    const enc = (t: number, v: Datum): Buffer => {
      const out: Buffer[] = [];
      encodeKeyPart(t, v, out);
      return Buffer.concat(out);
    };
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
        fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
        (a, b) => {
          expect(Math.sign(Buffer.compare(enc(T.int8, a), enc(T.int8, b)))).to.equal(
            Math.sign(compareValues(T.int8, a, b)),
          );
        },
      ),
    );
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(Math.sign(Buffer.compare(enc(T.text, a), enc(T.text, b)))).to.equal(
          Math.sign(compareValues(T.text, a, b)),
        );
      }),
    );
    fc.assert(
      fc.property(fc.double({ noNaN: true }), fc.double({ noNaN: true }), (a, b) => {
        const x = a === 0 ? 0 : a,
          y = b === 0 ? 0 : b;
        expect(Math.sign(Buffer.compare(enc(T.float8, x), enc(T.float8, y)))).to.equal(
          Math.sign(compareValues(T.float8, x, y)),
        );
      }),
    );
  });
});
