import { expect } from 'chai';
import { BackendWriter } from '../../../../proxy/pgwire/backendWriter';
import { FrameReader } from '../../../../proxy/pgwire/frameReader';
import { readBind, readParse } from '../../../../proxy/pgwire/frontendMessages';
import { ProtocolError } from '../../../../proxy/pgwire/protocolError';
import { Parser } from 'pg-protocol/dist/parser';
import type { BackendMessage } from 'pg-protocol/dist/messages';
import { serialize } from './rawClient';

describe('pgwire codec', () => {
  it('frames survive any chunking, including one byte at a time', () => {
    const stream = Buffer.concat([
      serialize.parse({ name: 'a', text: 'SELECT $1::int', types: [23] }),
      serialize.bind({ statement: 'a', values: ['1', null] }),
      serialize.sync(),
    ]);
    for (const size of [1, 2, 3, 7, 64]) {
      const r = new FrameReader(1 << 20);
      const types: string[] = [];
      const bodies: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) {
        r.push(stream.subarray(i, i + size));
        for (let f = r.next(); f !== undefined; f = r.next()) {
          types.push(String.fromCharCode(f.type));
          bodies.push(f.body);
        }
      }
      expect(types).to.deep.equal(['P', 'B', 'S']);
      // Bodies handed out earlier are still intact after later pushes.
      expect(readParse(bodies[0])).to.deep.equal({
        name: 'a',
        sql: 'SELECT $1::int',
        paramTypes: [23],
      });
      const b = readBind(bodies[1]);
      expect([b.statement, b.params.map((p) => p?.toString() ?? null)]).to.deep.equal([
        'a',
        ['1', null],
      ]);
    }
  });

  it('rejects lengths below 4 and above the maximum before buffering the body', () => {
    const r = new FrameReader(100);
    r.push(Buffer.from([0x51, 0, 0, 0, 200]));
    expect(() => r.next()).to.throw(ProtocolError);
    const s = new FrameReader(100);
    s.push(Buffer.from([0x51, 0, 0, 0, 3]));
    expect(() => s.next()).to.throw(ProtocolError, 'invalid message length');
  });

  it('rejects malformed bodies: missing terminator, counts past the end, trailing bytes', () => {
    expect(() => readParse(Buffer.from('name\0SELECT'))).to.throw(ProtocolError);
    expect(() => readParse(Buffer.from('\0SELECT 1\0\x00\x05'))).to.throw(ProtocolError);
    const ok = serialize.parse({ text: 'SELECT 1' }).subarray(5);
    expect(() => readParse(Buffer.concat([ok, Buffer.from([1])]))).to.throw(
      ProtocolError,
      'invalid message format',
    );
  });

  it('backend messages parse back with pg-protocol, across slab growth', () => {
    const w = new BackendWriter();
    const big = 'x'.repeat(100_000);
    w.commandComplete('SELECT 1');
    w.parameterStatus('big', big);
    w.readyForQuery(0x49);
    const out: BackendMessage[] = [];
    new Parser().parse(w.take(), (m) => out.push(m));
    expect(out.map((m) => m.name)).to.deep.equal([
      'commandComplete',
      'parameterStatus',
      'readyForQuery',
    ]);
    expect((out[1] as unknown as { parameterValue: string }).parameterValue.length).to.equal(
      100_000,
    );
    expect(w.take().length).to.equal(0);
  });
});
