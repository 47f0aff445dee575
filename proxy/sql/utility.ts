/**
 * Utility statements clients send as part of their connection routine, handled in the
 * session: DISCARD ALL (pg poolers, on checkin), DEALLOCATE [ALL], RESET ALL,
 * SET TIME ZONE INTERVAL '+00:00' HOUR TO MINUTE (Sequelize, every connection), SET LOCAL,
 * VACUUM / ANALYZE (pgbench; our storage reclaims space itself, so there is nothing for them
 * to do and PostgreSQL's answer is the tag alone), CHECKPOINT (every shard flushes its
 * memtable and finishes the compactions due, as PostgreSQL writes its dirty pages out).
 *
 * LISTEN / UNLISTEN / NOTIFY queue their effect in the session's transaction; it happens at
 * commit (proxy/notify/sessionNotify.ts has the rules).
 */
import { SqlError } from '../../common/errors';
import type { AstNode } from './parser';

export interface UtilityHost {
  setSetting(name: string, value: string, local?: boolean): string;
  /** Every setting back to its default (RESET ALL, DISCARD ALL). */
  resetAll(): void;
  /** Ends what the session holds beyond settings: advisory locks, LISTENs. */
  discard(): void | Promise<void>;
  /** LISTEN / UNLISTEN (null channel: UNLISTEN *) / NOTIFY, effective at commit. */
  listen(channel: string): void;
  unlisten(channel: string | null): void;
  notify(channel: string, payload: string): void;
  /** CHECKPOINT: resolves when every shard's storage is flushed and settled. */
  checkpoint(): Promise<void>;
}

export interface UtilityStatement {
  readonly tag: string;
  run(): Promise<void>;
}

function intervalOffset(node: AstNode): string | null {
  // SET TIME ZONE INTERVAL '+00:00' HOUR TO MINUTE: the offset as a zone PostgreSQL prints.
  const cast = node.TypeCast as AstNode | undefined;
  const c = (cast?.arg as AstNode | undefined)?.A_Const as AstNode | undefined;
  const text = (c?.sval as { sval?: string } | undefined)?.sval;
  if (text === undefined) return null;
  const m = /^\s*([+-])?(\d{1,2}):(\d{2})(?::00)?\s*$/.exec(text);
  if (!m) return null;
  const sign = m[1] === '-' ? '-' : '+';
  const h = Number(m[2]);
  const min = Number(m[3]);
  if (h === 0 && min === 0) return 'UTC';
  // PostgreSQL shows an interval zone as "<+HH:MM>-HH:MM" (POSIX sign inverted).
  const hm = `${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}`;
  return `<${sign}${hm}>${sign === '+' ? '-' : '+'}${hm}`;
}

export function utilityStatement(node: AstNode, host: UtilityHost): UtilityStatement | null {
  const [kind] = Object.keys(node);
  const stmt = node[kind] as AstNode;
  switch (kind) {
    case 'DiscardStmt':
      return {
        tag: stmt.target === 'DISCARD_ALL' ? 'DISCARD ALL' : 'DISCARD',
        run: async () => {
          if (stmt.target === 'DISCARD_ALL') {
            host.resetAll();
            await host.discard();
          }
        },
      };
    case 'DeallocateStmt':
      // SQL-level PREPARE is not supported, so there is nothing named to drop: ALL succeeds,
      // a name does not exist (26000, as PostgreSQL answers for an unknown name).
      return {
        tag: 'DEALLOCATE',
        run: async () => {
          if (stmt.name !== undefined && stmt.name !== null)
            throw new SqlError('26000', `prepared statement "${String(stmt.name)}" does not exist`);
        },
      };
    case 'VacuumStmt':
      return { tag: stmt.is_vacuumcmd === false ? 'ANALYZE' : 'VACUUM', run: async () => {} };
    case 'CheckPointStmt':
      return { tag: 'CHECKPOINT', run: () => host.checkpoint() };
    case 'ListenStmt':
      return { tag: 'LISTEN', run: async () => host.listen(String(stmt.conditionname)) };
    case 'UnlistenStmt':
      return {
        tag: 'UNLISTEN',
        run: async () =>
          host.unlisten(typeof stmt.conditionname === 'string' ? stmt.conditionname : null),
      };
    case 'NotifyStmt':
      return {
        tag: 'NOTIFY',
        run: async () =>
          host.notify(
            String(stmt.conditionname),
            typeof stmt.payload === 'string' ? stmt.payload : '',
          ),
      };
    case 'VariableSetStmt': {
      if (stmt.kind === 'VAR_RESET_ALL') return { tag: 'RESET', run: async () => host.resetAll() };
      const name = String(stmt.name ?? '').toLowerCase();
      const args = (stmt.args as AstNode[] | undefined) ?? [];
      if (name === 'timezone' && args.length === 1 && args[0].TypeCast) {
        const zone = intervalOffset(args[0]);
        if (zone === null) return null;
        return {
          tag: 'SET',
          run: async () => void host.setSetting('TimeZone', zone, stmt.is_local === true),
        };
      }
      return null;
    }
    default:
      return null;
  }
}
