import { expect } from 'chai';
import { RawClient, serialize } from './rawClient';
import { startFixture, type Fixture } from './fixture';

describe('pgwire extended query (raw pipelined client)', () => {
  let fx: Fixture;
  let c: RawClient;
  before(async () => {
    fx = await startFixture();
  });
  after(async () => {
    await fx.server.close();
  });
  beforeEach(async () => {
    c = await RawClient.connect(fx.server.port);
  });
  afterEach(() => c.end());

  it('answers a pipelined Parse/Bind/Describe/Execute/Sync batch in order', async () => {
    c.send(
      serialize.parse({ name: 's1', text: 'SELECT $1::int AS n, $2::text AS t', types: [] }),
      serialize.describe({ type: 'S', name: 's1' }),
      serialize.bind({ statement: 's1', values: ['5', 'five'] }),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
      serialize.bind({ statement: 's1', values: ['6', null] }),
      serialize.execute({}),
      serialize.sync(),
    );
    const ms = await c.until('readyForQuery');
    expect(c.names(ms)).to.deep.equal([
      'parseComplete',
      'parameterDescription',
      'rowDescription',
      'bindComplete',
      'rowDescription',
      'dataRow',
      'commandComplete',
      'bindComplete',
      'dataRow',
      'commandComplete',
      'readyForQuery',
    ]);
    expect(ms[1].dataTypeIDs).to.deep.equal([23, 25]);
    expect((ms[2].fields as { name: string }[]).map((f) => f.name)).to.deep.equal(['n', 't']);
    expect(ms[5].fields).to.deep.equal(['5', 'five']);
    expect(ms[8].fields).to.deep.equal(['6', null]);
  });

  it('discards everything after an error up to Sync, then carries on', async () => {
    c.send(
      serialize.parse({ text: 'SELECT 1/0' }),
      serialize.bind({}),
      serialize.execute({}),
      serialize.parse({ name: 'never', text: 'SELECT 1' }),
      serialize.bind({ statement: 'never' }),
      serialize.execute({}),
      serialize.sync(),
      serialize.parse({ text: 'SELECT 2' }),
      serialize.bind({}),
      serialize.execute({}),
      serialize.sync(),
    );
    const first = await c.until('readyForQuery');
    expect(c.names(first)).to.deep.equal([
      'parseComplete',
      'bindComplete',
      'error:22012',
      'readyForQuery',
    ]);
    const second = await c.until('readyForQuery');
    expect(c.names(second)).to.deep.equal([
      'parseComplete',
      'bindComplete',
      'dataRow',
      'commandComplete',
      'readyForQuery',
    ]);
    // The skipped Parse never created 'never'.
    c.send(serialize.bind({ statement: 'never' }), serialize.sync());
    expect(c.names(await c.until('readyForQuery'))).to.deep.equal(['error:26000', 'readyForQuery']);
  });

  it('runs a portal in slices with PortalSuspended, across Flush, and closes it', async () => {
    c.send(
      serialize.parse({ text: 'SELECT generate_series(1, 5)' }),
      serialize.bind({ portal: 'cur' }),
      serialize.execute({ portal: 'cur', rows: 2 }),
      serialize.flush(),
    );
    const a = await c.until('portalSuspended');
    expect(c.names(a)).to.deep.equal([
      'parseComplete',
      'bindComplete',
      'dataRow',
      'dataRow',
      'portalSuspended',
    ]);
    c.send(serialize.execute({ portal: 'cur', rows: 2 }), serialize.flush());
    const b = await c.until('portalSuspended');
    expect(b.map((m) => m.fields)).to.deep.equal([['3'], ['4'], undefined]);
    c.send(
      serialize.execute({ portal: 'cur', rows: 2 }),
      serialize.close({ type: 'P', name: 'cur' }),
      serialize.sync(),
    );
    const d = await c.until('readyForQuery');
    expect(c.names(d)).to.deep.equal([
      'dataRow',
      'commandComplete',
      'closeComplete',
      'readyForQuery',
    ]);
    expect(d[1].text).to.equal('SELECT 5');
    c.send(serialize.execute({ portal: 'cur' }), serialize.sync());
    expect(c.names(await c.until('readyForQuery'))).to.deep.equal(['error:34000', 'readyForQuery']);
  });

  it('Describe of a statement without rows answers NoData; Close of an unknown name is fine', async () => {
    c.send(
      serialize.parse({ name: 'b', text: 'BEGIN' }),
      serialize.describe({ type: 'S', name: 'b' }),
      serialize.close({ type: 'S', name: 'nope' }),
      serialize.close({ type: 'S', name: 'b' }),
      serialize.bind({ statement: 'b' }),
      serialize.sync(),
    );
    const ms = await c.until('readyForQuery');
    expect(c.names(ms)).to.deep.equal([
      'parseComplete',
      'parameterDescription',
      'noData',
      'closeComplete',
      'closeComplete',
      'error:26000',
      'readyForQuery',
    ]);
  });

  it('rejects a duplicate named statement with 42P05 and a wrong parameter count with 08P01', async () => {
    c.send(
      serialize.parse({ name: 'd', text: 'SELECT 1' }),
      serialize.parse({ name: 'd', text: 'SELECT 2' }),
      serialize.sync(),
    );
    expect(c.names(await c.until('readyForQuery'))).to.deep.equal([
      'parseComplete',
      'error:42P05',
      'readyForQuery',
    ]);
    c.send(
      serialize.parse({ text: 'SELECT $1::int' }),
      serialize.bind({ values: [] }),
      serialize.sync(),
    );
    const ms = await c.until('readyForQuery');
    expect(c.names(ms)).to.deep.equal(['parseComplete', 'error:08P01', 'readyForQuery']);
    expect(c.closed).to.equal(false);
  });

  it('keeps an explicit transaction open across Syncs and ends an implicit one at Sync', async () => {
    c.send(
      serialize.parse({ text: 'BEGIN' }),
      serialize.bind({}),
      serialize.execute({}),
      serialize.parse({ text: 'SELECT 1' }),
      serialize.bind({}),
      serialize.execute({}),
      serialize.sync(),
    );
    const a = await c.until('readyForQuery');
    expect(a[a.length - 1].status).to.equal('T');
    c.send(
      serialize.parse({ text: 'SELECT 1/0' }),
      serialize.bind({}),
      serialize.execute({}),
      serialize.sync(),
    );
    const b = await c.until('readyForQuery');
    expect(b[b.length - 1].status).to.equal('E');
    c.send(
      serialize.parse({ text: 'ROLLBACK' }),
      serialize.bind({}),
      serialize.execute({}),
      serialize.sync(),
    );
    const d = await c.until('readyForQuery');
    expect(c.names(d)).to.deep.equal([
      'parseComplete',
      'bindComplete',
      'commandComplete',
      'readyForQuery',
    ]);
    expect(d[d.length - 1].status).to.equal('I');
  });

  it('returns binary results when the Bind asks for them', async () => {
    c.send(
      serialize.parse({ text: 'SELECT $1::int AS n' }),
      serialize.bind({ values: ['258'], binary: true }),
      serialize.execute({}),
      serialize.sync(),
    );
    const ms = await c.until('readyForQuery');
    const row = ms.find((m) => m.name === 'dataRow');
    // pg-protocol hands binary fields over as the raw bytes in a string; check the 4 bytes.
    expect(Buffer.from(String((row?.fields as unknown[])[0]), 'latin1')).to.deep.equal(
      Buffer.from([0, 0, 1, 2]),
    );
  });

  it('a value that cannot be output fails the Execute, not the connection', async () => {
    c.send(
      serialize.parse({ text: 'SELECT 2, unprintable()' }),
      serialize.bind({}),
      serialize.execute({}),
      serialize.parse({ text: 'SELECT 3' }),
      serialize.sync(),
      serialize.parse({ text: 'SELECT 4' }),
      serialize.bind({}),
      serialize.execute({}),
      serialize.sync(),
    );
    const first = await c.until('readyForQuery');
    expect(c.names(first)).to.deep.equal([
      'parseComplete',
      'bindComplete',
      'error:XX000',
      'readyForQuery',
    ]);
    const second = await c.until('readyForQuery');
    expect(c.names(second)).to.deep.equal([
      'parseComplete',
      'bindComplete',
      'dataRow',
      'commandComplete',
      'readyForQuery',
    ]);
  });
});
