/**
 * pg_terminate_backend: ends another session of this proxy (any of its worker processes)
 * with FATAL 57P01, as PostgreSQL's pg_signal_backend does (src/backend/storage/ipc/
 * signalfuncs.c, PostgreSQL 15): a superuser may terminate anyone; a non-superuser may
 * terminate sessions of its own role but never a superuser's. The owner of the target
 * session checks the permission (it knows the session's user), so a request forwarded from
 * another worker carries the requester's user and superuser flag.
 */
import type { RoleDef } from '../../common/catalog/schema';
import type { SessionRegistry } from './sessions';

export type TerminateOutcome = 'ok' | 'nopid' | 'superuser' | 'permission';

export interface TerminateRequester {
  readonly user: string;
  readonly superuser: boolean;
}

export interface TerminateDeps {
  readonly sessions: SessionRegistry;
  roles(): Promise<readonly RoleDef[]>;
}

/** Whether `user` is a superuser: its role says so; the bootstrap role postgres is one. */
export function isSuperuser(user: string, roles: readonly RoleDef[]): boolean {
  const r = roles.find((x) => x.name === user);
  return r !== undefined ? r.superuser : user === 'postgres';
}

export class BackendTerminator {
  /** pgwire's: closes the local connection pid with FATAL 57P01 (set once pgwire listens). */
  closeLocal: ((pid: number) => boolean) | undefined;
  /** For a pid of another worker: asks that worker (undefined: single process, or ours). */
  forward: ((pid: number, requester: TerminateRequester) => Promise<TerminateOutcome>) | undefined;

  constructor(private readonly deps: TerminateDeps) {}

  async terminate(pid: number, requester: TerminateRequester): Promise<TerminateOutcome> {
    if (this.deps.sessions.get(pid) === undefined && this.forward !== undefined)
      return this.forward(pid, requester);
    return this.terminateLocal(pid, requester);
  }

  /** A session of this process (a request from here or forwarded by another worker). */
  async terminateLocal(pid: number, requester: TerminateRequester): Promise<TerminateOutcome> {
    const entry = this.deps.sessions.get(pid);
    if (entry === undefined || this.closeLocal === undefined) return 'nopid';
    if (!requester.superuser) {
      const roles = await this.deps.roles();
      if (isSuperuser(entry.user, roles)) return 'superuser';
      if (entry.user !== requester.user) return 'permission';
    }
    return this.closeLocal(pid) ? 'ok' : 'nopid';
  }
}
