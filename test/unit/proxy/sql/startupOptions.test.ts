import { expect } from 'chai';
import { parseStartupOptions } from '../../../../proxy/sql/startupOptions';

describe('startup options (PGOPTIONS)', () => {
  it('reads -c name=value, -cname=value and --name=value as PostgreSQL does', () => {
    expect(
      parseStartupOptions(
        '-c statement_timeout=150  -clock_timeout=2s --search-path=a\\ b --application_name=x',
      ),
    ).to.deep.equal([
      ['statement_timeout', '150'],
      ['lock_timeout', '2s'],
      ['search_path', 'a b'],
      ['application_name', 'x'],
    ]);
  });

  it('skips words it does not understand', () => {
    expect(parseStartupOptions('-d 5 -c broken -c x=1')).to.deep.equal([['x', '1']]);
    expect(parseStartupOptions('')).to.deep.equal([]);
  });
});
