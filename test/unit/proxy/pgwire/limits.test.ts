import { expect } from 'chai';
import { RawClient, frame, serialize, waitFor } from './rawClient';
import { startStallMeter } from '../../../support/hostStall';
import { startFixture, type Fixture } from './fixture';

describe('pgwire cancel, timeouts and limits', () => {
  let fx: Fixture;
  afterEach(async () => {
    await fx?.server.close();
  });

  it('CancelRequest stops SELECT pg_sleep(10) quickly with 57014; the cancel connection just closes', async () => {
    fx = await startFixture();
    const c = await RawClient.connect(fx.server.port);
    const key = c.messages.find((m) => m.name === 'backendKeyData');
    c.send(serialize.query('SELECT pg_sleep(10)'));
    await waitFor(() => [...fx.engine.sessions].length > 0);
    // Give the query a moment to be running (a condition: the sleeping session exists).
    const canceller = await RawClient.open(fx.server.port);
    const stall = startStallMeter();
    const t0 = Date.now();
    canceller.send(serialize.cancel(key?.processID as number, key?.secretKey as number));
    const ms = await c.until('readyForQuery', 5000);
    // Issue 3: from sending the CancelRequest to the ErrorResponse, within 100 ms (net of
    // the time the host paused this process, which runs server and client alike).
    const elapsed = Date.now() - t0 - stall.stop();
    expect(c.names(ms)).to.deep.equal(['rowDescription', 'error:57014', 'readyForQuery']);
    expect(ms[1].message).to.equal('canceling statement due to user request');
    expect(elapsed).to.be.lessThan(100);
    await waitFor(() => canceller.closed);
    expect(canceller.rawBytes).to.deep.equal([]);
    // A wrong secret cancels nothing.
    c.send(serialize.query('SELECT pg_sleep(0.05)'));
    const bad = await RawClient.open(fx.server.port);
    bad.send(serialize.cancel(key?.processID as number, (key?.secretKey as number) ^ 1));
    expect(c.names(await c.until('readyForQuery'))).to.deep.equal([
      'rowDescription',
      'dataRow',
      'commandComplete',
      'readyForQuery',
    ]);
    c.end();
  });

  it('statement_timeout (server default and SET) cancels with 57014', async () => {
    fx = await startFixture({ limits: { statementTimeoutMs: 50 } });
    const c = await RawClient.connect(fx.server.port);
    c.send(serialize.query('SELECT pg_sleep(5)'));
    const ms = await c.until('readyForQuery');
    expect(ms[1].code).to.equal('57014');
    expect(ms[1].message).to.equal('canceling statement due to statement timeout');
    c.send(serialize.query("SET statement_timeout = '0'"));
    await c.until('readyForQuery');
    c.send(serialize.query('SELECT pg_sleep(0.1)'));
    expect(c.names(await c.until('readyForQuery'))).to.include('dataRow');
    c.end();
  });

  it('idle_in_transaction_session_timeout ends an idle open transaction', async () => {
    fx = await startFixture({ limits: { idleInTransactionSessionTimeoutMs: 50 } });
    const c = await RawClient.connect(fx.server.port);
    c.send(serialize.query('BEGIN'));
    await c.until('readyForQuery');
    const ms = await c.untilClosed();
    expect(ms.map((m) => [m.code, m.severity])).to.deep.equal([['25P03', 'FATAL']]);
    // Outside a transaction nothing happens.
    const d = await RawClient.connect(fx.server.port);
    d.send(serialize.query('SELECT 1'));
    await d.until('readyForQuery');
    d.send(serialize.query('SELECT 2'));
    expect(c.names(await d.until('readyForQuery'))).to.include('dataRow');
    d.end();
  });

  it('refuses connections past max_connections with 53300; others keep working', async () => {
    fx = await startFixture({ limits: { maxConnections: 2 } });
    const a = await RawClient.connect(fx.server.port);
    const b = await RawClient.connect(fx.server.port);
    const c = await RawClient.open(fx.server.port);
    c.startFraming();
    c.send(serialize.startup({ user: 'u', database: 'd' }));
    const ms = await c.untilClosed();
    expect(ms.map((m) => [m.code, m.message])).to.deep.equal([
      ['53300', 'sorry, too many clients already'],
    ]);
    a.send(serialize.query('SELECT 1'));
    expect(c.names(await a.until('readyForQuery'))).to.include('dataRow');
    b.end();
    await waitFor(() => fx.server.connectionCount === 1);
    const d = await RawClient.connect(fx.server.port);
    d.end();
    a.end();
  });

  it('an oversized message gets 08P01 and the connection closes', async () => {
    fx = await startFixture({ limits: { maxMessageSize: 1024 } });
    const c = await RawClient.connect(fx.server.port);
    c.send(serialize.query('SELECT ' + "'x'".padEnd(2000, ' ')));
    const ms = await c.untilClosed();
    expect(ms.map((m) => m.code)).to.deep.equal(['08P01']);
    const d = await RawClient.connect(fx.server.port);
    d.send(frame('Q', Buffer.from('SELECT 1')));
    expect((await d.untilClosed()).map((m) => [m.code, m.message])).to.deep.equal([
      ['08P01', 'invalid message format'],
    ]);
  });
});
