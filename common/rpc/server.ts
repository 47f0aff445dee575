/**
 * The internal RPC server: authenticated persistent connections, many requests in flight
 * per connection, answered in any order, matched by id.
 */
import net from 'node:net';
import type { Logger } from '../logger';
import { RpcError, RpcErrorCode } from '../errors';
import { FrameError, FrameReader, FrameWriter, DEFAULT_MAX_FRAME_BYTES } from './frames';
import { clientProof, isBytes, newNonce, NONCE_BYTES, proofsEqual, serverProof } from './handshake';
import { KIND_ERROR, KIND_REQUEST, KIND_RESPONSE, toWireError } from './messages';

export interface CallContext {
  /** The authenticated peer's self-declared name (for logs). */
  readonly peer: string;
  readonly remoteAddress: string;
}

/** A handler may answer synchronously (no Promise cost on hot paths) or asynchronously. */
export type RpcHandler = (body: unknown, ctx: CallContext) => unknown;

export interface RpcServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly secret: string;
  readonly handlers: ReadonlyMap<string, RpcHandler>;
  readonly logger: Logger;
  readonly maxFrameBytes?: number;
  readonly handshakeTimeoutMs?: number;
  /** Requests in flight per connection beyond which new ones get RESOURCE_EXHAUSTED. */
  readonly maxInFlightPerConnection?: number;
}

export class RpcServer {
  private readonly connections = new Set<net.Socket>();
  private closed = false;

  private constructor(
    private readonly server: net.Server,
    private readonly options: RpcServerOptions,
    readonly host: string,
    readonly port: number,
  ) {}

  static listen(options: RpcServerOptions): Promise<RpcServer> {
    if (!options.secret) throw new Error('RpcServer needs a cluster secret');
    return new Promise((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        const addr = server.address() as net.AddressInfo;
        const rpc = new RpcServer(server, options, options.host, addr.port);
        server.on('connection', (socket) => rpc.accept(socket));
        server.on('error', (err) => options.logger.error({ err }, 'rpc server error'));
        resolve(rpc);
      });
    });
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  private accept(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const { logger, secret } = this.options;
    const maxFrame = this.options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    const maxInFlight = this.options.maxInFlightPerConnection ?? 200_000;
    const remoteAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    this.connections.add(socket);
    socket.setNoDelay(true);

    const reader = new FrameReader(maxFrame);
    const writer = new FrameWriter((data) => {
      if (!socket.write(data)) {
        // Backpressure: stop reading requests until the peer drains our responses.
        socket.pause();
      }
    }, maxFrame);
    socket.on('drain', () => socket.resume());

    const serverNonce = newNonce();
    let ctx: CallContext | null = null;
    let inFlight = 0;
    const handshakeTimer = setTimeout(() => {
      logger.warn({ remoteAddress }, 'rpc peer did not authenticate in time; closing');
      socket.destroy();
    }, this.options.handshakeTimeoutMs ?? 5000);
    writer.send(['hello', serverNonce]);

    const reply = (id: number, result: unknown): void => {
      inFlight--;
      if (socket.destroyed) return;
      try {
        writer.send([KIND_RESPONSE, id, result]);
      } catch (err) {
        writer.send([KIND_ERROR, id, toWireError(err)]);
      }
    };
    const fail = (id: number, err: unknown): void => {
      inFlight--;
      if (socket.destroyed) return;
      if (!(err instanceof RpcError) && !(err instanceof Error && err.name === 'SqlError')) {
        logger.error({ err, remoteAddress }, 'rpc handler failed');
      }
      writer.send([KIND_ERROR, id, toWireError(err)]);
    };

    const onRequest = (message: unknown): void => {
      if (
        !Array.isArray(message) ||
        message[0] !== KIND_REQUEST ||
        typeof message[1] !== 'number' ||
        typeof message[2] !== 'string'
      ) {
        throw new FrameError('malformed request frame');
      }
      const id = message[1];
      const method = message[2];
      inFlight++;
      if (inFlight > maxInFlight) {
        fail(
          id,
          new RpcError(
            RpcErrorCode.resourceExhausted,
            `more than ${maxInFlight} requests in flight`,
          ),
        );
        return;
      }
      const handler = this.options.handlers.get(method);
      if (!handler) {
        fail(id, new RpcError(RpcErrorCode.unknownMethod, `unknown method "${method}"`));
        return;
      }
      let result: unknown;
      try {
        result = handler(message[3], ctx as CallContext);
      } catch (err) {
        fail(id, err);
        return;
      }
      if (result instanceof Promise) {
        result.then(
          (value) => reply(id, value),
          (err) => fail(id, err),
        );
      } else {
        reply(id, result);
      }
    };

    const onHandshake = (message: unknown): void => {
      const ok =
        Array.isArray(message) &&
        message[0] === 'auth' &&
        isBytes(message[1], NONCE_BYTES) &&
        isBytes(message[2]) &&
        proofsEqual(message[2], clientProof(secret, serverNonce, message[1]));
      if (!ok) {
        logger.warn({ remoteAddress }, 'rpc peer failed cluster authentication; refused');
        socket.destroy();
        return;
      }
      clearTimeout(handshakeTimer);
      const [, clientNonce, , name] = message as [string, Uint8Array, Uint8Array, unknown];
      ctx = { peer: typeof name === 'string' ? name : 'unknown', remoteAddress };
      writer.send(['welcome', serverProof(secret, clientNonce, serverNonce)]);
      logger.debug({ peer: ctx.peer, remoteAddress }, 'rpc peer connected');
    };

    socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk, (message) => (ctx === null ? onHandshake(message) : onRequest(message)));
      } catch (err) {
        logger.warn(
          { err: (err as Error).message, remoteAddress },
          'bad rpc traffic; closing connection',
        );
        socket.destroy();
      }
    });
    socket.on('error', (err) =>
      logger.debug({ err: err.message, remoteAddress }, 'rpc socket error'),
    );
    socket.on('close', () => {
      clearTimeout(handshakeTimer);
      this.connections.delete(socket);
    });
  }

  /** Stops accepting, closes every connection (callers' pending calls fail UNAVAILABLE). */
  close(): Promise<void> {
    this.closed = true;
    for (const socket of this.connections) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
