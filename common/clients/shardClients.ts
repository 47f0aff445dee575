/** One RPC connection per shard address, shared by every session of a proxy. */
import { RpcClient } from '../rpc';
import type { Logger } from '../logger';

export class ShardClients {
  private readonly clients = new Map<string, RpcClient>();

  constructor(
    private readonly secret: string,
    private readonly name: string,
    private readonly logger: Logger,
  ) {}

  get(address: string): RpcClient {
    let c = this.clients.get(address);
    if (!c) {
      c = new RpcClient({
        address,
        secret: this.secret,
        name: this.name,
        logger: this.logger,
        defaultTimeoutMs: 10_000,
      });
      this.clients.set(address, c);
    }
    return c;
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
