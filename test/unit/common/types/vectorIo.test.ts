/** int2vector / oidvector I/O as PostgreSQL 15 does it (int2vectorout, array_send with lbound 0). */
import { expect } from 'chai';
import { TypeOid } from '../../../../common/types/datum';
import {
  defaultFormatSettings as S,
  formatBinary,
  formatText,
  parseBinary,
  parseText,
} from '../../../../common/types/io';
import { typeInfo } from '../../../../common/types/typeTable';

describe('int2vector and oidvector', () => {
  it('print space-separated and parse back', () => {
    expect(formatText(TypeOid.int2vector, [1, 2], S)).to.equal('1 2');
    expect(formatText(TypeOid.oidvector, [], S)).to.equal('');
    expect(parseText(TypeOid.int2vector, ' 3  1 ', S)).to.deep.equal([3, 1]);
    expect(parseText(TypeOid.oidvector, '23 25', S)).to.deep.equal([23, 25]);
    // An array of int2vector quotes its elements, as PostgreSQL does: {"1 2","3"}.
    expect(formatText(TypeOid._int2vector, [[1, 2], [3]], S)).to.equal('{"1 2",3}');
  });

  it('send as a one-dimensional array with lower bound 0', () => {
    const b = formatBinary(TypeOid.int2vector, [1, 2]);
    expect(b.toString('hex')).to.equal(
      '00000001' +
        '00000000' +
        '00000015' +
        '00000002' +
        '00000000' +
        '00000002' +
        '0001' +
        '00000002' +
        '0002',
    );
    expect(parseBinary(TypeOid.int2vector, b)).to.deep.equal([1, 2]);
    // Empty: still one dimension of length 0 (buildint2vector).
    expect(formatBinary(TypeOid.oidvector, []).readInt32BE(0)).to.equal(1);
  });

  it('are catalog array types of int2 / oid (pg_type.dat)', () => {
    expect(typeInfo(22)).to.include({
      name: 'int2vector',
      typelem: 21,
      typarray: 1006,
      category: 'A',
    });
    expect(typeInfo(30)).to.include({ name: 'oidvector', typelem: 26, typarray: 1013 });
  });
});
