import { expect } from 'chai';
import { parseHba } from '../../../proxy/hbaConfig';
import { loadConfig } from '../../../common/config';
import { proxyConfigSpec } from '../../../proxy/config';

describe('proxy --hba rules', () => {
  it('reads pg_hba.conf lines in order, with ssl types and comments', () => {
    const rules = parseHba(
      'host all mallory loopback reject # no mallory\nhostssl all all 10.0.0.0/8 scram-sha-256; hostnossl app all all md5',
    );
    expect(rules).to.deep.equal([
      { address: 'loopback', user: 'mallory', database: 'all', method: 'reject' },
      { address: '10.0.0.0/8', user: 'all', database: 'all', method: 'scram-sha-256', ssl: true },
      { address: 'all', user: 'all', database: 'app', method: 'md5', ssl: false },
    ]);
  });

  it('refuses malformed rules with a message naming the rule', () => {
    expect(() => parseHba('host all all loopback')).to.throw(/5 fields/);
    expect(() => parseHba('local all all loopback trust')).to.throw(/type must be/);
    expect(() => parseHba('host all all loopback kerberos')).to.throw(/unknown method "kerberos"/);
    expect(() => parseHba('host all all somewhere trust')).to.throw(/address must be/);
  });

  it('is optional in the proxy config, and replaces --auth when given', () => {
    expect(loadConfig(proxyConfigSpec, [], {}).hba).to.equal(undefined);
    const c = loadConfig(proxyConfigSpec, ['--hba', 'host all all all trust'], {});
    expect(c.hba).to.deep.equal([
      { address: 'all', user: 'all', database: 'all', method: 'trust' },
    ]);
  });
});
