/**
 * Exactly-once catalog commands under kill -9 of the meta leader (meta/clientSessions.ts):
 * clients create tables and draw sequence values in a loop while the leader is killed and
 * restarted. A command whose answer died with the leader is retried by MetaClient and may
 * reach the log twice; it must still take effect once. Afterwards: no sequence value was
 * issued twice, every acknowledged CREATE TABLE exists, and no CREATE reported 42P07 for a
 * table nobody else creates.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MetaClient } from '../../common/clients/metaClient';
import { RpcError } from '../../common/errors';
import { silentLogger } from '../../common/logger';
import type { TableSpec } from '../../common/catalog/schema';
import { startMetaProcesses, type MetaProcessGroup } from '../support/metaProcesses';

const WORKERS = 16;
const KILLS = 4;

function tableSpec(name: string): TableSpec {
  return {
    schema: 'public',
    name,
    columns: [{ name: 'k', type: 'int8', nullable: false }],
    primaryKey: ['k'],
  } as unknown as TableSpec;
}

function sqlStateOf(err: unknown): string | undefined {
  return err instanceof RpcError ? err.sqlState : (err as { code?: string }).code;
}

describe('meta: exactly-once commands across kill -9 of the leader', function () {
  this.timeout(120_000);
  let dir = '';
  let group: MetaProcessGroup | null = null;
  let meta: MetaClient | null = null;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meta-once-'));
  });
  afterEach(async function () {
    meta?.close();
    meta = null;
    await group?.stop();
    group = null;
    if (this.currentTest?.state === 'failed') console.error(`meta logs kept in ${dir}/logs`);
    else fs.rmSync(dir, { recursive: true, force: true });
  });

  it('no sequence value twice, every acknowledged table exists, no false 42P07', async () => {
    const g = (group = await startMetaProcesses(dir));
    await g.waitForLeader();
    const m = (meta = new MetaClient({
      addresses: g.addresses,
      secret: g.secret,
      name: 'once',
      logger: silentLogger(),
      deadlineMs: 20_000,
    }));
    await m.registerShard('127.0.0.1:1', 'fake-shard');
    await m.sqlCommand({
      type: 'createSequence',
      schema: 'public',
      name: 'ids',
      start: '1',
      increment: '1',
      ifNotExists: false,
    });

    let stop = false;
    const values: bigint[] = [];
    const ackedTables: string[] = [];
    const false42P07: string[] = [];
    const otherErrors: string[] = [];
    // A call that ran out of its deadline has an unknown outcome: not a wrong answer.
    let unknownOutcomes = 0;
    const failed = (what: string, err: unknown): void => {
      if (err instanceof RpcError && err.sqlState === undefined) unknownOutcomes++;
      else otherErrors.push(`${what}: ${(err as Error).message}`);
    };
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const name = `t_${w}_${i}`;
        try {
          await m.createTable(tableSpec(name), false);
          ackedTables.push(name);
        } catch (err) {
          // Nobody else creates this name: 42P07 would be our own retry seen as a duplicate.
          if (sqlStateOf(err) === '42P07') false42P07.push(name);
          else failed(`create ${name}`, err);
        }
        try {
          const { result } = await m.sqlCommand<{ first: bigint; increment: bigint }>({
            type: 'nextSequence',
            schema: 'public',
            name: 'ids',
            count: 3,
          });
          const first = BigInt(result.first);
          values.push(first, first + 1n, first + 2n);
        } catch (err) {
          failed('nextval', err);
        }
      }
    };
    const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));

    try {
      for (let k = 0; k < KILLS; k++) {
        const before = ackedTables.length;
        // Let commands flow, then kill the leader with some of them in flight.
        while (ackedTables.length < before + 20) await new Promise((r) => setTimeout(r, 10));
        const leader = await g.waitForLeader();
        await g.kill(leader.id);
        await g.waitForLeader(20_000);
        // The last one stays down: two of three serve the final round.
        if (k < KILLS - 1) await g.restart(leader.id);
      }
      const before = ackedTables.length;
      while (ackedTables.length < before + 20) await new Promise((r) => setTimeout(r, 10));
    } finally {
      stop = true;
      await Promise.all(workers);
    }

    expect(false42P07, 'CREATE TABLE reported 42P07 for its own table').to.deep.equal([]);
    const seen = new Set<bigint>();
    const twice = values.filter((v) => (seen.has(v) ? true : (seen.add(v), false)));
    expect(twice, 'sequence values issued twice').to.deep.equal([]);
    const { tables } = await m.catalog();
    const existing = new Set(tables.map((t) => t.name));
    expect(ackedTables.filter((t) => !existing.has(t))).to.deep.equal([]);
    expect(otherErrors, otherErrors.slice(0, 3).join('; ')).to.deep.equal([]);
    expect(ackedTables.length).to.be.greaterThan(60);
    console.log(
      `    exactly-once: ${ackedTables.length} tables, ${values.length} sequence values, ${KILLS} leader kills, ${unknownOutcomes} calls out of time`,
    );
  });
});
