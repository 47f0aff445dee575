/**
 * Exactly-once catalog commands (Raft thesis §6.3, "Implementing linearizable semantics").
 *
 * A MetaClient retries a command after a timeout or a leader change, so the same command can
 * reach the log twice: the first copy committed, but its answer was lost with the old leader.
 * Applying it again would hand out a sequence block twice, or report 42P07 for a table the
 * client created itself. So every client command carries a request id (client id + sequence
 * number) and the state machine keeps, per client, the outcome of its recent requests: a
 * duplicate gets the recorded outcome and changes nothing.
 *
 * Everything here is part of the replicated state (in snapshots) and is forgotten only by rules
 * every replica applies identically — by Raft index, never by wall clock:
 * - a request acknowledges the client's earlier requests (`ackedBelow`: every seq below it has
 *   been answered or abandoned), whose outcomes are dropped;
 * - at most MAX_RESULTS_PER_CLIENT outcomes per client (the lowest seqs go first; a duplicate
 *   of a forgotten one is refused, never re-applied);
 * - a client with no request for CLIENT_TTL_ENTRIES log entries is forgotten entirely, and at
 *   most MAX_CLIENTS are kept (the least recently active go first).
 * A retry that arrives after its client was forgotten entirely is applied as new: a client
 * retries for seconds (its deadline), the TTL is hundreds of thousands of entries.
 */
import { SqlError, SqlState } from '../common/errors';
import { decodeValue, encodeValue } from '../common/codec';

/** Identifies one client command; the same id on a retry. */
export interface RequestId {
  /** Unique per MetaClient instance (random). */
  readonly client: string;
  /** 1, 2, 3 … per client. */
  readonly seq: number;
  /** Every seq below this has been answered or given up by the client. */
  readonly ackedBelow: number;
}

/** A recorded outcome: the result, or the SqlError it failed with. */
export type Outcome =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false;
      readonly code: string;
      readonly message: string;
      readonly detail?: string;
      readonly hint?: string;
    };

export interface ClientSession {
  /** Raft index of the client's latest request. */
  lastIndex: number;
  /** Outcomes of seqs below this were dropped (acknowledged or evicted). */
  forgottenBelow: number;
  /** [seq, outcome], ascending seq. */
  results: Array<[number, Outcome]>;
}

export interface SessionsState {
  clientSessions?: Record<string, ClientSession>;
  /** Raft index of the last expiry sweep. */
  sessionsSweptAt?: number;
}

export const MAX_RESULTS_PER_CLIENT = 1000;
export const MAX_CLIENTS = 4096;
export const CLIENT_TTL_ENTRIES = 200_000;
const SWEEP_EVERY = 1024;

/** The request id in an RPC body or a command, if well formed (anything else: none). */
export function requestIdOf(v: unknown): RequestId | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  if (
    typeof r.client !== 'string' ||
    r.client === '' ||
    !Number.isSafeInteger(r.seq) ||
    !Number.isSafeInteger(r.ackedBelow)
  )
    return undefined;
  return { client: r.client, seq: r.seq as number, ackedBelow: r.ackedBelow as number };
}

/**
 * Applies `run` exactly once per request id: the first time its outcome is recorded, a
 * duplicate returns (or throws) the recorded outcome without running. `index` is the Raft
 * index of the entry being applied.
 */
export function applyOnce(
  state: SessionsState,
  req: RequestId | undefined,
  index: number,
  run: () => unknown,
): unknown {
  sweep(state, index);
  if (!req) return run();
  const sessions = (state.clientSessions ??= {});
  let session = Object.prototype.hasOwnProperty.call(sessions, req.client)
    ? sessions[req.client]
    : undefined;
  if (session) {
    const hit = session.results.find(([seq]) => seq === req.seq);
    if (hit) {
      session.lastIndex = index;
      return replay(hit[1]);
    }
    if (req.seq < session.forgottenBelow) {
      // Acknowledged (the client has its answer, so this is a stray copy) or evicted: never
      // apply it a second time.
      throw new SqlError(
        SqlState.objectNotInPrerequisiteState,
        `meta request ${req.client}/${req.seq} was already applied and its outcome is no longer kept`,
      );
    }
  } else {
    session = { lastIndex: index, forgottenBelow: 0, results: [] };
    sessions[req.client] = session;
    evictClients(sessions);
  }
  session.lastIndex = index;
  if (req.ackedBelow > session.forgottenBelow) {
    session.forgottenBelow = req.ackedBelow;
    session.results = session.results.filter(([seq]) => seq >= req.ackedBelow);
  }
  let value: unknown;
  try {
    value = run();
  } catch (err) {
    const failed = errorOutcome(err);
    insertResult(session, req.seq, failed);
    throw err;
  }
  insertResult(session, req.seq, { ok: true, value: frozenCopy(value) });
  return value;
}

function insertResult(session: ClientSession, seq: number, outcome: Outcome): void {
  const results = session.results;
  let i = results.length;
  while (i > 0 && results[i - 1][0] > seq) i--;
  results.splice(i, 0, [seq, outcome]);
  while (results.length > MAX_RESULTS_PER_CLIENT) {
    const [evicted] = results.shift() as [number, Outcome];
    session.forgottenBelow = Math.max(session.forgottenBelow, evicted + 1);
  }
}

/** Drops clients idle for CLIENT_TTL_ENTRIES entries, every SWEEP_EVERY entries. */
function sweep(state: SessionsState, index: number): void {
  if (index - (state.sessionsSweptAt ?? 0) < SWEEP_EVERY) return;
  state.sessionsSweptAt = index;
  const sessions = state.clientSessions;
  if (!sessions) return;
  for (const client of Object.keys(sessions)) {
    if (index - sessions[client].lastIndex > CLIENT_TTL_ENTRIES) delete sessions[client];
  }
}

function evictClients(sessions: Record<string, ClientSession>): void {
  const clients = Object.keys(sessions);
  if (clients.length <= MAX_CLIENTS) return;
  // Least recently active first; ties by client id, so every replica evicts the same one.
  clients.sort((a, b) => sessions[a].lastIndex - sessions[b].lastIndex || (a < b ? -1 : 1));
  for (const client of clients.slice(0, clients.length - MAX_CLIENTS)) delete sessions[client];
}

function errorOutcome(err: unknown): Outcome {
  if (err instanceof SqlError) {
    return {
      ok: false,
      code: String(err.code),
      message: err.message,
      ...(err.detail !== undefined ? { detail: err.detail } : {}),
      ...(err.hint !== undefined ? { hint: err.hint } : {}),
    };
  }
  return {
    ok: false,
    code: SqlState.internalError,
    message: err instanceof Error ? err.message : String(err),
  };
}

function replay(outcome: Outcome): unknown {
  if (outcome.ok) return outcome.value;
  throw new SqlError(outcome.code, outcome.message, { detail: outcome.detail, hint: outcome.hint });
}

/**
 * A copy of a result, detached from the live state (a later in-place change must not alter
 * what a duplicate is told) and as a snapshot round trip would give it back, so replicas that
 * applied the command and replicas restored from a snapshot hold the same bytes.
 */
function frozenCopy(value: unknown): unknown {
  return value === undefined ? null : decodeValue(encodeValue(value));
}
