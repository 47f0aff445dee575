/**
 * Calendar fields on PostgreSQL's Julian days (common/expr/dateFields.ts): year 1 is year
 * 1 (JavaScript's Date.UTC made it 1901), BC years and years past 275760 work.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { SqlError } from '../../../../common/errors';
import { dateParts, fromParts, isoWeek, makeDate } from '../../../../common/expr/dateFields';

const DAY_US = 86_400_000_000n;

describe('common/expr dateFields', () => {
  it('make_date at the edges gives the days PostgreSQL stores', () => {
    expect(makeDate(1, 1, 1)).to.equal(-730119);
    expect(makeDate(-44, 3, 15)).to.equal(-746117); // 44 BC
    expect(makeDate(-4714, 11, 24)).to.equal(-2451545); // Julian day 0, 4714-11-24 BC
    expect(makeDate(1999, 12, 31)).to.equal(-1);
    expect(makeDate(2000, 2, 29)).to.equal(59);
    expect(makeDate(5874897, 12, 31)).to.equal(2145031948);
  });

  it('make_date refuses year 0, impossible days and dates past the range (22008)', () => {
    for (const [y, m, d, msg] of [
      [0, 1, 1, 'date field value out of range: 0-01-01'],
      [2001, 2, 29, 'date field value out of range: 2001-02-29'],
      [2000, 13, 1, 'date field value out of range: 2000-13-01'],
      [5874898, 1, 1, 'date out of range: 5874898-01-01'],
    ] as const) {
      let err: unknown;
      try {
        makeDate(y, m, d);
      } catch (e) {
        err = e;
      }
      expect(err, `${y}-${m}-${d}`).to.be.instanceOf(SqlError);
      expect((err as SqlError).code).to.equal('22008');
      expect((err as SqlError).message).to.equal(msg);
    }
  });

  it('dateParts of year 1, 1 BC and the last date', () => {
    const y1 = dateParts(BigInt(makeDate(1, 1, 1)) * DAY_US);
    expect([y1.y, y1.mo, y1.d, y1.dow, y1.doy]).to.deep.equal([1, 1, 1, 1, 1]); // a Monday
    const bc = dateParts(BigInt(makeDate(-1, 12, 31)) * DAY_US + 3_723_500_000n);
    expect([bc.y, bc.mo, bc.d, bc.h, bc.mi, bc.s, bc.doy]).to.deep.equal([
      0, 12, 31, 1, 2, 3.5, 366,
    ]);
    const last = dateParts(BigInt(makeDate(5874897, 12, 31)) * DAY_US);
    expect([last.y, last.mo, last.d]).to.deep.equal([5874897, 12, 31]);
  });

  it('fromParts inverts dateParts over the whole timestamp range', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -211_813_488_000_000_000n, max: 9_223_371_331_199_999_999n }),
        (us) => {
          const p = dateParts(us);
          const back = fromParts(p.y, p.mo, p.d, p.h, p.mi) + BigInt(p.frac);
          expect(back).to.equal(us);
        },
      ),
    );
  });

  it('ISO weeks at year boundaries, including year 1 and BC', () => {
    expect(isoWeek(1, 1, 1)).to.deep.equal({ week: 1, year: 1 });
    expect(isoWeek(2021, 1, 3)).to.deep.equal({ week: 53, year: 2020 });
    expect(isoWeek(2024, 12, 30)).to.deep.equal({ week: 1, year: 2025 });
    expect(isoWeek(0, 1, 1)).to.deep.equal({ week: 52, year: -1 }); // a Saturday in 1 BC
  });
});
