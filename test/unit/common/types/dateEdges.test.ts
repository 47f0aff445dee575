/**
 * date / timestamp / timestamptz at the edges of PostgreSQL's range (year 1, BC, 1901,
 * leap day, 9999, the last date) round trip through text and binary I/O unchanged, with
 * the values PostgreSQL 15 stores (days / µs since 2000-01-01, the binary wire value).
 */
import { expect } from 'chai';
import { TypeOid } from '../../../../common/types/datum';
import {
  defaultFormatSettings,
  formatBinary,
  formatText,
  parseBinary,
  parseText,
} from '../../../../common/types/io';

const s = defaultFormatSettings;

/** [text, days since 2000-01-01 as PostgreSQL stores it (date_pl / date_mi arithmetic)]. */
const DATES: Array<[string, number]> = [
  ['0001-01-01', -730119],
  ['0044-03-15 BC', -746117],
  ['4714-11-24 BC', -2451545],
  ['1901-01-01', -36159],
  ['1999-12-31', -1],
  ['2000-02-29', 59],
  ['9999-12-31', 2921939],
  ['5874897-12-31', 2145031948],
];

const TIMESTAMPS: Array<[string, bigint]> = [
  ['0001-01-01 00:00:00', -63082281600000000n],
  ['0044-03-15 12:00:00 BC', -64464465600000000n],
  ['1901-01-01 00:00:00', -3124137600000000n],
  ['1999-12-31 23:59:59.999999', -1n],
  ['2000-02-29 00:00:00', 5097600000000n],
  ['9999-12-31 23:59:59.999999', 252455615999999999n],
];

describe('common/types date and timestamp edges', () => {
  for (const [text, days] of DATES) {
    it(`date ${text}: text and binary round trip`, () => {
      const v = parseText(TypeOid.date, text, s);
      expect(v).to.equal(days);
      expect(formatText(TypeOid.date, v, s)).to.equal(text);
      const wire = formatBinary(TypeOid.date, v);
      expect(wire.readInt32BE(0)).to.equal(days);
      expect(parseBinary(TypeOid.date, wire)).to.equal(days);
    });
  }

  for (const [text, us] of TIMESTAMPS) {
    it(`timestamp and timestamptz ${text}: text and binary round trip`, () => {
      const ts = parseText(TypeOid.timestamp, text, s);
      expect(ts).to.equal(us);
      expect(formatText(TypeOid.timestamp, ts, s)).to.equal(text);
      expect(parseBinary(TypeOid.timestamp, formatBinary(TypeOid.timestamp, ts))).to.equal(us);
      expect(formatBinary(TypeOid.timestamp, ts).readBigInt64BE(0)).to.equal(us);

      const tzText = text.replace(/( BC)?$/, '+00$1');
      const tz = parseText(TypeOid.timestamptz, tzText, s);
      expect(tz).to.equal(us);
      expect(formatText(TypeOid.timestamptz, tz, s)).to.equal(tzText);
      expect(parseBinary(TypeOid.timestamptz, formatBinary(TypeOid.timestamptz, tz))).to.equal(us);
    });
  }
});
