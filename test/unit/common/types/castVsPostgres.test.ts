/**
 * cast.ts against PostgreSQL 15: for each cast among our types, `(value::src)::dst` gives
 * the same text (or the same SQLSTATE and message) as castValue; the cast table matches
 * pg_cast; typmods (numeric(p,s), varchar(n), char(n), timestamp(p), time(p)) round and
 * fail as PostgreSQL's explicit casts do.
 */
import { expect } from 'chai';
import { useTestPostgres } from '../../../support/testPostgres';
import { SqlError } from '../../../../common/errors';
import { castValue, findCast, makeNumericTypmod } from '../../../../common/types/cast';
import { TypeOid } from '../../../../common/types/datum';
import {
  defaultFormatSettings,
  formatText,
  parseText,
  type FormatSettings,
} from '../../../../common/types/io';
import { typeInfo } from '../../../../common/types/typeTable';
import { applySettings, oracleCast, type OracleSettings } from '../../../support/pgTypeOracle';
import * as gen from './valueGenerators';

const O = TypeOid;

const INPUTS: Record<number, () => string[]> = {
  [O.bool]: () => gen.boolInputs().slice(0, 12),
  [O.int2]: () => gen.intInputs(16).slice(0, 60),
  [O.int4]: () => [...gen.intInputs(32).slice(0, 60), '-129', '127', '65', '0'],
  [O.int8]: () => [...gen.intInputs(64).slice(0, 60), '4294967295', '4294967296', '-1'],
  [O.oid]: () => gen.oidInputs(),
  [O.float4]: () => gen.float4Inputs().slice(0, 100),
  [O.float8]: () => [
    ...gen.float8Inputs().slice(0, 120),
    '2.5',
    '3.5',
    '-2.5',
    '0.5',
    '-0.5',
    '1.5',
    '32767.5',
    '2147483647.5',
    '-2147483648.5',
    '9.2233720368547758e18',
  ],
  [O.numeric]: () => [
    ...gen.numericInputs().slice(0, 120),
    '2.5',
    '-2.5',
    '0.5',
    '32767.5',
    '-32768.5',
    '123.456789',
    '1e-7',
  ],
  [O.text]: () => [
    ...gen.textInputs().slice(0, 30),
    '  12  ',
    'true',
    '2000-01-01',
    '1 day',
    '{1,2}',
    'abcdef',
    'ab   ',
  ],
  [O.bpchar]: () => ['a', 'ab   ', '   ', 'abcdef', ' x '],
  [O.varchar]: () => ['a', 'ab   ', 'abcdef', 'é日本語x'],
  [O.name]: () => ['abc', 'x'.repeat(70)],
  [O.date]: () => gen.dateInputs().slice(0, 80),
  [O.time]: () => gen.timeInputs().slice(0, 60),
  [O.timestamp]: () => gen.timestampInputs().slice(0, 120),
  [O.timestamptz]: () => gen.timestampInputs().slice(0, 120),
  [O.interval]: () => gen.intervalInputs().slice(0, 80),
  [O.json]: () => gen.jsonInputs().slice(0, 40),
  [O.jsonb]: () => [
    ...gen.jsonInputs().slice(0, 40),
    '2.5',
    '-3',
    'true',
    '"x"',
    '1e3',
    '[1]',
    '{"a":1}',
    'null',
  ],
  [O.uuid]: () => gen.uuidInputs().slice(0, 20),
  [O.bytea]: () => gen.byteaInputs().slice(0, 20),
};

interface CastCase {
  readonly from: number;
  readonly to: number;
  readonly settings?: OracleSettings;
}

const CASTS: CastCase[] = [
  ...[O.int2, O.int4, O.int8, O.float4, O.float8, O.numeric].flatMap((from) =>
    [O.int2, O.int4, O.int8, O.float4, O.float8, O.numeric]
      .filter((to) => to !== from)
      .map((to) => ({ from, to })),
  ),
  { from: O.int4, to: O.bool },
  { from: O.bool, to: O.int4 },
  { from: O.int4, to: O.oid },
  { from: O.int8, to: O.oid },
  { from: O.oid, to: O.int4 },
  { from: O.oid, to: O.int8 },
  { from: O.int4, to: O.char },
  ...[
    O.bool,
    O.int4,
    O.float8,
    O.numeric,
    O.date,
    O.timestamptz,
    O.interval,
    O.uuid,
    O.jsonb,
    O.bytea,
    O.bpchar,
    O.name,
  ].map((from) => ({ from, to: O.text })),
  ...[
    O.int4,
    O.int8,
    O.float8,
    O.numeric,
    O.bool,
    O.date,
    O.time,
    O.timestamp,
    O.interval,
    O.uuid,
    O.json,
    O.jsonb,
    O.bytea,
    O.name,
    O.bpchar,
  ].map((to) => ({ from: O.text, to })),
  { from: O.bpchar, to: O.varchar },
  { from: O.bool, to: O.varchar },
  { from: O.date, to: O.timestamp },
  { from: O.date, to: O.timestamptz, settings: { timeZone: 'Europe/Paris' } },
  { from: O.timestamp, to: O.timestamptz, settings: { timeZone: 'America/New_York' } },
  { from: O.timestamptz, to: O.timestamp, settings: { timeZone: 'Asia/Kolkata' } },
  { from: O.timestamptz, to: O.date, settings: { timeZone: 'Europe/Paris' } },
  { from: O.timestamp, to: O.date },
  { from: O.timestamp, to: O.time },
  { from: O.timestamptz, to: O.time, settings: { timeZone: 'Europe/Paris' } },
  { from: O.time, to: O.interval },
  { from: O.interval, to: O.time },
  { from: O.json, to: O.jsonb },
  { from: O.jsonb, to: O.json },
  ...[O.int2, O.int4, O.int8, O.float4, O.float8, O.numeric, O.bool].map((to) => ({
    from: O.jsonb,
    to,
  })),
];

function sqlName(oid: number): string {
  const t = typeInfo(oid);
  if (!t) throw new Error(`no type ${oid}`);
  return t.category === 'A'
    ? `${typeInfo(t.typelem)?.name}[]`
    : t.name === 'char'
      ? '"char"'
      : t.name;
}

function settingsOf(s: OracleSettings = {}): FormatSettings {
  return { ...defaultFormatSettings, ...(s.timeZone ? { timeZone: s.timeZone } : {}) };
}

describe('common/types/cast: casts against PostgreSQL 15', function () {
  this.timeout(60_000);
  const pg = useTestPostgres();

  async function check(
    from: number,
    to: number,
    dst: string,
    typmod: number,
    settings: OracleSettings = {},
    inputs = INPUTS[from](),
  ): Promise<void> {
    await applySettings(pg.client, settings);
    const s = settingsOf(settings);
    const want = await oracleCast(pg.client, sqlName(from), dst, inputs);
    const failures: string[] = [];
    inputs.forEach((input, k) => {
      const w = want[k];
      let got: string;
      try {
        const v = castValue(parseText(from, input, s), from, to, s, typmod);
        // format('%s', NULL) is '' (timestamp_time gives NULL for infinity).
        got = v === null ? '' : formatText(to, v, s);
      } catch (e) {
        if (!(e instanceof SqlError)) {
          failures.push(`${JSON.stringify(input)}: threw ${(e as Error).stack}`);
          return;
        }
        if (w.ok)
          failures.push(
            `${JSON.stringify(input)}: PostgreSQL gives ${JSON.stringify(w.text)}, we raise ${e.code} ${e.message}`,
          );
        else if (w.code !== e.code || w.message !== e.message) {
          failures.push(
            `${JSON.stringify(input)}: PostgreSQL raises ${w.code} ${w.message}, we raise ${e.code} ${e.message}`,
          );
        }
        return;
      }
      if (!w.ok)
        failures.push(
          `${JSON.stringify(input)}: PostgreSQL raises ${w.code} ${w.message}, we give ${JSON.stringify(got)}`,
        );
      else if (w.text !== got)
        failures.push(
          `${JSON.stringify(input)}: ${JSON.stringify(got)}, PostgreSQL ${JSON.stringify(w.text)}`,
        );
    });
    expect(failures, failures.slice(0, 12).join('\n')).to.deep.equal([]);
  }

  for (const c of CASTS) {
    it(`${sqlName(c.from)} -> ${sqlName(c.to)}${c.settings?.timeZone ? ` (TimeZone ${c.settings.timeZone})` : ''}`, () =>
      check(c.from, c.to, sqlName(c.to), -1, c.settings));
  }

  it('arrays cast element by element', () =>
    check(O._text, O._int4, 'int4[]', -1, {}, ['{1,2,NULL}', '{}', '{1,x}', '{" 7 "}']));

  const TYPMODS: [number, number, string, number][] = [
    [O.numeric, O.numeric, 'numeric(5,2)', makeNumericTypmod(5, 2)],
    [O.float8, O.numeric, 'numeric(8,3)', makeNumericTypmod(8, 3)],
    [O.text, O.varchar, 'varchar(3)', 3 + 4],
    [O.text, O.bpchar, 'char(5)', 5 + 4],
    [O.timestamp, O.timestamp, 'timestamp(2)', 2],
    [O.timestamptz, O.timestamptz, 'timestamptz(0)', 0],
    [O.time, O.time, 'time(3)', 3],
  ];
  for (const [from, to, dst, typmod] of TYPMODS) {
    it(`explicit cast to ${dst}`, () => check(from, to, dst, typmod));
  }

  it('the cast table is pg_cast for our types', async () => {
    const oids = [
      O.bool,
      O.bytea,
      O.char,
      O.name,
      O.int8,
      O.int2,
      O.int4,
      O.text,
      O.oid,
      O.json,
      O.float4,
      O.float8,
      O.bpchar,
      O.varchar,
      O.date,
      O.time,
      O.timestamp,
      O.timestamptz,
      O.interval,
      O.numeric,
      O.uuid,
      O.jsonb,
    ];
    const r = await pg.client.query(
      `SELECT castsource::int AS s, casttarget::int AS t, castcontext AS c, castmethod AS m FROM pg_cast
        WHERE castsource = ANY($1::oid[]) AND casttarget = ANY($1::oid[]) AND castsource <> casttarget`,
      [oids],
    );
    const ctx: Record<string, string> = { i: 'implicit', a: 'assignment', e: 'explicit' };
    const meth: Record<string, string> = { f: 'function', b: 'binary', i: 'io' };
    expect(r.rows.length).to.be.greaterThan(50);
    for (const row of r.rows as { s: number; t: number; c: string; m: string }[]) {
      expect(findCast(row.s, row.t), `${row.s} -> ${row.t}`).to.deep.equal({
        context: ctx[row.c],
        method: meth[row.m],
      });
    }
    // No pg_cast row: I/O conversion, to strings in assignment, from strings explicitly.
    expect(findCast(O.uuid, O.text)).to.deep.equal({ context: 'assignment', method: 'io' });
    expect(findCast(O.text, O.int4)).to.deep.equal({ context: 'explicit', method: 'io' });
    expect(findCast(O.uuid, O.int4)).to.equal(null);
  });
});
