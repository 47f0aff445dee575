/**
 * What a reader does when a read meets a lock (the proxy's job in production), for the
 * model and simulation tests: ask the lock's primary for its transaction's status, roll
 * the lock forward or back, or — while the transaction runs — push its min_commit_ts past
 * the reader and read through it.
 */
import type { Lock, MvccStore, Timestamp } from '../../../../shard/mvcc';

export type StoreOf = (key: Buffer) => MvccStore;

/** Resolves one lock met by a reader at `readTs`; adds to bypass when it reads through. */
export async function resolveForRead(
  storeOf: StoreOf,
  lock: Lock,
  readTs: Timestamp,
  bypass: Timestamp[],
): Promise<void> {
  const st = await storeOf(lock.primary).checkTxnStatus({
    primary: lock.primary,
    startTs: lock.startTs,
    callerStartTs: readTs,
    // A secondary whose primary has no lock and no record: if the secondary has expired,
    // the primary's prewrite is not coming in time; make sure it never does.
    rollbackIfNotExist: true,
  });
  if (st.kind === 'committed') {
    await storeOf(lock.key).resolveLocks({
      keys: [lock.key],
      startTs: lock.startTs,
      commitTs: st.commitTs,
    });
  } else if (st.kind === 'rolledBack') {
    await storeOf(lock.key).resolveLocks({ keys: [lock.key], startTs: lock.startTs, commitTs: 0n });
  } else if (st.kind === 'locked' && st.minCommitTsPushed) {
    bypass.push(lock.startTs);
  }
}

/** A point read that resolves the locks it meets (bounded: fails the test if it loops). */
export async function readResolving(
  storeOf: StoreOf,
  key: Buffer,
  ts: Timestamp,
  txnStartTs?: Timestamp,
): Promise<Buffer | undefined> {
  const bypass: Timestamp[] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    const r = await storeOf(key).get({ key, ts, txnStartTs, bypassLocks: bypass });
    if (r.kind === 'ok') return r.value;
    await resolveForRead(storeOf, r.locks[0], ts, bypass);
  }
  throw new Error(`read of ${key.toString()} at ${ts} kept meeting locks`);
}
