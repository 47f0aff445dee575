/**
 * Date/time functions as PostgreSQL 15 answers them (expected values taken from a
 * PostgreSQL 15 server): to_char with its template, pg_typeof, make_timestamp /
 * make_timestamptz, and extract / date_part / date_trunc / to_char on timestamptz in the
 * session TimeZone (EvalCtx.timeZone), DST included.
 */
import { expect } from 'chai';
import { SqlError } from '../../../../common/errors';
import { TypeOid as T } from '../../../../common/types/datum';
import type { Datum } from '../../../../common/types/datum';
import { evalExpr } from '../../../../common/expr/eval';
import { newEvalCtx, type EvalCtx, type Expr } from '../../../../common/expr/expr';
import { castValue } from '../../../../common/expr/casts';
import { Numeric } from '../../../../common/expr/numeric';
import { formatTimestamp, formatTimestamptz } from '../../../../common/types/datetime';

const NY = 'America/New_York';
const c = (t: number, v: Datum): Expr => ({ k: 'const', t, v });
const text = (s: string): Expr => c(T.text, s);
const tstz = (s: string): Expr => c(T.timestamptz, castValue(T.text, T.timestamptz, s));
const ts = (s: string): Expr => c(T.timestamp, castValue(T.text, T.timestamp, s));
const date = (s: string): Expr => c(T.date, castValue(T.text, T.date, s));
const fn = (f: string, t: number, ...a: Expr[]): Expr => ({ k: 'fn', t, f, a });

function ctxIn(timeZone?: string): EvalCtx {
  const ev = newEvalCtx();
  if (timeZone !== undefined) ev.timeZone = timeZone;
  return ev;
}
const run = (e: Expr, timeZone?: string): Datum => evalExpr(e, [], ctxIn(timeZone));
const num = (e: Expr, timeZone?: string): string => (run(e, timeZone) as Numeric).toString();

function sqlError(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (err) {
    expect(err).to.be.instanceOf(SqlError);
    return { code: (err as SqlError).code, message: (err as SqlError).message };
  }
  throw new Error('no error');
}

describe('common/expr date/time functions (PostgreSQL 15)', () => {
  describe('to_char', () => {
    const toChar = (v: Expr, fmt: string, timeZone?: string): Datum =>
      run(fn('to_char', T.text, v, text(fmt)), timeZone);

    it('formats a date with the template, not as the date itself', () => {
      expect(toChar(date('2024-03-05'), 'YYYY')).to.equal('2024');
      expect(toChar(date('2024-03-05'), 'YYYY-MM-DD')).to.equal('2024-03-05');
      expect(toChar(date('2024-03-05'), 'DD/MM/YY')).to.equal('05/03/24');
    });

    it('treats a date as the timestamptz of its local midnight (TZ and OF of the session)', () => {
      expect(toChar(date('2024-03-05'), 'YYYY-MM-DD HH24:MI TZ OF', NY)).to.equal(
        '2024-03-05 00:00 EST -05',
      );
      expect(toChar(date('2024-07-05'), 'TZ tz OF TZH:TZM', NY)).to.equal('EDT edt -04 -04:00');
    });

    it('prints numeric fields, widths, FM and TH as PostgreSQL', () => {
      expect(
        toChar(
          date('2005-03-05'),
          'YYY|FMYYY|YY|FMYY|Y|IYY|FMIYY|CC|FMCC|Y,YYY|YYYYth|DDth|FMDDth|Dth|MSth',
        ),
      ).to.equal('005|5|05|5|5|005|5|21|21|2,005|2005th|05th|5th|7th|000th');
      expect(
        toChar(
          ts('0044-03-15 13:05:09.123456 BC'),
          'YYYY BC b.c. AD CC FF1 FF6 US MS HH HH12 HH24 am P.M. SSSS J IYYY IW IDDD ID',
        ),
      ).to.equal(
        '0044 BC b.c. BC -01 1 123456 123456 123 01 01 13 pm P.M. 47109 1705428 0044 11 075 5',
      );
    });

    it('prints names padded to 9 unless FM or TM, in the case of the keyword', () => {
      expect(
        toChar(
          ts('2024-03-05 14:00'),
          'Month|MONTH|month|FMMonth|TMMonth|Mon|MON|mon|Day|DAY|dy|Dy|FMDay|RM|rm|FMRM|Q|WW|W|D',
        ),
      ).to.equal(
        'March    |MARCH    |march    |March|March|Mar|MAR|mar|Tuesday  |TUESDAY  |tue|Tue|Tuesday|III |iii |III|1|10|1|3',
      );
    });

    it('copies quoted text and other characters, takes one prefix, FX prints nothing', () => {
      expect(
        toChar(ts('2024-03-05 14:00'), 'FMTMMonth|TMFMMonth|"YYYY" \\"Q\\" "a\\"b" FM FX'),
      ).to.equal('T03onth|F03onth|YYYY "1" a"b  ');
      expect(toChar(ts('2024-03-05 14:00'), 'FM')).to.equal('');
      expect(toChar(ts('2024-03-05 14:00'), '')).to.equal(null);
    });

    it('a timestamp has no zone: TZ prints nothing, OF +00', () => {
      expect(toChar(ts('2024-03-05 14:00'), 'TZ|tz|OF|TZH|TZM|FMOF', NY)).to.equal(
        '||+00|+00|00|+0',
      );
    });

    it('a timestamptz prints in the session zone, both sides of a fall-back night', () => {
      expect(toChar(tstz('2024-11-03 05:30+00'), 'HH24:MI TZ OF', NY)).to.equal('01:30 EDT -04');
      expect(toChar(tstz('2024-11-03 06:30+00'), 'HH24:MI TZ OF', NY)).to.equal('01:30 EST -05');
      expect(toChar(tstz('2024-07-01 12:00+00'), 'OF FMOF TZ', 'Asia/Kolkata')).to.equal(
        '+05:30 +5:30 IST',
      );
      expect(toChar(tstz('2024-01-01 12:00+00'), 'OF TZH TZM', 'America/St_Johns')).to.equal(
        '-03:30 -03 30',
      );
      expect(toChar(tstz('2024-07-01 12:00+00'), 'YYYY-MM-DD HH24:MI:SS TZ')).to.equal(
        '2024-07-01 12:00:00 UTC',
      );
    });
  });

  describe('pg_typeof', () => {
    it("returns the argument's type OID (regtype), for NULL too", () => {
      expect(run(fn('pg_typeof', T.regtype, c(T.int4, 1)))).to.equal(T.int4);
      expect(run(fn('pg_typeof', T.regtype, c(T.unknown, 'a')))).to.equal(T.unknown);
      expect(run(fn('pg_typeof', T.regtype, c(T.unknown, null)))).to.equal(T.unknown);
      expect(run(fn('pg_typeof', T.regtype, c(T.int4, null)))).to.equal(T.int4);
      expect(run(fn('pg_typeof', T.regtype, tstz('2024-01-01 00:00+00')))).to.equal(T.timestamptz);
    });
  });

  describe('make_timestamp / make_timestamptz', () => {
    const args = (...n: number[]): Expr[] => [
      ...n.slice(0, 5).map((x) => c(T.int4, x)),
      c(T.float8, n[5]),
    ];
    const mk = (...n: number[]): string =>
      formatTimestamp(run(fn('make_timestamp', T.timestamp, ...args(...n))) as bigint);
    const mkTz = (timeZone: string, n: number[], zone?: string): string =>
      formatTimestamptz(
        run(
          fn(
            'make_timestamptz',
            T.timestamptz,
            ...args(...n),
            ...(zone === undefined ? [] : [text(zone)]),
          ),
          timeZone,
        ) as bigint,
        timeZone,
      );

    it('builds timestamps, BC for a negative year, 24:00 and :60 rolling over', () => {
      expect(mk(2024, 3, 5, 14, 7, 8.5)).to.equal('2024-03-05 14:07:08.5');
      expect(mk(-44, 3, 15, 12, 0, 0)).to.equal('0044-03-15 12:00:00 BC');
      expect(mk(2024, 1, 1, 24, 0, 0)).to.equal('2024-01-02 00:00:00');
      expect(mk(2024, 1, 1, 23, 59, 60)).to.equal('2024-01-02 00:00:00');
      expect(mk(2024, 1, 1, 1, 0, 0.000001234)).to.equal('2024-01-01 01:00:00.000001');
      expect(mk(-4714, 11, 24, 0, 0, 0)).to.equal('4714-11-24 00:00:00 BC');
    });

    it('refuses bad fields with 22008 and PostgreSQL’s messages', () => {
      const cases: Array<[number[], string]> = [
        [[2024, 2, 30, 0, 0, 0], 'date field value out of range: 2024-02-30'],
        [[0, 1, 1, 0, 0, 0], 'date field value out of range: 0-01-01'],
        [[2024, 1, 1, 25, 0, 0], 'time field value out of range: 25:00:00'],
        [[2024, 1, 1, 1, 0, 61.5], 'time field value out of range: 1:00:61.5'],
        [[2024, 1, 1, 24, 0, 0.5], 'time field value out of range: 24:00:0.5'],
        [[2024, 1, 1, 1, 0, -1], 'time field value out of range: 1:00:-1'],
        [[2024, 1, 1, 1, 0, NaN], 'time field value out of range: 1:00:NaN'],
        [[2024, 1, 1, 1, 0, 1e10], 'time field value out of range: 1:00:1e+10'],
        [[300000, 1, 1, 0, 0, 0], 'timestamp out of range: 300000-01-01 0:00:00'],
        [[-4714, 11, 23, 0, 0, 0], 'timestamp out of range: -4714-11-23 0:00:00'],
        [[5874898, 1, 1, 0, 0, 0], 'timestamp out of range: 5874898-01-01 0:00:00'],
      ];
      for (const [n, message] of cases)
        expect(
          sqlError(() => mk(...n)),
          n.join(','),
        ).to.deep.equal({ code: '22008', message });
    });

    it('make_timestamptz reads the fields in the session zone, gap and overlap as PostgreSQL', () => {
      expect(mkTz(NY, [2024, 7, 1, 12, 0, 0])).to.equal('2024-07-01 12:00:00-04');
      expect(mkTz(NY, [2024, 3, 10, 2, 30, 0])).to.equal('2024-03-10 03:30:00-04');
      expect(mkTz(NY, [2024, 11, 3, 1, 30, 0])).to.equal('2024-11-03 01:30:00-05');
      expect(mkTz('UTC', [2024, 7, 1, 12, 0, 0])).to.equal('2024-07-01 12:00:00+00');
    });

    it('make_timestamptz with a zone argument: names, ISO offsets, POSIX offsets', () => {
      expect(mkTz(NY, [2024, 7, 1, 12, 0, 0], 'Europe/Paris')).to.equal('2024-07-01 06:00:00-04');
      expect(mkTz(NY, [2024, 7, 1, 12, 0, 0], '+05')).to.equal('2024-07-01 03:00:00-04');
      expect(mkTz(NY, [2024, 7, 1, 12, 0, 0], 'UTC+5')).to.equal('2024-07-01 13:00:00-04');
      expect(sqlError(() => mkTz(NY, [2024, 7, 1, 12, 0, 0], 'Nowhere/Zone'))).to.deep.equal({
        code: '22023',
        message: 'time zone "Nowhere/Zone" not recognized',
      });
    });
  });

  describe('timestamptz fields in the session TimeZone', () => {
    const ex = (field: string, v: Expr): Expr => fn('extract', T.numeric, text(field), v);

    it('extract and date_part read the wall clock of the session zone, DST included', () => {
      expect(num(ex('hour', tstz('2024-01-01 12:00+00')), NY)).to.equal('7');
      expect(num(ex('hour', tstz('2024-07-01 12:00+00')), NY)).to.equal('8');
      expect(run(fn('date_part', T.float8, text('day'), tstz('2024-01-01 03:00+00')), NY)).to.equal(
        31,
      );
      // The epoch is the instant, whatever the zone.
      expect(num(ex('epoch', tstz('2024-01-01 03:00+00')), NY)).to.equal('1704078000.000000');
      // No zone in the context: UTC, as before.
      expect(num(ex('hour', tstz('2024-01-01 12:00+00')))).to.equal('12');
    });

    it('extract timezone, timezone_hour, timezone_minute (seconds east, truncated)', () => {
      const v = tstz('2024-07-01 12:00+00');
      expect(
        [ex('timezone', v), ex('timezone_hour', v), ex('timezone_minute', v)].map((e) =>
          num(e, NY),
        ),
      ).to.deep.equal(['-14400', '-4', '0']);
      const w = tstz('2024-01-01 12:00+00');
      expect(
        [ex('timezone', w), ex('timezone_hour', w), ex('timezone_minute', w)].map((e) =>
          num(e, 'America/St_Johns'),
        ),
      ).to.deep.equal(['-12600', '-3', '-30']);
      expect(sqlError(() => run(ex('timezone', ts('2024-01-01 12:00')), NY)).code).to.equal(
        '0A000',
      );
    });

    it('date_trunc truncates the local time; hour and below keep the offset of the value', () => {
      const trunc = (unit: string, v: string): string =>
        formatTimestamptz(
          run(fn('date_trunc', T.timestamptz, text(unit), tstz(v)), NY) as bigint,
          NY,
        );
      expect(trunc('day', '2024-03-10 12:00+00')).to.equal('2024-03-10 00:00:00-05');
      expect(trunc('day', '2024-11-03 12:00+00')).to.equal('2024-11-03 00:00:00-04');
      expect(trunc('hour', '2024-11-03 05:30+00')).to.equal('2024-11-03 01:00:00-04');
      expect(trunc('hour', '2024-11-03 06:30+00')).to.equal('2024-11-03 01:00:00-05');
      expect(trunc('month', '2024-03-31 03:00+00')).to.equal('2024-03-01 00:00:00-05');
      expect(trunc('week', '2024-03-11 03:00+00')).to.equal('2024-03-04 00:00:00-05');
    });
  });
});
