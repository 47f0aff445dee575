/**
 * Cluster-wide advisory locks (pg_advisory_lock and friends): a lock table in the meta
 * state machine, keyed by lock key, with one hold per owner session = (proxy process,
 * backend pid), counted per mode like PostgreSQL's (re-entrant: a session that takes a key
 * twice must release it twice; session-level and transaction-level holds are counted apart
 * so that a transaction's end drops only its own).
 *
 * Conflicts (PostgreSQL's lock.c for advisory locks): exclusive conflicts with any hold of
 * another session; shared conflicts with another session's exclusive hold.
 *
 * Leases: every proxy that holds a lock renews its lease (meta/sessionMethods.ts); a proxy
 * that stops renewing (dead, or cut off from meta) loses all its holds once the lease has
 * expired. Time comes from the command (the leader stamps its clock into it when it
 * proposes), so every replica decides expiry the same way. A lease that had to be created
 * anew gets a new epoch: a proxy that sees its epoch change knows its older holds are gone.
 */

export interface AdvisoryHold {
  readonly proxy: string;
  readonly pid: number;
  /** Session-level exclusive / shared counts. */
  ex: number;
  sh: number;
  /** Transaction-level exclusive / shared counts. */
  xex: number;
  xsh: number;
}

export interface AdvisoryLockState {
  locks: Record<string, AdvisoryHold[]>;
  leases: Record<string, { expiresMs: number; epoch: number }>;
  nextEpoch: number;
}

export type AdvisoryCommand =
  /** Take key if no other session conflicts; renews the proxy's lease. Result: AdvisoryResult. */
  | {
      readonly type: 'advisoryLock';
      readonly proxy: string;
      readonly pid: number;
      readonly key: string;
      readonly shared: boolean;
      readonly xact: boolean;
      readonly nowMs: number;
      readonly leaseMs: number;
    }
  /** Release one hold of that mode; result: AdvisoryResult (ok false when none was held). */
  | {
      readonly type: 'advisoryUnlock';
      readonly proxy: string;
      readonly pid: number;
      readonly key: string;
      readonly shared: boolean;
      readonly nowMs: number;
    }
  /** Drop a session's holds: session-level (pg_advisory_unlock_all), xact-level, or all. */
  | {
      readonly type: 'advisoryRelease';
      readonly proxy: string;
      readonly pid: number;
      readonly scope: 'session' | 'xact' | 'all';
      readonly nowMs: number;
    }
  /** Extends the proxy's lease; result: AdvisoryResult. */
  | {
      readonly type: 'advisoryRenew';
      readonly proxy: string;
      readonly nowMs: number;
      readonly leaseMs: number;
    }
  /** A proxy stopping cleanly gives everything back at once. */
  | { readonly type: 'advisoryDropProxy'; readonly proxy: string };

export interface AdvisoryResult {
  readonly ok: boolean;
  /** The proxy's lease epoch (0: it has no lease). */
  readonly epoch: number;
}

export function emptyAdvisoryState(): AdvisoryLockState {
  return { locks: {}, leases: {}, nextEpoch: 1 };
}

function otherConflicts(
  holds: readonly AdvisoryHold[],
  proxy: string,
  pid: number,
  shared: boolean,
): boolean {
  for (const h of holds) {
    if (h.proxy === proxy && h.pid === pid) continue;
    if (h.ex > 0 || h.xex > 0) return true;
    if (!shared && (h.sh > 0 || h.xsh > 0)) return true;
  }
  return false;
}

function empty(h: AdvisoryHold): boolean {
  return h.ex === 0 && h.sh === 0 && h.xex === 0 && h.xsh === 0;
}

/** Drops every hold of the proxies whose lease has expired by nowMs. */
function expire(s: AdvisoryLockState, nowMs: number): void {
  const dead = Object.keys(s.leases).filter((p) => s.leases[p].expiresMs < nowMs);
  if (dead.length === 0) return;
  for (const p of dead) delete s.leases[p];
  dropProxies(s, new Set(dead));
}

function dropProxies(s: AdvisoryLockState, proxies: ReadonlySet<string>): void {
  for (const key of Object.keys(s.locks)) {
    const kept = s.locks[key].filter((h) => !proxies.has(h.proxy));
    if (kept.length === 0) delete s.locks[key];
    else s.locks[key] = kept;
  }
}

function lease(s: AdvisoryLockState, proxy: string, nowMs: number, leaseMs: number): number {
  const l = s.leases[proxy];
  if (l !== undefined) {
    l.expiresMs = Math.max(l.expiresMs, nowMs + leaseMs);
    return l.epoch;
  }
  const epoch = s.nextEpoch++;
  s.leases[proxy] = { expiresMs: nowMs + leaseMs, epoch };
  return epoch;
}

export function applyAdvisory(s: AdvisoryLockState, c: AdvisoryCommand): AdvisoryResult | number {
  switch (c.type) {
    case 'advisoryLock': {
      expire(s, c.nowMs);
      const holds = s.locks[c.key] ?? [];
      if (otherConflicts(holds, c.proxy, c.pid, c.shared))
        return { ok: false, epoch: s.leases[c.proxy]?.epoch ?? 0 };
      const epoch = lease(s, c.proxy, c.nowMs, c.leaseMs);
      let h = holds.find((x) => x.proxy === c.proxy && x.pid === c.pid);
      if (h === undefined) {
        h = { proxy: c.proxy, pid: c.pid, ex: 0, sh: 0, xex: 0, xsh: 0 };
        holds.push(h);
      }
      if (c.xact) {
        if (c.shared) h.xsh++;
        else h.xex++;
      } else if (c.shared) h.sh++;
      else h.ex++;
      s.locks[c.key] = holds;
      return { ok: true, epoch };
    }
    case 'advisoryUnlock': {
      expire(s, c.nowMs);
      const epoch = s.leases[c.proxy]?.epoch ?? 0;
      const holds = s.locks[c.key];
      const h = holds?.find((x) => x.proxy === c.proxy && x.pid === c.pid);
      // pg_advisory_unlock releases session-level holds only (xact ones end with the transaction).
      if (h === undefined || (c.shared ? h.sh : h.ex) === 0) return { ok: false, epoch };
      if (c.shared) h.sh--;
      else h.ex--;
      if (empty(h)) {
        const kept = holds.filter((x) => x !== h);
        if (kept.length === 0) delete s.locks[c.key];
        else s.locks[c.key] = kept;
      }
      return { ok: true, epoch };
    }
    case 'advisoryRelease': {
      expire(s, c.nowMs);
      let released = 0;
      for (const key of Object.keys(s.locks)) {
        const holds = s.locks[key];
        for (const h of holds) {
          if (h.proxy !== c.proxy || h.pid !== c.pid) continue;
          if (c.scope !== 'xact') {
            released += h.ex + h.sh;
            h.ex = h.sh = 0;
          }
          if (c.scope !== 'session') {
            released += h.xex + h.xsh;
            h.xex = h.xsh = 0;
          }
        }
        const kept = holds.filter((h) => !empty(h));
        if (kept.length === 0) delete s.locks[key];
        else s.locks[key] = kept;
      }
      return released;
    }
    case 'advisoryRenew': {
      expire(s, c.nowMs);
      const held = Object.values(s.locks).some((hs) => hs.some((h) => h.proxy === c.proxy));
      // A proxy holding nothing needs no lease (its next lock creates one).
      if (!held) {
        delete s.leases[c.proxy];
        return { ok: true, epoch: 0 };
      }
      return { ok: true, epoch: lease(s, c.proxy, c.nowMs, c.leaseMs) };
    }
    case 'advisoryDropProxy':
      delete s.leases[c.proxy];
      dropProxies(s, new Set([c.proxy]));
      return { ok: true, epoch: 0 };
  }
}

/** Every hold, for diagnostics and tests: [key, hold]. */
export function advisoryHolds(s: AdvisoryLockState): Array<[string, AdvisoryHold]> {
  const out: Array<[string, AdvisoryHold]> = [];
  for (const [key, holds] of Object.entries(s.locks)) for (const h of holds) out.push([key, h]);
  return out;
}
