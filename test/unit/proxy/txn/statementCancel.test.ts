import { expect } from 'chai';
import {
  race,
  sleepFor,
  StatementCancel,
  statementTimeoutError,
} from '../../../../proxy/txn/statementCancel';
import { SqlError } from '../../../../common/errors';

function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (e: unknown) => (e instanceof SqlError ? `${e.code} ${e.message}` : String(e)),
  );
}

describe('StatementCancel', () => {
  it('a cancel ends a pending wait at once with 57014 and the first reason stays', async () => {
    const c = new StatementCancel();
    let settle!: (v: number) => void;
    const work = new Promise<number>((r) => (settle = r));
    const raced = codeOf(race(work, c));
    c.cancel();
    c.cancel(statementTimeoutError());
    expect(await raced).to.equal('57014 canceling statement due to user request');
    settle(1); // the abandoned work finishing later changes nothing
    expect(() => c.check()).to.throw(SqlError, 'user request');
  });

  it('race passes results and errors through when no cancel fires', async () => {
    const c = new StatementCancel();
    expect(await race(Promise.resolve(5), c)).to.equal(5);
    expect(await codeOf(race(Promise.reject(new SqlError('55P03', 'x')), c))).to.equal('55P03 x');
    c.done();
    c.check(); // done() is not a cancel
  });

  it('statement_timeout fires the cancel with its own message; done() disarms it', async () => {
    const fired = new StatementCancel();
    fired.startTimer(5);
    expect(await codeOf(sleepFor(10_000, fired))).to.equal(
      '57014 canceling statement due to statement timeout',
    );
    const disarmed = new StatementCancel();
    disarmed.startTimer(5);
    disarmed.done();
    await sleepFor(20, undefined);
    expect(disarmed.cancelled).to.equal(false);
  });

  it('sleepFor sleeps its time without a cancel, and refuses to start after one', async () => {
    const started = Date.now();
    await sleepFor(30, new StatementCancel());
    expect(Date.now() - started).to.be.at.least(29);
    const c = new StatementCancel();
    c.cancel();
    expect(await codeOf(sleepFor(10_000, c))).to.match(/^57014/);
  });
});
