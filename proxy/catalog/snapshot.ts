/**
 * Everything the catalog emulation reads for one statement, fetched once before it runs
 * (tables from the catalog cache, sequences and schemas from meta) so that virtual tables
 * and catalog functions are synchronous during evaluation, like every other expression.
 */
import type { DatabaseDef, RoleDef, SequenceDef, TableDef } from '../../common/catalog/schema';
import type { AdvisoryLocks } from './advisoryLocks';
import type { BackendTerminator } from './terminate';
import type { Notice } from '../engine';
import type { SessionEntry, SessionRegistry } from './sessions';
import { indexOid, namespaceOid, pkIndexOid, sequenceOid, tableOid } from './oids';

/** The session a statement runs in, as catalog functions see it. */
export interface PgSession {
  readonly pid: number;
  readonly user: string;
  readonly database: string;
  setting(name: string): string | undefined;
  /** set_config(name, value, is_local): returns the new value. */
  setSetting(name: string, value: string, local?: boolean): string;
  /** Every setting: [name, value], for pg_settings. */
  settings(): ReadonlyArray<[string, string]>;
  cancel(): void;
  /** pg_notify: queues a notification in the session's transaction. */
  notify?(channel: string, payload: string): void;
  /** A NoticeResponse / WARNING to the client (pg_terminate_backend's unknown pid). */
  notice?(n: Notice): void;
}

/** Proxy-wide services the catalog functions reach. */
export interface PgServices {
  readonly sessions: SessionRegistry;
  readonly locks: AdvisoryLocks;
  /** pg_terminate_backend across this proxy's workers (absent: terminate is refused). */
  readonly terminator?: BackendTerminator;
  /** The catalog's roles (pg_terminate_backend's permission check). */
  readonly roles?: () => Promise<readonly RoleDef[]>;
}

export type RelKind = 'r' | 'i' | 'S' | 'v';

export interface Relation {
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
  readonly kind: RelKind;
  /** The table (for tables and their indexes). */
  readonly table?: TableDef;
  /** For indexes: which (null = the primary key). */
  readonly indexId?: number | null;
  readonly sequence?: SequenceDef;
}

export interface CatalogSnapshot {
  readonly tables: readonly TableDef[];
  readonly sequences: readonly SequenceDef[];
  readonly schemas: readonly string[];
  /** Every role (without password verifiers). */
  readonly roles: readonly RoleDef[];
  /** Every database (pg_database); empty when meta did not say (then the session's own). */
  readonly databases: readonly DatabaseDef[];
  readonly session: PgSession;
  readonly services: PgServices;
  readonly relations: readonly Relation[];
  readonly relByOid: ReadonlyMap<number, Relation>;
  /** By `schema.name`. */
  readonly relByName: ReadonlyMap<string, Relation>;
  readonly sessionList: readonly SessionEntry[];
}

/** Virtual catalog tables register themselves here as relations too ('pg_class'::regclass). */
export const virtualRelations: Relation[] = [];

export function buildSnapshot(
  tables: readonly TableDef[],
  sequences: readonly SequenceDef[],
  schemas: readonly string[],
  session: PgSession,
  services: PgServices,
  roles: readonly RoleDef[] = [],
  databases: readonly DatabaseDef[] = [],
): CatalogSnapshot {
  const relations: Relation[] = [...virtualRelations];
  const sorted = [...tables].sort((a, b) => a.id - b.id);
  for (const t of sorted) {
    relations.push({ oid: tableOid(t.id), schema: t.schema, name: t.name, kind: 'r', table: t });
    if (t.primaryKey.length > 0 && !t.columns.some((c) => c.hidden && t.primaryKey.includes(c.id)))
      relations.push({
        oid: pkIndexOid(t.id),
        schema: t.schema,
        name: t.pkName ?? `${t.name}_pkey`,
        kind: 'i',
        table: t,
        indexId: null,
      });
    for (const ix of t.indexes ?? [])
      relations.push({
        oid: indexOid(t.id, ix.id),
        schema: t.schema,
        name: ix.name,
        kind: 'i',
        table: t,
        indexId: ix.id,
      });
  }
  for (const s of sequences)
    relations.push({
      oid: sequenceOid(s.schema, s.name),
      schema: s.schema,
      name: s.name,
      kind: 'S',
      sequence: s,
    });
  const allSchemas = [...new Set(['public', ...schemas])];
  return {
    tables: sorted,
    sequences,
    schemas: allSchemas,
    roles: roles.some((r) => r.name === 'postgres')
      ? roles
      : [
          { name: 'postgres', superuser: true, login: true, createdb: true, createrole: true },
          ...roles,
        ],
    databases,
    session,
    services,
    relations,
    relByOid: new Map(relations.map((r) => [r.oid, r])),
    relByName: new Map(relations.map((r) => [`${r.schema}.${r.name}`, r])),
    sessionList: services.sessions.all(),
  };
}

export { namespaceOid };
