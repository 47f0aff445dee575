/**
 * Date/time arithmetic against PostgreSQL 15: timestamp ± interval, timestamptz ± interval
 * in a zone with DST, timestamp − timestamp, interval + interval, date + int, date − date.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { useTestPostgres } from '../../../support/testPostgres';
import { SqlError } from '../../../../common/errors';
import { TypeOid } from '../../../../common/types/datum';
import {
  dateMinus,
  datePlusDays,
  intervalDiv,
  intervalMul,
  intervalPlus,
  timestampMinus,
  timestampMinusInterval,
  timestampPlusInterval,
  timestamptzPlusInterval,
} from '../../../../common/types/datetimeArith';
import { Interval } from '../../../../common/types/interval';
import {
  defaultFormatSettings,
  formatText,
  parseText,
  type FormatSettings,
} from '../../../../common/types/io';
import { sessionZone } from '../../../../common/types/timezone';
import { applySettings } from '../../../support/pgTypeOracle';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

const timestampText = fc
  .tuple(
    fc.oneof(fc.integer({ min: 1990, max: 2040 }), fc.integer({ min: 1, max: 9999 })),
    fc.integer({ min: 1, max: 12 }),
    fc.integer({ min: 1, max: 31 }),
    fc.integer({ min: 0, max: 23 }),
    fc.integer({ min: 0, max: 59 }),
    fc.integer({ min: 0, max: 59 }),
  )
  .map(
    ([y, m, d, h, mi, s]) =>
      `${pad(y, 4)}-${pad(m)}-${pad(Math.min(d, 28))} ${pad(h)}:${pad(mi)}:${pad(s)}`,
  );

const intervalArb = fc
  .tuple(
    fc.integer({ min: -40, max: 40 }),
    fc.integer({ min: -400, max: 400 }),
    fc.integer({ min: -200_000_000_000, max: 200_000_000_000 }),
  )
  .map(([m, d, us]) => new Interval(m, d, BigInt(us)));

describe('common/types/datetimeArith: against PostgreSQL 15', function () {
  this.timeout(60_000);
  const pg = useTestPostgres();

  async function compare(
    settings: FormatSettings,
    sql: string,
    args: unknown[][],
    ours: (k: number) => string,
  ): Promise<void> {
    await applySettings(pg.client, { timeZone: settings.timeZone });
    const r = await pg.client.query(sql, args);
    const failures: string[] = [];
    r.rows.forEach((row: { r: string }, k: number) => {
      let got: string;
      try {
        got = ours(k);
      } catch (e) {
        got = `error ${(e as SqlError).message}`;
      }
      if (got !== row.r)
        failures.push(
          `row ${k} (${args.map((a) => a[k]).join(', ')}): ${got}, PostgreSQL ${row.r}`,
        );
    });
    expect(failures, failures.slice(0, 10).join('\n')).to.deep.equal([]);
  }

  const ivText = (iv: Interval) => formatText(TypeOid.interval, iv, defaultFormatSettings);

  it('timestamp + interval and timestamp - interval', async () => {
    const s = defaultFormatSettings;
    const cases = fc.sample(fc.tuple(timestampText, intervalArb), { numRuns: 300, seed: 1 });
    cases.push(
      ['2000-01-31 00:00:00', new Interval(1, 0, 0n)],
      ['2000-02-29 12:00:00', new Interval(12, 0, 0n)],
      ['2001-03-31 00:00:00', new Interval(-1, 0, 0n)],
      ['infinity', new Interval(1, 1, 1n)],
    );
    await compare(
      s,
      `SELECT (t + i)::text || ' ' || (t - i)::text AS r FROM unnest($1::timestamp[], $2::interval[]) WITH ORDINALITY AS u(t, i, n) ORDER BY n`,
      [cases.map((c) => c[0]), cases.map((c) => ivText(c[1]))],
      (k) => {
        const ts = parseText(TypeOid.timestamp, cases[k][0], s) as bigint;
        return `${formatText(TypeOid.timestamp, timestampPlusInterval(ts, cases[k][1]), s)} ${formatText(TypeOid.timestamp, timestampMinusInterval(ts, cases[k][1]), s)}`;
      },
    );
  });

  for (const timeZone of ['Europe/Paris', 'America/New_York', 'UTC']) {
    it(`timestamptz + interval in ${timeZone} (DST steps in local time)`, async () => {
      const s = { ...defaultFormatSettings, timeZone };
      const cases = fc.sample(fc.tuple(timestampText, intervalArb), { numRuns: 200, seed: 2 });
      cases.push(
        ['2021-03-27 02:30:00', new Interval(0, 1, 0n)],
        ['2021-03-28 01:30:00', new Interval(0, 0, 3_600_000_000n)],
        ['2021-10-30 02:30:00', new Interval(0, 1, 0n)],
        ['2021-03-13 02:30:00', new Interval(0, 1, 0n)],
        ['2021-02-28 02:30:00', new Interval(1, 0, 0n)],
      );
      await compare(
        s,
        `SELECT (t + i)::text AS r FROM unnest($1::timestamptz[], $2::interval[]) WITH ORDINALITY AS u(t, i, n) ORDER BY n`,
        [cases.map((c) => c[0]), cases.map((c) => ivText(c[1]))],
        (k) => {
          const ts = parseText(TypeOid.timestamptz, cases[k][0], s) as bigint;
          return formatText(
            TypeOid.timestamptz,
            timestamptzPlusInterval(ts, cases[k][1], sessionZone(timeZone)),
            s,
          );
        },
      );
    });
  }

  it('timestamp - timestamp, interval + interval, date + int, date - date', async () => {
    const s = defaultFormatSettings;
    const cases = fc.sample(
      fc.tuple(
        timestampText,
        timestampText,
        intervalArb,
        intervalArb,
        fc.integer({ min: -100000, max: 100000 }),
      ),
      {
        numRuns: 300,
        seed: 3,
      },
    );
    await compare(
      s,
      `SELECT (a - b)::text || ' | ' || (i + j)::text || ' | ' || (a::date + d)::text || ' | ' || (a::date - b::date)::text AS r
         FROM unnest($1::timestamp[], $2::timestamp[], $3::interval[], $4::interval[], $5::int[]) WITH ORDINALITY AS u(a, b, i, j, d, n) ORDER BY n`,
      [
        cases.map((c) => c[0]),
        cases.map((c) => c[1]),
        cases.map((c) => ivText(c[2])),
        cases.map((c) => ivText(c[3])),
        cases.map((c) => c[4]),
      ],
      (k) => {
        const [at, bt, i, j, d] = cases[k];
        const a = parseText(TypeOid.timestamp, at, s) as bigint;
        const b = parseText(TypeOid.timestamp, bt, s) as bigint;
        const ad = parseText(TypeOid.date, at, s) as number;
        const bd = parseText(TypeOid.date, bt, s) as number;
        return [
          ivText(timestampMinus(a, b)),
          ivText(intervalPlus(i, j)),
          formatText(TypeOid.date, datePlusDays(ad, d), s),
          String(dateMinus(ad, bd)),
        ].join(' | ');
      },
    );
  });

  it('interval * float8 and interval / float8', async () => {
    const s = defaultFormatSettings;
    // |factor| >= 0.01 keeps every result in range (one failing row would fail the whole query).
    const factors = fc.oneof(
      fc.double({ min: 0.01, max: 100, noNaN: true }),
      fc.double({ min: -100, max: -0.01, noNaN: true }),
      fc.constantFrom(0, 0.5, 1.5, 2, -1, 0.1, 1 / 3, 1e-2, 7),
    );
    const cases = fc.sample(fc.tuple(intervalArb, factors), { numRuns: 300, seed: 4 });
    await compare(
      s,
      `SELECT (i * f)::text || ' | ' || CASE WHEN f = 0 THEN 'div0' ELSE (i / f)::text END AS r
         FROM unnest($1::interval[], $2::float8[]) WITH ORDINALITY AS u(i, f, n) ORDER BY n`,
      [cases.map((c) => ivText(c[0])), cases.map((c) => c[1])],
      (k) => {
        const [iv, f] = cases[k];
        return `${ivText(intervalMul(iv, f))} | ${f === 0 ? 'div0' : ivText(intervalDiv(iv, f))}`;
      },
    );
  });

  it('out-of-range results raise 22008', () => {
    const end = parseText(
      TypeOid.timestamp,
      '294276-12-31 00:00:00',
      defaultFormatSettings,
    ) as bigint;
    expect(() => timestampPlusInterval(end, new Interval(0, 2, 0n)))
      .to.throw(SqlError)
      .with.property('code', '22008');
    expect(() => datePlusDays(2147483494 - 2451545 - 1, 1))
      .to.throw(SqlError)
      .with.property('code', '22008');
  });
});
