/**
 * The transaction of an extended-protocol batch, step by step over raw protocol messages,
 * against ShardDB (an in-process cluster: the real SQL session) and, when it is installed,
 * a private PostgreSQL 15 that must answer the same.
 *
 * protocol.html §55.2.3 (Extended Query, pipelining): the messages up to a Sync run in one
 * implicit transaction unless the batch holds BEGIN; an error in any of them — at Parse,
 * Bind, Describe or Execute — rolls that transaction back (also what earlier Executes of
 * the same batch wrote) or, inside BEGIN, leaves the block aborted (25P02 until ROLLBACK).
 * A simple Query has no parameters: `$1` in it is 42P02.
 */
import { expect } from 'chai';
import { RawClient, serialize, type Msg } from './rawClient';
import { startInProcessCluster, type InProcessCluster } from '../../../support/inProcessCluster';
import {
  findPostgresBinDir,
  startPostgres,
  type PostgresServer,
} from '../../../../scripts/lib/postgresServer';

/** One round trip: frontend messages ending with Sync or a Query; answered up to ReadyForQuery. */
type Step = Buffer[];

interface Scenario {
  readonly name: string;
  readonly steps: readonly Step[];
  /** Per step, what came back (see trace()). */
  readonly expect: readonly (readonly string[])[];
}

const count = serialize.query('SELECT count(*) FROM t');
const countIs = (n: number): string[] => [
  'rowDescription',
  `dataRow:${n}`,
  'commandComplete:SELECT 1',
  'readyForQuery:I',
];

/** Parse/Bind/Execute of one statement without parameters (the unnamed statement and portal). */
function pbe(sql: string): Buffer[] {
  return [serialize.parse({ text: sql }), serialize.bind({}), serialize.execute({})];
}
const pbeOk = (tag: string): string[] => [
  'parseComplete',
  'bindComplete',
  `commandComplete:${tag}`,
];
const sync = serialize.sync();
const insert = (n: number): Buffer[] => pbe(`INSERT INTO t VALUES (${n})`);
/** Division by zero at Execute (PostgreSQL would fold a constant 1/0 at Bind already). */
const divideByZero = 'SELECT 1 / (SELECT count(*)::int FROM t WHERE id < 0)';

const scenarios: readonly Scenario[] = [
  {
    name: 'a syntax error at Parse rolls back an INSERT executed earlier in the batch',
    steps: [[...insert(1), serialize.parse({ text: 'SELEC 1' }), sync], [count]],
    expect: [[...pbeOk('INSERT 0 1'), 'error:42601', 'readyForQuery:I'], countIs(0)],
  },
  {
    name: 'an unknown table at Parse rolls back an INSERT executed earlier in the batch',
    steps: [[...insert(1), serialize.parse({ text: 'SELECT * FROM nosuch' }), sync], [count]],
    expect: [[...pbeOk('INSERT 0 1'), 'error:42P01', 'readyForQuery:I'], countIs(0)],
  },
  {
    name: 'a Bind with the wrong parameter count rolls back the batch',
    steps: [
      [
        ...insert(1),
        serialize.parse({ text: 'SELECT $1::int' }),
        serialize.bind({}),
        serialize.execute({}),
        sync,
      ],
      [count],
    ],
    expect: [
      [...pbeOk('INSERT 0 1'), 'parseComplete', 'error:08P01', 'readyForQuery:I'],
      countIs(0),
    ],
  },
  {
    name: 'a Describe of an unknown statement rolls back the batch',
    steps: [[...insert(1), serialize.describe({ type: 'S', name: 'nosuch' }), sync], [count]],
    expect: [[...pbeOk('INSERT 0 1'), 'error:26000', 'readyForQuery:I'], countIs(0)],
  },
  {
    name: 'an Execute that fails after a successful one rolls back the batch',
    steps: [[...insert(1), ...insert(2), ...pbe(divideByZero), sync], [count]],
    expect: [
      [
        ...pbeOk('INSERT 0 1'),
        ...pbeOk('INSERT 0 1'),
        'parseComplete',
        'bindComplete',
        'error:22012',
        'readyForQuery:I',
      ],
      countIs(0),
    ],
  },
  {
    name: 'Sync is the boundary: an earlier batch stays committed',
    steps: [
      [...insert(1), sync],
      [...insert(2), serialize.parse({ text: 'SELEC' }), sync],
      [count],
    ],
    expect: [
      [...pbeOk('INSERT 0 1'), 'readyForQuery:I'],
      [...pbeOk('INSERT 0 1'), 'error:42601', 'readyForQuery:I'],
      countIs(1),
    ],
  },
  {
    name: 'a SET earlier in a failed batch is rolled back with it',
    steps: [
      [...pbe("SET statement_timeout = '5s'"), serialize.parse({ text: 'SELEC' }), sync],
      [serialize.query('SHOW statement_timeout')],
    ],
    expect: [
      [...pbeOk('SET'), 'error:42601', 'readyForQuery:I'],
      ['rowDescription', 'dataRow:0', 'commandComplete:SHOW', 'readyForQuery:I'],
    ],
  },
  {
    name: 'BEGIN in the batch, then a Parse error: the block is aborted until ROLLBACK',
    steps: [
      [...pbe('BEGIN'), ...insert(1), serialize.parse({ text: 'SELEC 1' }), sync],
      [serialize.query('SELECT 1')],
      [...pbe('SELECT 1'), sync],
      [serialize.parse({ name: 'later', text: 'SELECT 2' }), sync],
      [...pbe('ROLLBACK'), sync],
      [count],
    ],
    expect: [
      [...pbeOk('BEGIN'), ...pbeOk('INSERT 0 1'), 'error:42601', 'readyForQuery:E'],
      ['error:25P02', 'readyForQuery:E'],
      ['error:25P02', 'readyForQuery:E'],
      ['error:25P02', 'readyForQuery:E'],
      [...pbeOk('ROLLBACK'), 'readyForQuery:I'],
      countIs(0),
    ],
  },
  {
    name: 'BEGIN in the batch, then a Bind error: aborted; COMMIT rolls back',
    steps: [
      [
        ...pbe('BEGIN'),
        ...insert(1),
        serialize.parse({ text: 'SELECT $1::int' }),
        serialize.bind({}),
        sync,
      ],
      [serialize.query('INSERT INTO t VALUES (2)')],
      [serialize.query('COMMIT')],
      [count],
    ],
    expect: [
      [
        ...pbeOk('BEGIN'),
        ...pbeOk('INSERT 0 1'),
        'parseComplete',
        'error:08P01',
        'readyForQuery:E',
      ],
      ['error:25P02', 'readyForQuery:E'],
      ['commandComplete:ROLLBACK', 'readyForQuery:I'],
      countIs(0),
    ],
  },
  {
    name: 'BEGIN in the batch, then an Execute error: aborted; a prepared statement waits too',
    steps: [
      [serialize.parse({ name: 'ins', text: 'INSERT INTO t VALUES ($1)', types: [23] }), sync],
      [...pbe('BEGIN'), ...insert(1), ...pbe(divideByZero), sync],
      [serialize.bind({ statement: 'ins', values: ['3'] }), serialize.execute({}), sync],
      [serialize.query('ROLLBACK')],
      [count],
    ],
    expect: [
      ['parseComplete', 'readyForQuery:I'],
      [
        ...pbeOk('BEGIN'),
        ...pbeOk('INSERT 0 1'),
        'parseComplete',
        'bindComplete',
        'error:22012',
        'readyForQuery:E',
      ],
      ['error:25P02', 'readyForQuery:E'],
      ['commandComplete:ROLLBACK', 'readyForQuery:I'],
      countIs(0),
    ],
  },
  {
    name: 'a simple Query has no parameters: $1 is 42P02, and the string is rolled back',
    steps: [
      [serialize.query('SELECT $1')],
      [serialize.query('INSERT INTO t VALUES (1); SELECT $1::int')],
      [count],
    ],
    expect: [
      ['error:42P02', 'readyForQuery:I'],
      // PostgreSQL analyses each statement of the string just before running it.
      ['commandComplete:INSERT 0 1', 'error:42P02', 'readyForQuery:I'],
      countIs(0),
    ],
  },
  {
    name: 'a simple Query with $1 fails also after the same text was prepared with Parse',
    steps: [
      [
        serialize.parse({ text: 'SELECT $1' }),
        serialize.bind({ values: ['x'] }),
        serialize.execute({}),
        sync,
      ],
      [serialize.query('SELECT $1')],
    ],
    expect: [
      ['parseComplete', 'bindComplete', 'dataRow:x', 'commandComplete:SELECT 1', 'readyForQuery:I'],
      ['error:42P02', 'readyForQuery:I'],
    ],
  },
];

/** What a user sees of a reply: message names, tags, values, SQLSTATEs, transaction status. */
function trace(ms: readonly Msg[]): string[] {
  const out: string[] = [];
  for (const m of ms) {
    switch (m.name) {
      case 'notice':
      case 'parameterStatus':
        break; // PostgreSQL reports changed GUCs at a different moment; not what this is about
      case 'error':
        out.push(`error:${String(m.code)}`);
        break;
      case 'readyForQuery':
        out.push(`readyForQuery:${String(m.status)}`);
        break;
      case 'commandComplete':
        out.push(`commandComplete:${String(m.text)}`);
        break;
      case 'dataRow':
        out.push(`dataRow:${(m.fields as unknown[]).map(String).join(',')}`);
        break;
      default:
        out.push(m.name);
    }
  }
  return out;
}

interface Target {
  readonly port: number;
}

async function run(target: Target, s: Scenario): Promise<string[][]> {
  const c = await RawClient.connect(target.port, { user: 'postgres', database: 'postgres' });
  try {
    c.send(serialize.query('DELETE FROM t'));
    const setup = await c.until('readyForQuery');
    expect(trace(setup)).to.include('readyForQuery:I');
    const out: string[][] = [];
    for (const step of s.steps) {
      c.send(...step);
      out.push(trace(await c.until('readyForQuery', 10_000)));
    }
    return out;
  } finally {
    c.end();
  }
}

describe('pgwire extended batch: one implicit transaction up to Sync (vs PostgreSQL 15)', function () {
  this.timeout(60_000);
  let cluster: InProcessCluster | undefined;
  let pg: PostgresServer | undefined;

  before(async () => {
    cluster = await startInProcessCluster({ shards: 1 });
    if (findPostgresBinDir() === null)
      console.warn(
        'PostgreSQL 15 is not installed: checking ShardDB against the expected traces only',
      );
    else pg = await startPostgres();
    for (const port of [cluster.proxy.port, pg?.port]) {
      if (port === undefined) continue;
      const c = await RawClient.connect(port, { user: 'postgres', database: 'postgres' });
      c.send(serialize.query('CREATE TABLE t (id int)'));
      const ms = await c.until('readyForQuery', 10_000);
      c.end();
      expect(trace(ms)).to.deep.equal(['commandComplete:CREATE TABLE', 'readyForQuery:I']);
    }
  });

  after(async () => {
    await pg?.stop();
    await cluster?.close();
  });

  for (const s of scenarios) {
    it(s.name, async () => {
      if (pg !== undefined) expect(await run(pg, s), 'PostgreSQL').to.deep.equal(s.expect);
      expect(
        await run({ port: (cluster as InProcessCluster).proxy.port }, s),
        'ShardDB',
      ).to.deep.equal(s.expect);
    });
  }

  it('reports where the parameter is, as PostgreSQL does', async () => {
    for (const port of [pg?.port, (cluster as InProcessCluster).proxy.port]) {
      if (port === undefined) continue;
      const c = await RawClient.connect(port, { user: 'postgres', database: 'postgres' });
      try {
        c.send(serialize.query('SELECT 1, $2 + 1'));
        const ms = await c.until('readyForQuery');
        const err = ms.find((m) => m.name === 'error');
        expect(err?.message).to.equal('there is no parameter $2');
        expect(err?.position).to.equal('11');
      } finally {
        c.end();
      }
    }
  });
});
