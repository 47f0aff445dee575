import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { copyEndMarkerFilter } from '../../../../proxy/pgwire/copyEndMarker';
import { RawClient, serialize } from './rawClient';
import { startFixture, type Fixture } from './fixture';

const run = promisify(execFile);

describe('pgwire COPY', function () {
  this.timeout(15000);
  let fx: Fixture;
  let client: pg.Client;
  before(async () => {
    fx = await startFixture();
    client = new pg.Client({ host: '127.0.0.1', port: fx.server.port, user: 'u', database: 'd' });
    await client.connect();
  });
  after(async () => {
    await client.end();
    await fx.server.close();
  });

  it('the end marker filter drops "\\." and what follows, across chunk borders', () => {
    const f = copyEndMarkerFilter();
    const out = [f.feed(Buffer.from('1\ta\n2\tb\n\\')), f.feed(Buffer.from('.\nignored\n'))];
    expect(Buffer.concat(out).toString()).to.equal('1\ta\n2\tb\n');
    expect(f.ended).to.equal(true);
    const g = copyEndMarkerFilter();
    expect(g.feed(Buffer.from('a\\.b\n\\x\n')).toString()).to.equal('a\\.b\n\\x\n');
    expect(g.feed(Buffer.from('\\.')).toString()).to.equal('');
    expect(g.finish().toString()).to.equal('');
    expect(g.ended).to.equal(true);
  });

  it('pg-copy-streams: COPY FROM STDIN streams many chunks in, COPY TO STDOUT streams them out', async () => {
    await client.query('CREATE TABLE items (id int, name text)');
    const n = 20000;
    async function* lines(): AsyncGenerator<Buffer> {
      for (let i = 0; i < n; i += 1000) {
        let s = '';
        for (let j = i; j < i + 1000; j++) s += `${j}\tname${j}\n`;
        yield Buffer.from(s);
      }
    }
    const stream = client.query(copyFrom('COPY items FROM STDIN'));
    await pipeline(Readable.from(lines()), stream);
    expect(stream.rowCount).to.equal(n);
    expect(fx.engine.tables.get('items')?.rows.length).to.equal(n);
    const chunks: Buffer[] = [];
    const out = client.query(copyTo('COPY items TO STDOUT'));
    await pipeline(
      out,
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          chunks.push(chunk);
          cb();
        },
      }),
    );
    const text = Buffer.concat(chunks).toString();
    expect(text.split('\n').length - 1).to.equal(n);
    expect(text.startsWith('0\tname0\n1\tname1\n')).to.equal(true);
    expect((await client.query('SELECT 1 AS ok')).rows).to.deep.equal([{ ok: 1 }]);
  });

  it('raw: CopyFail ends COPY with 57014 and the session carries on; bad data reports the engine error', async () => {
    const c = await RawClient.connect(fx.server.port);
    c.send(serialize.query('CREATE TABLE cf (a int)'));
    await c.until('readyForQuery');
    c.send(serialize.query('COPY cf FROM STDIN'));
    const start = await c.until('copyInResponse');
    expect(start[0].columnTypes).to.deep.equal([0]);
    c.send(serialize.copyData(Buffer.from('1\n')), serialize.copyFail('client gave up'));
    const ms = await c.until('readyForQuery');
    expect(c.names(ms)).to.deep.equal(['error:57014', 'readyForQuery']);
    expect(ms[0].message).to.equal('COPY from stdin failed: client gave up');
    c.send(serialize.query('COPY cf FROM STDIN'));
    await c.until('copyInResponse');
    c.send(
      serialize.copyData(Buffer.from('1\nnot a number\n')),
      serialize.copyData(Buffer.from('3\n')),
      serialize.copyDone(),
    );
    expect(c.names(await c.until('readyForQuery'))).to.deep.equal(['error:22P02', 'readyForQuery']);
    expect(fx.engine.tables.get('cf')?.rows.length).to.equal(0);
    c.send(serialize.query('SELECT 1'));
    expect(c.names(await c.until('readyForQuery'))).to.include('dataRow');
    c.end();
  });

  it('raw: COPY in the extended protocol, then the batch continues to Sync', async () => {
    const c = await RawClient.connect(fx.server.port);
    c.send(serialize.query('CREATE TABLE ce (a int)'));
    await c.until('readyForQuery');
    c.send(
      serialize.parse({ text: 'COPY ce FROM STDIN' }),
      serialize.bind({}),
      serialize.execute({}),
      serialize.flush(),
    );
    await c.until('copyInResponse');
    c.send(serialize.copyData(Buffer.from('7\n8\n')), serialize.copyDone(), serialize.sync());
    const ms = await c.until('readyForQuery');
    expect(c.names(ms)).to.deep.equal(['commandComplete', 'readyForQuery']);
    expect(ms[0].text).to.equal('COPY 2');
    c.end();
  });

  it('psql -f with \\copy and inline data ended by \\.', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgwire-copy-'));
    try {
      const script = join(dir, 's.sql');
      writeFileSync(
        script,
        'CREATE TABLE pq (a int, b text);\nCOPY pq FROM STDIN;\n1\tone\n2\ttwo\n\\.\nSELECT 42;\n',
      );
      const { stdout } = await run(
        'psql',
        [
          '-X',
          '-At',
          '-v',
          'ON_ERROR_STOP=1',
          '-f',
          script,
          `host=127.0.0.1 port=${fx.server.port} user=u dbname=d sslmode=disable`,
        ],
        {
          timeout: 8000,
        },
      );
      expect(stdout.trim().split('\n')).to.deep.equal(['CREATE TABLE', 'COPY 2', '42']);
      expect(fx.engine.tables.get('pq')?.rows).to.deep.equal([
        [1, 'one'],
        [2, 'two'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
