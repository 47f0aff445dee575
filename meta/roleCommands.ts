/**
 * Roles in the meta state: CREATE/ALTER/DROP ROLE applied deterministically. The bootstrap
 * superuser `postgres` always exists (as initdb creates it) and cannot be dropped.
 */
import { SqlError, SqlState } from '../common/errors';
import type { RoleDef } from '../common/catalog/schema';
import type { MetaCommand } from './commands';

export const BOOTSTRAP_ROLE: RoleDef = {
  name: 'postgres',
  superuser: true,
  login: true,
  createdb: true,
  createrole: true,
};

export interface RoleState {
  roles?: RoleDef[];
  catalogVersion: number;
}

/** Every role, the bootstrap superuser first. */
export function rolesOf(state: RoleState): RoleDef[] {
  const own = state.roles ?? [];
  return own.some((r) => r.name === BOOTSTRAP_ROLE.name) ? own : [BOOTSTRAP_ROLE, ...own];
}

export function applyRoleCommand(
  state: RoleState,
  command: Extract<MetaCommand, { type: 'createRole' | 'alterRole' | 'dropRole' }>,
): RoleDef | null {
  const roles = rolesOf(state);
  const find = (name: string): RoleDef | undefined => roles.find((r) => r.name === name);
  switch (command.type) {
    case 'createRole': {
      if (find(command.role.name))
        throw new SqlError(SqlState.duplicateObject, `role "${command.role.name}" already exists`);
      state.roles = [...roles, command.role];
      state.catalogVersion++;
      return command.role;
    }
    case 'alterRole': {
      if (!find(command.name))
        throw new SqlError(SqlState.undefinedObject, `role "${command.name}" does not exist`);
      if (command.role.name !== command.name && find(command.role.name)) {
        throw new SqlError(SqlState.duplicateObject, `role "${command.role.name}" already exists`);
      }
      state.roles = roles.map((r) => (r.name === command.name ? command.role : r));
      state.catalogVersion++;
      return command.role;
    }
    case 'dropRole': {
      if (command.name === BOOTSTRAP_ROLE.name) {
        throw new SqlError(
          '55006',
          `cannot drop role ${command.name} because it is required by the database system`,
        );
      }
      const existing = find(command.name);
      if (!existing) {
        if (command.ifExists) return null;
        throw new SqlError(SqlState.undefinedObject, `role "${command.name}" does not exist`);
      }
      state.roles = roles.filter((r) => r.name !== command.name);
      state.catalogVersion++;
      return existing;
    }
  }
}
