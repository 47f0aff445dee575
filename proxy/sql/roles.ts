/**
 * CREATE/ALTER/DROP ROLE (and USER). Passwords are stored as PostgreSQL stores them with
 * password_encryption = scram-sha-256: a SCRAM verifier, never the password; a password
 * given already as a verifier (`SCRAM-SHA-256$…`, `md5…`) is kept as is, as PostgreSQL does.
 */
import { SqlError, SqlState } from '../../common/errors';
import type { RoleDef } from '../../common/catalog/schema';
import { makeScramVerifier } from '../pgwire/auth/scram';
import type { AstNode } from './parser';
import type { ExecContext } from './context';

interface DefElem {
  defname: string;
  arg?: { Boolean?: { boolval?: boolean }; String?: { sval: string }; Integer?: { ival: number } };
}

const verifierPattern = /^(SCRAM-SHA-256\$\d+:[^$]+\$[^:]+:.+|md5[0-9a-f]{32})$/;

function verifierFor(password: string): string {
  return verifierPattern.test(password) ? password : makeScramVerifier(password);
}

/** Applies CREATE/ALTER ROLE options to a role definition. */
function withOptions(base: RoleDef, options: readonly { DefElem: DefElem }[] | undefined): RoleDef {
  let role: RoleDef = base;
  for (const { DefElem: d } of options ?? []) {
    const flag = d.arg?.Boolean?.boolval ?? true;
    switch (d.defname) {
      case 'password': {
        const pw = d.arg?.String?.sval;
        const { passwordVerifier: _dropped, ...rest } = role;
        role = pw === undefined ? rest : { ...rest, passwordVerifier: verifierFor(pw) };
        break;
      }
      case 'canlogin':
        role = { ...role, login: flag };
        break;
      case 'superuser':
        role = { ...role, superuser: flag };
        break;
      case 'createdb':
        role = { ...role, createdb: flag };
        break;
      case 'createrole':
        role = { ...role, createrole: flag };
        break;
      case 'validUntil':
      case 'connectionlimit':
      case 'inherit':
      case 'replication':
      case 'bypassrls':
        break; // accepted; not enforced
      default:
        throw new SqlError(
          SqlState.featureNotSupported,
          `role option "${d.defname}" is not supported`,
        );
    }
  }
  return role;
}

async function existingRole(ctx: ExecContext, name: string): Promise<RoleDef> {
  const role = (await ctx.meta.roles()).roles.find((r) => r.name === name);
  if (!role) throw new SqlError(SqlState.undefinedObject, `role "${name}" does not exist`);
  return role;
}

/** The role statement's plan, or null if node is not a role statement. */
export function compileRoleStatement(
  kind: string,
  stmt: AstNode,
): { execute(ctx: ExecContext): Promise<{ tag: string }> } | null {
  switch (kind) {
    case 'CreateRoleStmt': {
      const name = stmt.role as string;
      // CREATE USER implies LOGIN; CREATE ROLE does not (PostgreSQL's rule).
      const base: RoleDef = {
        name,
        superuser: false,
        login: stmt.stmt_type === 'ROLESTMT_USER',
        createdb: false,
        createrole: false,
      };
      const role = withOptions(base, stmt.options as { DefElem: DefElem }[] | undefined);
      return {
        async execute(ctx) {
          await ctx.meta.roleCommand({ type: 'createRole', role });
          return { tag: 'CREATE ROLE' };
        },
      };
    }
    case 'AlterRoleStmt': {
      const name = (stmt.role as { rolename: string }).rolename;
      const options = stmt.options as { DefElem: DefElem }[] | undefined;
      return {
        async execute(ctx) {
          const role = withOptions(await existingRole(ctx, name), options);
          await ctx.meta.roleCommand({ type: 'alterRole', name, role });
          return { tag: 'ALTER ROLE' };
        },
      };
    }
    case 'DropRoleStmt': {
      const names = (stmt.roles as Array<{ RoleSpec: { rolename: string } }>).map(
        (r) => r.RoleSpec.rolename,
      );
      const ifExists = stmt.missing_ok === true;
      return {
        async execute(ctx) {
          for (const name of names)
            await ctx.meta.roleCommand({ type: 'dropRole', name, ifExists });
          return { tag: 'DROP ROLE' };
        },
      };
    }
    case 'RenameStmt': {
      if (stmt.renameType !== 'OBJECT_ROLE') return null;
      const from = stmt.subname as string;
      const to = stmt.newname as string;
      return {
        async execute(ctx) {
          const role = await existingRole(ctx, from);
          // PostgreSQL clears an MD5 password on rename (the user name is its salt).
          const { passwordVerifier, ...rest } = role;
          const renamed: RoleDef = passwordVerifier?.startsWith('md5')
            ? { ...rest, name: to }
            : { ...role, name: to };
          await ctx.meta.roleCommand({ type: 'alterRole', name: from, role: renamed });
          return { tag: 'ALTER ROLE' };
        },
      };
    }
    default:
      return null;
  }
}
