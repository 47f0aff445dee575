/**
 * The internal RPC client: one persistent authenticated connection to one peer, many
 * calls in flight, a deadline on every call, reconnection with exponential backoff.
 *
 * Failure contract: a call never hangs. It resolves, or rejects with RpcError —
 * UNAVAILABLE (peer unreachable, or the connection dropped mid-call: the call may or may
 * not have run), DEADLINE_EXCEEDED, AUTH_FAILED, RESOURCE_EXHAUSTED, or the remote error.
 * While the peer is down and the backoff runs, calls fail at once rather than queue, so
 * callers that can go elsewhere (meta leader search, replica choice) do so quickly.
 */
import net from 'node:net';
import type { Logger } from '../logger';
import { RpcError, RpcErrorCode } from '../errors';
import { parseAddress } from '../config';
import { DEFAULT_MAX_FRAME_BYTES, FrameReader, FrameWriter } from './frames';
import { clientProof, isBytes, newNonce, NONCE_BYTES, proofsEqual, serverProof } from './handshake';
import { fromWireError, KIND_ERROR, KIND_REQUEST, KIND_RESPONSE } from './messages';

export interface RpcClientOptions {
  /** host:port of the peer. */
  readonly address: string;
  readonly secret: string;
  /** How this process names itself to the peer (logs only). */
  readonly name: string;
  readonly logger: Logger;
  readonly defaultTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly maxFrameBytes?: number;
  readonly maxInFlight?: number;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
}

export interface CallOptions {
  readonly timeoutMs?: number;
}

interface PendingCall {
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: RpcError) => void;
  readonly method: string;
  readonly deadline: number;
  /** The request, kept until the connection is ready to send it. */
  request: unknown[] | null;
}

type State = 'idle' | 'connecting' | 'ready' | 'closed';

/** Deadline granularity: calls expire within this many ms after their deadline. */
const SWEEP_INTERVAL_MS = 10;

export class RpcClient {
  private state: State = 'idle';
  private socket: net.Socket | null = null;
  private writer: FrameWriter | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, PendingCall>();
  /** Call ids grouped by timeout; each list is in deadline order, so sweeping reads heads only. */
  private readonly deadlines = new Map<number, { ids: number[]; head: number }>();
  private sweeper: NodeJS.Timeout | null = null;
  private backoffMs: number;
  private retryAt = 0;
  private lastError = '';
  private readonly host: string;
  private readonly port: number;

  constructor(private readonly options: RpcClientOptions) {
    if (!options.secret) throw new Error('RpcClient needs a cluster secret');
    const { host, port } = parseAddress(options.address);
    this.host = host;
    this.port = port;
    this.backoffMs = options.backoffInitialMs ?? 50;
  }

  get address(): string {
    return this.options.address;
  }

  get isConnected(): boolean {
    return this.state === 'ready';
  }

  call<T = unknown>(method: string, body: unknown, options?: CallOptions): Promise<T> {
    if (this.state === 'closed') {
      return Promise.reject(
        new RpcError(RpcErrorCode.unavailable, `client to ${this.address} is closed`),
      );
    }
    if (this.pending.size >= (this.options.maxInFlight ?? 200_000)) {
      return Promise.reject(
        new RpcError(RpcErrorCode.resourceExhausted, `too many calls in flight to ${this.address}`),
      );
    }
    if (this.state === 'idle') {
      const now = Date.now();
      if (now < this.retryAt) {
        return Promise.reject(
          new RpcError(
            RpcErrorCode.unavailable,
            `${this.address} unreachable (${this.lastError}); retrying in ${this.retryAt - now} ms`,
          ),
        );
      }
      this.connect();
    }
    const id = this.nextId++;
    const timeoutMs = options?.timeoutMs ?? this.options.defaultTimeoutMs ?? 5000;
    return new Promise<T>((resolve, reject) => {
      const request = [KIND_REQUEST, id, method, body];
      const call: PendingCall = {
        resolve: resolve as (value: unknown) => void,
        reject,
        method,
        deadline: Date.now() + timeoutMs,
        request: null,
      };
      this.pending.set(id, call);
      this.trackDeadline(id, timeoutMs);
      if (this.state === 'ready') {
        this.send(id, request);
      } else {
        call.request = request;
      }
    });
  }

  private send(id: number, request: unknown[]): void {
    try {
      (this.writer as FrameWriter).send(request);
    } catch (err) {
      this.settle(id, new RpcError(RpcErrorCode.badRequest, (err as Error).message));
    }
  }

  private trackDeadline(id: number, timeoutMs: number): void {
    let bucket = this.deadlines.get(timeoutMs);
    if (!bucket) {
      bucket = { ids: [], head: 0 };
      this.deadlines.set(timeoutMs, bucket);
    }
    bucket.ids.push(id);
    if (this.sweeper === null) {
      this.sweeper = setInterval(this.sweep, SWEEP_INTERVAL_MS);
      this.sweeper.unref();
    }
  }

  private readonly sweep = (): void => {
    const now = Date.now();
    for (const [timeoutMs, bucket] of this.deadlines) {
      const { ids } = bucket;
      while (bucket.head < ids.length) {
        const id = ids[bucket.head];
        const call = this.pending.get(id);
        if (call !== undefined && call.deadline > now) break;
        bucket.head++;
        if (call !== undefined) {
          this.settle(
            id,
            new RpcError(
              RpcErrorCode.deadlineExceeded,
              `${call.method} to ${this.address} timed out after ${timeoutMs} ms`,
            ),
          );
        }
      }
      if (bucket.head === ids.length) {
        this.deadlines.delete(timeoutMs);
      } else if (bucket.head > 1024 && bucket.head * 2 > ids.length) {
        bucket.ids = ids.slice(bucket.head);
        bucket.head = 0;
      }
    }
    if (this.deadlines.size === 0 && this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  };

  private settle(id: number, err: RpcError | null, value?: unknown): void {
    const call = this.pending.get(id);
    if (call === undefined) return;
    this.pending.delete(id);
    if (err) call.reject(err);
    else call.resolve(value);
  }

  private connect(): void {
    const { logger, secret, name } = this.options;
    this.state = 'connecting';
    const socket = net.connect({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    this.socket = socket;
    const reader = new FrameReader(this.options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    const writer = new FrameWriter((data) => socket.write(data), this.options.maxFrameBytes);
    let clientNonce: Buffer | null = null;
    let authenticated = false;
    let failure: RpcError | null = null;
    const connectTimer = setTimeout(() => {
      failure = new RpcError(RpcErrorCode.unavailable, `connect to ${this.address} timed out`);
      socket.destroy();
    }, this.options.connectTimeoutMs ?? 3000);

    const onHandshake = (message: unknown): void => {
      if (clientNonce === null) {
        if (
          !Array.isArray(message) ||
          message[0] !== 'hello' ||
          !isBytes(message[1], NONCE_BYTES)
        ) {
          throw new Error('peer did not greet with hello');
        }
        const serverNonce = message[1];
        clientNonce = newNonce();
        const nonce = clientNonce;
        writer.send(['auth', nonce, clientProof(secret, serverNonce, nonce), name]);
        // Remember the server nonce for checking its proof.
        serverNonceSeen = serverNonce;
        return;
      }
      if (
        !Array.isArray(message) ||
        message[0] !== 'welcome' ||
        !isBytes(message[1]) ||
        serverNonceSeen === null ||
        !proofsEqual(message[1], serverProof(secret, clientNonce, serverNonceSeen))
      ) {
        failure = new RpcError(
          RpcErrorCode.authFailed,
          `${this.address} failed to prove the cluster secret`,
        );
        logger.error(
          { peer: this.address },
          'rpc server failed cluster authentication; disconnecting',
        );
        socket.destroy();
        return;
      }
      authenticated = true;
      clearTimeout(connectTimer);
      this.onReady(writer);
    };
    let serverNonceSeen: Uint8Array | null = null;

    const onMessage = (message: unknown): void => {
      if (!Array.isArray(message) || typeof message[1] !== 'number') {
        throw new Error('malformed response frame');
      }
      if (message[0] === KIND_RESPONSE) this.settle(message[1], null, message[2]);
      else if (message[0] === KIND_ERROR) this.settle(message[1], fromWireError(message[2]));
      else throw new Error('unexpected frame kind');
    };

    socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk, (message) =>
          authenticated ? onMessage(message) : onHandshake(message),
        );
      } catch (err) {
        logger.warn(
          { peer: this.address, err: (err as Error).message },
          'bad rpc traffic from peer; closing',
        );
        failure = new RpcError(RpcErrorCode.unavailable, `bad traffic from ${this.address}`);
        socket.destroy();
      }
    });
    socket.on('error', (err) => {
      this.lastError = err.message;
    });
    socket.on('close', () => {
      clearTimeout(connectTimer);
      if (this.socket !== socket) return;
      this.socket = null;
      this.writer = null;
      const wasReady = authenticated;
      if (this.state !== 'closed') this.state = 'idle';
      let err = failure;
      if (err === null) {
        if (wasReady) {
          err = new RpcError(RpcErrorCode.unavailable, `connection to ${this.address} lost`);
        } else if (clientNonce !== null) {
          err = new RpcError(
            RpcErrorCode.authFailed,
            `${this.address} closed the connection during authentication (wrong cluster secret?)`,
          );
        } else {
          err = new RpcError(
            RpcErrorCode.unavailable,
            `cannot connect to ${this.address}${this.lastError ? `: ${this.lastError}` : ''}`,
          );
        }
      }
      if (wasReady) {
        logger.warn({ peer: this.address }, 'rpc connection lost');
        this.backoffMs = this.options.backoffInitialMs ?? 50;
        this.retryAt = 0;
      } else {
        this.retryAt = Date.now() + this.backoffMs;
        this.backoffMs = Math.min(this.backoffMs * 2, this.options.backoffMaxMs ?? 2000);
      }
      this.lastError = err.message;
      for (const id of [...this.pending.keys()]) this.settle(id, err);
    });
  }

  private onReady(writer: FrameWriter): void {
    this.state = 'ready';
    this.writer = writer;
    this.backoffMs = this.options.backoffInitialMs ?? 50;
    for (const [id, call] of this.pending) {
      if (call.request !== null) {
        const request = call.request;
        call.request = null;
        this.send(id, request);
      }
    }
  }

  /** Fails every pending call with UNAVAILABLE and closes the connection. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const err = new RpcError(RpcErrorCode.unavailable, `client to ${this.address} closed`);
    for (const id of [...this.pending.keys()]) this.settle(id, err);
    this.socket?.destroy();
    this.socket = null;
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
  }
}
