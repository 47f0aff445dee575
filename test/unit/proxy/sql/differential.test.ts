/**
 * Differential suite: the same schema, data and statements on a private PostgreSQL 15
 * and on ShardDB (tables split into several ranges over 3 shards), comparing rows (in
 * order when the statement's ORDER BY fixes it, as multisets otherwise), column names and
 * types, command tags, and the SQLSTATE of errors.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { loadModule, parseSync } from 'libpg-query';
import {
  findPostgresBinDir,
  startPostgres,
  type PostgresServer,
} from '../../../../scripts/lib/postgresServer';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';
import {
  DML,
  HAND_WRITTEN,
  SCHEMA,
  SPLITS,
  TEXT_EXACT,
  dataStatements,
  generatedQueries,
} from './differentialData';

interface Outcome {
  readonly error?: string;
  readonly message?: string;
  readonly command?: string;
  readonly rowCount?: number | null;
  readonly fields?: string[];
  readonly rows?: string[];
}

/** Every type as the text the server sent (no client-side parsing). */
const RAW_TEXT = { getTypeParser: () => (v: string) => v };

async function runOn(client: Client, sql: string, raw = false): Promise<Outcome> {
  try {
    const r = await client.query({
      text: sql,
      rowMode: 'array',
      ...(raw ? { types: RAW_TEXT } : {}),
    });
    return {
      command: r.command,
      rowCount: r.command === 'SELECT' || r.command === 'EXPLAIN' ? r.rows.length : r.rowCount,
      fields: r.fields.map((f) => `${f.name}:${f.dataTypeID}`),
      rows: (r.rows as unknown[][]).map((row) => JSON.stringify(row)),
    };
  } catch (err) {
    return {
      error: (err as { code?: string }).code ?? String(err),
      message: (err as Error).message,
    };
  }
}

/** Does the top-level statement's ORDER BY fix the row order? */
function isOrdered(sql: string): boolean {
  try {
    const stmt = (
      parseSync(sql) as { stmts: Array<{ stmt: Record<string, Record<string, unknown>> }> }
    ).stmts[0].stmt;
    const sel = stmt.SelectStmt;
    return Boolean(sel && Array.isArray(sel.sortClause) && sel.sortClause.length > 0);
  } catch {
    return false;
  }
}

function compare(sql: string, pg: Outcome, ours: Outcome): void {
  if (pg.error !== undefined || ours.error !== undefined) {
    expect(ours.error, `error SQLSTATE (ours: ${JSON.stringify(ours)})`).to.equal(pg.error);
    return;
  }
  expect(ours.command, 'command tag').to.equal(pg.command);
  expect(ours.rowCount, 'row count').to.equal(pg.rowCount);
  expect(ours.fields, 'columns (name:type)').to.deep.equal(pg.fields);
  if (isOrdered(sql)) expect(ours.rows, 'rows in order').to.deep.equal(pg.rows);
  else
    expect([...(ours.rows ?? [])].sort(), 'rows as a multiset').to.deep.equal(
      [...(pg.rows ?? [])].sort(),
    );
}

describe('SQL differential suite against PostgreSQL 15', function () {
  this.timeout(120_000);
  let pgServer: PostgresServer | undefined;
  let cluster: InProcessCluster | undefined;
  let pg: Client;
  let ours: Client;

  before(async function () {
    if (findPostgresBinDir() === null) this.skip(); // PostgreSQL 15 not installed
    await loadModule();
    [pgServer, cluster] = await Promise.all([
      startPostgres(),
      startInProcessCluster({ shards: 3 }),
    ]);
    pg = new Client({ connectionString: pgServer.connectionString });
    ours = new Client({ connectionString: cluster.url });
    await Promise.all([pg.connect(), ours.connect()]);
    for (const s of SCHEMA) {
      await pg.query(s);
      await ours.query(s);
    }
    // Split before loading too, so rows land on several shards through the normal write path.
    await ours.query(SPLITS[0]);
    for (const s of dataStatements()) {
      await pg.query(s);
      await ours.query(s);
    }
    for (const s of SPLITS.slice(1)) await ours.query(s);
  });

  after(async () => {
    await pg?.end().catch(() => undefined);
    await ours?.end().catch(() => undefined);
    await cluster?.close();
    await pgServer?.stop();
  });

  it('spreads the tables over several ranges on 3 shards', async () => {
    const r = await ours.query('SHOW RANGES');
    const byTable = new Map<string, Set<number>>();
    for (const row of r.rows as Array<{ table_name: string; shard_id: number }>) {
      const s = byTable.get(row.table_name) ?? new Set<number>();
      s.add(row.shard_id);
      byTable.set(row.table_name, s);
    }
    expect(r.rows.filter((x: { table_name: string }) => x.table_name === 'items').length).to.equal(
      4,
    );
    expect(byTable.get('items')?.size).to.equal(3);
    expect(byTable.get('orders')?.size).to.be.greaterThan(1);
  });

  describe('hand-written queries', () => {
    for (const sql of HAND_WRITTEN) {
      it(sql, async () => compare(sql, await runOn(pg, sql), await runOn(ours, sql)));
    }
  });

  describe('jsonb, date/time and index lookups (output text compared byte for byte)', () => {
    for (const sql of TEXT_EXACT) {
      it(sql, async () => compare(sql, await runOn(pg, sql, true), await runOn(ours, sql, true)));
    }
  });

  describe('generated queries (seed 7)', () => {
    for (const sql of generatedQueries(7, 320)) {
      it(sql, async () => compare(sql, await runOn(pg, sql), await runOn(ours, sql)));
    }
  });

  describe('DML and DDL, in order', () => {
    for (const sql of DML) {
      it(sql, async () => compare(sql, await runOn(pg, sql), await runOn(ours, sql)));
    }
  });
});
