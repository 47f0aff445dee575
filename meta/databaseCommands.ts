/**
 * Databases in the meta state: CREATE / DROP / ALTER DATABASE … RENAME TO, applied
 * deterministically. A fresh cluster has what initdb makes in PostgreSQL 15: `postgres`,
 * `template1` and `template0`, with PG 15's fixed OIDs (5, 1, 4). All databases share the
 * one keyspace of schemas and tables (meta/PROTOCOL.md "Databases"), so creating one copies
 * nothing and dropping one deletes no table.
 *
 * What depends on sessions (the current database, others connected) is checked by the proxy,
 * which knows them; everything here depends only on the replicated state.
 */
import { SqlError, SqlState } from '../common/errors';
import type { DatabaseDef } from '../common/catalog/schema';
import type { MetaCommand } from './commands';
import { rolesOf, type RoleState } from './roleCommands';

/** ERRCODE_WRONG_OBJECT_TYPE (not in common/errors' SqlState, a contract this file does not own). */
const WRONG_OBJECT_TYPE = '42809';
/** ERRCODE_INVALID_PARAMETER_VALUE. */
const INVALID_PARAMETER_VALUE = SqlState.invalidParameterValue;

/** The locale initdb gives a cluster when none is set (PostgreSQL's default is C). */
export const DEFAULT_LOCALE = 'C';
/** PostgreSQL's FirstNormalObjectId: OIDs below are fixed by initdb. */
const FIRST_DATABASE_OID = 16384;

/** template0/template1 privileges as initdb leaves them: CONNECT for all, all for the owner. */
function templateAcl(owner: string): string[] {
  return [`=c/${owner}`, `${owner}=CTc/${owner}`];
}

/** The databases of a fresh cluster, as PostgreSQL 15's initdb creates them. */
export function bootstrapDatabases(): DatabaseDef[] {
  const base = {
    owner: 'postgres',
    encoding: 'UTF8' as const,
    collate: DEFAULT_LOCALE,
    ctype: DEFAULT_LOCALE,
  };
  return [
    { ...base, oid: 5, name: 'postgres', isTemplate: false, allowConnections: true },
    {
      ...base,
      oid: 1,
      name: 'template1',
      isTemplate: true,
      allowConnections: true,
      acl: templateAcl('postgres'),
    },
    {
      ...base,
      oid: 4,
      name: 'template0',
      isTemplate: true,
      allowConnections: false,
      acl: templateAcl('postgres'),
    },
  ];
}

export interface DatabaseState extends RoleState {
  /** Absent until the first database command: the bootstrap databases. */
  databases?: DatabaseDef[];
  nextDatabaseOid?: number;
}

export type DatabaseCommand = Extract<
  MetaCommand,
  { type: 'createDatabase' | 'dropDatabase' | 'renameDatabase' }
>;

export function databasesOf(state: DatabaseState): DatabaseDef[] {
  return state.databases ?? bootstrapDatabases();
}

function undefinedDatabase(name: string): SqlError {
  return new SqlError(SqlState.undefinedDatabase, `database "${name}" does not exist`);
}

export function applyDatabaseCommand(state: DatabaseState, c: DatabaseCommand): DatabaseDef | null {
  const dbs = databasesOf(state);
  const find = (name: string): DatabaseDef | undefined => dbs.find((d) => d.name === name);
  switch (c.type) {
    case 'createDatabase': {
      if (find(c.name))
        throw new SqlError(SqlState.duplicateDatabase, `database "${c.name}" already exists`);
      const templateName = c.template ?? 'template1';
      const template = find(templateName);
      if (!template)
        throw new SqlError(
          SqlState.undefinedDatabase,
          `template database "${templateName}" does not exist`,
        );
      if (!rolesOf(state).some((r) => r.name === c.owner))
        throw new SqlError(SqlState.undefinedObject, `role "${c.owner}" does not exist`);
      const collate = c.collate ?? template.collate;
      const ctype = c.ctype ?? template.ctype;
      // PostgreSQL's rule (createdb.c): only template0 may be copied under another locale,
      // since any other template may hold indexes sorted by its own.
      if (templateName !== 'template0') {
        if (collate !== template.collate)
          throw new SqlError(
            INVALID_PARAMETER_VALUE,
            `new collation (${collate}) is incompatible with the collation of the template database (${template.collate})`,
            {
              hint: 'Use the same collation as in the template database, or use template0 as template.',
            },
          );
        if (ctype !== template.ctype)
          throw new SqlError(
            INVALID_PARAMETER_VALUE,
            `new LC_CTYPE (${ctype}) is incompatible with the LC_CTYPE of the template database (${template.ctype})`,
            {
              hint: 'Use the same LC_CTYPE as in the template database, or use template0 as template.',
            },
          );
      }
      const oid = state.nextDatabaseOid ?? FIRST_DATABASE_OID;
      state.nextDatabaseOid = oid + 1;
      const db: DatabaseDef = {
        oid,
        name: c.name,
        owner: c.owner,
        encoding: 'UTF8',
        collate,
        ctype,
        isTemplate: false,
        allowConnections: true,
      };
      state.databases = [...dbs, db];
      state.catalogVersion++;
      return db;
    }
    case 'dropDatabase': {
      const db = find(c.name);
      if (!db) {
        if (c.ifExists) return null;
        throw undefinedDatabase(c.name);
      }
      if (db.isTemplate) throw new SqlError(WRONG_OBJECT_TYPE, 'cannot drop a template database');
      state.databases = dbs.filter((d) => d !== db);
      state.catalogVersion++;
      return db;
    }
    case 'renameDatabase': {
      const db = find(c.name);
      if (!db) throw undefinedDatabase(c.name);
      if (find(c.newName))
        throw new SqlError(SqlState.duplicateDatabase, `database "${c.newName}" already exists`);
      const renamed: DatabaseDef = { ...db, name: c.newName };
      state.databases = dbs.map((d) => (d === db ? renamed : d));
      state.catalogVersion++;
      return renamed;
    }
  }
}

/** ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST. */
const DEPENDENT_OBJECTS_STILL_EXIST = '2BP01';

/**
 * Databases follow their owner role, as pg_database.datdba (an OID) does in PostgreSQL: a role
 * that owns a database cannot be dropped (2BP01), and renaming a role renames the owner.
 * Called before a role command is applied; the role command itself may still fail, so the
 * rename of owners happens in `afterRoleRenamed`.
 */
export function checkRoleCommand(
  state: DatabaseState,
  c: Extract<MetaCommand, { type: 'dropRole' }>,
): void {
  const owned = databasesOf(state).filter((d) => d.owner === c.name);
  if (owned.length > 0)
    throw new SqlError(
      DEPENDENT_OBJECTS_STILL_EXIST,
      `role "${c.name}" cannot be dropped because some objects depend on it`,
      { detail: owned.map((d) => `owner of database ${d.name}`).join('\n') },
    );
}

export function afterRoleRenamed(state: DatabaseState, from: string, to: string): void {
  const dbs = databasesOf(state);
  if (from === to || !dbs.some((d) => d.owner === from)) return;
  state.databases = dbs.map((d) => {
    if (d.owner !== from) return d;
    // aclitem text: grantee=privileges/grantor (an empty grantee is PUBLIC).
    const acl = d.acl?.map((item) => {
      const m = /^(.*)=(.*)\/(.*)$/.exec(item);
      if (!m) return item;
      const rename = (r: string): string => (r === from ? to : r);
      return `${rename(m[1])}=${m[2]}/${rename(m[3])}`;
    });
    return { ...d, owner: to, ...(acl ? { acl } : {}) };
  });
}
