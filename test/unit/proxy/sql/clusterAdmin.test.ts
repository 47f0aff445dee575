import { expect } from 'chai';
import { parseAdmin } from '../../../../proxy/sql/admin';
import type { ExecContext } from '../../../../proxy/sql/context';

/** A meta client that records membership calls and answers with a fixed group. */
function fakeCtx(calls: string[]): ExecContext {
  const meta = {
    addMetaMember: (id: number, address: string) => {
      calls.push(`add ${id} ${address}`);
      return Promise.resolve({
        members: [
          { id: 1, address: 'a:1' },
          { id, address },
        ],
      });
    },
    removeMetaMember: (id: number) => {
      calls.push(`remove ${id}`);
      return Promise.resolve({ members: [{ id: 2, address: 'b:2' }] });
    },
  };
  return { meta } as unknown as ExecContext;
}

describe('admin SQL: ALTER CLUSTER ADD / REMOVE META', () => {
  it('parses both statements (any case, optional semicolon) and answers the members as rows', async () => {
    const calls: string[] = [];
    const add = parseAdmin("alter cluster add meta 4 '10.0.0.4:7001';");
    expect(add?.columns?.map((c) => c.name)).to.deep.equal(['meta_id', 'address']);
    const r = await add?.execute(fakeCtx(calls));
    expect(r).to.deep.equal({
      rows: [
        [1, 'a:1'],
        [4, '10.0.0.4:7001'],
      ],
      tag: 'SELECT 2',
    });
    const rm = await parseAdmin('ALTER CLUSTER REMOVE META 3')?.execute(fakeCtx(calls));
    expect(rm?.rows).to.deep.equal([[2, 'b:2']]);
    expect(calls).to.deep.equal(['add 4 10.0.0.4:7001', 'remove 3']);
  });

  it('leaves anything else to the SQL parser', () => {
    expect(parseAdmin("ALTER CLUSTER ADD META x '1.2.3.4:1'")).to.equal(null);
    expect(parseAdmin('ALTER CLUSTER ADD META 4')).to.equal(null);
    expect(parseAdmin('ALTER TABLE t ADD COLUMN c int')).to.equal(null);
  });
});
