import { expect } from 'chai';
import { MetaStateMachine } from '../../../meta/stateMachine';
import type { MetaCommand } from '../../../meta/commands';
import type { DatabaseDef } from '../../../common/catalog/schema';
import { SqlError } from '../../../common/errors';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return String((err as SqlError).code);
  }
  throw new Error('expected an error');
}

describe('meta databases', () => {
  it('a fresh cluster has postgres, template1 and template0 with PostgreSQL 15 OIDs', () => {
    const m = new MetaStateMachine();
    expect(m.databases.map((d) => [d.name, d.oid, d.isTemplate, d.allowConnections])).to.deep.equal(
      [
        ['postgres', 5, false, true],
        ['template1', 1, true, true],
        ['template0', 4, true, false],
      ],
    );
  });

  it('create, rename and drop, with PostgreSQL errors; the catalog version moves; snapshots keep them', () => {
    const m = new MetaStateMachine();
    const v0 = m.catalogVersion;
    const create = (
      name: string,
      extra: Partial<Extract<MetaCommand, { type: 'createDatabase' }>> = {},
    ) => m.apply({ type: 'createDatabase', name, owner: 'postgres', ...extra }) as DatabaseDef;
    const shop = create('shop');
    expect(shop).to.include({ name: 'shop', owner: 'postgres', encoding: 'UTF8', collate: 'C' });
    expect(shop.oid).to.be.at.least(16384);
    expect(m.catalogVersion).to.be.greaterThan(v0);
    expect(codeOf(() => create('shop'))).to.equal('42P04');
    expect(codeOf(() => create('x', { template: 'nope' }))).to.equal('3D000');
    expect(codeOf(() => create('x', { owner: 'nobody' }))).to.equal('42704');
    // Another locale only from template0 (PostgreSQL's rule).
    expect(codeOf(() => create('x', { collate: 'C.UTF-8' }))).to.equal('22023');
    expect(
      create('y', { template: 'template0', collate: 'C.UTF-8', ctype: 'C.UTF-8' }).collate,
    ).to.equal('C.UTF-8');
    m.apply({ type: 'renameDatabase', name: 'y', newName: 'z' });
    expect(codeOf(() => m.apply({ type: 'renameDatabase', name: 'z', newName: 'shop' }))).to.equal(
      '42P04',
    );
    expect(codeOf(() => m.apply({ type: 'renameDatabase', name: 'y', newName: 'q' }))).to.equal(
      '3D000',
    );
    expect(
      codeOf(() => m.apply({ type: 'dropDatabase', name: 'template1', ifExists: false })),
    ).to.equal('42809');
    expect(codeOf(() => m.apply({ type: 'dropDatabase', name: 'nope', ifExists: false }))).to.equal(
      '3D000',
    );
    expect(m.apply({ type: 'dropDatabase', name: 'nope', ifExists: true })).to.equal(null);
    m.apply({ type: 'dropDatabase', name: 'shop', ifExists: false });
    const r = new MetaStateMachine();
    r.restore(m.snapshot());
    expect(r.databases.map((d) => d.name)).to.deep.equal([
      'postgres',
      'template1',
      'template0',
      'z',
    ]);
    // OIDs are never reused after a drop.
    expect(create('shop').oid).to.be.greaterThan(shop.oid);
  });
});

describe('meta databases and their owner roles', () => {
  const role = (name: string) => ({
    name,
    superuser: false,
    login: true,
    createdb: true,
    createrole: false,
  });

  it('a role owning a database cannot be dropped (2BP01); renaming the role renames the owner', () => {
    const m = new MetaStateMachine();
    m.apply({ type: 'createRole', role: role('alice') });
    m.apply({ type: 'createDatabase', name: 'shop', owner: 'alice' });
    expect(codeOf(() => m.apply({ type: 'dropRole', name: 'alice', ifExists: false }))).to.equal(
      '2BP01',
    );
    m.apply({ type: 'alterRole', name: 'alice', role: role('alicia') });
    expect(m.databases.find((d) => d.name === 'shop')?.owner).to.equal('alicia');
    m.apply({ type: 'dropDatabase', name: 'shop', ifExists: false });
    m.apply({ type: 'dropRole', name: 'alicia', ifExists: false });
    expect(m.roles.map((r) => r.name)).to.not.include('alicia');
  });
});
