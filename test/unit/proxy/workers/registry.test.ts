import { expect } from 'chai';
import fc from 'fast-check';
import { makeWorkerPid, maxWorkerId, workerOfPid } from '../../../../proxy/pgwire';
import { asPrimaryMessage, asWorkerMessage } from '../../../../proxy/workers/messages';
import { WorkerRegistry } from '../../../../proxy/workers/registry';

describe('proxy/workers: backend pid layout', () => {
  it('round-trips the worker id and keeps pids positive int32 (BackendKeyData)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: maxWorkerId }),
        fc.integer({ min: 1, max: (1 << 22) - 1 }),
        (w, local) => {
          const pid = makeWorkerPid(w, local);
          expect(pid).to.be.within(1, 0x7fffffff);
          expect(workerOfPid(pid)).to.equal(w);
          // The wire carries it as a signed int32 and back.
          const b = Buffer.alloc(4);
          b.writeInt32BE(pid);
          expect(workerOfPid(b.readInt32BE())).to.equal(w);
        },
      ),
    );
  });
  it('pids of different workers never collide', () => {
    expect(makeWorkerPid(1, (1 << 22) - 1)).to.be.below(makeWorkerPid(2, 1));
  });
});

describe('proxy/workers: WorkerRegistry', () => {
  const budget = { maxRestarts: 3, windowMs: 1000 };

  it('hands out connection tickets up to max_connections across workers', () => {
    const r = new WorkerRegistry(2, 3, budget);
    expect([r.admit(1), r.admit(2), r.admit(2), r.admit(1)]).to.deep.equal([
      true,
      true,
      true,
      false,
    ]);
    r.release(2);
    expect(r.admit(1)).to.equal(true);
    expect(r.connections).to.equal(3);
  });

  it('returns a dead worker’s tickets and ignores releases it does not hold', () => {
    const r = new WorkerRegistry(2, 4, budget);
    r.admit(1);
    r.admit(1);
    r.admit(2);
    r.workerGone(1);
    expect(r.connections).to.equal(1);
    r.release(1); // a message racing the restart
    expect(r.connections).to.equal(1);
    expect([r.admit(1), r.admit(1), r.admit(1), r.admit(2)]).to.deep.equal([
      true,
      true,
      true,
      false,
    ]);
  });

  it('routes a pid to the worker slot in its high bits, and nowhere for foreign pids', () => {
    const r = new WorkerRegistry(2, 10, budget);
    expect(r.ownerOf(makeWorkerPid(2, 77))).to.equal(2);
    expect(r.ownerOf(makeWorkerPid(3, 77))).to.equal(undefined);
    expect(r.ownerOf(1234)).to.equal(undefined); // worker id 0: not ours
    expect(r.ownerOf(-5)).to.equal(undefined);
  });

  it('allows maxRestarts per sliding window', () => {
    const r = new WorkerRegistry(1, 10, budget);
    expect([r.mayRestart(0), r.mayRestart(10), r.mayRestart(20), r.mayRestart(30)]).to.deep.equal([
      true,
      true,
      true,
      false,
    ]);
    expect(r.mayRestart(1005)).to.equal(true); // the one at 0 left the window
    expect(r.mayRestart(1006)).to.equal(false);
  });

  it('rejects a worker count outside the pid layout', () => {
    expect(() => new WorkerRegistry(0, 1, budget)).to.throw(RangeError);
    expect(() => new WorkerRegistry(maxWorkerId + 1, 1, budget)).to.throw(RangeError);
  });
});

describe('proxy/workers: IPC messages', () => {
  it('accepts well-formed messages and drops anything else', () => {
    expect(asWorkerMessage({ sharddb: 'w', t: 'cancel', pid: 5, secret: -7 })).to.deep.equal({
      sharddb: 'w',
      t: 'cancel',
      pid: 5,
      secret: -7,
    });
    expect(asWorkerMessage({ sharddb: 'w', t: 'cancel', pid: '5', secret: 1 })).to.equal(undefined);
    expect(asWorkerMessage({ cmd: 'NODE_CLUSTER', act: 'online' })).to.equal(undefined);
    expect(asWorkerMessage(null)).to.equal(undefined);
    expect(asWorkerMessage({ sharddb: 'w', t: 'admit', id: 1.5 })).to.equal(undefined);
    expect(asPrimaryMessage({ sharddb: 'w', t: 'admitted', id: 1, ok: true })).to.not.equal(
      undefined,
    );
    expect(asPrimaryMessage({ sharddb: 'w', t: 'admitted', id: 1 })).to.equal(undefined);
  });
});
