/**
 * Meta group membership as admin SQL (README "Admin SQL"; meta/PROTOCOL.md "Membership and
 * addresses"):
 *
 *   ALTER CLUSTER ADD META <id> '<host:port>'   add a running meta node (started with --join)
 *   ALTER CLUSTER REMOVE META <id>              remove a member (the leader too: it steps down)
 *
 * One voter at a time (Raft single-server changes). Both answer the membership after the
 * change as rows (id, address); SHOW CLUSTER shows the members' Raft state.
 */
import type { Datum } from '../../common/types/datum';
import { TypeOid } from '../../common/types/datum';
import type { ColumnDescription } from '../engine';
import type { ExecContext } from './context';
import { typeSizeOf } from './typeNames';

export interface ClusterAdminStatement {
  readonly columns: ColumnDescription[];
  execute(ctx: ExecContext): Promise<{ rows: Datum[][]; tag: string }>;
}

function col(name: string, typeOid: number): ColumnDescription {
  return {
    name,
    tableOid: 0,
    columnAttr: 0,
    typeOid,
    typeSize: typeSizeOf(typeOid),
    typeModifier: -1,
  };
}

const COLUMNS = [col('meta_id', TypeOid.int4), col('address', TypeOid.text)];

function rows(members: ReadonlyArray<{ id: number; address: string }>): {
  rows: Datum[][];
  tag: string;
} {
  const out = members.map((m) => [m.id, m.address] as Datum[]);
  return { rows: out, tag: `SELECT ${out.length}` };
}

/** The statement in text (trimmed, without its semicolon), or null when it is not one. */
export function parseClusterAdmin(text: string): ClusterAdminStatement | null {
  let m = /^ALTER\s+CLUSTER\s+ADD\s+META\s+(\d+)\s+'([^']+)'$/i.exec(text);
  if (m) {
    const id = Number(m[1]);
    const address = m[2];
    return {
      columns: COLUMNS,
      execute: async (ctx) => rows((await ctx.meta.addMetaMember(id, address)).members),
    };
  }
  m = /^ALTER\s+CLUSTER\s+REMOVE\s+META\s+(\d+)$/i.exec(text);
  if (m) {
    const id = Number(m[1]);
    return {
      columns: COLUMNS,
      execute: async (ctx) => rows((await ctx.meta.removeMetaMember(id)).members),
    };
  }
  return null;
}
