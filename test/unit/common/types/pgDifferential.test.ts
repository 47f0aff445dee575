/**
 * Differential test of value I/O against a real PostgreSQL 15: for hundreds of inputs per
 * type (hand-picked edge cases plus fast-check-generated ones, fixed seeds), our parseText
 * + formatText must give PostgreSQL's text output byte for byte, our formatBinary its
 * typsend bytes, our parseBinary must read those bytes back to the same value, and
 * PostgreSQL's array_recv must read our formatBinary output; invalid inputs must fail
 * with the same SQLSTATE and message.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { useTestPostgres } from '../../../support/testPostgres';
import { SqlError } from '../../../../common/errors';
import { TypeOid } from '../../../../common/types/datum';
import {
  defaultFormatSettings,
  formatBinary,
  formatText,
  parseBinary,
  parseText,
  type FormatSettings,
} from '../../../../common/types/io';
import { typeInfo } from '../../../../common/types/typeTable';
import { applySettings, oracle, type OracleSettings } from '../../../support/pgTypeOracle';
import * as gen from './valueGenerators';

interface Case {
  readonly title: string;
  readonly oid: number;
  readonly inputs: readonly string[];
  readonly settings?: OracleSettings;
}

function toFormatSettings(s: OracleSettings = {}): FormatSettings {
  return {
    ...defaultFormatSettings,
    ...(s.dateStyle !== undefined ? { dateStyle: s.dateStyle } : {}),
    ...(s.timeZone !== undefined ? { timeZone: s.timeZone } : {}),
    ...(s.intervalStyle !== undefined ? { intervalStyle: s.intervalStyle } : {}),
    ...(s.extraFloatDigits !== undefined ? { extraFloatDigits: s.extraFloatDigits } : {}),
    ...(s.byteaOutput !== undefined ? { byteaOutput: s.byteaOutput } : {}),
  };
}

const CASES: Case[] = [
  { title: 'bool', oid: TypeOid.bool, inputs: gen.boolInputs() },
  { title: 'int2', oid: TypeOid.int2, inputs: gen.intInputs(16) },
  { title: 'int4', oid: TypeOid.int4, inputs: gen.intInputs(32) },
  { title: 'int8', oid: TypeOid.int8, inputs: gen.intInputs(64) },
  { title: 'oid', oid: TypeOid.oid, inputs: gen.oidInputs() },
  { title: 'float8', oid: TypeOid.float8, inputs: gen.float8Inputs() },
  {
    title: 'float8 extra_float_digits=0',
    oid: TypeOid.float8,
    inputs: gen.float8Inputs(),
    settings: { extraFloatDigits: 0 },
  },
  {
    title: 'float8 extra_float_digits=-7',
    oid: TypeOid.float8,
    inputs: gen.float8Inputs(),
    settings: { extraFloatDigits: -7 },
  },
  { title: 'float4', oid: TypeOid.float4, inputs: gen.float4Inputs() },
  {
    title: 'float4 extra_float_digits=0',
    oid: TypeOid.float4,
    inputs: gen.float4Inputs(),
    settings: { extraFloatDigits: 0 },
  },
  {
    title: 'float4 extra_float_digits=-3',
    oid: TypeOid.float4,
    inputs: gen.float4Inputs(),
    settings: { extraFloatDigits: -3 },
  },
  { title: 'numeric', oid: TypeOid.numeric, inputs: gen.numericInputs() },
  { title: 'text', oid: TypeOid.text, inputs: gen.textInputs() },
  { title: 'varchar', oid: TypeOid.varchar, inputs: gen.textInputs().slice(0, 50) },
  { title: 'bpchar', oid: TypeOid.bpchar, inputs: gen.textInputs().slice(0, 50) },
  {
    title: 'name',
    oid: TypeOid.name,
    inputs: [...gen.textInputs().slice(0, 50), 'x'.repeat(70), 'é'.repeat(40)],
  },
  { title: 'bytea hex', oid: TypeOid.bytea, inputs: gen.byteaInputs() },
  {
    title: 'bytea escape',
    oid: TypeOid.bytea,
    inputs: gen.byteaInputs(),
    settings: { byteaOutput: 'escape' },
  },
  { title: 'uuid', oid: TypeOid.uuid, inputs: gen.uuidInputs() },
  { title: 'json', oid: TypeOid.json, inputs: gen.jsonInputs() },
  { title: 'jsonb', oid: TypeOid.jsonb, inputs: gen.jsonInputs() },
  { title: 'date MDY', oid: TypeOid.date, inputs: gen.dateInputs() },
  {
    title: 'date DMY',
    oid: TypeOid.date,
    inputs: gen.dateInputs(),
    settings: { dateStyle: 'ISO, DMY' },
  },
  {
    title: 'date YMD',
    oid: TypeOid.date,
    inputs: gen.dateInputs(),
    settings: { dateStyle: 'ISO, YMD' },
  },
  { title: 'time', oid: TypeOid.time, inputs: gen.timeInputs() },
  { title: 'timestamp', oid: TypeOid.timestamp, inputs: gen.timestampInputs() },
  { title: 'timestamptz UTC', oid: TypeOid.timestamptz, inputs: gen.timestampInputs() },
  {
    title: 'timestamptz Europe/Paris',
    oid: TypeOid.timestamptz,
    inputs: gen.timestampInputs(),
    settings: { timeZone: 'Europe/Paris' },
  },
  {
    title: 'timestamptz America/New_York DMY',
    oid: TypeOid.timestamptz,
    inputs: gen.timestampInputs(),
    settings: { timeZone: 'America/New_York', dateStyle: 'ISO, DMY' },
  },
  {
    title: 'timestamptz Asia/Kolkata',
    oid: TypeOid.timestamptz,
    inputs: gen.timestampInputs().slice(0, 120),
    settings: { timeZone: 'Asia/Kolkata' },
  },
  {
    title: 'timestamptz +03',
    oid: TypeOid.timestamptz,
    inputs: gen.timestampInputs().slice(0, 80),
    settings: { timeZone: '+03' },
  },
  {
    title: 'timestamptz UTC+3 (POSIX)',
    oid: TypeOid.timestamptz,
    inputs: gen.timestampInputs().slice(0, 80),
    settings: { timeZone: 'UTC+3' },
  },
  { title: 'interval postgres', oid: TypeOid.interval, inputs: gen.intervalInputs() },
  {
    title: 'interval iso_8601',
    oid: TypeOid.interval,
    inputs: gen.intervalInputs(),
    settings: { intervalStyle: 'iso_8601' },
  },
  {
    title: 'interval sql_standard',
    oid: TypeOid.interval,
    inputs: gen.intervalInputs(),
    settings: { intervalStyle: 'sql_standard' },
  },
  {
    title: 'interval postgres_verbose',
    oid: TypeOid.interval,
    inputs: gen.intervalInputs(),
    settings: { intervalStyle: 'postgres_verbose' },
  },
  ...['SQL, MDY', 'SQL, DMY', 'Postgres, MDY', 'Postgres, DMY', 'German, DMY'].flatMap(
    (dateStyle): Case[] => [
      {
        title: `date ${dateStyle}`,
        oid: TypeOid.date,
        inputs: gen.dateInputs().slice(0, 100),
        settings: { dateStyle },
      },
      {
        title: `timestamp ${dateStyle}`,
        oid: TypeOid.timestamp,
        inputs: gen.timestampInputs().slice(0, 100),
        settings: { dateStyle },
      },
      ...['UTC', '+03', 'UTC+3', 'GMT'].map((timeZone): Case => ({
        title: `timestamptz ${dateStyle} ${timeZone}`,
        oid: TypeOid.timestamptz,
        inputs: gen.timestampInputs().slice(0, 60),
        settings: { dateStyle, timeZone },
      })),
      ...[
        'Europe/Paris',
        'America/New_York',
        'Europe/London',
        'Asia/Kolkata',
        'Australia/Sydney',
        'Asia/Tokyo',
        'Asia/Kathmandu',
      ].map((timeZone): Case => ({
        title: `timestamptz ${dateStyle} ${timeZone} (since 1973)`,
        oid: TypeOid.timestamptz,
        inputs: gen.modernTimestampInputs().slice(0, 40),
        settings: { dateStyle, timeZone },
      })),
    ],
  ),
  { title: 'int4[]', oid: TypeOid._int4, inputs: gen.arrayInputs(gen.intInputs(32)) },
  { title: 'int8[]', oid: TypeOid._int8, inputs: gen.arrayInputs(gen.intInputs(64)) },
  {
    title: 'text[]',
    oid: TypeOid._text,
    inputs: [...gen.arrayInputs(gen.textInputs()), ...gen.arrayEdgeInputs()],
  },
  { title: 'bool[]', oid: TypeOid._bool, inputs: gen.arrayInputs(gen.boolInputs()) },
  { title: 'float8[]', oid: TypeOid._float8, inputs: gen.arrayInputs(gen.float8Inputs()) },
  { title: 'numeric[]', oid: TypeOid._numeric, inputs: gen.arrayInputs(gen.numericInputs()) },
  { title: 'bytea[]', oid: TypeOid._bytea, inputs: gen.arrayInputs(gen.byteaInputs()) },
  { title: 'date[]', oid: TypeOid._date, inputs: gen.arrayInputs(gen.dateInputs()) },
  {
    title: 'timestamptz[]',
    oid: TypeOid._timestamptz,
    inputs: gen.arrayInputs(gen.timestampInputs()),
    settings: { timeZone: 'Europe/Paris' },
  },
  { title: 'interval[]', oid: TypeOid._interval, inputs: gen.arrayInputs(gen.intervalInputs()) },
  { title: 'uuid[]', oid: TypeOid._uuid, inputs: gen.arrayInputs(gen.uuidInputs()) },
  { title: 'jsonb[]', oid: TypeOid._jsonb, inputs: gen.arrayInputs(gen.jsonInputs()) },
  { title: 'varchar[]', oid: TypeOid._varchar, inputs: gen.arrayInputs(gen.textInputs()) },
  { title: 'time[]', oid: TypeOid._time, inputs: gen.arrayInputs(gen.timeInputs()) },
];

function sqlTypeName(oid: number): string {
  const t = typeInfo(oid);
  if (!t) throw new Error(`no type ${oid}`);
  return t.category === 'A' ? `${(typeInfo(t.typelem) as { name: string }).name}[]` : t.name;
}

describe('common/types: text and binary I/O against PostgreSQL 15', function () {
  this.timeout(120_000);
  const pg = useTestPostgres();

  for (const c of CASES) {
    it(`${c.title}: ${c.inputs.length} inputs`, async () => {
      const settings = toFormatSettings(c.settings);
      await applySettings(pg.client, c.settings ?? {});
      const typ = sqlTypeName(c.oid);
      const expected = await oracle(pg.client, typ, c.inputs);
      const failures: string[] = [];
      const okValues: ReturnType<typeof parseText>[] = [];
      c.inputs.forEach((input, k) => {
        const want = expected[k];
        let got: ReturnType<typeof parseText>;
        try {
          got = parseText(c.oid, input, settings);
        } catch (e) {
          if (!(e instanceof SqlError)) {
            failures.push(`${JSON.stringify(input)}: threw ${(e as Error).stack}`);
            return;
          }
          if (want.ok)
            failures.push(
              `${JSON.stringify(input)}: PostgreSQL accepts it as ${JSON.stringify(want.text)}, we raise ${e.code} ${e.message}`,
            );
          else if (want.code !== e.code || want.message !== e.message) {
            failures.push(
              `${JSON.stringify(input)}: PostgreSQL raises ${want.code} ${want.message}, we raise ${e.code} ${e.message}`,
            );
          }
          return;
        }
        if (!want.ok) {
          failures.push(
            `${JSON.stringify(input)}: PostgreSQL raises ${want.code} ${want.message}, we accept it`,
          );
          return;
        }
        const text = formatText(c.oid, got, settings);
        if (text !== want.text) {
          failures.push(
            `${JSON.stringify(input)}: text ${JSON.stringify(text)}, PostgreSQL ${JSON.stringify(want.text)}`,
          );
          return;
        }
        const bin = formatBinary(c.oid, got);
        if (!bin.equals(want.send)) {
          failures.push(
            `${JSON.stringify(input)}: binary ${bin.toString('hex')}, PostgreSQL ${want.send.toString('hex')}`,
          );
          return;
        }
        const back = formatText(c.oid, parseBinary(c.oid, want.send), settings);
        if (back !== want.text)
          failures.push(`${JSON.stringify(input)}: parseBinary gives ${JSON.stringify(back)}`);
        okValues.push(got);
      });
      if (process.env.TYPES_DIFF_DUMP) console.log(`### ${c.title}\n${failures.join('\n')}`);
      expect(failures, failures.slice(0, 15).join('\n')).to.deep.equal([]);
      expect(okValues.length, 'some inputs must be valid').to.be.greaterThan(0);

      // PostgreSQL's own receive functions read what we send: one binary array parameter.
      if (typeInfo(c.oid)?.category !== 'A') {
        const arrOid = (typeInfo(c.oid) as { typarray: number }).typarray;
        const sample = okValues.slice(0, 200);
        const param = formatBinary(arrOid, sample);
        const r = await pg.client.query({
          text: `SELECT format('%s', x) AS t FROM unnest($1::${typ}[]) WITH ORDINALITY AS u(x, n) ORDER BY n`,
          values: [param],
        });
        const got = r.rows.map((row: { t: string }) => row.t);
        expect(got).to.deep.equal(sample.map((v) => formatText(c.oid, v, settings)));
      }
    });
  }

  it('accepts what fast-check makes of numbers and strings, as PostgreSQL does', async () => {
    await applySettings(pg.client, {});
    const doubles = fc.sample(fc.double({ noNaN: false }), { numRuns: 300, seed: 7 });
    const expected = await oracle(
      pg.client,
      'float8',
      doubles.map((d) => (Object.is(d, -0) ? '-0' : String(d))),
    );
    doubles.forEach((d, k) => {
      const want = expected[k];
      if (!want.ok) throw new Error(`PostgreSQL rejected ${d}`);
      expect(formatText(TypeOid.float8, d, defaultFormatSettings), String(d)).to.equal(want.text);
    });
  });
});
