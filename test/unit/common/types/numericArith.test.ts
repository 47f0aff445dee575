/**
 * Numeric arithmetic against PostgreSQL 15: result values and display scales of + - * /
 * (select_div_scale), comparison, and numeric(p,s) typmod rounding and overflow.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { useTestPostgres } from '../../../support/testPostgres';
import { SqlError } from '../../../../common/errors';
import { Numeric } from '../../../../common/types/numeric';
import { oracle } from '../../../support/pgTypeOracle';

const decimal = fc
  .tuple(
    fc.boolean(),
    fc.stringMatching(/^\d{1,18}$/),
    fc.stringMatching(/^\d{0,12}$/),
    fc.integer({ min: -12, max: 12 }),
    fc.boolean(),
  )
  .map(
    ([neg, i, f, e, useExp]) => `${neg ? '-' : ''}${i}${f ? '.' + f : ''}${useExp ? 'e' + e : ''}`,
  );

const SPECIALS = [
  'NaN',
  'Infinity',
  '-Infinity',
  '0',
  '-0.000',
  '1',
  '-1',
  '0.0001',
  '9999.9999',
  '10000.5',
];

describe('common/types/numeric: arithmetic against PostgreSQL 15', function () {
  this.timeout(60_000);
  const pg = useTestPostgres();

  it('+, -, *, / and comparison give PostgreSQL values and display scales', async () => {
    const gen = fc.sample(fc.tuple(decimal, decimal), { numRuns: 400, seed: 42 });
    const pairs: [string, string][] = [...gen];
    for (const a of SPECIALS) for (const b of SPECIALS) pairs.push([a, b]);
    const r = await pg.client.query(
      `SELECT (a + b)::text AS add, (a - b)::text AS sub, (a * b)::text AS mul,
              CASE WHEN b = 0 THEN 'div0' ELSE (a / b)::text END AS div,
              CASE WHEN a < b THEN -1 WHEN a > b THEN 1 ELSE 0 END AS cmp
         FROM unnest($1::numeric[], $2::numeric[]) WITH ORDINALITY AS u(a, b, n) ORDER BY n`,
      [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
    );
    const failures: string[] = [];
    pairs.forEach(([sa, sb], k) => {
      const a = Numeric.parse(sa);
      const b = Numeric.parse(sb);
      const want = r.rows[k];
      const got = {
        add: a.add(b).toString(),
        sub: a.sub(b).toString(),
        mul: a.mul(b).toString(),
        div: b.sign() === 0 && !b.isNaN() ? 'div0' : a.div(b).toString(),
        cmp: a.compare(b),
      };
      for (const key of ['add', 'sub', 'mul', 'div', 'cmp'] as const) {
        if (String(got[key]) !== String(want[key]))
          failures.push(`${sa} ${key} ${sb}: ${got[key]}, PostgreSQL ${want[key]}`);
      }
    });
    expect(failures, failures.slice(0, 10).join('\n')).to.deep.equal([]);
  });

  it('%, round, trunc, ceil and floor give PostgreSQL values and scales', async () => {
    const gen = fc.sample(fc.tuple(decimal, decimal, fc.integer({ min: -4, max: 6 })), {
      numRuns: 300,
      seed: 43,
    });
    const rows: [string, string, number][] = [...gen];
    for (const a of SPECIALS) for (const b of SPECIALS) rows.push([a, b, 1]);
    rows.push(
      ['2.5', '1', 0],
      ['-2.5', '1', 0],
      ['1234.5', '7', -2],
      ['1.50', '1', 5],
      ['-0.5', '1', 0],
      ['1999', '3', -2],
    );
    const r = await pg.client.query(
      `SELECT CASE WHEN b = 0 THEN 'div0' ELSE (a % b)::text END AS mod, round(a, s)::text AS round, trunc(a, s)::text AS trunc,
              ceil(a)::text AS ceil, floor(a)::text AS floor
         FROM unnest($1::numeric[], $2::numeric[], $3::int[]) WITH ORDINALITY AS u(a, b, s, n) ORDER BY n`,
      [rows.map((x) => x[0]), rows.map((x) => x[1]), rows.map((x) => x[2])],
    );
    const failures: string[] = [];
    rows.forEach(([sa, sb, sc], k) => {
      const a = Numeric.parse(sa);
      const b = Numeric.parse(sb);
      const want = r.rows[k];
      const got = {
        mod: b.sign() === 0 && !b.isNaN() ? 'div0' : a.mod(b).toString(),
        round: a.round(sc).toString(),
        trunc: a.trunc(sc).toString(),
        ceil: a.ceil().toString(),
        floor: a.floor().toString(),
      };
      for (const key of ['mod', 'round', 'trunc', 'ceil', 'floor'] as const) {
        if (got[key] !== want[key])
          failures.push(`${key}(${sa}, ${sb}, ${sc}): ${got[key]}, PostgreSQL ${want[key]}`);
      }
    });
    expect(failures, failures.slice(0, 10).join('\n')).to.deep.equal([]);
  });

  it('division by zero raises 22012', () => {
    expect(() => Numeric.parse('1').div(Numeric.parse('0.00')))
      .to.throw(SqlError)
      .with.property('code', '22012');
    expect(() => Numeric.Infinity.div(Numeric.ZERO))
      .to.throw(SqlError)
      .with.property('code', '22012');
  });

  for (const [p, s] of [
    [6, 2],
    [3, 0],
    [5, 5],
    [10, 4],
    [2, -2],
  ] as const) {
    it(`numeric(${p},${s}) rounds and overflows as PostgreSQL`, async () => {
      const inputs = [
        ...SPECIALS,
        '999.995',
        '-999.994',
        '0.005',
        '-0.005',
        '12345.678',
        '99.5',
        '0.00001',
        '150',
        '-149',
        ...fc.sample(decimal, { numRuns: 150, seed: p * 10 + s }),
      ];
      const expected = await oracle(pg.client, `numeric(${p},${s})`, inputs);
      const failures: string[] = [];
      inputs.forEach((input, k) => {
        const want = expected[k];
        let got: string;
        try {
          got = Numeric.parse(input).applyTypmod(p, s).toString();
        } catch (e) {
          const err = e as SqlError;
          if (want.ok || want.code !== err.code || want.message !== err.message) {
            failures.push(
              `${input}: we raise ${err.code} ${err.message}, PostgreSQL ${want.ok ? want.text : want.code + ' ' + want.message}`,
            );
          }
          return;
        }
        if (!want.ok || want.text !== got)
          failures.push(`${input}: ${got}, PostgreSQL ${want.ok ? want.text : want.code}`);
      });
      expect(failures, failures.slice(0, 10).join('\n')).to.deep.equal([]);
    });
  }
});
