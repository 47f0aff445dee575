/**
 * The meta server threads a client's request id from every command RPC into its Raft entry:
 * the same request sent twice (as a MetaClient retry does) takes effect once. One meta node
 * in this process, real RPC and SQLite.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMetaNode, type MetaNode } from '../../../meta';
import { RpcClient } from '../../../common/rpc';
import { RpcError } from '../../../common/errors';
import { silentLogger } from '../../../common/logger';
import type { TableDef, TableSpec } from '../../../common/catalog/schema';
import { waitFor } from '../../support/waitFor';

const secret = 'unit-test-secret';

describe('meta server: a command sent twice with one request id is applied once', function () {
  this.timeout(20_000);
  let dir = '';
  let node: MetaNode | null = null;
  let rpc: RpcClient | null = null;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meta-req-'));
    node = await startMetaNode(
      {
        nodeName: 'meta1',
        nodeId: 1,
        listen: '127.0.0.1:0',
        advertise: '',
        dataDir: path.join(dir, 'meta1'),
        secret,
        peers: [],
        shardLivenessMs: 3000,
        raftTickMs: 20,
        raftSnapshotEvery: 1000,
        faultInjection: false,
      },
      silentLogger(),
    );
    rpc = new RpcClient({
      address: node.address,
      secret,
      name: 'test',
      logger: silentLogger(),
      defaultTimeoutMs: 2000,
    });
    const r = rpc;
    await waitFor('the node leads', () =>
      r.call('meta.registerShard', { address: 'h:1', name: 's1' }).then(
        () => true,
        () => undefined,
      ),
    );
  });
  after(async () => {
    rpc?.close();
    await node?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const req = (seq: number) => ({ client: 'retrying-client', seq, ackedBelow: seq });

  it('createTable: the retry gets the table, not 42P07', async () => {
    const spec = {
      schema: 'public',
      name: 'once',
      columns: [{ name: 'k', type: 'int8', nullable: false }],
      primaryKey: ['k'],
    } as unknown as TableSpec;
    const r = rpc as RpcClient;
    const a = await r.call<{ table: TableDef }>('meta.createTable', { spec, req: req(1) });
    const b = await r.call<{ table: TableDef }>('meta.createTable', { spec, req: req(1) });
    expect(b.table.id).to.equal(a.table.id);
    const err = await r.call('meta.createTable', { spec, req: req(2) }).catch((e: unknown) => e);
    expect((err as RpcError).sqlState).to.equal('42P07');
  });

  it('nextSequence through meta.sqlCommand: the retry gets the same block', async () => {
    const r = rpc as RpcClient;
    await r.call('meta.sqlCommand', {
      command: {
        type: 'createSequence',
        schema: 'public',
        name: 'q',
        start: '1',
        increment: '1',
        ifNotExists: false,
      },
      req: req(3),
    });
    const next = { type: 'nextSequence', schema: 'public', name: 'q', count: 5 };
    type Block = { result: { first: bigint } };
    const a = await r.call<Block>('meta.sqlCommand', { command: next, req: req(4) });
    const b = await r.call<Block>('meta.sqlCommand', { command: next, req: req(4) });
    const c = await r.call<Block>('meta.sqlCommand', { command: next, req: req(5) });
    expect(b.result.first).to.equal(a.result.first);
    expect(c.result.first).to.equal(a.result.first + 5n);
  });

  it('database and role commands too', async () => {
    const r = rpc as RpcClient;
    const create = { type: 'createDatabase', name: 'shop', owner: 'postgres' };
    await r.call('meta.databaseCommand', { command: create, req: req(6) });
    await r.call('meta.databaseCommand', { command: create, req: req(6) });
    const role = {
      type: 'createRole',
      role: { name: 'app', superuser: false, login: true, createdb: false, createrole: false },
    };
    await r.call('meta.roleCommand', { command: role, req: req(7) });
    await r.call('meta.roleCommand', { command: role, req: req(7) });
    const dup = await r
      .call('meta.databaseCommand', { command: create, req: req(8) })
      .catch((e: unknown) => e);
    expect((dup as RpcError).sqlState).to.equal('42P04');
  });
});
