import { expect } from 'chai';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { RpcClient, RpcServer, RpcHandler } from '../../../../common/rpc';
import { RpcError, SqlError } from '../../../../common/errors';
import { silentLogger } from '../../../../common/logger';
import { encodeValue } from '../../../../common/codec';
import { FrameReader } from '../../../../common/rpc/frames';
import { clientProof } from '../../../../common/rpc/handshake';
import { captureLogger } from '../../../support/logCapture';
import { waitFor } from '../../../support/waitFor';

const SECRET = 'test-cluster-secret';

function handlers(extra: Array<[string, RpcHandler]> = []): Map<string, RpcHandler> {
  return new Map<string, RpcHandler>([
    ['echo', (body) => body],
    ['asyncEcho', (body) => new Promise((r) => setImmediate(() => r(body)))],
    [
      'sqlFail',
      () => {
        throw new SqlError('23505', 'duplicate key value violates unique constraint "kv_pkey"', {
          detail: 'Key (k)=(1) already exists.',
        });
      },
    ],
    ['slow', (body) => new Promise((r) => setTimeout(() => r(body), 300))],
    ...extra,
  ]);
}

describe('internal RPC', function () {
  let server: RpcServer;
  const clients: RpcClient[] = [];
  const client = (secret = SECRET, address?: string): RpcClient => {
    const c = new RpcClient({
      address: address ?? server.address,
      secret,
      name: 'test',
      logger: silentLogger(),
      backoffInitialMs: 10,
    });
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    server = await RpcServer.listen({
      host: '127.0.0.1',
      port: 0,
      secret: SECRET,
      handlers: handlers(),
      logger: silentLogger(),
      maxFrameBytes: 1 << 20,
    });
  });
  afterEach(async () => {
    clients.splice(0).forEach((c) => c.close());
    await server.close();
  });

  it('answers 10 000 concurrent calls on one connection, each with its own result', async () => {
    const c = client();
    const calls = [];
    for (let i = 0; i < 10_000; i++) {
      calls.push(
        c.call(i % 2 ? 'echo' : 'asyncEcho', {
          i,
          big: BigInt(i) * 10n ** 20n,
          bytes: Buffer.from([i & 255]),
        }),
      );
    }
    const results = (await Promise.all(calls)) as Array<{
      i: number;
      big: bigint;
      bytes: Uint8Array;
    }>;
    results.forEach((r, i) => {
      expect(r.i).to.equal(i);
      expect(r.big).to.equal(BigInt(i) * 10n ** 20n);
      expect(r.bytes[0]).to.equal(i & 255);
    });
  });

  it('carries SQL errors with their SQLSTATE and detail', async () => {
    const err = await client()
      .call('sqlFail', null)
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(RpcError);
    expect((err as RpcError).code).to.equal('SQL');
    expect((err as RpcError).sqlState).to.equal('23505');
    expect((err as RpcError).detail).to.deep.include({ detail: 'Key (k)=(1) already exists.' });
  });

  it('rejects unknown methods', async () => {
    const err = (await client()
      .call('nope', null)
      .catch((e: unknown) => e)) as RpcError;
    expect(err.code).to.equal('UNKNOWN_METHOD');
  });

  it('fails a call at its deadline, and the connection stays usable', async () => {
    const c = client();
    const started = Date.now();
    const err = (await c.call('slow', 1, { timeoutMs: 50 }).catch((e: unknown) => e)) as RpcError;
    const elapsed = Date.now() - started;
    expect(err.code).to.equal('DEADLINE_EXCEEDED');
    expect(elapsed).to.be.within(45, 250);
    expect(await c.call('echo', 'still fine')).to.equal('still fine');
  });

  it('fails at once with UNAVAILABLE when nobody listens, and reconnects once the peer is up', async () => {
    const port = server.port;
    await server.close();
    const c = client(SECRET, `127.0.0.1:${port}`);
    const err = (await c.call('echo', 1).catch((e: unknown) => e)) as RpcError;
    expect(err.code).to.equal('UNAVAILABLE');
    server = await RpcServer.listen({
      host: '127.0.0.1',
      port,
      secret: SECRET,
      handlers: handlers(),
      logger: silentLogger(),
    });
    const value = await waitFor('reconnect', () => c.call('echo', 42).catch(() => undefined), 5000);
    expect(value).to.equal(42);
  });

  it('fails in-flight calls (never hangs) when the peer process is killed mid-call', async function () {
    this.timeout(20_000);
    const child = spawn(
      process.execPath,
      [path.join(__dirname, '../../../support/rpcPeer.js'), SECRET],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const port = await waitFor('child port', () => /PORT (\d+)/.exec(out)?.[1]);
      const c = client(SECRET, `127.0.0.1:${port}`);
      expect(await c.call('echo', 'hi')).to.equal('hi');
      const inFlight = [
        c.call('hang', null, { timeoutMs: 15_000 }),
        c.call('hang', null, { timeoutMs: 15_000 }),
      ];
      await new Promise((r) => setTimeout(r, 50)); // let the requests reach the child before the kill
      const started = Date.now();
      child.kill('SIGKILL');
      const errors = (await Promise.all(
        inFlight.map((p) => p.catch((e: unknown) => e)),
      )) as RpcError[];
      errors.forEach((e) => expect(e.code).to.equal('UNAVAILABLE'));
      expect(Date.now() - started).to.be.below(2000);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  for (const [what, bytes] of [
    ['garbage bytes', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
    ['an oversized frame', Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3])],
  ] as const) {
    it(`closes a connection that sends ${what}; the server keeps serving`, async () => {
      const { logger, lines } = captureLogger();
      await server.close();
      server = await RpcServer.listen({
        host: '127.0.0.1',
        port: 0,
        secret: SECRET,
        handlers: handlers(),
        logger,
        maxFrameBytes: 1 << 20,
      });
      const raw = net.connect({ host: '127.0.0.1', port: server.port });
      const closed = new Promise<void>((resolve) => raw.on('close', () => resolve()));
      raw.on('error', () => undefined);
      raw.resume();
      raw.write(bytes);
      await closed;
      expect(await client().call('echo', 'alive')).to.equal('alive');
      expect(
        lines.some((l) => String(l.msg).includes('closing') || String(l.msg).includes('refused')),
      ).to.equal(true);
    });
  }

  it('closes a connection that authenticates, then sends a malformed request', async () => {
    const { logger, lines } = captureLogger();
    await server.close();
    server = await RpcServer.listen({
      host: '127.0.0.1',
      port: 0,
      secret: SECRET,
      handlers: handlers(),
      logger,
    });
    const raw = net.connect({ host: '127.0.0.1', port: server.port });
    raw.on('error', () => undefined);
    const reader = new FrameReader();
    const frame = (message: unknown): Buffer => {
      const payload = encodeValue(message);
      const out = Buffer.alloc(4 + payload.length);
      out.writeUInt32BE(payload.length, 0);
      out.set(payload, 4);
      return out;
    };
    const closed = new Promise<void>((resolve) => raw.on('close', () => resolve()));
    const clientNonce = Buffer.alloc(32, 7);
    raw.on('data', (chunk: Buffer) =>
      reader.push(chunk, (message) => {
        const m = message as [string, Uint8Array];
        if (m[0] === 'hello') {
          raw.write(frame(['auth', clientNonce, clientProof(SECRET, m[1], clientNonce), 'raw']));
        } else if (m[0] === 'welcome') {
          raw.write(frame(['not', 'a', 'request']));
        }
      }),
    );
    await closed;
    expect(
      lines.some(
        (l) =>
          l.msg === 'bad rpc traffic; closing connection' &&
          String(l.err).includes('malformed request'),
      ),
    ).to.equal(true);
    expect(await client().call('echo', 'alive')).to.equal('alive');
  });

  it('refuses a peer without the cluster secret, and logs it', async () => {
    const { logger, lines } = captureLogger();
    await server.close();
    server = await RpcServer.listen({
      host: '127.0.0.1',
      port: 0,
      secret: SECRET,
      handlers: handlers(),
      logger,
    });
    const err = (await client('wrong-secret')
      .call('echo', 1)
      .catch((e: unknown) => e)) as RpcError;
    expect(err.code).to.equal('AUTH_FAILED');
    await waitFor('refusal log line', () =>
      lines.some((l) => String(l.msg).includes('failed cluster authentication')),
    );
    expect(await client().call('echo', 'ok')).to.equal('ok');
  });

  it('refuses to talk to a server that cannot prove the secret', async () => {
    await server.close();
    server = await RpcServer.listen({
      host: '127.0.0.1',
      port: 0,
      secret: 'other-secret',
      handlers: handlers(),
      logger: silentLogger(),
    });
    const err = (await client()
      .call('echo', 1)
      .catch((e: unknown) => e)) as RpcError;
    expect(err.code).to.equal('AUTH_FAILED');
  });

  it('a raw connection that never authenticates gets no answers', async () => {
    const raw = net.connect({ host: '127.0.0.1', port: server.port });
    raw.on('error', () => undefined);
    const chunks: Buffer[] = [];
    raw.on('data', (d: Buffer) => chunks.push(d));
    // A well-formed request frame without the handshake: must be refused, not executed.
    const payload = encodeValue([0, 1, 'echo', 'sneaky']);
    const frame = Buffer.alloc(4 + payload.length);
    frame.writeUInt32BE(payload.length, 0);
    frame.set(payload, 4);
    raw.write(frame);
    await new Promise<void>((resolve) => raw.on('close', () => resolve()));
    const received = Buffer.concat(chunks);
    expect(received.includes(Buffer.from('sneaky'))).to.equal(false);
  });
});
