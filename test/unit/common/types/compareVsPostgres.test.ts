/**
 * compare.ts against PostgreSQL 15's own operators (C collation, as our keys): for random
 * pairs of values of each type, the sign of compareValues equals what `<` and `=` say.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { useTestPostgres } from '../../../support/testPostgres';
import { compareValues } from '../../../../common/types/compare';
import { TypeOid, type Datum } from '../../../../common/types/datum';
import { defaultFormatSettings, formatText, parseText } from '../../../../common/types/io';
import { typeInfo } from '../../../../common/types/typeTable';
import { arrayArb, KEY_TYPES, scalarArb } from '../../../support/datumArbitraries';

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);

/** Pairs worth checking on purpose: PostgreSQL's notable equalities, and jsonb's order. */
const NOTABLE_EQUALS: [number, string, string][] = [
  [TypeOid.numeric, '1.50', '1.5'],
  [TypeOid.numeric, 'NaN', 'NaN'],
  [TypeOid.numeric, 'NaN', 'Infinity'],
  [TypeOid.interval, '1 mon', '30 days'],
  [TypeOid.interval, '1 day', '24 hours'],
  [TypeOid.interval, '1 year', '360 days'],
  [TypeOid.bpchar, 'a  ', 'a'],
  [TypeOid.float8, '-0', '0'],
  [TypeOid.float8, 'NaN', 'NaN'],
  [TypeOid.float8, 'NaN', 'Infinity'],
  [TypeOid.float4, 'NaN', 'Infinity'],
  // Not equal: jsonb's container order (checked by PostgreSQL like the rest).
  [TypeOid.jsonb, '[]', 'true'],
  [TypeOid.jsonb, '[]', 'null'],
  [TypeOid.jsonb, '[1]', '1'],
  [TypeOid.jsonb, '[[]]', '1'],
  [TypeOid.jsonb, '{}', '[]'],
  [TypeOid.jsonb, '["a"]', '[1]'],
  [TypeOid.jsonb, '[2]', '[1,2]'],
  [TypeOid.jsonb, '{"aa":1}', '{"b":1}'],
  [TypeOid.jsonb, '{"a":1,"b":2}', '{"c":0}'],
  [TypeOid.jsonb, '{"a":[1]}', '{"a":{}}'],
];

describe('common/types/compare: ordering against PostgreSQL 15', function () {
  this.timeout(60_000);
  const pg = useTestPostgres();

  const cases: [number, fc.Arbitrary<Datum>][] = [
    ...KEY_TYPES.map((t): [number, fc.Arbitrary<Datum>] => [t, scalarArb(t)]),
    [TypeOid._int4, arrayArb(TypeOid.int4)],
    [TypeOid._text, arrayArb(TypeOid.text)],
  ];

  for (const [t, arb] of cases) {
    const info = typeInfo(t);
    const sqlType =
      info?.category === 'A' ? `${typeInfo(info.typelem)?.name}[]` : (info?.name as string);
    it(`${sqlType}: compareValues agrees with < and =`, async () => {
      // Strings with NUL cannot be sent to PostgreSQL as text values.
      const pairs = fc
        .sample(fc.tuple(arb, arb), { numRuns: 300, seed: t })
        .map(([a, b]): [string, string, Datum, Datum] => [
          formatText(t, a, defaultFormatSettings),
          formatText(t, b, defaultFormatSettings),
          a,
          b,
        ])
        .filter(([x, y]) => !x.includes('\0') && !y.includes('\0'));
      // Equal values too: each of the first 50 against itself, and PostgreSQL's notable equalities.
      for (const [x, , a] of pairs.slice(0, 50)) pairs.push([x, x, a, a]);
      for (const [tt, x, y] of NOTABLE_EQUALS) {
        if (tt === t)
          pairs.push([
            x,
            y,
            parseText(t, x, defaultFormatSettings),
            parseText(t, y, defaultFormatSettings),
          ]);
      }
      const r = await pg.client.query(
        `SELECT CASE WHEN a < b THEN -1 WHEN a = b THEN 0 WHEN a > b THEN 1 END AS c
           FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(x, y, n),
                LATERAL (SELECT x::${sqlType} AS a, y::${sqlType} AS b) v ORDER BY n`,
        [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
      );
      const failures: string[] = [];
      pairs.forEach(([x, y, a, b], k) => {
        const got = sign(compareValues(t, a, b));
        if (got !== r.rows[k].c) failures.push(`${x} vs ${y}: ${got}, PostgreSQL ${r.rows[k].c}`);
      });
      expect(failures, failures.slice(0, 10).join('\n')).to.deep.equal([]);
    });
  }
});
