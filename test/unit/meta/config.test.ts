import { expect } from 'chai';
import { formatPeers, parsePeers, validatePeers } from '../../../meta/config';

describe('meta config: --peers and --node-id', () => {
  it('parses id=host:port lists and prints them back', () => {
    const peers = parsePeers('1=127.0.0.1:7001, 2=meta2:7001,3=[::1]:7003');
    expect(peers).to.deep.equal([
      { id: 1, address: '127.0.0.1:7001' },
      { id: 2, address: 'meta2:7001' },
      { id: 3, address: '[::1]:7003' },
    ]);
    expect(formatPeers(peers)).to.equal('1=127.0.0.1:7001,2=meta2:7001,3=[::1]:7003');
    expect(parsePeers('')).to.deep.equal([]);
  });

  it('rejects malformed entries and duplicate ids', () => {
    expect(() => parsePeers('127.0.0.1:7001')).to.throw(/id=host:port/);
    expect(() => parsePeers('0=a:1')).to.throw(/positive/);
    expect(() => parsePeers('1=a:1,1=b:2')).to.throw(/unique/);
    expect(() => parsePeers('1=nohost')).to.throw();
  });

  it('requires this node in the group, at the address it serves at', () => {
    const peers = parsePeers('1=a:7001,2=b:7001');
    expect(
      validatePeers({ nodeId: 1, peers, advertise: 'a:7001', listen: '0.0.0.0:7001' }),
    ).to.deep.equal([]);
    expect(validatePeers({ nodeId: 3, peers, advertise: '', listen: 'c:7001' })[0]).to.match(
      /not one of --peers/,
    );
    expect(validatePeers({ nodeId: 2, peers, advertise: '', listen: 'b:7002' })[0]).to.match(
      /serves at b:7002/,
    );
    expect(validatePeers({ nodeId: 1, peers: [], advertise: '', listen: 'x:1' })).to.deep.equal([]);
  });
});
