/**
 * Registers a session for pg_stat_activity and pg_cancel_backend, and keeps its state and
 * current query up to date by wrapping bind(): a portal's first fetch marks the session
 * active with the statement's text, the last one marks it idle; counts its cancels.
 */
import type { EngineSession, Portal, PreparedStatement, SessionStartInfo } from '../engine';
import type { PgServices } from './snapshot';
import type { SessionEntry } from './sessions';

const EPOCH_2000_MS = Date.UTC(2000, 0, 1);

function nowUs(): bigint {
  return BigInt(Date.now() - EPOCH_2000_MS) * 1000n;
}

export function trackSession(
  services: PgServices,
  info: SessionStartInfo,
  session: EngineSession & { setting(name: string): string | undefined; cancel(): void },
): { remove(): void } {
  const entry: SessionEntry = {
    pid: info.backendPid,
    user: info.user,
    database: info.database,
    clientAddr: info.remoteAddress,
    backendStartUs: nowUs(),
    applicationName: () => session.setting('application_name') ?? '',
    query: '',
    queryStartUs: null,
    state: 'idle',
    cancel: () => session.cancel(),
    cancels: 0,
    statementCancels: 0,
  };
  services.sessions.add(entry);
  // Every cancel path (pgwire's CancelRequest and statement_timeout, pg_cancel_backend) goes
  // through session.cancel(): counting them here lets an advisory lock wait see them.
  const cancel = session.cancel.bind(session);
  session.cancel = () => {
    entry.cancels++;
    cancel();
  };
  const bind = session.bind.bind(session);
  const wrap = (statement: PreparedStatement, portal: Portal): Portal => {
    if (portal.kind !== 'rows') return portal;
    const fetch = portal.fetch.bind(portal);
    let started = false;
    return {
      kind: 'rows',
      columns: portal.columns,
      close: () => portal.close(),
      fetch: async (maxRows) => {
        if (!started) {
          started = true;
          entry.state = 'active';
          entry.statementCancels = entry.cancels;
          entry.query = statement.sql;
          entry.queryStartUs = nowUs();
        }
        try {
          const r = await fetch(maxRows);
          if (r.done) entry.state = 'idle';
          return r;
        } catch (err) {
          entry.state = 'idle';
          throw err;
        }
      },
    };
  };
  session.bind = (statement: PreparedStatement, params) => {
    const p = bind(statement, params);
    return p instanceof Promise ? p.then((x) => wrap(statement, x)) : wrap(statement, p);
  };
  return {
    remove: () => {
      services.sessions.remove(info.backendPid);
    },
  };
}
