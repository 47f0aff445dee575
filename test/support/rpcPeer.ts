/**
 * A child-process RPC server for tests that kill a peer mid-call.
 * Usage: node rpcPeer.js <secret>; prints "PORT <n>" when listening.
 */
import { RpcServer } from '../../common/rpc';
import { silentLogger } from '../../common/logger';

async function main(): Promise<void> {
  const handlers = new Map<string, (body: unknown) => unknown>([
    ['echo', (body) => body],
    ['hang', () => new Promise(() => undefined)],
  ]);
  const server = await RpcServer.listen({
    host: '127.0.0.1',
    port: 0,
    secret: process.argv[2],
    handlers,
    logger: silentLogger(),
  });
  process.stdout.write(`PORT ${server.port}\n`);
}

void main();
