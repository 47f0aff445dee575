/**
 * CREATE DATABASE, DROP DATABASE, ALTER DATABASE … RENAME TO (meta/databaseCommands.ts keeps
 * the catalog rows). All databases share one keyspace of schemas and tables (meta/PROTOCOL.md
 * "Databases"): creating one copies nothing, dropping one deletes no table.
 *
 * What only the proxy knows is checked here, as PostgreSQL does (dbcommands.c): not inside a
 * transaction block (25001), not the session's own database, not one other sessions of this
 * proxy process are connected to (55006). Sessions on other proxies are not seen; they keep
 * running on a dropped database until they reconnect.
 */
import { SqlError, SqlState } from '../../common/errors';
import type { AstNode } from './parser';
import type { ExecContext } from './context';
import { startupDatabasesFor } from './startupDatabase';

/** ERRCODE_OBJECT_IN_USE (not in common/errors' SqlState, a contract this file does not own). */
const OBJECT_IN_USE = '55006';

interface DefElem {
  defname: string;
  arg?: { String?: { sval: string }; Integer?: { ival?: number } };
}

/** Encodings PostgreSQL knows (pg_wchar.h), lowercase without punctuation, for the error text. */
const KNOWN_ENCODINGS = new Set(
  `sqlascii eucjp euccn euckr euctw eucjis2004 mulecode latin1 latin2 latin3 latin4 latin5 latin6
   latin7 latin8 latin9 latin10 win1256 win1258 win866 win874 koi8r win1251 win1252 iso88595
   iso88596 iso88597 iso88598 win1250 win1253 win1254 win1255 win1257 koi8u sjis big5 gbk uhc
   gb18030 johab shiftjis2004`.split(/\s+/),
);

/** PostgreSQL's clean_encoding_name: case and punctuation do not matter ('UTF-8' = 'utf8'). */
function cleanEncoding(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function checkEncoding(arg: DefElem['arg']): void {
  if (arg === undefined) return; // ENCODING DEFAULT
  if (arg.Integer !== undefined) {
    if ((arg.Integer.ival ?? 0) === 6) return; // PG_UTF8
    throw new SqlError(
      SqlState.featureNotSupported,
      `encoding ${arg.Integer.ival ?? 0} is not supported: ShardDB stores text as UTF8`,
    );
  }
  const name = arg.String?.sval ?? '';
  const clean = cleanEncoding(name);
  if (clean === 'utf8' || clean === 'unicode') return;
  if (KNOWN_ENCODINGS.has(clean))
    throw new SqlError(
      SqlState.featureNotSupported,
      `encoding "${name}" is not supported: ShardDB stores text as UTF8`,
    );
  throw new SqlError(SqlState.undefinedObject, `${name} is not a valid encoding name`);
}

interface CreateOptions {
  owner?: string;
  template?: string;
  collate?: string;
  ctype?: string;
}

function createOptions(options: readonly { DefElem: DefElem }[] | undefined): CreateOptions {
  const out: CreateOptions = {};
  for (const { DefElem: d } of options ?? []) {
    const value = d.arg?.String?.sval; // undefined: DEFAULT
    switch (d.defname) {
      case 'owner':
        out.owner = value;
        break;
      case 'template':
        out.template = value;
        break;
      case 'encoding':
        checkEncoding(d.arg);
        break;
      case 'locale':
        out.collate = value;
        out.ctype = value;
        break;
      case 'lc_collate':
        out.collate = value;
        break;
      case 'lc_ctype':
        out.ctype = value;
        break;
      case 'locale_provider':
        if (value !== undefined && value.toLowerCase() !== 'libc')
          throw new SqlError(
            SqlState.featureNotSupported,
            `locale provider "${value}" is not supported`,
          );
        break;
      case 'connection_limit':
      case 'strategy':
      case 'allow_connections':
      case 'is_template':
        break; // accepted; not enforced
      case 'tablespace':
        if (value !== undefined && value !== 'pg_default')
          throw new SqlError(SqlState.undefinedObject, `tablespace "${value}" does not exist`);
        break;
      default:
        throw new SqlError(
          SqlState.featureNotSupported,
          `CREATE DATABASE option "${d.defname}" is not supported`,
        );
    }
  }
  return out;
}

/** 25001 inside BEGIN … COMMIT: PostgreSQL runs these only as top-level statements. */
function notInBlock(ctx: ExecContext, what: string): void {
  if (ctx.txn !== undefined && !ctx.txn.implicit)
    throw new SqlError(
      SqlState.activeSqlTransaction,
      `${what} cannot run inside a transaction block`,
    );
}

/** The session running the statement and this proxy's other sessions on database `name`. */
function sessionsOn(
  ctx: ExecContext,
  name: string,
): { current: string; user: string; others: number } {
  const runtime = ctx.catalogAccess?.runtime();
  if (!runtime) return { current: '', user: 'postgres', others: 0 };
  const me = runtime.session;
  const others = runtime.services.sessions
    .all()
    .filter((s) => s.database === name && s.pid !== me.pid).length;
  return { current: me.database, user: me.user, others };
}

function inUse(name: string, others: number): SqlError {
  return new SqlError(OBJECT_IN_USE, `database "${name}" is being accessed by other users`, {
    detail: `There ${others === 1 ? 'is 1 other session' : `are ${others} other sessions`} using the database.`,
  });
}

/** Proposes the change; this proxy's startup check then reads the list afresh. */
async function changeDatabase(
  ctx: ExecContext,
  command: Parameters<ExecContext['meta']['databaseCommand']>[0],
): Promise<void> {
  try {
    await ctx.meta.databaseCommand(command);
  } finally {
    startupDatabasesFor(ctx.meta).invalidate();
  }
}

/** The database statement's plan, or null if node is not one. */
export function compileDatabaseStatement(
  kind: string,
  stmt: AstNode,
): { execute(ctx: ExecContext): Promise<{ tag: string }> } | null {
  switch (kind) {
    case 'CreatedbStmt': {
      const name = stmt.dbname as string;
      const opts = createOptions(stmt.options as { DefElem: DefElem }[] | undefined);
      return {
        async execute(ctx) {
          notInBlock(ctx, 'CREATE DATABASE');
          const owner = opts.owner ?? sessionsOn(ctx, name).user;
          await changeDatabase(ctx, {
            type: 'createDatabase',
            name,
            owner,
            ...(opts.template !== undefined ? { template: opts.template } : {}),
            ...(opts.collate !== undefined ? { collate: opts.collate } : {}),
            ...(opts.ctype !== undefined ? { ctype: opts.ctype } : {}),
          });
          return { tag: 'CREATE DATABASE' };
        },
      };
    }
    case 'DropdbStmt': {
      const name = stmt.dbname as string;
      const ifExists = stmt.missing_ok === true;
      const force = ((stmt.options as { DefElem: DefElem }[] | undefined) ?? []).some(
        (o) => o.DefElem.defname === 'force',
      );
      return {
        async execute(ctx) {
          notInBlock(ctx, 'DROP DATABASE');
          const { current, others } = sessionsOn(ctx, name);
          if (name === current)
            throw new SqlError(OBJECT_IN_USE, 'cannot drop the currently open database');
          if (others > 0 && !force) {
            // Only a database that exists can be in use; a missing one reports 3D000 below.
            const exists = (await ctx.meta.databases()).databases.some((d) => d.name === name);
            if (exists) throw inUse(name, others);
          }
          await changeDatabase(ctx, { type: 'dropDatabase', name, ifExists });
          return { tag: 'DROP DATABASE' };
        },
      };
    }
    case 'RenameStmt': {
      if (stmt.renameType !== 'OBJECT_DATABASE') return null;
      const name = stmt.subname as string;
      const newName = stmt.newname as string;
      return {
        async execute(ctx) {
          const { current, others } = sessionsOn(ctx, name);
          if (name === current)
            throw new SqlError(SqlState.featureNotSupported, 'current database cannot be renamed');
          if (others > 0) {
            const exists = (await ctx.meta.databases()).databases.some((d) => d.name === name);
            if (exists) throw inUse(name, others);
          }
          await changeDatabase(ctx, { type: 'renameDatabase', name, newName });
          return { tag: 'ALTER DATABASE' };
        },
      };
    }
    default:
      return null;
  }
}
