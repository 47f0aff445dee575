/**
 * Fuzz: 100 000 random and mutated frontend messages over many connections. The server
 * must never crash or hang (every connection closes once the client hangs up), and a
 * normal client connects and queries afterwards. Seeded; a failure prints its seed.
 */
import { expect } from 'chai';
import * as net from 'node:net';
import pg from 'pg';
import { serialize } from './rawClient';
import { startFixture, type Fixture } from './fixture';

function prng(seed: number): () => number {
  let a = seed >>> 0;
  // mulberry32
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const corpus: Buffer[] = [
  serialize.query('SELECT 1'),
  serialize.query("SELECT 1; SELECT 'a', true"),
  serialize.query('BEGIN'),
  serialize.query('COMMIT'),
  serialize.query('ROLLBACK'),
  serialize.query('SELECT 1/0'),
  serialize.query('SELECT generate_series(1, 20)'),
  serialize.query('COPY fz FROM STDIN'),
  serialize.query('COPY fz TO STDOUT'),
  serialize.query(''),
  serialize.parse({ name: 's', text: 'SELECT $1::int' }),
  serialize.parse({ text: 'SELECT $1::text, $2::int' }),
  serialize.parse({ text: 'SELECT generate_series(1, 5)' }),
  serialize.bind({ statement: 's', values: ['1'] }),
  serialize.bind({ portal: 'p', statement: 's', values: ['x'] }),
  serialize.bind({ values: ['a', '2'] }),
  serialize.bind({ portal: 'p' }),
  serialize.describe({ type: 'S', name: 's' }),
  serialize.describe({ type: 'P', name: 'p' }),
  serialize.describe({ type: 'P' }),
  serialize.execute({ portal: 'p', rows: 1 }),
  serialize.execute({}),
  serialize.close({ type: 'P', name: 'p' }),
  serialize.close({ type: 'S', name: 's' }),
  serialize.sync(),
  serialize.sync(),
  serialize.flush(),
  serialize.copyData(Buffer.from('1\n2\n')),
  serialize.copyData(Buffer.from('x\n')),
  serialize.copyDone(),
  serialize.copyFail('stop'),
];

/** `rate`: the chance this message is damaged at all (per connection, so some live long). */
function mutate(msg: Buffer, rnd: () => number, rate = 0.55): Buffer {
  const b = Buffer.from(msg);
  if (rnd() >= rate) return b;
  const r = 0.45 + rnd() * 0.55;
  if (r < 0.6) {
    const n = 1 + Math.floor(rnd() * 3);
    for (let i = 0; i < n; i++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
    return b;
  }
  if (r < 0.7) return b.subarray(0, Math.floor(rnd() * b.length));
  if (r < 0.8) {
    const choices = [
      0,
      3,
      4,
      b.length - 2,
      b.length + 10,
      0x7fffffff,
      -1,
      Math.floor(rnd() * 100000),
    ];
    b.writeInt32BE(choices[Math.floor(rnd() * choices.length)] | 0, 1);
    return b;
  }
  if (r < 0.88) {
    b[0] = Math.floor(rnd() * 128);
    return b;
  }
  if (r < 0.94) {
    const junk = Buffer.alloc(1 + Math.floor(rnd() * 16));
    for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(rnd() * 256);
    const out = Buffer.concat([b, junk]);
    out.writeInt32BE(out.length - 1, 1);
    return out;
  }
  const rand = Buffer.alloc(1 + Math.floor(rnd() * 64));
  for (let i = 0; i < rand.length; i++) rand[i] = Math.floor(rnd() * 256);
  return rand;
}

function startupBytes(rnd: () => number): Buffer {
  const valid = serialize.startup({ user: 'fuzz', database: 'db' });
  const r = rnd();
  if (r < 0.85) return valid;
  if (r < 0.9) return Buffer.concat([serialize.requestSsl(), valid]);
  if (r < 0.93)
    return serialize.cancel(Math.floor(rnd() * 0x7fffffff), Math.floor(rnd() * 0x7fffffff));
  return mutate(valid, rnd);
}

const stats = { replyBytes: 0, readyForQuery: 0 };

/** One connection: send the messages in a few writes, hang up, wait for the close. */
function session(port: number, payload: Buffer[], deadlineMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('server did not close the connection in time (hang)'));
    }, deadlineMs);
    s.on('data', (d: Buffer) => {
      stats.replyBytes += d.length;
      // A rough count of ReadyForQuery messages ('Z', length 5): proof that batches ran.
      for (let i = d.indexOf(0x5a); i >= 0 && i + 5 < d.length; i = d.indexOf(0x5a, i + 1)) {
        if (d.readInt32BE(i + 1) === 5) stats.readyForQuery++;
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    s.on('connect', () => {
      let i = 0;
      const step = (): void => {
        if (s.destroyed) return;
        if (i >= payload.length) {
          s.end();
          return;
        }
        const n = 1 + (i % 7);
        s.write(Buffer.concat(payload.slice(i, i + n)));
        i += n;
        setImmediate(step);
      };
      step();
    });
  });
}

describe('pgwire fuzz', function () {
  this.timeout(90_000);
  let fx: Fixture;
  before(async () => {
    fx = await startFixture({ limits: { maxMessageSize: 1 << 20, statementTimeoutMs: 1000 } });
    const c = new pg.Client({ host: '127.0.0.1', port: fx.server.port, user: 'u', database: 'd' });
    await c.connect();
    await c.query('CREATE TABLE fz (a int)');
    await c.end();
  });
  after(async () => {
    await fx.server.close();
  });

  it('survives 100 000 random and mutated messages, then serves a normal client', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
    const rnd = prng(seed);
    const total = 100_000;
    const perConnection = 100;
    const parallel = 16;
    let sent = 0;
    const started = Date.now();
    try {
      const worker = async (): Promise<void> => {
        while (sent < total) {
          const payload: Buffer[] = [startupBytes(rnd)];
          const rate = rnd() < 0.3 ? 0.01 : rnd() * 0.5;
          for (let i = 0; i < perConnection && sent < total; i++, sent++) {
            payload.push(mutate(corpus[Math.floor(rnd() * corpus.length)], rnd, rate));
          }
          await session(fx.server.port, payload, 10_000);
        }
      };
      await Promise.all(Array.from({ length: parallel }, () => worker()));
    } catch (err) {
      throw new Error(`fuzz failed with FUZZ_SEED=${seed}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    expect(sent).to.equal(total);
    // The messages were really processed, not just dropped by early closes.
    expect(stats.readyForQuery, `FUZZ_SEED=${seed}`).to.be.greaterThan(2000);
    const c = new pg.Client({ host: '127.0.0.1', port: fx.server.port, user: 'u', database: 'd' });
    await c.connect();
    expect((await c.query('SELECT $1::int AS n', [9])).rows).to.deep.equal([{ n: 9 }]);
    await c.end();
    // Every fuzz connection is gone (none leaked in a stuck state).
    const deadline = Date.now() + 5000;
    while (fx.server.connectionCount > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect(fx.server.connectionCount, `FUZZ_SEED=${seed}`).to.equal(0);
    expect(Date.now() - started).to.be.lessThan(60_000);
  });
});
