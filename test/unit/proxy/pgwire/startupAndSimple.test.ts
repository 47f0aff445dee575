import { expect } from 'chai';
import { RawClient, frame, int32, serialize, startupPacket, waitFor } from './rawClient';
import { startFixture, type Fixture } from './fixture';

describe('pgwire startup and simple query (raw client)', () => {
  let fx: Fixture;
  before(async () => {
    fx = await startFixture();
  });
  after(async () => {
    await fx.server.close();
  });

  it('answers SSLRequest and GSSENCRequest with N when TLS is off, then starts up', async () => {
    const c = await RawClient.open(fx.server.port);
    c.send(startupPacket(int32(80877104)));
    await waitFor(() => c.rawBytes.length === 1);
    expect(String.fromCharCode(c.rawBytes[0])).to.equal('N');
    c.send(serialize.requestSsl());
    await waitFor(() => c.rawBytes.length === 2);
    expect(String.fromCharCode(c.rawBytes[1])).to.equal('N');
    c.startFraming();
    c.send(serialize.startup({ user: 'alice', database: 'db', application_name: 'raw' }));
    const ms = await c.until('readyForQuery');
    expect(c.names(ms)[0]).to.equal('authenticationOk');
    const params = new Map(
      ms
        .filter((m) => m.name === 'parameterStatus')
        .map((m) => [m.parameterName, m.parameterValue]),
    );
    for (const p of [
      'server_version',
      'server_encoding',
      'client_encoding',
      'DateStyle',
      'IntervalStyle',
      'TimeZone',
      'integer_datetimes',
      'standard_conforming_strings',
      'is_superuser',
      'session_authorization',
    ]) {
      expect(params.has(p), p).to.equal(true);
    }
    expect(params.get('application_name')).to.equal('raw');
    expect(params.get('session_authorization')).to.equal('alice');
    const key = ms.find((m) => m.name === 'backendKeyData');
    expect(key?.processID).to.be.a('number').and.greaterThan(0);
    expect(ms[ms.length - 1].status).to.equal('I');
    c.end();
  });

  it('sends NegotiateProtocolVersion for 3.1 and unknown _pq_ options, then proceeds', async () => {
    const c = await RawClient.open(fx.server.port);
    const body = Buffer.concat([int32(0x00030001), Buffer.from('user\0bob\0_pq_.foo\0x\0\0')]);
    c.send(startupPacket(body));
    await waitFor(() => c.rawBytes.includes(0x5a));
    const bytes = Buffer.from(c.rawBytes);
    expect(String.fromCharCode(bytes[0])).to.equal('v');
    const len = bytes.readInt32BE(1);
    expect(bytes.readInt32BE(5)).to.equal(0); // newest minor supported
    expect(bytes.readInt32BE(9)).to.equal(1);
    expect(bytes.subarray(13, 1 + len).toString()).to.equal('_pq_.foo\0');
    expect(String.fromCharCode(bytes[1 + len])).to.equal('R');
    c.end();
  });

  it('rejects protocol 2.0 and a startup packet without a user with FATAL errors', async () => {
    const c = await RawClient.open(fx.server.port);
    c.startFraming();
    c.send(startupPacket(Buffer.concat([int32(0x00020000), Buffer.from('user\0x\0\0')])));
    const ms = await c.untilClosed();
    expect(ms.map((m) => m.code)).to.deep.equal(['0A000']);
    const d = await RawClient.open(fx.server.port);
    d.startFraming();
    d.send(serialize.startup({ database: 'x' }));
    const ms2 = await d.untilClosed();
    expect(ms2.map((m) => [m.code, m.severity])).to.deep.equal([['28000', 'FATAL']]);
  });

  it('runs several statements in one Query, with EmptyQueryResponse for an empty one', async () => {
    const c = await RawClient.connect(fx.server.port);
    c.send(serialize.query("SELECT 1 AS a; SELECT 'x', true; "));
    const ms = await c.until('readyForQuery');
    expect(c.names(ms)).to.deep.equal([
      'rowDescription',
      'dataRow',
      'commandComplete',
      'rowDescription',
      'dataRow',
      'commandComplete',
      'readyForQuery',
    ]);
    expect(ms[1].fields).to.deep.equal(['1']);
    expect(ms[4].fields).to.deep.equal(['x', 't']);
    expect(ms[2].text).to.equal('SELECT 1');
    c.send(serialize.query('  ;  '));
    expect(c.names(await c.until('readyForQuery'))).to.deep.equal(['emptyQuery', 'readyForQuery']);
    c.end();
  });

  it('stops a Query string at the first error and reports its fields', async () => {
    const c = await RawClient.connect(fx.server.port);
    c.send(serialize.query('SELECT 1; SELECT 1/0; SELECT 2'));
    const ms = await c.until('readyForQuery');
    expect(c.names(ms)).to.deep.equal([
      'rowDescription',
      'dataRow',
      'commandComplete',
      'rowDescription',
      'error:22012',
      'readyForQuery',
    ]);
    expect(ms[4].message).to.equal('division by zero');
    expect(ms[4].severity).to.equal('ERROR');
    c.send(serialize.query('bogus statement'));
    const err = (await c.until('readyForQuery'))[0];
    expect([err.code, err.position]).to.deep.equal(['42601', '1']);
    c.end();
  });

  it('never sends half a DataRow: a value that cannot be output fails the statement', async () => {
    const c = await RawClient.connect(fx.server.port);
    c.send(serialize.query('SELECT 1; SELECT 2, unprintable(); SELECT 3'));
    const ms = await c.until('readyForQuery');
    expect(c.names(ms)).to.deep.equal([
      'rowDescription',
      'dataRow',
      'commandComplete',
      'rowDescription',
      'error:XX000',
      'readyForQuery',
    ]);
    expect(ms[4].message).to.match(/could not output a value of type 1186 in column "unprintable"/);
    c.send(serialize.query('SELECT 4'));
    const after = await c.until('readyForQuery');
    expect(c.names(after)).to.deep.equal([
      'rowDescription',
      'dataRow',
      'commandComplete',
      'readyForQuery',
    ]);
    c.end();
  });

  it('reports transaction status I, T and E in ReadyForQuery', async () => {
    const c = await RawClient.connect(fx.server.port);
    const status = async (sql: string): Promise<unknown> => {
      c.send(serialize.query(sql));
      const ms = await c.until('readyForQuery');
      return ms[ms.length - 1].status;
    };
    expect(await status('BEGIN')).to.equal('T');
    expect(await status('SELECT 1')).to.equal('T');
    expect(await status('SELECT 1/0')).to.equal('E');
    c.send(serialize.query('SELECT 1'));
    const ms = await c.until('readyForQuery');
    expect(c.names(ms)).to.deep.equal(['error:25P02', 'readyForQuery']);
    expect(await status('ROLLBACK')).to.equal('I');
    c.end();
  });

  it('sends ParameterStatus when a reported setting changes', async () => {
    const c = await RawClient.connect(fx.server.port);
    c.send(serialize.query("SET application_name = 'changed'"));
    const ms = await c.until('readyForQuery');
    expect(c.names(ms)).to.deep.equal(['parameterStatus', 'commandComplete', 'readyForQuery']);
    expect([ms[0].parameterName, ms[0].parameterValue]).to.deep.equal([
      'application_name',
      'changed',
    ]);
    c.end();
  });

  it('closes on Terminate and frees the session', async () => {
    const c = await RawClient.connect(fx.server.port);
    const before = fx.engine.sessions.size;
    c.send(serialize.end());
    await c.untilClosed();
    await waitFor(() => fx.engine.sessions.size === before - 1);
  });

  it('answers an unknown message type with 08P01 and closes, leaving others working', async () => {
    const other = await RawClient.connect(fx.server.port);
    const c = await RawClient.connect(fx.server.port);
    c.send(frame('@', Buffer.alloc(0)));
    const ms = await c.untilClosed();
    expect(ms.map((m) => [m.code, m.severity])).to.deep.equal([['08P01', 'FATAL']]);
    other.send(serialize.query('SELECT 7'));
    const rs = await other.until('readyForQuery');
    expect(rs[1].fields).to.deep.equal(['7']);
    other.end();
  });
});
