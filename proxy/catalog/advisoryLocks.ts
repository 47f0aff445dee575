/**
 * pg_advisory_lock and friends, per proxy: session-level locks counted per holder
 * (PostgreSQL's locks are re-entrant per session), released when the session ends.
 *
 * Not yet cluster-wide: two proxies can both hold the same key. Cluster-wide locks need a
 * lock table in meta (a Raft command per acquire/release with session leases); until then
 * clients that coordinate through advisory locks (migration tools) must use one proxy.
 *
 * Waiting: pg_advisory_lock on a key another session holds waits for it, with a deadline
 * (lock_timeout, else 60 s) after which it fails with 55P03 as lock_timeout does.
 */
import { SqlError } from '../../common/errors';

interface Held {
  holder: number;
  count: number;
  shared: Map<number, number>;
}

export class AdvisoryLocks {
  private readonly locks = new Map<string, Held>();
  private readonly waiters: Array<() => void> = [];

  private entry(key: string): Held {
    let h = this.locks.get(key);
    if (!h) {
      h = { holder: 0, count: 0, shared: new Map() };
      this.locks.set(key, h);
    }
    return h;
  }

  tryLock(key: string, pid: number, shared = false): boolean {
    const h = this.entry(key);
    if (shared) {
      if (h.count > 0 && h.holder !== pid) return false;
      h.shared.set(pid, (h.shared.get(pid) ?? 0) + 1);
      return true;
    }
    if (h.count > 0 && h.holder !== pid) return false;
    for (const p of h.shared.keys()) if (p !== pid) return false;
    h.holder = pid;
    h.count++;
    return true;
  }

  private available(key: string, pid: number, shared: boolean): boolean {
    const h = this.locks.get(key);
    if (!h) return true;
    if (h.count > 0 && h.holder !== pid) return false;
    if (!shared) for (const p of h.shared.keys()) if (p !== pid) return false;
    return true;
  }

  /** Waits until tryLock(key, pid, shared) would succeed (the caller then retries it). */
  async waitAvailable(key: string, pid: number, shared: boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.available(key, pid, shared)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new SqlError('55P03', 'canceling statement due to lock timeout');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.push(done);
      });
    }
  }

  unlock(key: string, pid: number, shared = false): boolean {
    const h = this.locks.get(key);
    if (!h) return false;
    if (shared) {
      const n = h.shared.get(pid) ?? 0;
      if (n === 0) return false;
      if (n === 1) h.shared.delete(pid);
      else h.shared.set(pid, n - 1);
    } else {
      if (h.count === 0 || h.holder !== pid) return false;
      h.count--;
    }
    this.cleanup(key, h);
    return true;
  }

  releaseAll(pid: number): void {
    for (const [key, h] of this.locks) {
      if (h.holder === pid) h.count = 0;
      h.shared.delete(pid);
      this.cleanup(key, h);
    }
  }

  private cleanup(key: string, h: Held): void {
    if (h.count === 0 && h.shared.size === 0) this.locks.delete(key);
    for (const w of this.waiters.splice(0)) w();
  }
}
