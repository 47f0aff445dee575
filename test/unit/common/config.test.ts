import { expect } from 'chai';
import {
  ConfigError,
  describeConfig,
  loadConfig,
  parseAddress,
  parsers,
  ConfigSpec,
} from '../../../common/config';

interface C {
  port: number;
  name: string;
  token: string;
  peers: string[];
}
const spec: ConfigSpec<C> = {
  port: {
    flag: 'port',
    env: 'X_PORT',
    description: 'p',
    parse: parsers.int(1, 65535),
    default: 5433,
  },
  name: { flag: 'name', env: 'X_NAME', description: 'n', parse: parsers.nonEmpty },
  token: {
    flag: 'token',
    env: 'X_TOKEN',
    description: 't',
    parse: parsers.string,
    default: '',
    secret: true,
  },
  peers: { flag: 'peers', description: 'p', parse: parsers.addressList, default: [] },
};

describe('config', () => {
  it('reads flags before environment, then defaults', () => {
    const c = loadConfig(spec, ['--name', 'a', '--port=7000'], { X_PORT: '9', X_TOKEN: 's3cret' });
    expect(c).to.deep.equal({ port: 7000, name: 'a', token: 's3cret', peers: [] });
    expect(describeConfig(spec, c).token).to.equal('***');
  });

  it('reports every problem at once', () => {
    try {
      loadConfig(spec, ['--port', '99999', '--peers', 'nohost', '--bogus', 'x'], {});
      expect.fail('accepted bad config');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).to.include('--port');
      expect(problems).to.include('--name');
      expect(problems).to.include('--peers');
      expect(problems).to.include('unknown flag --bogus');
    }
  });

  it('parses host:port, including bracketed IPv6', () => {
    expect(parseAddress('127.0.0.1:5433')).to.deep.equal({ host: '127.0.0.1', port: 5433 });
    expect(parseAddress('[::1]:7001')).to.deep.equal({ host: '::1', port: 7001 });
    expect(() => parseAddress(':5')).to.throw();
  });
});
